import { parseRule, RuleExpr, ruleMatches, RuleRequest } from "./traefik-rules";

/*
 * Reads the Docker topology out of any synthesized cdktf JSON (`cdk.tf.json`): containers with
 * their resolved image, networks, ports, mounts, env and labels, and the Traefik routers and
 * middlewares declared in labels. Pure: it never runs Terraform or Docker.
 */

/** The parts of a cdktf stack JSON this model reads. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

export interface ModelNetwork {
  /** Terraform address, e.g. `docker_network.Runtime_Networks_EdgeNetwork_1A2B`. */
  readonly address: string;
  readonly name: string;
  readonly internal: boolean;
  readonly labels: Record<string, string>;
}

export interface ModelContainer {
  readonly address: string;
  /** Construct path from cdktf metadata, when present. */
  readonly path?: string;
  readonly name: string;
  /** Image reference (resolved through `docker_image` when the container refers to one). */
  readonly image: string;
  readonly networks: ModelNetwork[];
  readonly ports: { readonly internal: number; readonly external?: number; readonly ip?: string }[];
  readonly mounts: { readonly type: string; readonly source?: string; readonly target: string; readonly readOnly: boolean }[];
  readonly volumesLegacy: { readonly hostPath?: string; readonly containerPath?: string }[];
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly privileged: boolean;
  readonly securityOpts: string[];
  readonly capDrop: string[];
  readonly capAdd: string[];
  readonly readOnlyRoot: boolean;
  readonly user?: string;
  readonly memoryMb?: number;
  readonly hasHealthcheck: boolean;
  readonly networkMode?: string;
  readonly command: string[];
  readonly uploads: { readonly file: string; readonly content?: string }[];
  readonly raw: Record<string, unknown>;
}

export interface ModelRouter {
  readonly name: string;
  /** Container whose labels declare the router. */
  readonly container: string;
  readonly rule: string;
  readonly expr?: RuleExpr;
  readonly parseError?: string;
  readonly priority: number;
  readonly entrypoints: string[];
  readonly middlewares: string[];
  readonly service?: string;
  readonly tls: boolean;
}

export interface ModelMiddleware {
  readonly name: string;
  readonly container: string;
  /** Middleware type, e.g. `forwardauth`, `ratelimit`. */
  readonly type: string;
  readonly settings: Record<string, string>;
}

export interface DockerModel {
  readonly networks: ModelNetwork[];
  readonly containers: ModelContainer[];
  readonly routers: ModelRouter[];
  readonly middlewares: ModelMiddleware[];
}

const REF = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/;

function asArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : v === undefined || v === null ? [] : [v as T];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

function truthy(v: unknown): boolean {
  return v === true || v === "true";
}

/** Builds the model from one stack's synthesized JSON. */
export function dockerModel(stack: StackJson): DockerModel {
  const res = stack.resource ?? {};
  const networksByKey = new Map<string, ModelNetwork>();
  for (const [key, n] of Object.entries(res.docker_network ?? {})) {
    const labels: Record<string, string> = {};
    for (const l of asArray<Record<string, unknown>>(n.labels)) labels[str(l.label) ?? ""] = str(l.value) ?? "";
    networksByKey.set(key, { address: `docker_network.${key}`, name: str(n.name) ?? key, internal: truthy(n.internal), labels });
  }
  const networkByName = new Map([...networksByKey.values()].map((n) => [n.name, n]));
  const resolveNetwork = (ref: string): ModelNetwork => {
    const m = REF.exec(ref);
    if (m && m[1] === "docker_network" && networksByKey.has(m[2])) return networksByKey.get(m[2])!;
    return networkByName.get(ref) ?? { address: "(external)", name: ref, internal: false, labels: {} };
  };
  const resolveImage = (ref: string): string => {
    const m = REF.exec(ref);
    if (m && m[1] === "docker_image") return str(res.docker_image?.[m[2]]?.name) ?? ref;
    return ref;
  };

  const containers: ModelContainer[] = [];
  for (const [key, c] of Object.entries(res.docker_container ?? {})) {
    const labels: Record<string, string> = {};
    for (const l of asArray<Record<string, unknown>>(c.labels)) labels[str(l.label) ?? ""] = str(l.value) ?? "";
    const env: Record<string, string> = {};
    for (const e of asArray<string>(c.env)) {
      const i = e.indexOf("=");
      env[i < 0 ? e : e.slice(0, i)] = i < 0 ? "" : e.slice(i + 1);
    }
    const caps = asArray<Record<string, unknown>>(c.capabilities)[0] ?? {};
    const health = asArray<Record<string, unknown>>(c.healthcheck)[0];
    containers.push({
      address: `docker_container.${key}`,
      path: str((c["//"] as Record<string, Record<string, unknown>> | undefined)?.metadata?.path),
      name: str(c.name) ?? key,
      image: resolveImage(str(c.image) ?? ""),
      networks: asArray<Record<string, unknown>>(c.networks_advanced).map((n) => resolveNetwork(str(n.name) ?? "")),
      ports: asArray<Record<string, unknown>>(c.ports).map((p) => ({ internal: Number(p.internal), external: p.external === undefined ? undefined : Number(p.external), ip: str(p.ip) })),
      mounts: asArray<Record<string, unknown>>(c.mounts).map((m) => ({ type: str(m.type) ?? "", source: str(m.source), target: str(m.target) ?? "", readOnly: truthy(m.read_only) })),
      volumesLegacy: asArray<Record<string, unknown>>(c.volumes).map((v) => ({ hostPath: str(v.host_path), containerPath: str(v.container_path) })),
      env,
      labels,
      privileged: truthy(c.privileged),
      securityOpts: asArray<string>(c.security_opts),
      capDrop: asArray<string>(caps.drop),
      capAdd: asArray<string>(caps.add),
      readOnlyRoot: truthy(c.read_only),
      user: str(c.user),
      memoryMb: c.memory === undefined ? undefined : Number(c.memory),
      hasHealthcheck: !!health && asArray(health.test).length > 0,
      networkMode: str(c.network_mode),
      command: asArray<string>(c.command),
      uploads: asArray<Record<string, unknown>>(c.upload).map((u) => ({ file: str(u.file) ?? "", content: str(u.content) })),
      raw: c,
    });
  }

  const routers: ModelRouter[] = [];
  const middlewares: ModelMiddleware[] = [];
  for (const c of containers) {
    if (c.labels["traefik.enable"] !== "true") continue;
    const routerNames = new Set<string>();
    const mw = new Map<string, { type: string; settings: Record<string, string> }>();
    for (const [k, val] of Object.entries(c.labels)) {
      const r = /^traefik\.http\.routers\.([^.]+)\./.exec(k);
      if (r) routerNames.add(r[1]);
      const m = /^traefik\.http\.middlewares\.([^.]+)\.([^.]+)\.(.+)$/.exec(k);
      if (m) {
        const entry = mw.get(m[1]) ?? { type: m[2].toLowerCase(), settings: {} };
        entry.settings[m[3]] = val;
        mw.set(m[1], entry);
      }
    }
    for (const name of routerNames) {
      const p = `traefik.http.routers.${name}`;
      const rule = c.labels[`${p}.rule`] ?? "";
      let expr: RuleExpr | undefined;
      let parseError: string | undefined;
      try {
        expr = parseRule(rule);
      } catch (e) {
        parseError = (e as Error).message;
      }
      routers.push({
        name,
        container: c.name,
        rule,
        expr,
        parseError,
        // Traefik's default priority is the rule's length.
        priority: c.labels[`${p}.priority`] ? Number(c.labels[`${p}.priority`]) : rule.length,
        entrypoints: (c.labels[`${p}.entrypoints`] ?? "").split(",").filter(Boolean),
        middlewares: (c.labels[`${p}.middlewares`] ?? "").split(",").filter(Boolean),
        service: c.labels[`${p}.service`],
        tls: c.labels[`${p}.tls`] === "true" || c.labels[`${p}.tls.certresolver`] !== undefined,
      });
    }
    for (const [name, m] of mw) middlewares.push({ name, container: c.name, type: m.type, settings: m.settings });
  }
  return { networks: [...networksByKey.values()], containers, routers, middlewares };
}

/** Strips the `@provider` suffix Traefik uses in middleware references. */
export function middlewareBaseName(ref: string): string {
  const at = ref.lastIndexOf("@");
  return at < 0 ? ref : ref.slice(0, at);
}

/** The router Traefik would pick for a request on an entry point: highest priority among matches. */
export function routeFor(model: DockerModel, req: RuleRequest, entrypoint?: string): ModelRouter | undefined {
  const candidates = model.routers.filter((r) => r.expr && (!entrypoint || r.entrypoints.length === 0 || r.entrypoints.includes(entrypoint)) && ruleMatches(r.expr, req));
  return candidates.sort((a, b) => b.priority - a.priority)[0];
}
