import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { ProdConfig, resolveTenants } from "../config/schema";
import { ContainerLogging } from "../constructs/common/hardened-container";
import { MultiTenantRuntime, MultiTenantRuntimeProps, SharedEdgeLogging, TenantLogging, TenantProps } from "../constructs/app/multi-tenant-runtime";
import { N8nRuntime } from "../constructs/app/n8n-runtime";
import { loggedServices, RUNTIME_CATALOG, RUNTIME_SERVICES, RuntimeCatalog, validateCatalog } from "../constructs/app/service-catalog";
import { TENANT_SERVICE_IDS, tenantPostgres, tenantPostgresPort } from "../constructs/app/tenants";
import { PostgresBootstrapProps } from "../constructs/data/postgres-bootstrap";
import { queuePropsFor } from "./queue-mode";

/** Log group names by the services' `logKey` (from prod-cloud: cross-stack references). */
export type RuntimeLogGroups = Readonly<Record<string, string>>;

export interface ProdRuntimeStackProps {
  /** Validated prod config. */
  readonly config: ProdConfig;
  /**
   * CloudWatch log group of every logged service of the catalog, by `logKey`, e.g.
   * `prodCloud.logGroups.traefik.logGroup.name`. With `config.tenants`, only the shared edge's
   * (`traefik`, `socket-proxy`): each tenant's services log to its own (`tenantLogGroups`).
   */
  readonly logGroups: RuntimeLogGroups;
  /**
   * With `config.tenants`: each tenant's log groups, by tenant id, then by the `logKey` of every
   * service a tenant has its own of (TENANT_SERVICE_IDS: `oauth2-proxy`, `n8n`, `n8n-runners`,
   * `postgres`). @default - none (required with tenants)
   */
  readonly tenantLogGroups?: Readonly<Record<string, RuntimeLogGroups>>;
  /** Region of the log groups. */
  readonly region: string;
  /** The runtime's services (see `extendCatalog`). @default RUNTIME_CATALOG */
  readonly catalog?: RuntimeCatalog;
}

/**
 * prod's Postgres bootstrap: rotation by alternating login roles, and a rotator role that may log
 * in from the private subnets (where the rotation function runs). `npm run db:bootstrap:print --
 * --config config/prod.json` prints the same.
 */
export function prodPostgresBootstrap(c: ProdConfig): PostgresBootstrapProps {
  return { ...c.postgres, alternateLoginRole: true, rotatorRole: `${c.postgres.n8nRole}_rotator`, rotatorCidrs: c.runtimeHost.vpc.privateSubnets.map((s) => s.cidr) };
}

/** Postgres' port on the host's private address (tenant `i`: this plus `i`, see `tenantPostgresPort`). */
const POSTGRES_HOST_PORT = 5432;
const POSTGRES_BINDING_REASON = "the rotation Lambda reaches Postgres on the host's private address; the host security group admits only the function's security group";

/** What every prod runtime on the host shares, with or without tenants: names, folders, networks, ACME. */
function prodHostRuntimeBase(c: ProdConfig): Pick<MultiTenantRuntimeProps, "prefix" | "secretsDir" | "runAs" | "edgeSubnet" | "bindAddress" | "dockerSocketPath" | "tls"> {
  if (c.tls.mode !== "acme") throw new Error("prod-runtime needs tls.mode acme (validated by prodConfigSchema)");
  return {
    prefix: c.name,
    secretsDir: c.secretsDir,
    runAs: c.runAs,
    edgeSubnet: c.network.edgeSubnet,
    bindAddress: c.network.bindAddress,
    dockerSocketPath: c.dockerSocket,
    tls: { mode: "acme", email: c.tls.email, caServer: c.tls.caServer, challenge: c.tls.challenge, storageHostDir: c.runtimeHost.acmeStorageDir },
  };
}

/** The awslogs driver into one log group and stream; never blocks a container on CloudWatch. */
function awslogs(region: string, group: string, stream: string): ContainerLogging {
  return {
    driver: "awslogs",
    options: {
      "awslogs-region": region,
      "awslogs-group": group,
      "awslogs-stream": stream,
      // Never block a container on CloudWatch; drop (and count) instead.
      mode: "non-blocking",
      "max-buffer-size": "8m",
    },
  } satisfies ContainerLogging;
}

/**
 * `prod-runtime`: the same runtime as `dev` on the prod Docker host, with prod options: ACME
 * certificates, the organisation's OIDC issuer, secrets read from the tmpfs the host agent fills
 * from Secrets Manager, logs to the KMS-encrypted CloudWatch log groups of `prod-cloud` through the
 * awslogs driver, n8n's database login read from files (rotation by alternating users), and
 * Postgres published on the host's private address for the rotation function only.
 *
 * With `tenants` in the config (issue 16): a shared edge (Traefik, socket proxy) and per tenant
 * its own runtime (`MultiTenantRuntime`) with the same prod options: each tenant logs to its own
 * log groups (`tenantLogGroups`), reads its own secrets folder (`<secretsDir>/tenants/<id>`), has
 * its own roles (rotator included) and its Postgres on its own port of the private address.
 * Composition only; resource details live in constructs/.
 */
export class ProdRuntimeStack extends TerraformStack {
  /** With `tenants` in the config: the shared edge and every tenant's runtime. @default - none (single tenant) */
  public readonly multiTenant?: MultiTenantRuntime;
  private readonly single?: N8nRuntime;

  constructor(scope: Construct, id: string, props: ProdRuntimeStackProps) {
    super(scope, id);
    const c = props.config;
    if (c.tls.mode !== "acme" || c.sso.provider !== "oidc" || !c.sso.issuerUrl) {
      throw new Error("prod-runtime needs tls.mode acme and an oidc issuer (validated by prodConfigSchema)");
    }
    const catalog = props.catalog ?? RUNTIME_CATALOG;
    if ((c.tenants ?? []).length > 0) {
      // Every check before the first resource: nothing half-built.
      const runtimeProps = prodMultiTenantProps(props);
      new DockerProvider(this, "docker", { host: c.runtimeHost.dockerHost });
      this.multiTenant = new MultiTenantRuntime(this, "Runtime", runtimeProps);
      return;
    }
    const strays = Object.keys(props.tenantLogGroups ?? {});
    if (strays.length > 0) throw new Error(`prod-runtime: tenantLogGroups has log groups for ${strays.map((t) => `"${t}"`).join(", ")}, but the config lists no tenants`);
    new DockerProvider(this, "docker", { host: c.runtimeHost.dockerHost });

    const missing = loggedServices(catalog).filter((s) => props.logGroups[s.logKey] === undefined);
    if (missing.length > 0) throw new Error(`prod-runtime: logGroups has no log group for ${missing.map((s) => `"${s.logKey}"`).join(", ")}`);
    const logging: Record<string, ContainerLogging> = Object.fromEntries(
      loggedServices(catalog).map((service) => [service.id, awslogs(props.region, props.logGroups[service.logKey], `${c.name}-${service.logKey}`)]),
    );

    this.single = new N8nRuntime(this, "Runtime", {
      ...prodHostRuntimeBase(c),
      n8nHost: `${c.hosts.n8n}.${c.domain}`,
      sso: {
        issuerUrl: c.sso.issuerUrl,
        clientId: c.sso.clientId,
        allowedEmailDomains: c.sso.allowedEmailDomains,
        allowedGroups: c.sso.allowedGroups,
        cookieExpire: c.sso.cookieExpire,
        cookieRefresh: c.sso.cookieRefresh,
        offlineAccess: c.sso.offlineAccess,
      },
      images: c.images,
      limits: c.resources,
      n8n: c.n8n,
      postgres: prodPostgresBootstrap(c),
      logging,
      catalog,
      queue: queuePropsFor(c),
      databaseUserFromFile: true,
      postgresPrivateHostBinding: {
        ip: c.runtimeHost.privateIp,
        reason: POSTGRES_BINDING_REASON,
      },
    });
  }

  /** The single-tenant runtime; a config with tenants has none (see `multiTenant`). */
  public get runtime(): N8nRuntime {
    if (!this.single) throw new Error(`stack ${this.node.id} has tenants: its runtime is ProdRuntimeStack.multiTenant`);
    return this.single;
  }
}

/**
 * prod-runtime's `MultiTenantRuntime` props for a config with tenants: the shared edge (ACME, the
 * organisation's issuer, awslogs into the shared groups) and every tenant with prod's options
 * (its own log groups and streams, database user from file, rotator role, Postgres on its own
 * port of the host's private address). Throws, before anything is built, on what a multi-tenant
 * prod host cannot run: queue mode, catalog services it cannot place (only the built-in shared
 * edge and tenant services, unrenamed), and any missing log group (shared or a tenant's).
 */
export function prodMultiTenantProps(props: ProdRuntimeStackProps): MultiTenantRuntimeProps {
  const c = props.config;
  const catalog = props.catalog ?? RUNTIME_CATALOG;
  const configured = c.tenants ?? [];
  if (configured.length === 0) throw new Error("prod-runtime: the config lists no tenants (single-tenant mode builds N8nRuntime)");
  if (c.tls.mode !== "acme" || c.sso.provider !== "oidc" || !c.sso.issuerUrl) {
    throw new Error("prod-runtime needs tls.mode acme and an oidc issuer (validated by prodConfigSchema)");
  }
  if (c.n8n.mode === "queue") throw new Error('prod-runtime: n8n.mode "queue" with tenants is not supported (each tenant would need its own Valkey, workers and webhook processors); use "regular" (validated by prodConfigSchema)');
  validateCatalog(catalog);
  const builtIn: Readonly<Record<string, { readonly nameSuffix: string; readonly logKey?: string }>> = RUNTIME_SERVICES;
  const extra = catalog.services.filter((s) => builtIn[s.id] === undefined).map((s) => `"${s.id}"`);
  if (extra.length > 0) {
    throw new Error(`prod-runtime with tenants cannot place the catalog's services ${extra.join(", ")}: a multi-tenant host runs only the shared edge (traefik, socketProxy) and each tenant's ${TENANT_SERVICE_IDS.join(", ")}; remove them or run without tenants`);
  }
  const changed = catalog.services.filter((s) => s.nameSuffix !== builtIn[s.id].nameSuffix || s.logKey !== builtIn[s.id].logKey).map((s) => `"${s.id}"`);
  const absent = TENANT_SERVICE_IDS.filter((id) => !catalog.services.some((s) => s.id === id)).map((id) => `"${id}"`);
  if (changed.length > 0 || absent.length > 0) {
    throw new Error(`prod-runtime with tenants needs the built-in services unchanged: ${[...(changed.length ? [`${changed.join(", ")} renamed (nameSuffix or logKey)`] : []), ...(absent.length ? [`${absent.join(", ")} missing`] : [])].join("; ")}`);
  }

  const logged = loggedServices(catalog);
  const sharedMissing = logged.filter((s) => !TENANT_SERVICE_IDS.includes(s.id) && props.logGroups[s.logKey] === undefined);
  if (sharedMissing.length > 0) throw new Error(`prod-runtime: logGroups has no log group for ${sharedMissing.map((s) => `"${s.logKey}"`).join(", ")} (the shared edge's)`);
  const tenantServices = logged.filter((s) => TENANT_SERVICE_IDS.includes(s.id));
  const groups = props.tenantLogGroups ?? {};
  const unknown = Object.keys(groups).filter((id) => !configured.some((t) => t.id === id));
  if (unknown.length > 0) throw new Error(`prod-runtime: tenantLogGroups has log groups for ${unknown.map((t) => `"${t}"`).join(", ")}, which the config does not list as tenants`);
  const problems = configured.flatMap((t) => {
    const keys = tenantServices.filter((s) => groups[t.id]?.[s.logKey] === undefined).map((s) => `"${s.logKey}"`);
    return keys.length > 0 ? [`tenant "${t.id}" has no log group for ${keys.join(", ")}`] : [];
  });
  if (problems.length > 0) throw new Error(`prod-runtime: tenantLogGroups is incomplete: ${problems.join("; ")}`);

  const sharedLogging = Object.fromEntries(
    logged.filter((s) => !TENANT_SERVICE_IDS.includes(s.id)).map((s) => [s.id, awslogs(props.region, props.logGroups[s.logKey], `${c.name}-${s.logKey}`)]),
  ) as SharedEdgeLogging;
  // prod's secretsDir is absolute (prodConfigSchema): the repository root resolves nothing.
  const tenants = resolveTenants(c, "/").map((t, i): TenantProps => {
    const own = groups[t.id];
    const logging = Object.fromEntries(tenantServices.map((s) => [s.id, awslogs(props.region, own[s.logKey], `${t.prefix}-${s.logKey}`)])) as TenantLogging;
    return {
      id: t.id,
      prefix: t.prefix,
      host: t.host,
      clientId: t.clientId,
      allowedEmailDomains: t.allowedEmailDomains,
      allowedGroups: t.allowedGroups,
      secretsDir: t.secretsDir,
      edgeSubnet: t.edgeSubnet,
      postgres: tenantPostgres(prodPostgresBootstrap(c), t.id, configured[i].limits.connectionLimit),
      limits: t.resources,
      webhookRateLimit: t.webhookRateLimit,
      logging,
      databaseUserFromFile: true,
      postgresPrivateHostBinding: { ip: c.runtimeHost.privateIp, port: tenantPostgresPort(POSTGRES_HOST_PORT, i), reason: `${POSTGRES_BINDING_REASON} (tenant ${t.id}: its own function, port ${tenantPostgresPort(POSTGRES_HOST_PORT, i)})` },
    };
  });
  return {
    ...prodHostRuntimeBase(c),
    sso: { issuerUrl: c.sso.issuerUrl, cookieExpire: c.sso.cookieExpire, cookieRefresh: c.sso.cookieRefresh, offlineAccess: c.sso.offlineAccess },
    images: c.images,
    limits: c.resources,
    n8n: c.n8n,
    logging: sharedLogging,
    tenants,
  };
}
