import { Construct } from "constructs";
import { Fn, TerraformLocal } from "cdktf";
import { ContainerLogging, HardenedContainer } from "../common/hardened-container";
import { SECRETS_MOUNT_DIR } from "../common/secret-files";
import { Postgres } from "../data/postgres";
import { Valkey, VALKEY_N8N_USER } from "../data/valkey";
import { PostgresBootstrapProps } from "../data/postgres-bootstrap";
import { DevIdp } from "../edge/dev-idp";
import { OAuth2Proxy } from "../edge/oauth2-proxy";
import { DockerSocketProxy } from "../edge/socket-proxy";
import { Traefik, TraefikTls } from "../edge/traefik";
import { Network } from "@cdktf/provider-docker/lib/network";
import { NetworkRole, SegmentedNetworks } from "../network/segmented-networks";
import { N8n, N8nDatabase, N8nProps, N8nPublicPath } from "./n8n";
import { ExecutionRecovery } from "./execution-recovery";
import { instancesOf, QUEUE_SERVICES, RUNTIME_CATALOG, RUNTIME_SERVICES, RuntimeCatalog, RuntimeService, RuntimeServiceContext, RuntimeServiceSpec, serviceContainerName, validateCatalog } from "./service-catalog";

/** Resource limits of one container. */
export interface ContainerLimits {
  readonly memoryMb: number;
  readonly cpus?: string;
}

export interface N8nRuntimeProps {
  /** Prefix of every Docker name; lets several tenants share one host. */
  readonly prefix: string;
  /** Public host of n8n, e.g. `n8n.example.com`. */
  readonly n8nHost: string;
  /** Host folder with the secret files (dev: generated folder; prod: tmpfs filled by the agent). */
  readonly secretsDir: string;
  /** uid/gid every secret-reading container runs as; it must own the secret files. */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /** Subnet of the edge network. @default "172.30.0.0/24" */
  readonly edgeSubnet?: string;
  /** Host address Traefik publishes 443 and 80 on. @default "0.0.0.0" (every address) */
  readonly bindAddress?: string;
  /** The Docker engine's socket on the host, mounted read-only by the socket proxy only. @default "/var/run/docker.sock" */
  readonly dockerSocketPath?: string;
  /** TLS: local certificate from the secrets folder, or ACME. */
  readonly tls: { readonly mode: "local" } | Omit<Extract<TraefikTls, { mode: "acme" }>, "storageHostDir"> & { readonly storageHostDir: string };
  /** SSO: a local Dex (dev only) or any OIDC issuer. */
  readonly sso: {
    readonly issuerUrl: string;
    readonly clientId: string;
    readonly allowedEmailDomains: string[];
    readonly allowedGroups: string[];
    readonly cookieExpire?: string;
    readonly cookieRefresh?: string;
    /** Ask the IdP for a refresh token (`offline_access`). @default true */
    readonly offlineAccess?: boolean;
  };
  /** Run a local Dex at this host as the IdP (dev). @default - none; use an external issuer */
  readonly devIdp?: { readonly host: string; readonly image: string; readonly limits?: ContainerLimits };
  /** Pinned images. */
  readonly images: {
    readonly traefik: string;
    readonly socketProxy: string;
    readonly oauth2Proxy: string;
    readonly n8n: string;
    readonly n8nRunners: string;
    readonly postgres: string;
  };
  /** Resource limits per service id (see the service catalog). @default - each construct's defaults */
  readonly limits?: Partial<Record<RuntimeService, ContainerLimits>> & { readonly [service: string]: ContainerLimits | undefined };
  /** n8n settings. */
  readonly n8n?: {
    readonly publicPaths?: N8nPublicPath[];
    readonly webhookRateLimit?: { readonly average: number; readonly burst: number; readonly periodSeconds: number };
    readonly executionsMaxAgeHours?: number;
    readonly timezone?: string;
    readonly logLevel?: "error" | "warn" | "info" | "debug";
    /** See N8nProps.ssrfProtection. @default enabled, nothing allowed */
    readonly ssrfProtection?: { readonly enabled?: boolean; readonly allowedIpRanges?: readonly string[]; readonly allowedHostnames?: readonly string[] };
  };
  /** Postgres role model. */
  readonly postgres: PostgresBootstrapProps;
  /** Log driver per service id (prod: awslogs into each service's log group). @default - json-file with rotation */
  readonly logging?: Partial<Record<RuntimeService, ContainerLogging>> & { readonly [service: string]: ContainerLogging | undefined };
  /**
   * The services: container names, secret files, networks; entries with a `build` are built here
   * after the built-in ones (see `extendCatalog`). @default RUNTIME_CATALOG
   */
  readonly catalog?: RuntimeCatalog;
  /**
   * Fail `terraform plan` with a clear message when a secret file is missing. Only meaningful
   * when Terraform runs on the Docker host itself (dev). @default false
   */
  readonly requireSecretFilesAtPlan?: boolean;
  /** n8n reads its database login role from the `n8n-db-user` file (rotation by alternating users). @default false */
  readonly databaseUserFromFile?: boolean;
  /** Publish Postgres on one private host address (for the rotation function). @default - not published */
  readonly postgresPrivateHostBinding?: { readonly ip: string; readonly port?: number; readonly reason: string };
  /**
   * n8n's queue mode: Valkey, workers and webhook processors. How many of each is the catalog's
   * (`queueModeCatalog`); the runtime refuses one without the other. @default - regular mode
   */
  readonly queue?: {
    /** Pinned Valkey image. */
    readonly valkeyImage: string;
    /** Executions each worker runs at once. */
    readonly concurrency: number;
    /** Postgres connections of each n8n process. */
    readonly dbPoolSize: number;
    /** The execution recovery agent's settings (the catalog says whether it runs). @default - ExecutionRecovery's */
    readonly recovery?: { readonly maxAttempts?: number; readonly pollSeconds?: number };
  };
}

/**
 * The whole n8n runtime on one Docker host, wired for zero trust: segmented networks, socket
 * proxy, Traefik (the only published ports), oauth2-proxy SSO in front of the editor, n8n with
 * external task runners, Postgres with least-privilege roles, and optionally a local IdP.
 * The `dev` and `prod-runtime` stacks both use it; only the options differ.
 */
export class N8nRuntime extends Construct {
  public readonly networks: SegmentedNetworks;
  public readonly socketProxy: DockerSocketProxy;
  public readonly traefik: Traefik;
  public readonly sso: OAuth2Proxy;
  public readonly idp?: DevIdp;
  public readonly postgres: Postgres;
  public readonly n8n: N8n;
  /** Queue mode's Valkey. @default - none (regular mode) */
  public readonly valkey?: Valkey;
  /** Queue mode's execution recovery agent. @default - none (regular mode, or the catalog has none) */
  public readonly recovery?: ExecutionRecovery;
  /** The catalog the runtime was built from. */
  public readonly catalog: RuntimeCatalog;
  /** Constructs of the catalog entries with a `build` (services added with `extendCatalog`), by id. */
  public readonly services: Readonly<Record<string, Construct>>;

  constructor(scope: Construct, id: string, props: N8nRuntimeProps) {
    super(scope, id);
    this.catalog = props.catalog ?? RUNTIME_CATALOG;
    validateCatalog(this.catalog);
    // The runners network only when a service of the catalog joins it (queue mode's workers).
    const runners = this.catalog.services.some((s) => s.networks.includes("runners"));
    // The queue network likewise (queue mode's Valkey and n8n's processes).
    const queue = this.catalog.services.some((s) => s.networks.includes("queue"));
    this.networks = new SegmentedNetworks(this, "Networks", { prefix: props.prefix, edgeSubnet: props.edgeSubnet, runners, ...(queue ? { queue } : {}) });
    // In this order (each needs the one before): the resources keep their order in the plan.
    const edge = this.buildEdge(props);
    this.socketProxy = edge.socketProxy;
    this.traefik = edge.traefik;
    this.idp = edge.idp;
    this.sso = edge.sso;
    this.postgres = this.buildPostgres(props);
    this.valkey = this.buildValkey(props);
    this.n8n = this.buildN8n(props);
    this.recovery = this.buildRecovery(props);
    this.services = this.buildCatalogServices(props);
    if (props.requireSecretFilesAtPlan) requireSecretFilesAtPlan(this, props.secretsDir);
  }

  /** The container name of a built-in service, from the catalog. */
  private nameOf(id: keyof typeof RUNTIME_SERVICES): string {
    const spec = this.catalog.services.find((s) => s.id === id);
    if (!spec) throw new Error(`the runtime's catalog has no "${id}" service (extend RUNTIME_CATALOG instead of replacing it)`);
    return serviceContainerName(spec, this.networks.prefix);
  }

  /** Socket proxy, Traefik, the dev IdP and oauth2-proxy. */
  private buildEdge(props: N8nRuntimeProps): { socketProxy: DockerSocketProxy; traefik: Traefik; idp?: DevIdp; sso: OAuth2Proxy } {
    const { secretsDir, runAs, limits = {}, logging = {} } = props;
    const networks = this.networks;
    const socketProxy = new DockerSocketProxy(this, "SocketProxy", {
      networks,
      name: this.nameOf("socketProxy"),
      image: props.images.socketProxy,
      dockerSocketPath: props.dockerSocketPath,
      memoryMb: limits.socketProxy?.memoryMb,
      cpus: limits.socketProxy?.cpus,
      logging: logging.socketProxy,
    });
    const traefik = new Traefik(this, "Traefik", {
      networks,
      name: this.nameOf("traefik"),
      socketProxy,
      image: props.images.traefik,
      tls: props.tls.mode === "local" ? { mode: "local", secretsDir } : props.tls,
      runAs,
      bindAddress: props.bindAddress,
      // Containers on the edge network (oauth2-proxy) reach the dev IdP's public URL through Traefik.
      edgeAliases: props.devIdp ? [props.devIdp.host] : undefined,
      memoryMb: limits.traefik?.memoryMb,
      cpus: limits.traefik?.cpus,
      logging: logging.traefik,
    });
    const idp = props.devIdp
      ? new DevIdp(this, "DevIdp", {
          networks,
          name: this.nameOf("devIdp"),
          traefik,
          image: props.devIdp.image,
          host: props.devIdp.host,
          secretsDir,
          runAs,
          memoryMb: props.devIdp.limits?.memoryMb,
          cpus: props.devIdp.limits?.cpus,
        })
      : undefined;
    const sso = new OAuth2Proxy(this, "Sso", {
      networks,
      name: this.nameOf("oauth2Proxy"),
      traefik,
      image: props.images.oauth2Proxy,
      issuerUrl: props.sso.issuerUrl,
      clientId: props.sso.clientId,
      protectedHost: props.n8nHost,
      allowedEmailDomains: props.sso.allowedEmailDomains,
      allowedGroups: props.sso.allowedGroups,
      cookieExpire: props.sso.cookieExpire,
      cookieRefresh: props.sso.cookieRefresh,
      offlineAccess: props.sso.offlineAccess,
      secretsDir,
      runAs,
      trustDevCa: props.devIdp !== undefined,
      memoryMb: limits.oauth2Proxy?.memoryMb,
      cpus: limits.oauth2Proxy?.cpus,
      logging: logging.oauth2Proxy,
    });
    return { socketProxy, traefik, idp, sso };
  }

  private buildPostgres(props: N8nRuntimeProps): Postgres {
    const { limits = {}, logging = {} } = props;
    return new Postgres(this, "Postgres", {
      networks: this.networks,
      name: this.nameOf("postgres"),
      image: props.images.postgres,
      bootstrap: props.postgres,
      secretsDir: props.secretsDir,
      runAs: props.runAs,
      memoryMb: limits.postgres?.memoryMb,
      cpus: limits.postgres?.cpus,
      logging: logging.postgres,
      privateHostBinding: props.postgresPrivateHostBinding,
    });
  }

  /** Queue mode's Valkey, when the catalog has it; refuses a catalog and props that disagree. */
  private buildValkey(props: N8nRuntimeProps): Valkey | undefined {
    const spec = this.catalog.services.find((s) => s.id === QUEUE_SERVICES.valkey.id);
    if (!spec && !props.queue) return undefined;
    if (!spec || !props.queue) {
      throw new Error(spec ? "the catalog has queue mode's services but N8nRuntimeProps.queue is unset (the valkey image, concurrency, pool size)" : "N8nRuntimeProps.queue is set but the catalog has no queue-mode services: build it with queueModeCatalog");
    }
    const limits = this.limitsOf(spec, props);
    return new Valkey(this, "Valkey", {
      networks: this.networks,
      name: serviceContainerName(spec, this.networks.prefix),
      image: props.queue.valkeyImage,
      secretsDir: props.secretsDir,
      runAs: props.runAs,
      memoryMb: limits?.memoryMb,
      cpus: limits?.cpus,
      logging: props.logging?.[spec.id],
    });
  }

  /** n8n's database as n8n's processes (and the recovery agent) use it. */
  private databaseOf(props: N8nRuntimeProps): N8nDatabase {
    return { host: this.postgres.host, database: props.postgres.database, schema: props.postgres.schema, user: props.postgres.n8nRole, userFromFile: props.databaseUserFromFile };
  }

  /** Queue mode's execution recovery agent, when the catalog has it (queue mode only). */
  private buildRecovery(props: N8nRuntimeProps): ExecutionRecovery | undefined {
    const spec = this.catalog.services.find((s) => s.id === QUEUE_SERVICES.executionRecovery.id);
    if (!spec) return undefined;
    if (!props.queue) throw new Error("the catalog has the execution recovery agent but N8nRuntimeProps.queue is unset: it recovers queue mode's executions only");
    const limits = this.limitsOf(spec, props);
    return new ExecutionRecovery(this, "ExecutionRecovery", {
      name: serviceContainerName(spec, this.networks.prefix),
      image: props.images.n8n,
      networks: spec.networks.map((role) => ({ network: this.networkOf(role) })),
      secretsDir: props.secretsDir,
      runAs: props.runAs,
      database: this.databaseOf(props),
      n8nApiUrl: `http://${this.n8n.main.containerName}:5678/api/v1`,
      maxAttempts: props.queue.recovery?.maxAttempts,
      pollSeconds: props.queue.recovery?.pollSeconds,
      memoryMb: limits?.memoryMb,
      cpus: limits?.cpus,
      logging: props.logging?.[spec.id],
      dependsOn: [this.postgres.container, this.n8n.main],
    });
  }

  /** A service's limits: its own entry in `limits`, else its kind's (`instanceOf`). */
  private limitsOf(spec: RuntimeServiceSpec, props: N8nRuntimeProps): ContainerLimits | undefined {
    return props.limits?.[spec.id] ?? (spec.instanceOf !== undefined ? props.limits?.[spec.instanceOf] : undefined);
  }

  /** Queue mode's processes for N8n, one per catalog instance. */
  private queueProps(props: N8nRuntimeProps): N8nProps["queue"] {
    if (!this.valkey || !props.queue) return undefined;
    const proc = (spec: RuntimeServiceSpec) => {
      const l = this.limitsOf(spec, props);
      return { name: serviceContainerName(spec, this.networks.prefix), memoryMb: l?.memoryMb, cpus: l?.cpus, logging: props.logging?.[spec.id] };
    };
    const workers = instancesOf(this.catalog, QUEUE_SERVICES.n8nWorker.id);
    const runners = instancesOf(this.catalog, QUEUE_SERVICES.n8nWorkerRunners.id);
    if (runners.length !== workers.length) throw new Error(`the catalog has ${workers.length} queue workers but ${runners.length} worker runners: every worker needs its own`);
    return {
      redis: { host: this.valkey.host, port: this.valkey.port, user: VALKEY_N8N_USER },
      workers: workers.map((w, i) => ({ worker: proc(w), runners: proc(runners[i]) })),
      webhookProcessors: instancesOf(this.catalog, QUEUE_SERVICES.n8nWebhook.id).map(proc),
      concurrency: props.queue.concurrency,
      dbPoolSize: props.queue.dbPoolSize,
      dependsOn: [this.valkey.container],
    };
  }

  /** n8n and its task runners. */
  private buildN8n(props: N8nRuntimeProps): N8n {
    const { limits = {}, logging = {} } = props;
    const n8n = new N8n(this, "N8n", {
      networks: this.networks,
      traefik: this.traefik,
      ssoMiddleware: this.sso.middleware,
      image: props.images.n8n,
      runnersImage: props.images.n8nRunners,
      host: props.n8nHost,
      database: this.databaseOf(props),
      secretsDir: props.secretsDir,
      runAs: props.runAs,
      publicPaths: props.n8n?.publicPaths,
      webhookRateLimit: props.n8n?.webhookRateLimit,
      executionsMaxAgeHours: props.n8n?.executionsMaxAgeHours,
      timezone: props.n8n?.timezone,
      logLevel: props.n8n?.logLevel,
      ssrfProtection: props.n8n?.ssrfProtection?.enabled === false ? false : props.n8n?.ssrfProtection,
      memoryMb: { n8n: limits.n8n?.memoryMb, runners: limits.n8nRunners?.memoryMb },
      cpus: { n8n: limits.n8n?.cpus, runners: limits.n8nRunners?.cpus },
      logging: { n8n: logging.n8n, runners: logging.n8nRunners },
      dependsOn: [this.postgres.container],
      queue: this.queueProps(props),
    });
    // N8n names both of its containers from one prefix (`<prefix>-main`, `<prefix>-runners`): a
    // catalog that names them otherwise would leave the agent restarting containers that do not exist.
    for (const [id, container] of [["n8n", n8n.main], ["n8nRunners", n8n.runners]] as const) {
      if (container.containerName !== this.nameOf(id)) throw new Error(`the catalog names the ${id} container "${this.nameOf(id)}", but N8n names it "${container.containerName}"`);
    }
    return n8n;
  }

  private networkOf(role: NetworkRole): Network {
    const n = this.networks[role];
    if (!n) throw new Error(`no "${role}" network in this runtime`);
    return n;
  }

  /** The catalog's entries with a `build`, each with its context derived from its entry. */
  private buildCatalogServices(props: N8nRuntimeProps): Record<string, Construct> {
    const built: Record<string, Construct> = {};
    for (const spec of this.catalog.services) {
      if (!spec.build) continue;
      built[spec.id] = spec.build(this, spec.id, this.contextOf(spec, props));
    }
    return built;
  }

  private contextOf(spec: RuntimeServiceSpec, props: N8nRuntimeProps): RuntimeServiceContext {
    return {
      spec,
      name: serviceContainerName(spec, this.networks.prefix),
      prefix: this.networks.prefix,
      networks: this.networks,
      networkAttachments: spec.networks.map((role) => ({ network: this.networkOf(role) })),
      traefik: this.traefik,
      secretsDir: props.secretsDir,
      runAs: props.runAs,
      secretMounts: spec.secretFiles.map((f) => ({ source: `${props.secretsDir}/${f}`, target: `${SECRETS_MOUNT_DIR}/${f}` })),
      limits: this.limitsOf(spec, props),
      logging: props.logging?.[spec.id],
    };
  }
}

/**
 * `terraform plan` runs on the Docker host in dev, so a missing secret file can be named
 * before any container is created, instead of surfacing as a crash loop. Terraform refuses
 * a condition that refers to no object ("must refer to at least one object from elsewhere
 * in the configuration"), so the folder is a local value the conditions refer to.
 */
export function requireSecretFilesAtPlan(scope: Construct, secretsDir: string): void {
  const secretsLocal = new TerraformLocal(scope, "SecretsDir", secretsDir);
  for (const c of scope.node.findAll().filter((n): n is HardenedContainer => n instanceof HardenedContainer)) {
    const sources = c.readOnlyMountSources.filter((s) => s.startsWith(`${secretsDir}/`));
    if (sources.length === 0) continue;
    c.container.lifecycle = {
      ...c.container.lifecycle,
      precondition: sources.map((source) => ({
        condition: Fn.fileexists(`${secretsLocal.asString}${source.slice(secretsDir.length)}`),
        errorMessage: `Secret file ${source} is missing. Run \`npm run secrets:dev\` to generate the dev secrets, then deploy again.`,
      })),
    };
  }
}
