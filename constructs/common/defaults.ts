/*
 * Defaults the constructs apply when a prop is left out, one value per setting. The config schema
 * fills the same fields from here (so the parsed config says what will run, and nothing restates a
 * value), and each construct's `@default` describes the value named here.
 */

/** Memory (MiB) and CPU limits of one container. */
export interface ContainerLimitDefaults {
  readonly memoryMb: number;
  readonly cpus: string;
}

/** Each runtime service's limits when neither the config nor the caller sets them. */
export const CONTAINER_LIMITS: Record<"traefik" | "socketProxy" | "oauth2Proxy" | "n8n" | "n8nRunners" | "postgres" | "dex", ContainerLimitDefaults> = {
  traefik: { memoryMb: 256, cpus: "0.5" },
  socketProxy: { memoryMb: 64, cpus: "0.2" },
  oauth2Proxy: { memoryMb: 128, cpus: "0.25" },
  n8n: { memoryMb: 2048, cpus: "1" },
  n8nRunners: { memoryMb: 1024, cpus: "1" },
  postgres: { memoryMb: 1024, cpus: "1" },
  dex: { memoryMb: 128, cpus: "0.25" },
};

/** Every path n8n serves without a session: webhooks, forms (and their test and waiting variants), MCP. */
export const N8N_PUBLIC_PATHS = ["webhook", "webhook-waiting", "webhook-test", "form", "form-waiting", "form-test", "mcp"] as const;

/** n8n's settings when left out. */
export const N8N_DEFAULTS = {
  /** Public without SSO: production webhooks and forms; the test variants and MCP stay behind SSO. */
  publicPaths: ["webhook", "webhook-waiting", "form", "form-waiting"] as (typeof N8N_PUBLIC_PATHS)[number][],
  /** Per client IP on the public router. */
  webhookRateLimit: { average: 20, burst: 50, periodSeconds: 1 },
  /** n8n's own payload limit, in MiB. */
  maxPublicBodyMb: 16,
  /** 14 days. */
  executionsMaxAgeHours: 336,
  timezone: "UTC",
  logLevel: "info" as "error" | "warn" | "info" | "debug",
} as const;

/** oauth2-proxy's session settings when left out. */
export const SSO_DEFAULTS = {
  cookieExpire: "8h",
  /** Rechecked with the IdP this often, so a revoked user loses access within the hour. */
  cookieRefresh: "1h",
  offlineAccess: true,
} as const;

/** The Docker edge network's subnet (oauth2-proxy trusts forwarded headers from Traefik's fixed address in it). */
export const EDGE_SUBNET = "172.30.0.0/24";

/** Days between rotations of a rotated secret when left out. */
export const SECRET_ROTATION_DAYS = 30;

/** The prod Docker host's settings when left out. */
export const DOCKER_HOST_DEFAULTS = {
  /** 2 vCPU, 8 GiB: n8n, its runners, Postgres and the edge with headroom. */
  instanceType: "t3.large",
  rootVolumeGb: 40,
  egressTcpPorts: [80, 443] as readonly number[],
  /** Minutes between the secrets agent's refreshes. */
  secretsRefreshMinutes: 5,
} as const;

/** Queue mode's processes when the config's `n8n.queue` leaves them out. */
export const QUEUE_DEFAULTS = {
  workers: 2,
  webhookProcessors: 1,
  /** n8n's own default for `n8n worker --concurrency`. */
  concurrency: 10,
  /** n8n's own default for `DB_POSTGRESDB_POOL_SIZE`. */
  dbPoolSize: 2,
  /** The execution recovery agent: on; 3 retries of a stalled execution at most; a poll every 10 s. */
  recovery: { enabled: true, maxAttempts: 3, pollSeconds: 10 },
} as const;
