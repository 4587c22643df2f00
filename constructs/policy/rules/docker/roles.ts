import { DockerModel, findMiddleware, isTraefikContainer, ModelContainer, ModelNetwork, ModelRouter } from "../../docker-model";
import { RuleContext, RuleFinding } from "../../rule";
import { CONTAINER_ROLES, MIN_PUBLIC_REASON_LENGTH, NETWORK_ROLE_LABEL, NetworkRole, PUBLIC_REASON_LABEL, ROLE_LABEL, TENANT_LABEL } from "../../../common/labels";

/*
 * What a container or network is for. This project's constructs say so with labels; for any other
 * cdktf stack the role is inferred from names and images, which the report shows as inferred.
 */

// The label names and role values are the constructs' own (common/labels); rules import them from here too.
export { MIN_PUBLIC_REASON_LENGTH, NETWORK_ROLE_LABEL, PUBLIC_REASON_LABEL, ROLE_LABEL, TENANT_LABEL };
export type { NetworkRole };

const EDGE_PROXY_IMAGE = /(^|\/)(traefik|caddy|haproxy|envoy|nginx|nginx-proxy|nginx-proxy-manager|openresty)(:|@|$)/;
const SOCKET_PROXY_IMAGE = /socket-proxy|docker-proxy/;
const DATABASE_IMAGE = /(^|\/)(postgres|postgis|mysql|mariadb|mongo|redis|valkey|keydb|elasticsearch|opensearch|clickhouse|cassandra|couchdb|timescaledb|pgvector)(:|@|$)/;

export function isSocketProxy(c: ModelContainer): boolean {
  return c.labels[ROLE_LABEL] === CONTAINER_ROLES.socketProxy || (!c.labels[ROLE_LABEL] && SOCKET_PROXY_IMAGE.test(c.image));
}

export function isEdgeProxy(c: ModelContainer): boolean {
  if (c.labels[ROLE_LABEL]) return c.labels[ROLE_LABEL] === CONTAINER_ROLES.edgeProxy;
  return !isSocketProxy(c) && (isTraefikContainer(c) || EDGE_PROXY_IMAGE.test(c.image));
}

export function isDatabase(c: ModelContainer): boolean {
  return c.labels[ROLE_LABEL] === CONTAINER_ROLES.database || DATABASE_IMAGE.test(c.image);
}

const NAME_ROLES: [RegExp, NetworkRole][] = [
  [/(^|[-_.])(edge|public|dmz|frontend|ingress|proxy)([-_.]|$)/, "edge"],
  [/(^|[-_.])(socket|docker-?socket)([-_.]|$)/, "socket"],
  [/(^|[-_.])(data|db|database|storage|postgres|pg)([-_.]|$)/, "data"],
  [/(^|[-_.])(egress|outbound|internet)([-_.]|$)/, "egress"],
  [/(^|[-_.])(app|apps|backend|internal|runners?)([-_.]|$)/, "app"],
];

/**
 * A network's role: its label; else "data" when a database is on it (whatever its name: that is
 * what makes it a data network); else its name; else "edge" when the edge proxy publishes ports from it.
 */
export function networkRole(n: ModelNetwork, model?: DockerModel): NetworkRole | undefined {
  const labelled = n.labels[NETWORK_ROLE_LABEL];
  if (labelled) return labelled as NetworkRole;
  if (model?.containers.some((c) => isDatabase(c) && c.networks.some((x) => x.name === n.name))) return "data";
  const byName = NAME_ROLES.find(([re]) => re.test(n.name.toLowerCase()))?.[1];
  if (byName) return byName;
  if (!n.internal && model?.containers.some((c) => isEdgeProxy(c) && c.ports.length > 0 && c.networks.some((x) => x.name === n.name))) return "edge";
  return undefined;
}

/** How the role was decided, for the report. */
export function networkRoleSource(n: ModelNetwork): "label" | "inferred" {
  return n.labels[NETWORK_ROLE_LABEL] ? "label" : "inferred";
}

/** The container whose labels declare a router (file-provider routers: the proxy itself). */
export function containerOf(model: DockerModel, r: ModelRouter): ModelContainer | undefined {
  return model.containers.find((c) => c.name === r.container);
}

/** A finding on the container that declares a router. */
export function routerFinding(model: DockerModel, r: ModelRouter, detail: string): RuleFinding {
  const c = containerOf(model, r);
  return { resource: c?.address ?? `router ${r.name}`, path: c?.path, detail };
}

/** A finding on a container. */
export function containerFinding(c: ModelContainer, detail: string): RuleFinding {
  return { resource: c.address, path: c.path, detail };
}

/** The stated reason a container is public by design, when it is long enough to count. */
export function publicReason(c: ModelContainer | undefined): string | undefined {
  const r = c?.labels[PUBLIC_REASON_LABEL]?.trim();
  return r && r.length >= MIN_PUBLIC_REASON_LENGTH ? r : undefined;
}

/**
 * True when a router passes every request through SSO: one of its middlewares is a forwardAuth
 * middleware (docker labels or the file provider), a middleware named in `ssoMiddlewares`, or a
 * chain that contains one.
 */
export function hasSso(ctx: Pick<RuleContext, "options">, model: DockerModel, r: ModelRouter): boolean {
  const isSso = (ref: string, depth: number): boolean => {
    const base = ref.includes("@") ? ref.slice(0, ref.lastIndexOf("@")) : ref;
    if (ctx.options.ssoMiddlewares.includes(base)) return true;
    const m = findMiddleware(model, ref, r.provider ?? "docker");
    if (!m) return false;
    if (m.type === "forwardauth") return true;
    if (m.type === "chain" && depth < 5) {
      const members = Object.entries(m.settings)
        .filter(([k]) => /^middlewares(\.\d+)?$/i.test(k))
        .flatMap(([, v]) => v.split(","))
        .map((x) => x.trim())
        .filter(Boolean);
      return members.some((x) => isSso(x, depth + 1));
    }
    return false;
  };
  return r.middlewares.some((m) => isSso(m, 0));
}

/** Hosts a router's rule names with Host(...); a placeholder when it names none (every host). */
export function hostsOf(r: ModelRouter): string[] {
  const hosts = [...r.rule.matchAll(/\bHost\(([^)]*)\)/g)].flatMap((m) => [...m[1].matchAll(/[`"]([^`"]+)[`"]/g)].map((x) => x[1]));
  return hosts.length > 0 ? hosts : ["any-host.invalid"];
}

/** The tenant a container or network belongs to (label `org.n8n-zero-trust.tenant`); undefined for the shared edge and single-tenant stacks. */
export function tenantOf(x: { readonly labels: Record<string, string> }): string | undefined {
  return x.labels[TENANT_LABEL] || undefined;
}

/** True when the stack has containers of at least one tenant (the tenant rules apply). */
export function hasTenants(model: DockerModel): boolean {
  return model.containers.some((c) => tenantOf(c) !== undefined) || model.networks.some((n) => tenantOf(n) !== undefined);
}

/**
 * Values each tenant uses, and the ones two or more tenants share: `valuesOf` lists a tenant
 * container's values (a role, a file, a cookie name). Returns, per shared value, the containers
 * that use it with their tenants.
 */
export function sharedAcrossTenants(model: DockerModel, valuesOf: (c: ModelContainer) => readonly string[]): Map<string, { container: ModelContainer; tenant: string }[]> {
  const users = new Map<string, { container: ModelContainer; tenant: string }[]>();
  for (const c of model.containers) {
    const tenant = tenantOf(c);
    if (!tenant) continue;
    for (const v of new Set(valuesOf(c))) users.set(v, [...(users.get(v) ?? []), { container: c, tenant }]);
  }
  return new Map([...users].filter(([, us]) => new Set(us.map((u) => u.tenant)).size > 1));
}

/** Findings for values two tenants share: one per container that uses one, naming the value and the tenants. */
export function sharedFindings(shared: Map<string, { container: ModelContainer; tenant: string }[]>, what: string): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const [value, users] of shared) {
    const tenants = [...new Set(users.map((u) => u.tenant))].sort();
    for (const u of users) out.push(containerFinding(u.container, `${u.container.name} (tenant ${u.tenant}) uses ${what} ${value}, which tenants ${tenants.join(", ")} share`));
  }
  return out;
}

/** Host sources of a container's bind mounts and the names of its volumes. */
export function mountSources(c: ModelContainer, filter: (m: ModelContainer["mounts"][number]) => boolean = () => true): string[] {
  return [...c.mounts.filter((m) => m.source !== undefined && filter(m)).map((m) => `${m.type === "volume" ? "volume" : "file"} ${m.source}`), ...c.volumesLegacy.flatMap((v) => (v.hostPath ? [`file ${v.hostPath}`] : []))];
}
