import { Construct } from "constructs";
import { TENANT_CONTEXT } from "../common/labels";
import { ContainerLogging } from "../common/hardened-container";
import { Postgres } from "../data/postgres";
import { PostgresBootstrapProps } from "../data/postgres-bootstrap";
import { DevIdp } from "../edge/dev-idp";
import { OAuth2Proxy } from "../edge/oauth2-proxy";
import { DockerSocketProxy } from "../edge/socket-proxy";
import { Traefik } from "../edge/traefik";
import { SharedEdgeNetworks, TenantNetworks } from "../network/tenant-networks";
import { TENANT_ID_PATTERN, TENANT_ID_RULE, duplicates } from "./tenants";
import { N8n } from "./n8n";
import { ContainerLimits, N8nRuntimeProps, requireSecretFilesAtPlan } from "./n8n-runtime";
import { RUNTIME_SERVICES, serviceContainerName } from "./service-catalog";
import { Validator } from "../common/validation";

/** One tenant of a shared host, with every name already derived (config/schema.ts `resolveTenants`). */
export interface TenantProps {
  /** Its id: the `org.n8n-zero-trust.tenant` label of its containers and networks. */
  readonly id: string;
  /** Prefix of its Docker names, `<name>-<id>`. */
  readonly prefix: string;
  /** Its public host. */
  readonly host: string;
  /** Its own OIDC client at the IdP. */
  readonly clientId: string;
  readonly allowedEmailDomains: string[];
  readonly allowedGroups: string[];
  /** Its own secrets folder (its cookie and client secrets, encryption key, database passwords, Postgres' certificate). */
  readonly secretsDir: string;
  /** Subnet of its own edge network. */
  readonly edgeSubnet: string;
  /** Its own Postgres role model (names unique to the tenant) and connection limit. */
  readonly postgres: PostgresBootstrapProps;
  /** Its containers' limits. @default - the runtime's `limits` */
  readonly limits?: { readonly oauth2Proxy?: ContainerLimits; readonly n8n?: ContainerLimits; readonly n8nRunners?: ContainerLimits; readonly postgres?: ContainerLimits };
  /** Per client IP on its public router. @default - the runtime's n8n.webhookRateLimit */
  readonly webhookRateLimit?: { readonly average: number; readonly burst: number; readonly periodSeconds: number };
  /** Log driver of its containers (prod: awslogs into the tenant's own log groups). @default - json-file with rotation */
  readonly logging?: TenantLogging;
  /** Its n8n reads its database login role from the `n8n-db-user` file of its secrets folder (rotation by alternating users). @default false */
  readonly databaseUserFromFile?: boolean;
  /**
   * Publish its Postgres on one private host address (for its rotation function); each tenant on
   * its own port (`tenantPostgresPort`). @default - not published
   */
  readonly postgresPrivateHostBinding?: N8nRuntimeProps["postgresPrivateHostBinding"];
}

/** Log drivers of one tenant's containers, by service id (TENANT_SERVICE_IDS). */
export interface TenantLogging {
  readonly oauth2Proxy?: ContainerLogging;
  readonly n8n?: ContainerLogging;
  readonly n8nRunners?: ContainerLogging;
  readonly postgres?: ContainerLogging;
}

/** Log drivers of the shared edge's containers, by service id. */
export interface SharedEdgeLogging {
  readonly traefik?: ContainerLogging;
  readonly socketProxy?: ContainerLogging;
}

export interface MultiTenantRuntimeProps
  extends Pick<N8nRuntimeProps, "prefix" | "secretsDir" | "runAs" | "edgeSubnet" | "bindAddress" | "dockerSocketPath" | "tls" | "devIdp" | "images" | "limits" | "n8n" | "requireSecretFilesAtPlan"> {
  /** SSO settings every tenant shares: the issuer and the session's lifetime (each tenant has its own client and allow-list). */
  readonly sso: Pick<N8nRuntimeProps["sso"], "issuerUrl" | "cookieExpire" | "cookieRefresh" | "offlineAccess">;
  /** The tenants, at least one. */
  readonly tenants: readonly TenantProps[];
  /** Log driver of the shared edge (Traefik, the socket proxy); each tenant's are its own (`TenantProps.logging`). @default - json-file with rotation */
  readonly logging?: SharedEdgeLogging;
}

/** What one tenant's subtree holds. */
export class TenantRuntime extends Construct {
  public readonly id: string;
  public readonly networks: TenantNetworks;
  /** Built by `build` once the shared Traefik exists (it joins this tenant's networks first). */
  public readonly sso!: OAuth2Proxy;
  public readonly postgres!: Postgres;
  public readonly n8n!: N8n;

  constructor(scope: Construct, id: string, props: { tenant: TenantProps; networks: (scope: Construct) => TenantNetworks }) {
    super(scope, id);
    // Before any child: every HardenedContainer below labels itself with the tenant (TENANT_LABEL).
    this.node.setContext(TENANT_CONTEXT, props.tenant.id);
    this.id = props.tenant.id;
    this.networks = props.networks(this);
  }

  /** Its oauth2-proxy, Postgres and n8n with runners, behind the shared Traefik. */
  public build(shared: MultiTenantRuntimeProps, traefik: Traefik, idp: DevIdp | undefined): void {
    const t = shared.tenants.find((x) => x.id === this.id)!;
    const limits = { ...shared.limits, ...t.limits };
    const name = (svc: keyof typeof RUNTIME_SERVICES) => serviceContainerName(RUNTIME_SERVICES[svc], t.prefix);
    (this as { sso: OAuth2Proxy }).sso = new OAuth2Proxy(this, "Sso", {
      networks: this.networks,
      name: name("oauth2Proxy"),
      traefik,
      image: shared.images.oauth2Proxy,
      issuerUrl: shared.sso.issuerUrl,
      clientId: t.clientId,
      protectedHost: t.host,
      allowedEmailDomains: t.allowedEmailDomains,
      allowedGroups: t.allowedGroups,
      cookieExpire: shared.sso.cookieExpire,
      cookieRefresh: shared.sso.cookieRefresh,
      offlineAccess: shared.sso.offlineAccess,
      secretsDir: t.secretsDir,
      runAs: shared.runAs,
      trustDevCa: idp !== undefined,
      memoryMb: limits.oauth2Proxy?.memoryMb,
      cpus: limits.oauth2Proxy?.cpus,
      logging: t.logging?.oauth2Proxy,
    });
    (this as { postgres: Postgres }).postgres = new Postgres(this, "Postgres", {
      networks: this.networks,
      name: name("postgres"),
      image: shared.images.postgres,
      bootstrap: t.postgres,
      secretsDir: t.secretsDir,
      runAs: shared.runAs,
      memoryMb: limits.postgres?.memoryMb,
      cpus: limits.postgres?.cpus,
      logging: t.logging?.postgres,
      privateHostBinding: t.postgresPrivateHostBinding,
    });
    (this as { n8n: N8n }).n8n = new N8n(this, "N8n", {
      networks: this.networks,
      traefik,
      ssoMiddleware: this.sso.middleware,
      image: shared.images.n8n,
      runnersImage: shared.images.n8nRunners,
      host: t.host,
      database: { host: this.postgres.host, database: t.postgres.database, schema: t.postgres.schema, user: t.postgres.n8nRole, userFromFile: t.databaseUserFromFile },
      secretsDir: t.secretsDir,
      runAs: shared.runAs,
      publicPaths: shared.n8n?.publicPaths,
      webhookRateLimit: t.webhookRateLimit ?? shared.n8n?.webhookRateLimit,
      executionsMaxAgeHours: shared.n8n?.executionsMaxAgeHours,
      timezone: shared.n8n?.timezone,
      logLevel: shared.n8n?.logLevel,
      ssrfProtection: shared.n8n?.ssrfProtection?.enabled === false ? false : shared.n8n?.ssrfProtection,
      memoryMb: { n8n: limits.n8n?.memoryMb, runners: limits.n8nRunners?.memoryMb },
      cpus: { n8n: limits.n8n?.cpus, runners: limits.n8nRunners?.cpus },
      logging: { n8n: t.logging?.n8n, runners: t.logging?.n8nRunners },
      dependsOn: [this.postgres.container],
    });
  }
}

/**
 * Several isolated n8n tenants on one Docker host (issue 16): one shared edge — the socket proxy,
 * one Traefik publishing one 443, and in dev the local IdP — and per tenant its own oauth2-proxy
 * (client, cookie name and secret, allow-list), n8n with runners, Postgres with its own roles, its
 * own networks, secrets folder, limits and webhook rate limit.
 *
 * Traefik is the only container on more than one tenant's networks, and there joins only each
 * tenant's edge (its oauth2-proxy) and app network (its n8n's port); never a data or egress network.
 *
 * @example
 * new MultiTenantRuntime(this, "Runtime", { prefix: "n8n", ..., tenants: [
 *   { id: "acme", prefix: "n8n-acme", host: "n8n-acme.example.com", clientId: "n8n-acme", allowedEmailDomains: ["acme.com"], ... },
 * ] });
 */
export class MultiTenantRuntime extends Construct {
  public readonly networks: SharedEdgeNetworks;
  public readonly socketProxy: DockerSocketProxy;
  public readonly traefik: Traefik;
  public readonly idp?: DevIdp;
  /** The tenants, in the order of the props. */
  public readonly tenants: readonly TenantRuntime[];

  constructor(scope: Construct, id: string, props: MultiTenantRuntimeProps) {
    super(scope, id);
    validateTenants(this.node.path, props);
    const { limits = {} } = props;
    this.networks = new SharedEdgeNetworks(this, "Networks", { prefix: props.prefix, edgeSubnet: props.edgeSubnet ?? "172.30.0.0/24" });
    // Each tenant's networks first: Traefik is created attached to them.
    this.tenants = props.tenants.map((t) => new TenantRuntime(this, `Tenant-${t.id}`, { tenant: t, networks: (s) => new TenantNetworks(s, "Networks", { tenant: t.id, prefix: t.prefix, edgeSubnet: t.edgeSubnet }) }));
    this.socketProxy = new DockerSocketProxy(this, "SocketProxy", {
      networks: this.networks,
      name: serviceContainerName(RUNTIME_SERVICES.socketProxy, props.prefix),
      image: props.images.socketProxy,
      dockerSocketPath: props.dockerSocketPath,
      memoryMb: limits.socketProxy?.memoryMb,
      cpus: limits.socketProxy?.cpus,
      logging: props.logging?.socketProxy,
    });
    this.traefik = new Traefik(this, "Traefik", {
      networks: this.networks,
      tenantNetworks: this.tenants.map((t) => t.networks),
      name: serviceContainerName(RUNTIME_SERVICES.traefik, props.prefix),
      socketProxy: this.socketProxy,
      image: props.images.traefik,
      tls: props.tls.mode === "local" ? { mode: "local", secretsDir: props.secretsDir } : props.tls,
      runAs: props.runAs,
      bindAddress: props.bindAddress,
      edgeAliases: props.devIdp ? [props.devIdp.host] : undefined,
      memoryMb: limits.traefik?.memoryMb,
      cpus: limits.traefik?.cpus,
      logging: props.logging?.traefik,
    });
    this.idp = props.devIdp
      ? new DevIdp(this, "DevIdp", {
          networks: this.networks,
          name: serviceContainerName(RUNTIME_SERVICES.devIdp, props.prefix),
          traefik: this.traefik,
          image: props.devIdp.image,
          host: props.devIdp.host,
          secretsDir: props.secretsDir,
          runAs: props.runAs,
          memoryMb: props.devIdp.limits?.memoryMb,
          cpus: props.devIdp.limits?.cpus,
        })
      : undefined;
    for (const t of this.tenants) t.build(props, this.traefik, this.idp);
    if (props.requireSecretFilesAtPlan) requireSecretFilesAtPlan(this, props.secretsDir);
  }
}

/**
 * At least one tenant; ids well-formed and unique; hosts, prefixes, clients, subnets, secrets
 * folders, Postgres names (rotator and alternate login role included) and published Postgres
 * addresses unique.
 */
function validateTenants(path: string, props: MultiTenantRuntimeProps): void {
  const v = new Validator(`Invalid props for ${path}`);
  const ts = props.tenants;
  v.check(ts.length > 0, "tenants", "must list at least one tenant (without tenants, use N8nRuntime)");
  ts.forEach((t, i) => v.check(TENANT_ID_PATTERN.test(t.id), `tenants.${i}.id`, `${TENANT_ID_RULE}; got "${t.id}"`));
  const fields = ["id", "prefix", "host", "clientId", "edgeSubnet", "secretsDir"] as const;
  for (const f of fields) for (const d of duplicates(ts.map((t) => t[f]))) v.add(`tenants`, `${f} "${d}" is shared by two tenants; each needs its own`);
  const pgNames = (pg: PostgresBootstrapProps) => [pg.database, pg.n8nRole, ...(pg.alternateLoginRole ? [`${pg.n8nRole}_b`] : []), pg.reportingRole, pg.agentRole, ...(pg.rotatorRole === undefined ? [] : [pg.rotatorRole])];
  for (const d of duplicates(ts.flatMap((t) => [...new Set(pgNames(t.postgres))]))) v.add("tenants", `Postgres name "${d}" is used by two tenants; each needs its own database and roles`);
  const published = ts.flatMap((t) => (t.postgresPrivateHostBinding ? [`${t.postgresPrivateHostBinding.ip}:${t.postgresPrivateHostBinding.port ?? 5432}`] : []));
  for (const d of duplicates(published)) v.add("tenants", `postgresPrivateHostBinding ${d} is used by two tenants' Postgres; give each its own port (tenantPostgresPort)`);
  v.throwIfAny();
}
