import { Construct } from "constructs";
import { ContainerLogging, HardenedContainer } from "../common/hardened-container";
import { QUEUE_SECRET_FILES, SECRET_FILES, SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";
import { ipCidrProblem } from "../aws/cidr";
import { boundMessage, DB_POOL_SIZE, EXECUTIONS_MAX_AGE_HOURS, inBound, PUBLIC_BODY_MB, QUEUE_CONCURRENCY, WEBHOOK_RATE_LIMIT } from "../common/bounds";
import { CONTAINER_LIMITS, N8N_DEFAULTS, N8N_PUBLIC_PATHS } from "../common/defaults";
import { imageTagOf, isHostname, isUnresolved, RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, timeZoneProblem, Validator } from "../common/validation";
import { SECURITY_HEADERS_MIDDLEWARE, Traefik } from "../edge/traefik";
import { dockerMiddleware, exposeLabels, hostRule, pathPrefixRule, routerLabels, serviceLabels } from "../edge/traefik-labels";
import { WorkloadNetworks } from "../network/segmented-networks";
import type { Network } from "@cdktf/provider-docker/lib/network";

/** Paths n8n serves to the public without a session: webhooks, forms, MCP. */
export type N8nPublicPath = (typeof N8N_PUBLIC_PATHS)[number];

export interface N8nDatabase {
  /** Host name of Postgres on the data network. */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  readonly database: string;
  readonly schema: string;
  /** Login role n8n connects as (never the owner or a superuser). */
  readonly user: string;
  /**
   * Read the login role from the `n8n-db-user` file instead (credential rotation by alternating
   * users changes it together with the password). @default false
   */
  readonly userFromFile?: boolean;
}

export interface N8nProps {
  /** The runtime's networks; n8n joins app (Traefik, runners), data (Postgres) and egress. */
  readonly networks: WorkloadNetworks;
  /** Edge proxy that publishes the editor and the public paths. */
  readonly traefik: Traefik;
  /** forwardAuth middleware of the SSO proxy (`OAuth2Proxy.middleware`); the editor router always carries it. */
  readonly ssoMiddleware: string;
  /** Pinned n8n 2.x image (`docker.n8n.io/n8nio/n8n:<version>`). */
  readonly image: string;
  /** Pinned task runners image with the same version (`n8nio/runners:<version>`). */
  readonly runnersImage: string;
  /** Public host, e.g. `n8n.example.com`. */
  readonly host: string;
  /** Postgres connection (password read from the secrets folder). */
  readonly database: N8nDatabase;
  /** Host folder with the secret files. */
  readonly secretsDir: string;
  /** uid/gid to run as; must be able to read the secret files. */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /**
   * Paths reachable without SSO, each on the public router with a rate limit. The editor, REST
   * API and test webhooks stay behind SSO.
   * @default ["webhook", "webhook-waiting", "form", "form-waiting"]
   */
  readonly publicPaths?: N8nPublicPath[];
  /** Rate limit per client IP on the public router. @default { average: 20, burst: 50, periodSeconds: 1 } */
  readonly webhookRateLimit?: { readonly average: number; readonly burst: number; readonly periodSeconds: number };
  /** Largest request body accepted on public paths, in MiB (n8n's own limit is 16). @default 16 */
  readonly maxPublicBodyMb?: number;
  /** Delete execution data older than this. @default 336 (14 days) */
  readonly executionsMaxAgeHours?: number;
  /** IANA time zone for schedules. @default "UTC" */
  readonly timezone?: string;
  /** @default "info" */
  readonly logLevel?: "error" | "warn" | "info" | "debug";
  /**
   * Workflows' HTTP requests to private, loopback and link-local addresses (the data network, a
   * cloud host's metadata service) are refused by n8n's SSRF protection; list the internal services
   * workflows may call. Set `false` to turn the protection off (policy warning ZT-N8N-014).
   * @default { allowedIpRanges: [], allowedHostnames: [] }
   */
  readonly ssrfProtection?: false | { readonly allowedIpRanges?: readonly string[]; readonly allowedHostnames?: readonly string[] };
  /** Memory limits in MiB. @default { n8n: 2048, runners: 1024 } */
  readonly memoryMb?: { readonly n8n?: number; readonly runners?: number };
  /** CPU limits. @default { n8n: "1", runners: "1" } */
  readonly cpus?: { readonly n8n?: string; readonly runners?: string };
  /** Container name prefix. @default `<networks.prefix>` → `<prefix>-main`, `<prefix>-runners` */
  readonly name?: string;
  /** Log drivers. @default - json-file with rotation */
  readonly logging?: { readonly n8n?: ContainerLogging; readonly runners?: ContainerLogging };
  /** The Postgres container, so n8n is created after it. */
  readonly dependsOn?: HardenedContainer[];
  /**
   * Queue mode: main keeps the editor, the test webhooks and manual executions; workers run the
   * executions from Valkey; webhook processors take the public production paths.
   * @default - regular mode: main runs every execution and serves every path
   */
  readonly queue?: N8nQueueProps;
}

/** One queue-mode process (a worker, its runners, a webhook processor): its name and overrides. */
export interface N8nProcessSpec {
  /** Container name (also its DNS name). */
  readonly name: string;
  /** Memory limit in MiB. @default - main's (workers, webhook processors) or the runners' default */
  readonly memoryMb?: number;
  /** CPU limit. @default - as memoryMb */
  readonly cpus?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
}

/** n8n's queue mode (`EXECUTIONS_MODE=queue`) on Valkey. */
export interface N8nQueueProps {
  /** Valkey (or Redis ≥ 6) on the data network: TLS with the stack's CA, n8n's ACL user. */
  readonly redis: { readonly host: string; readonly port: number; readonly user: string };
  /** The workers (`n8n worker`), each with its own runners container (every worker is its own task broker). */
  readonly workers: readonly { readonly worker: N8nProcessSpec; readonly runners: N8nProcessSpec }[];
  /** The webhook processors (`n8n webhook`); the public router balances over them. */
  readonly webhookProcessors: readonly N8nProcessSpec[];
  /** Executions each worker runs at once (`--concurrency`). n8n warns below 5. */
  readonly concurrency: number;
  /** Postgres connections each n8n process opens (`DB_POSTGRESDB_POOL_SIZE`). */
  readonly dbPoolSize: number;
  /** Valkey's container: every queue-mode process is created after it. */
  readonly dependsOn?: HardenedContainer[];
}

/** n8n's SSRF protection settings (N8N_SSRF_*), validated: ranges are CIDRs, host names DNS names. */
function ssrfEnv(p: N8nProps["ssrfProtection"]): Record<string, string> {
  if (p === false) return { N8N_SSRF_PROTECTION_ENABLED: "false" };
  const ranges = p?.allowedIpRanges ?? [];
  const hosts = p?.allowedHostnames ?? [];
  return {
    N8N_SSRF_PROTECTION_ENABLED: "true",
    ...(ranges.length > 0 ? { N8N_SSRF_ALLOWED_IP_RANGES: ranges.join(",") } : {}),
    ...(hosts.length > 0 ? { N8N_SSRF_ALLOWED_HOSTNAMES: hosts.join(",") } : {}),
  };
}

const PORT = 5678;
const BROKER_PORT = 5679;
const RUNNERS_HEALTH_PORT = 5680;
/** Paths never routed by the editor router either: n8n metrics and health are internal only. */
const NEVER_ROUTED = ["/metrics", "/healthz"];

/** What n8n's labels publish through Traefik (see {@link n8nRouterLabels}). */
export interface N8nRouting {
  /** Traefik instance (the networks' prefix) the labels opt in to. */
  readonly instance: string;
  /** Docker network Traefik reaches n8n on (the app network). */
  readonly network: string;
  /** Prefix of the router, service and middleware names. */
  readonly prefix: string;
  /** Public host. */
  readonly host: string;
  /** Path prefixes of the public router, e.g. `/webhook/`. */
  readonly publicPathPrefixes: readonly string[];
  /** The SSO forwardAuth middleware's reference (`<name>@docker`). */
  readonly ssoMiddleware: string;
  /** Per client IP on the public router. */
  readonly rateLimit: { readonly average: number; readonly burst: number; readonly periodSeconds: number };
  /** Largest request body on the public router, in MiB. */
  readonly maxBodyMb: number;
  /** ACME resolver, when TLS comes from ACME. */
  readonly certResolver?: string;
}

/** Router names {@link n8nRouterLabels} declares for `prefix`. */
export function n8nRouterNames(prefix: string): { readonly editor: string; readonly public: string; readonly service: string } {
  return { editor: `${prefix}-editor`, public: `${prefix}-public`, service: `${prefix}-n8n` };
}

/**
 * The labels of n8n's container: one service on n8n's port and two routers to it on the host,
 *
 * - the editor router (priority 10): everything except `/metrics` and `/healthz`, behind the
 *   security headers and SSO;
 * - the public router (priority 100, so it wins for its paths whatever the rule lengths): only
 *   the public path prefixes, behind the security headers, a per-IP rate limit and a body limit.
 */
export function n8nRouterLabels(r: N8nRouting): Record<string, string> {
  const p = n8nRouterLabelParts(r);
  return { ...p.expose, ...p.service, ...p.editor, ...p.public };
}

/** The router and service names of queue mode's webhook processors (one service over every processor). */
export function n8nWebhookServiceName(prefix: string): string {
  return `${prefix}-webhook`;
}

/**
 * {@link n8nRouterLabels} in parts, so queue mode can put the public router on the webhook
 * processors (`publicService`) and leave main with the editor router.
 */
export function n8nRouterLabelParts(r: N8nRouting, publicService?: string): { expose: Record<string, string>; service: Record<string, string>; editor: Record<string, string>; public: Record<string, string> } {
  const names = n8nRouterNames(r.prefix);
  const host = hostRule(r.host);
  const rateLimit = dockerMiddleware(`${r.prefix}-public-ratelimit`, "ratelimit", {
    average: String(r.rateLimit.average),
    burst: String(r.rateLimit.burst),
    period: `${r.rateLimit.periodSeconds}s`,
    // Traefik is the first hop, so the TCP peer is the client: depth 0, no forwarded headers.
    "sourcecriterion.ipstrategy.depth": "0",
  });
  const bodyLimit = dockerMiddleware(`${r.prefix}-public-bodylimit`, "buffering", { maxRequestBodyBytes: String(r.maxBodyMb * 1024 * 1024) });
  return {
    expose: exposeLabels(r.instance, r.network),
    service: serviceLabels(names.service, PORT),
    editor: routerLabels({
      name: names.editor,
      rule: `${host} && ${NEVER_ROUTED.map((p) => `!${pathPrefixRule(p)}`).join(" && ")}`,
      priority: 10,
      middlewares: [SECURITY_HEADERS_MIDDLEWARE, r.ssoMiddleware],
      service: names.service,
      certResolver: r.certResolver,
    }),
    public: {
      ...routerLabels({
        name: names.public,
        rule: `${host} && (${r.publicPathPrefixes.map(pathPrefixRule).join(" || ")})`,
        priority: 100,
        middlewares: [SECURITY_HEADERS_MIDDLEWARE, rateLimit.ref, bodyLimit.ref],
        service: publicService ?? names.service,
        certResolver: r.certResolver,
      }),
      ...rateLimit.labels,
      ...bodyLimit.labels,
    },
  };
}

/** Queue mode's queue network (Valkey and n8n's processes); refused when the networks have none. */
function queueNetwork(networks: N8nProps["networks"], path: string): Network {
  if (!networks.queue) throw new Error(`Invalid props for ${path}: networks.queue is required in queue mode (SegmentedNetworks with queue: true): n8n's processes reach Valkey there`);
  return networks.queue;
}

/** Healthcheck with node itself: n8n's images are not guaranteed to ship wget or curl. */
function nodeHttpCheck(url: string): string[] {
  return ["CMD", "node", "-e", `fetch(${JSON.stringify(url)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`];
}

/** N8nProps with every default applied (common/defaults). */
interface N8nSettings {
  readonly prefix: string;
  readonly publicPaths: readonly N8nPublicPath[];
  readonly rate: { readonly average: number; readonly burst: number; readonly periodSeconds: number };
  readonly maxBodyMb: number;
  readonly maxAgeHours: number;
  readonly timezone: string;
}

function n8nSettings(props: N8nProps): N8nSettings {
  return {
    prefix: props.name ?? props.networks.prefix,
    publicPaths: props.publicPaths ?? N8N_DEFAULTS.publicPaths,
    rate: props.webhookRateLimit ?? N8N_DEFAULTS.webhookRateLimit,
    maxBodyMb: props.maxPublicBodyMb ?? N8N_DEFAULTS.maxPublicBodyMb,
    maxAgeHours: props.executionsMaxAgeHours ?? N8N_DEFAULTS.executionsMaxAgeHours,
    timezone: props.timezone ?? N8N_DEFAULTS.timezone,
  };
}

/** Throws one ValidationError naming every bad prop of `props` (`s`: the same with defaults). */
function validateN8nProps(path: string, props: N8nProps, s: N8nSettings): void {
  const v = new Validator(`Invalid props for ${path}`);
  v.check(isHostname(props.host), "host", "must be a DNS name");
  v.check(s.publicPaths.length > 0 && new Set(s.publicPaths).size === s.publicPaths.length, "publicPaths", "must list at least one path, without repeats");
  v.check(props.ssoMiddleware.length > 0, "ssoMiddleware", "is required: the editor is never served without SSO");
  for (const k of ["average", "burst", "periodSeconds"] as const) {
    v.check(inBound(s.rate[k], WEBHOOK_RATE_LIMIT[k]), `webhookRateLimit.${k}`, `${boundMessage(WEBHOOK_RATE_LIMIT[k])}, got ${s.rate[k]}`);
  }
  v.check(inBound(s.maxBodyMb, PUBLIC_BODY_MB), "maxPublicBodyMb", `${boundMessage(PUBLIC_BODY_MB, " (MiB)")}, got ${s.maxBodyMb}`);
  v.check(isUnresolved(s.maxAgeHours) || inBound(s.maxAgeHours, EXECUTIONS_MAX_AGE_HOURS), "executionsMaxAgeHours", `${boundMessage(EXECUTIONS_MAX_AGE_HOURS, " (hours; 8760 is one year)")}, got ${s.maxAgeHours}`);
  v.check(props.secretsDir.startsWith("/"), "secretsDir", "must be an absolute host path");
  const zoneProblem = props.timezone === undefined || isUnresolved(props.timezone) ? undefined : timeZoneProblem(props.timezone);
  if (zoneProblem) v.add("timezone", zoneProblem);
  v.check(imageTagOf(props.image) === imageTagOf(props.runnersImage), "runnersImage", "must carry the same version tag as image");
  if (props.ssrfProtection) {
    (props.ssrfProtection.allowedIpRanges ?? []).forEach((r, i) => {
      const problem = isUnresolved(r) ? undefined : ipCidrProblem(r);
      if (problem) v.add(`ssrfProtection.allowedIpRanges.${i}`, problem);
    });
    (props.ssrfProtection.allowedHostnames ?? []).forEach((h, i) => v.check(isHostname(h.replace(/^\*\./, "")), `ssrfProtection.allowedHostnames.${i}`, `must be a DNS name (optionally *.name), got "${h}"`));
  }
  if (props.queue) queueProblems(v, props.queue, s);
  v.throwIfAny();
}

/** Queue-mode props: counts, concurrency, pool size and names (every name its own DNS name). */
function queueProblems(v: Validator, q: N8nQueueProps, s: N8nSettings): void {
  v.check(q.workers.length >= 1, "queue.workers", "must list at least one worker: in queue mode only workers run production executions");
  v.check(inBound(q.concurrency, QUEUE_CONCURRENCY), "queue.concurrency", `${boundMessage(QUEUE_CONCURRENCY)}, got ${q.concurrency}`);
  v.check(inBound(q.dbPoolSize, DB_POOL_SIZE), "queue.dbPoolSize", `${boundMessage(DB_POOL_SIZE)}, got ${q.dbPoolSize}`);
  v.check(RESOURCE_NAME_PATTERN.test(q.redis.host), "queue.redis.host", `${RESOURCE_NAME_RULE}; got "${q.redis.host}"`);
  const names = [...q.workers.flatMap((w) => [w.worker.name, w.runners.name]), ...q.webhookProcessors.map((p) => p.name)];
  names.forEach((n, i) => {
    v.check(RESOURCE_NAME_PATTERN.test(n), `queue.names.${i}`, `${RESOURCE_NAME_RULE}; got "${n}"`);
    v.check(names.indexOf(n) === i, `queue.names.${i}`, `"${n}" is used twice`);
  });
  // The webhook processors serve no test paths: those stay on main, behind SSO (the editor router).
  const test = s.publicPaths.filter((p) => p.endsWith("-test"));
  v.check(q.webhookProcessors.length === 0 || test.length === 0, "publicPaths", `must not list ${test.join(", ")} in queue mode: the webhook processors do not serve test paths, main serves them behind SSO`);
}

/**
 * The main container's environment: Postgres over verified TLS, every secret as a `_FILE`, the
 * public URL behind one proxy hop, call-home, community packages and metrics off, SSRF
 * protection, pruning, and external task runners.
 */
function mainEnvironment(props: N8nProps, s: N8nSettings): Record<string, string> {
  return n8nEnvironment({ host: props.host, database: props.database, ssrfProtection: props.ssrfProtection, logLevel: props.logLevel, maxPublicBodyMb: s.maxBodyMb, executionsMaxAgeHours: s.maxAgeHours, timezone: s.timezone });
}

/** What {@link n8nEnvironment} needs: the settings every n8n process shares, whatever runs it (Docker, ECS). */
export interface N8nEnvironmentSettings {
  /** Public host, e.g. `n8n.example.com`. */
  readonly host: string;
  readonly database: N8nDatabase;
  readonly ssrfProtection?: N8nProps["ssrfProtection"];
  /** @default "info" */
  readonly logLevel?: N8nProps["logLevel"];
  /** Validated by the caller (N8n's props, the ECS config). */
  readonly maxPublicBodyMb: number;
  readonly executionsMaxAgeHours: number;
  readonly timezone: string;
}

/**
 * n8n's environment for one process (main; workers and webhook processors add theirs): Postgres
 * over verified TLS, every secret as a `_FILE` under `/run/secrets`, the public URL behind one
 * proxy hop, call-home and community packages off, SSRF protection, pruning, external task
 * runners. Shared by the Docker runtime (N8n) and the ECS services (constructs/ecs), so both
 * run n8n with the same settings.
 */
export function n8nEnvironment(props: N8nEnvironmentSettings): Record<string, string> {
  const s = { maxBodyMb: props.maxPublicBodyMb, maxAgeHours: props.executionsMaxAgeHours, timezone: props.timezone };
  const db = props.database;
  const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;
  const publicUrl = `https://${props.host}/`;
  return {
    // Stated, not left to the image: without it n8n runs as development (reflective CORS with
    // credentials, no X-Frame-Options); policy rule ZT-N8N-002.
    NODE_ENV: "production",
    DB_TYPE: "postgresdb",
    DB_POSTGRESDB_HOST: db.host,
    DB_POSTGRESDB_PORT: String(db.port ?? 5432),
    DB_POSTGRESDB_DATABASE: db.database,
    DB_POSTGRESDB_SCHEMA: db.schema,
    ...(db.userFromFile ? { DB_POSTGRESDB_USER_FILE: secret(SECRET_FILES.n8nDbUser) } : { DB_POSTGRESDB_USER: db.user }),
    DB_POSTGRESDB_PASSWORD_FILE: secret(SECRET_FILES.n8nDbPassword),
    DB_POSTGRESDB_SSL_ENABLED: "true",
    DB_POSTGRESDB_SSL_CA_FILE: secret(TLS_FILES.caCert),
    DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED: "true",
    N8N_ENCRYPTION_KEY_FILE: secret(SECRET_FILES.n8nEncryptionKey),
    N8N_HOST: props.host,
    N8N_PORT: String(PORT),
    N8N_PROTOCOL: "https",
    N8N_PROXY_HOPS: "1",
    N8N_EDITOR_BASE_URL: publicUrl,
    N8N_WEBHOOK_URL: publicUrl,
    N8N_SECURE_COOKIE: "true",
    N8N_SAMESITE_COOKIE: "lax",
    N8N_DIAGNOSTICS_ENABLED: "false",
    N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
    N8N_TEMPLATES_ENABLED: "false",
    // n8n 2.41 refreshes an MCP server registry from api.n8n.io at start and every 8 h, with
    // every other call-home switch off; n8n refuses unknown module names, so this is checked.
    N8N_DISABLED_MODULES: "mcp-registry",
    // Community nodes are npm code inside this process, with the encryption key: none are
    // installed from the editor (build them into the image instead). ZT-N8N-009.
    N8N_COMMUNITY_PACKAGES_ENABLED: "false",
    N8N_UNVERIFIED_PACKAGES_ENABLED: "false",
    ...ssrfEnv(props.ssrfProtection),
    N8N_HIRING_BANNER_ENABLED: "false",
    N8N_PERSONALIZATION_ENABLED: "false",
    N8N_METRICS: "false",
    N8N_BLOCK_ENV_ACCESS_IN_NODE: "true",
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "true",
    N8N_RESTRICT_FILE_ACCESS_TO: "/home/node/.n8n-files",
    N8N_GIT_NODE_DISABLE_BARE_REPOS: "true",
    N8N_PAYLOAD_SIZE_MAX: String(s.maxBodyMb),
    EXECUTIONS_DATA_PRUNE: "true",
    EXECUTIONS_DATA_MAX_AGE: String(s.maxAgeHours),
    N8N_RUNNERS_MODE: "external",
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: "0.0.0.0",
    N8N_RUNNERS_BROKER_PORT: String(BROKER_PORT),
    N8N_RUNNERS_AUTH_TOKEN_FILE: secret(SECRET_FILES.n8nRunnersAuthToken),
    N8N_LOG_LEVEL: props.logLevel ?? N8N_DEFAULTS.logLevel,
    N8N_LOG_OUTPUT: "console",
    GENERIC_TIMEZONE: s.timezone,
    TZ: s.timezone,
  };
}

/**
 * What every n8n process of queue mode adds: the queue on Valkey over verified TLS (the stack's
 * CA through NODE_EXTRA_CA_CERTS: n8n passes no CA option to ioredis), n8n's ACL user with its
 * password as a file, a reconnect window that rides out a Valkey restart, and the pool size the
 * config's connection budget counts with.
 */
function queueEnvironment(q: N8nQueueProps): Record<string, string> {
  return n8nQueueEnvironment(q);
}

/** Queue mode's additions to {@link n8nEnvironment} (Valkey over verified TLS, n8n's ACL user, its password as a file, the pool size). */
export function n8nQueueEnvironment(q: Pick<N8nQueueProps, "redis" | "dbPoolSize">): Record<string, string> {
  const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;
  return {
    EXECUTIONS_MODE: "queue",
    QUEUE_BULL_REDIS_HOST: q.redis.host,
    QUEUE_BULL_REDIS_PORT: String(q.redis.port),
    QUEUE_BULL_REDIS_USERNAME: q.redis.user,
    QUEUE_BULL_REDIS_PASSWORD_FILE: secret(QUEUE_SECRET_FILES.valkeyPassword),
    QUEUE_BULL_REDIS_TLS: "true",
    QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: "true",
    NODE_EXTRA_CA_CERTS: secret(TLS_FILES.caCert),
    // n8n exits after this much failed reconnecting (default 10 s): a Valkey restart would kill every process.
    QUEUE_BULL_REDIS_TIMEOUT_THRESHOLD: "60000",
    DB_POSTGRESDB_POOL_SIZE: String(q.dbPoolSize),
  };
}

/** The environment without the task runner settings (a webhook processor starts no broker). */
export function withoutRunners(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("N8N_RUNNERS_")));
}

/**
 * n8n 2.x with external task runners, on Postgres, behind two routers:
 *
 * - `<prefix>-editor`: everything on the host (UI, REST API, test webhooks) **behind SSO**, except
 *   `/metrics` and `/healthz`, which no router matches;
 * - `<prefix>-public`: only the configured public paths (`/webhook/`, `/form/`, ...), no SSO, a
 *   per-IP rate limit and a body-size limit, at a higher priority so it wins for those paths.
 *
 * Secrets are read from files (`*_FILE`): the encryption key, the DB password and the runners'
 * auth token never appear in the environment. Telemetry, version checks and templates are off.
 * Code nodes run in the separate runners container, which sits only on the internal app network.
 *
 * @example
 * new N8n(this, "N8n", {
 *   networks, traefik, ssoMiddleware: sso.middleware,
 *   image: "docker.n8n.io/n8nio/n8n:2.41.3", runnersImage: "n8nio/runners:2.41.3",
 *   host: "n8n.example.com",
 *   database: { host: "n8n-postgres", database: "n8n", schema: "n8n", user: "n8n" },
 *   secretsDir: "/run/n8n-secrets", runAs: { uid: 1000, gid: 1000 },
 * });
 */
export class N8n extends Construct {
  public readonly main: HardenedContainer;
  public readonly runners: HardenedContainer;
  /** Router for the editor/UI/API (SSO). */
  public readonly editorRouter: string;
  /** Router for the public webhook/form paths (no SSO, rate-limited). */
  public readonly publicWebhookRouter: string;
  /** The public path prefixes, e.g. `/webhook/`. */
  public readonly publicPathPrefixes: string[];
  /** Queue mode's workers, each with its runners. @default - none (regular mode) */
  public readonly workers: readonly { readonly worker: HardenedContainer; readonly runners: HardenedContainer }[] = [];
  /** Queue mode's webhook processors. @default - none (regular mode) */
  public readonly webhookProcessors: readonly HardenedContainer[] = [];

  constructor(scope: Construct, id: string, props: N8nProps) {
    super(scope, id);
    const settings = n8nSettings(props);
    validateN8nProps(this.node.path, props, settings);
    const { prefix, publicPaths, rate, maxBodyMb, timezone } = settings;

    const routers = n8nRouterNames(prefix);
    this.editorRouter = routers.editor;
    this.publicWebhookRouter = routers.public;
    this.publicPathPrefixes = publicPaths.map((p) => `/${p}/`);
    const mainName = `${prefix}-main`;
    const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;
    const mount = (file: string) => ({ source: `${props.secretsDir}/${file}`, target: secret(file) });
    const routing: N8nRouting = {
      instance: props.traefik.instance,
      network: props.networks.app.name,
      prefix,
      host: props.host,
      publicPathPrefixes: this.publicPathPrefixes,
      ssoMiddleware: props.ssoMiddleware,
      rateLimit: rate,
      maxBodyMb,
      certResolver: props.traefik.certResolver,
    };
    const q = props.queue;
    // Queue mode with webhook processors: the public router lives on them; main keeps the editor
    // (SSO). Without any, main serves the production paths as in regular mode.
    const toWebhooks = q !== undefined && q.webhookProcessors.length > 0;
    const parts = n8nRouterLabelParts(routing, toWebhooks ? n8nWebhookServiceName(prefix) : undefined);
    const labels = toWebhooks ? { ...parts.expose, ...parts.service, ...parts.editor } : n8nRouterLabels(routing);

    const db = props.database;
    this.main = new HardenedContainer(this, "Main", {
      name: mainName,
      image: props.image,
      networks: [
        // The runners reach the task broker by this name on the internal app network.
        { network: props.networks.app, aliases: [`${prefix}-broker`] },
        { network: props.networks.data },
        { network: props.networks.egress },
        // Queue mode: Valkey, alone with n8n's processes on the queue network.
        ...(q ? [{ network: queueNetwork(props.networks, this.node.path) }] : []),
      ],
      memoryMb: props.memoryMb?.n8n ?? CONTAINER_LIMITS.n8n.memoryMb,
      cpus: props.cpus?.n8n ?? CONTAINER_LIMITS.n8n.cpus,
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      env: q
        ? // n8n's docs: with webhook processors, main serves no production webhook (test paths stay on main).
          { ...mainEnvironment(props, settings), ...queueEnvironment(q), ...(toWebhooks ? { N8N_DISABLE_PRODUCTION_MAIN_PROCESS: "true" } : {}) }
        : mainEnvironment(props, settings),
      labels,
      readOnlyMounts: [
        mount(SECRET_FILES.n8nDbPassword),
        ...(db.userFromFile ? [mount(SECRET_FILES.n8nDbUser)] : []),
        mount(SECRET_FILES.n8nEncryptionKey),
        mount(SECRET_FILES.n8nRunnersAuthToken),
        mount(TLS_FILES.caCert),
        ...(q ? [mount(QUEUE_SECRET_FILES.valkeyPassword)] : []),
      ],
      volumes: { [`${prefix}-n8n-data`]: "/home/node/.n8n", [`${prefix}-n8n-files`]: "/home/node/.n8n-files" },
      // n8n compiles the editor's static assets into ~/.cache/n8n/public at every start (found on
      // the first real deploy: ENOENT mkdir /home/node/.cache on the read-only root).
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=256m", "/home/node/.cache": `rw,noexec,nosuid,size=128m,mode=0700,uid=${props.runAs.uid},gid=${props.runAs.gid}` },
      healthcheck: { test: nodeHttpCheck(`http://127.0.0.1:${PORT}/healthz/readiness`), startPeriod: "60s" },
      stopTimeoutSeconds: 30,
      logging: props.logging?.n8n,
      dependsOn: q ? [...(props.dependsOn ?? []), ...(q.dependsOn ?? [])].map((c) => c.container) : props.dependsOn?.map((c) => c.container),
    });

    this.runners = new HardenedContainer(this, "Runners", {
      name: `${prefix}-runners`,
      image: props.runnersImage,
      // Only the internal app network: code nodes get no direct route to the database or the internet.
      networks: [{ network: props.networks.app }],
      memoryMb: props.memoryMb?.runners ?? CONTAINER_LIMITS.n8nRunners.memoryMb,
      cpus: props.cpus?.runners ?? CONTAINER_LIMITS.n8nRunners.cpus,
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      env: {
        N8N_RUNNERS_TASK_BROKER_URI: `http://${prefix}-broker:${BROKER_PORT}`,
        N8N_RUNNERS_AUTH_TOKEN_FILE: secret(SECRET_FILES.n8nRunnersAuthToken),
        N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT: String(RUNNERS_HEALTH_PORT),
        N8N_RUNNERS_AUTO_SHUTDOWN_TIMEOUT: "15",
        GENERIC_TIMEZONE: timezone,
      },
      readOnlyMounts: [mount(SECRET_FILES.n8nRunnersAuthToken)],
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=256m" },
      healthcheck: { test: nodeHttpCheck(`http://127.0.0.1:${RUNNERS_HEALTH_PORT}/healthz`) },
      logging: props.logging?.runners,
      dependsOn: [this.main.container],
    });

    if (q) {
      const built = this.buildQueueProcesses(props, settings, q, { ...parts.expose, ...serviceLabels(n8nWebhookServiceName(prefix), PORT), ...parts.public });
      this.workers = built.workers;
      this.webhookProcessors = built.webhookProcessors;
    }
  }

  /**
   * Queue mode's processes. Each shares main's database role, pool size, encryption key file and
   * public URLs (workers build resume and form URLs), and gets a tmpfs `~/.n8n` (n8n writes the key
   * there at first start; main's volume is never shared).
   */
  private buildQueueProcesses(props: N8nProps, s: N8nSettings, q: N8nQueueProps, webhookLabels: Record<string, string>) {
    const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;
    const mount = (file: string) => ({ source: `${props.secretsDir}/${file}`, target: secret(file) });
    const uidGid = `uid=${props.runAs.uid},gid=${props.runAs.gid}`;
    const tmpfs = {
      "/tmp": "rw,noexec,nosuid,size=256m",
      "/home/node/.n8n": `rw,noexec,nosuid,size=16m,mode=0700,${uidGid}`,
      "/home/node/.n8n-files": `rw,noexec,nosuid,size=256m,mode=0700,${uidGid}`,
      "/home/node/.cache": `rw,noexec,nosuid,size=128m,mode=0700,${uidGid}`,
    };
    const dbMounts = [mount(SECRET_FILES.n8nDbPassword), ...(props.database.userFromFile ? [mount(SECRET_FILES.n8nDbUser)] : []), mount(SECRET_FILES.n8nEncryptionKey), mount(TLS_FILES.caCert), mount(QUEUE_SECRET_FILES.valkeyPassword)];
    const after = [...(props.dependsOn ?? []), ...(q.dependsOn ?? []), this.main].map((c) => c.container);
    const base = { ...mainEnvironment(props, s), ...queueEnvironment(q) };
    const runnersNetwork = props.networks.runners;

    const workers = q.workers.map(({ worker, runners }, k) => {
      if (!runnersNetwork) throw new Error(`Invalid props for ${this.node.path}: networks.runners is required for queue mode's workers (SegmentedNetworks with runners: true)`);
      const broker = `${worker.name}-broker`;
      const w = new HardenedContainer(this, `Worker${k + 1}`, {
        name: worker.name,
        // n8n's host id is `worker-<hostname>` (its logs and main's "finished" lines name it): stable across recreation.
        hostname: worker.name,
        image: props.image,
        command: ["worker", `--concurrency=${q.concurrency}`],
        networks: [
          // Its own runners reach its task broker by this name: unique per worker (a shared alias
          // would round-robin). The runners network, not app: a worker takes no request from Traefik.
          { network: runnersNetwork, aliases: [broker] },
          { network: queueNetwork(props.networks, this.node.path) },
          { network: props.networks.data },
          { network: props.networks.egress },
        ],
        memoryMb: worker.memoryMb ?? props.memoryMb?.n8n ?? CONTAINER_LIMITS.n8n.memoryMb,
        cpus: worker.cpus ?? props.cpus?.n8n ?? CONTAINER_LIMITS.n8n.cpus,
        user: `${props.runAs.uid}:${props.runAs.gid}`,
        env: {
          ...base,
          // The worker's health server (/healthz, /healthz/readiness: DB and Valkey connected), on loopback only.
          QUEUE_HEALTH_CHECK_ACTIVE: "true",
          QUEUE_HEALTH_CHECK_PORT: String(PORT),
          N8N_WORKER_SERVER_ADDRESS: "127.0.0.1",
          N8N_GRACEFUL_SHUTDOWN_TIMEOUT: "30",
        },
        readOnlyMounts: [...dbMounts, mount(SECRET_FILES.n8nRunnersAuthToken)],
        tmpfs,
        healthcheck: { test: nodeHttpCheck(`http://127.0.0.1:${PORT}/healthz/readiness`), startPeriod: "60s" },
        // Above N8N_GRACEFUL_SHUTDOWN_TIMEOUT: running executions finish before the kill.
        stopTimeoutSeconds: 45,
        logging: worker.logging,
        dependsOn: after,
      });
      const r = new HardenedContainer(this, `Worker${k + 1}Runners`, {
        name: runners.name,
        image: props.runnersImage,
        networks: [{ network: runnersNetwork }],
        memoryMb: runners.memoryMb ?? props.memoryMb?.runners ?? CONTAINER_LIMITS.n8nRunners.memoryMb,
        cpus: runners.cpus ?? props.cpus?.runners ?? CONTAINER_LIMITS.n8nRunners.cpus,
        user: `${props.runAs.uid}:${props.runAs.gid}`,
        env: {
          N8N_RUNNERS_TASK_BROKER_URI: `http://${broker}:${BROKER_PORT}`,
          N8N_RUNNERS_AUTH_TOKEN_FILE: secret(SECRET_FILES.n8nRunnersAuthToken),
          N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT: String(RUNNERS_HEALTH_PORT),
          N8N_RUNNERS_AUTO_SHUTDOWN_TIMEOUT: "15",
          GENERIC_TIMEZONE: s.timezone,
        },
        readOnlyMounts: [mount(SECRET_FILES.n8nRunnersAuthToken)],
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=256m" },
        healthcheck: { test: nodeHttpCheck(`http://127.0.0.1:${RUNNERS_HEALTH_PORT}/healthz`) },
        logging: runners.logging,
        dependsOn: [w.container],
      });
      return { worker: w, runners: r };
    });

    const webhookProcessors = q.webhookProcessors.map(
      (p, k) =>
        new HardenedContainer(this, `Webhook${k + 1}`, {
          name: p.name,
          hostname: p.name,
          image: props.image,
          command: ["webhook"],
          // app: Traefik's public router; queue: Valkey; data: Postgres. No egress, no runners.
          networks: [{ network: props.networks.app }, { network: queueNetwork(props.networks, this.node.path) }, { network: props.networks.data }],
          memoryMb: p.memoryMb ?? props.memoryMb?.n8n ?? CONTAINER_LIMITS.n8n.memoryMb,
          cpus: p.cpus ?? props.cpus?.n8n ?? CONTAINER_LIMITS.n8n.cpus,
          user: `${props.runAs.uid}:${props.runAs.gid}`,
          env: withoutRunners(base),
          // Every processor carries the same labels: Traefik merges them into one service over all of them.
          labels: webhookLabels,
          readOnlyMounts: dbMounts,
          tmpfs,
          healthcheck: { test: nodeHttpCheck(`http://127.0.0.1:${PORT}/healthz/readiness`), startPeriod: "60s" },
          stopTimeoutSeconds: 30,
          logging: p.logging,
          dependsOn: after,
        }),
    );
    return { workers, webhookProcessors };
  }
}
