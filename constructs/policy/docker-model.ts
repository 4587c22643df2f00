import { parseRule, RuleExpr, ruleMatches, RuleRequest, tryParseRule } from "./traefik-rules";
import { CONTAINER_ROLES, FILES_LABEL, ROLE_LABEL } from "../common/labels";
import { flattenConfigFile, formatOf, parseFlags } from "./config-files";

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
  /** Where the router is declared: container labels (default) or a dynamic-config file uploaded to the proxy. */
  readonly provider?: "docker" | "file";
  /**
   * True for the router Traefik creates by itself for an enabled container that declares no
   * router: default rule Host(`<container name>`), every entry point, no middleware.
   */
  readonly implicit?: boolean;
}

export interface ModelMiddleware {
  readonly name: string;
  readonly container: string;
  /** Middleware type, e.g. `forwardauth`, `ratelimit`. */
  readonly type: string;
  readonly settings: Record<string, string>;
  /** Where the middleware is declared: container labels (default) or a dynamic-config file. */
  readonly provider?: "docker" | "file";
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

/** A boolean as Go's strconv.ParseBool reads it (Traefik's flags, labels and files): 1, t, T, TRUE, true, True. */
export function isTrueValue(v: unknown): boolean {
  return v === true || (typeof v === "string" && /^(1|t|true)$/i.test(v.trim()));
}

/** The false spellings of strconv.ParseBool: 0, f, F, FALSE, false, False. */
export function isFalseValue(v: unknown): boolean {
  return v === false || (typeof v === "string" && /^(0|f|false)$/i.test(v.trim()));
}

/** One docker_container of the plan, with its image and networks resolved. */
function modelContainer(key: string, c: Record<string, unknown>, resolveImage: (ref: string) => string, resolveNetwork: (ref: string) => ModelNetwork): ModelContainer {
  const labels: Record<string, string> = {};
  for (const l of asArray<Record<string, unknown>>(c.labels)) labels[str(l.label) ?? ""] = str(l.value) ?? "";
  const env: Record<string, string> = {};
  for (const e of asArray<string>(c.env)) {
    const i = e.indexOf("=");
    env[i < 0 ? e : e.slice(0, i)] = i < 0 ? "" : e.slice(i + 1);
  }
  const caps = asArray<Record<string, unknown>>(c.capabilities)[0] ?? {};
  const health = asArray<Record<string, unknown>>(c.healthcheck)[0];
  return {
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
    uploads: [...asArray<Record<string, unknown>>(c.upload).map((u) => ({ file: str(u.file) ?? "", content: str(u.content) })), ...startTimeFiles(labels, env)],
    raw: c,
  };
}

/** The routers and middlewares a container's Traefik labels declare (none unless it opts in). */
function addLabelConfig(c: ModelContainer, routers: ModelRouter[], middlewares: ModelMiddleware[]): void {
  // Traefik decodes labels case-insensitively (paerser): `...routers.r.Middlewares` is `...routers.r.middlewares`.
  const lab = new Map(Object.entries(c.labels).map(([k, v]) => [k.toLowerCase(), v]));
  if (!isTrueValue(lab.get("traefik.enable"))) return;
  const routerNames = new Set<string>();
  const mw = new Map<string, { type: string; settings: Record<string, string> }>();
  for (const [k, val] of lab) {
    const r = /^traefik\.http\.routers\.([^.]+)\./.exec(k);
    if (r) routerNames.add(r[1]);
    const m = /^traefik\.http\.middlewares\.([^.]+)\.([^.]+)\.(.+)$/.exec(k);
    if (m) {
      const entry = mw.get(m[1]) ?? { type: m[2], settings: {} };
      entry.settings[m[3]] = val;
      mw.set(m[1], entry);
    }
  }
  for (const name of routerNames) {
    const p = `traefik.http.routers.${name}`;
    const rule = lab.get(`${p}.rule`) ?? "";
    const { expr, parseError } = tryParseRule(rule);
    routers.push({
      name,
      container: c.name,
      rule,
      expr,
      parseError,
      // Traefik's default priority is the rule's length.
      priority: lab.get(`${p}.priority`) ? Number(lab.get(`${p}.priority`)) : rule.length,
      entrypoints: (lab.get(`${p}.entrypoints`) ?? "").split(",").map((x) => x.trim()).filter(Boolean),
      middlewares: (lab.get(`${p}.middlewares`) ?? "").split(",").map((x) => x.trim()).filter(Boolean),
      service: lab.get(`${p}.service`),
      tls: isTrueValue(lab.get(`${p}.tls`)) || [...lab.keys()].some((k) => k.startsWith(`${p}.tls.`)),
    });
  }
  for (const [name, m] of mw) middlewares.push({ name, container: c.name, type: m.type, settings: m.settings });
  const declaresRouter = [...lab.keys()].some((k) => /^traefik\.(http|tcp|udp)\.routers\./.test(k));
  if (!declaresRouter) {
    // Traefik's docker provider gives such a container a router of its own: default rule, no middleware.
    const rule = `Host(\`${c.name}\`)`;
    const services = [...new Set([...lab.keys()].map((k) => /^traefik\.http\.services\.([^.]+)\./.exec(k)?.[1]).filter((x): x is string => !!x))];
    routers.push({ name: c.name, container: c.name, rule, expr: parseRule(rule), priority: rule.length, entrypoints: [], middlewares: [], service: services[0] ?? c.name, tls: false, implicit: true });
  }
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
  for (const [key, c] of Object.entries(res.docker_container ?? {})) containers.push(modelContainer(key, c, resolveImage, resolveNetwork));

  const routers: ModelRouter[] = [];
  const middlewares: ModelMiddleware[] = [];
  for (const c of containers) addLabelConfig(c, routers, middlewares);
  for (const c of containers.filter(isTraefikContainer)) addFileProviderConfig(c, routers, middlewares);
  return { networks: [...networksByKey.values()], containers, routers, middlewares };
}

/** A container that runs Traefik (by image), or that a construct labelled as the edge proxy. */
export function isTraefikContainer(c: ModelContainer): boolean {
  return /(^|\/)traefik(:|@|$)/.test(c.image) || c.labels[ROLE_LABEL] === CONTAINER_ROLES.edgeProxy;
}

/** Parses a YAML config file (with a real YAML parser) into lower-cased dotted keys; see flattenDoc. */
export function flattenYaml(text: string): Record<string, string> {
  return flattenConfigFile("config.yaml", text);
}

/** Traefik's static configuration as far as the plan shows it: flattened, lower-cased keys. */
export interface TraefikStaticConfig {
  readonly keys: Record<string, string>;
  /** Where the keys came from: `command`, `env`, or the uploaded file's path. */
  readonly sources: string[];
}

/**
 * Reads a Traefik container's static configuration from its command flags, its `TRAEFIK_*`
 * environment and an uploaded static config file. Undefined when none of them is in the plan
 * (e.g. the file is bind-mounted from the host): callers must then treat the setting as unknown.
 */
export function traefikStaticConfig(c: ModelContainer): TraefikStaticConfig | undefined {
  if (!isTraefikContainer(c)) return undefined;
  if (staticConfigs.has(c)) return staticConfigs.get(c);
  const cfg = readStaticConfig(c);
  staticConfigs.set(c, cfg);
  return cfg;
}

/** Parsed once per container: several rules and the report ask for it. */
const staticConfigs = new WeakMap<ModelContainer, TraefikStaticConfig | undefined>();

/**
 * Traefik (paerser) reads one source, not a merge: a config file when `--configFile` names one or a
 * file sits in a default location, else the command-line flags when there are any, else the
 * `TRAEFIK_*` environment. Flags are case-insensitive; env names are lower-cased with `_` → `.`.
 */
function readStaticConfig(c: ModelContainer): TraefikStaticConfig | undefined {
  const args = [...(Array.isArray(c.raw.entrypoint) ? (c.raw.entrypoint as string[]).filter((a) => a.startsWith("--")) : []), ...c.command];
  // paerser takes the next argument as the value unless it is another flag (`--configFile /x.yml`); the last one wins.
  const flagged: Record<string, string> = Object.fromEntries([...parseFlags(args)].map(([k, v]) => [k, v[v.length - 1]]));
  const configFile = flagged.configfile ?? DEFAULT_STATIC_FILES.find((f) => c.uploads.some((u) => u.file === f));
  if (configFile) {
    const upload = c.uploads.find((u) => u.file === configFile);
    if (upload?.content === undefined || !formatOf(upload.file)) return undefined;
    return { keys: flattenConfigFile(upload.file, upload.content), sources: [upload.file] };
  }
  const flagKeys = Object.keys(flagged);
  if (flagKeys.length > 0) return { keys: flagged, sources: ["command"] };
  const env = Object.entries(c.env).filter(([k]) => /^TRAEFIK_/.test(k));
  if (env.length === 0) return undefined;
  const keys: Record<string, string> = {};
  for (const [k, v] of env) keys[k.slice("TRAEFIK_".length).toLowerCase().replace(/_/g, ".")] = v;
  return { keys, sources: ["env"] };
}

/** Where Traefik looks for its static configuration file when no `--configFile` is given. */
const DEFAULT_STATIC_FILES = ["/etc/traefik/traefik.toml", "/etc/traefik/traefik.yaml", "/etc/traefik/traefik.yml", "/traefik.toml", "/traefik.yaml", "/traefik.yml"];

/**
 * Files HardenedContainer writes at start (label `org.n8n-zero-trust.files`: path → env var),
 * read like uploads so every rule sees the same configs wherever the stack puts them.
 */
function startTimeFiles(labels: Record<string, string>, env: Record<string, string>): { file: string; content?: string }[] {
  const raw = labels[FILES_LABEL];
  if (!raw) return [];
  try {
    const map = JSON.parse(raw) as Record<string, string>;
    return Object.entries(map).map(([file, name]) => ({ file, content: env[name] }));
  } catch {
    return [];
  }
}

/**
 * The uploaded files Traefik's file provider loads: `providers.file.filename`, or files directly in
 * `providers.file.directory` (it does not descend). With the static config in the plan and no file
 * provider, none; with the static config not in the plan, every YAML/TOML/JSON upload (unknown: read).
 */
export function dynamicConfigFiles(c: ModelContainer): { file: string; content: string }[] {
  const cfg = traefikStaticConfig(c);
  const staticFile = cfg?.sources.find((s) => s.startsWith("/"));
  const candidates = c.uploads.filter((u): u is { file: string; content: string } => u.file !== staticFile && u.content !== undefined && !!formatOf(u.file));
  if (!cfg) return candidates;
  const filename = cfg.keys["providers.file.filename"];
  const dir = cfg.keys["providers.file.directory"]?.replace(/\/+$/, "");
  return candidates.filter((u) => u.file === filename || (dir !== undefined && u.file.startsWith(`${dir}/`) && !u.file.slice(dir.length + 1).includes("/")));
}

/** Each loaded dynamic-config file, flattened once per container (the model and several rules read them). */
export function dynamicConfigKeys(c: ModelContainer): { file: string; keys: Record<string, string> }[] {
  let out = dynamicConfigs.get(c);
  if (!out) dynamicConfigs.set(c, (out = dynamicConfigFiles(c).map((u) => ({ file: u.file, keys: flattenConfigFile(u.file, u.content) }))));
  return out;
}
const dynamicConfigs = new WeakMap<ModelContainer, { file: string; keys: Record<string, string> }[]>();

/** Routers and middlewares from dynamic-config files uploaded into a Traefik container (file provider). */
function addFileProviderConfig(c: ModelContainer, routers: ModelRouter[], middlewares: ModelMiddleware[]): void {
  for (const { keys } of dynamicConfigKeys(c)) {
    const mws = new Map<string, { type: string; settings: Record<string, string> }>();
    const rts = new Map<string, Record<string, string>>();
    for (const [k, v] of Object.entries(keys)) {
      const m = /^http\.middlewares\.([^.]+)\.([^.]+)(?:\.(.+))?$/.exec(k);
      if (m) {
        const entry = mws.get(m[1]) ?? { type: m[2], settings: {} };
        if (m[3]) entry.settings[m[3]] = v;
        mws.set(m[1], entry);
      }
      const r = /^http\.routers\.([^.]+)\.(.+)$/.exec(k);
      if (r) rts.set(r[1], { ...rts.get(r[1]), [r[2]]: v });
    }
    for (const [name, m] of mws) middlewares.push({ name, container: c.name, type: m.type, settings: m.settings, provider: "file" });
    for (const [name, r] of rts) {
      const rule = r.rule ?? "";
      const { expr, parseError } = tryParseRule(rule);
      const list = (p: string) => Object.keys(r).filter((k) => new RegExp(`^${p}\\.\\d+$`).test(k)).map((k) => r[k]);
      routers.push({
        name,
        container: c.name,
        rule,
        expr,
        parseError,
        priority: r.priority ? Number(r.priority) : rule.length,
        entrypoints: list("entrypoints"),
        middlewares: list("middlewares"),
        service: r.service,
        tls: Object.keys(r).some((k) => k === "tls" || k.startsWith("tls.")),
        provider: "file",
      });
    }
  }
}

/**
 * The middleware a router's reference names: `name@provider` resolves within that provider
 * (`docker` labels or `file`); a bare name resolves in the router's own provider first.
 */
export function findMiddleware(model: DockerModel, ref: string, routerProvider: "docker" | "file" = "docker"): ModelMiddleware | undefined {
  const at = ref.lastIndexOf("@");
  // Names compare case-insensitively: labels are decoded case-insensitively and file keys are read lower-cased.
  const name = (at < 0 ? ref : ref.slice(0, at)).trim().toLowerCase();
  const provider = (at < 0 ? routerProvider : ref.slice(at + 1)).trim().toLowerCase();
  const candidates = middlewaresByName(model).get(name) ?? [];
  return candidates.find((m) => (m.provider ?? "docker") === provider) ?? (at < 0 ? candidates[0] : undefined);
}

/** The model's middlewares by lower-cased name, indexed once per model (every router of every rule looks them up). */
function middlewaresByName(model: DockerModel): Map<string, ModelMiddleware[]> {
  let index = middlewareIndex.get(model);
  if (!index) {
    index = new Map();
    for (const m of model.middlewares) {
      const k = m.name.toLowerCase();
      index.set(k, [...(index.get(k) ?? []), m]);
    }
    middlewareIndex.set(model, index);
  }
  return index;
}
const middlewareIndex = new WeakMap<DockerModel, Map<string, ModelMiddleware[]>>();

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
