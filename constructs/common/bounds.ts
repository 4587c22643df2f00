/*
 * Numeric bounds of the values the config and the constructs take, one range per rule.
 * `config/schema.ts` and the constructs' validators import them from here, so a config field and
 * the prop it feeds refuse exactly the same numbers (test/common/rules.test.ts drives one table
 * through both).
 */

/** An inclusive range of whole numbers. */
export interface Bound {
  readonly min: number;
  readonly max: number;
}

/** Whether `n` is a whole number within `b`. */
export function inBound(n: number, b: Bound): boolean {
  return Number.isInteger(n) && n >= b.min && n <= b.max;
}

/** "must be a whole number from <min> to <max><note>", the message every bound reports. */
export function boundMessage(b: Bound, note = ""): string {
  return `must be a whole number from ${b.min} to ${b.max}${note}`;
}

// ---- Containers ------------------------------------------------------------------------------

/**
 * A container's memory limit in MiB. 32 is the floor: Docker itself refuses less than 6 MiB, and
 * none of the stack's images (Go binaries, haproxy under s6, node) starts reliably below 32.
 */
export const MEMORY_MB: Bound = { min: 32, max: 65536 };

/** The config's ceiling per service (below MEMORY_MB.max): a typo such as 40960 for 4096 is refused. */
export const SERVICE_MEMORY_MB: Record<"traefik" | "socketProxy" | "oauth2Proxy" | "n8n" | "n8nRunners" | "postgres" | "dex", Bound> = {
  traefik: { min: MEMORY_MB.min, max: 4096 },
  socketProxy: { min: MEMORY_MB.min, max: 512 },
  oauth2Proxy: { min: MEMORY_MB.min, max: 1024 },
  n8n: { min: MEMORY_MB.min, max: 32768 },
  n8nRunners: { min: MEMORY_MB.min, max: 16384 },
  postgres: { min: MEMORY_MB.min, max: 32768 },
  dex: { min: MEMORY_MB.min, max: 1024 },
};

export const TCP_PORT: Bound = { min: 1, max: 65535 };
/** uid and gid the containers that read secret files run as: never 0 (root). */
export const RUN_AS_ID: Bound = { min: 1, max: 2147483647 };

// ---- n8n -------------------------------------------------------------------------------------

/** Hours of execution data n8n keeps (8760 is one year). */
export const EXECUTIONS_MAX_AGE_HOURS: Bound = { min: 1, max: 8760 };
/** The public router's per-client rate limit. */
export const WEBHOOK_RATE_LIMIT: { readonly average: Bound; readonly burst: Bound; readonly periodSeconds: Bound } = {
  average: { min: 1, max: 10000 },
  burst: { min: 1, max: 100000 },
  periodSeconds: { min: 1, max: 3600 },
};
/** Largest request body on the public paths, in MiB. */
export const PUBLIC_BODY_MB: Bound = { min: 1, max: 512 };

// ---- Postgres --------------------------------------------------------------------------------

/**
 * Connections of each n8n login role. At least 5: n8n's pool, its migrations at start and the
 * rotation function's test login share it. At most 500: beyond that, Postgres' max_connections
 * (100 by default) decides anyway.
 */
export const CONNECTION_LIMIT: Bound = { min: 5, max: 500 };
/** Postgres connections of one n8n process (`DB_POSTGRESDB_POOL_SIZE`; n8n's default is 2). */
export const DB_POOL_SIZE: Bound = { min: 1, max: 50 };

// ---- Queue mode ------------------------------------------------------------------------------

/** Executions one worker runs at once (`n8n worker --concurrency`; n8n warns below 5). */
export const QUEUE_CONCURRENCY: Bound = { min: 1, max: 100 };
/** Workers of one runtime (at least one: in queue mode only workers run production executions). */
export const QUEUE_WORKERS: Bound = { min: 1, max: 20 };
/** Webhook processors of one runtime (0: main serves the public paths). */
export const QUEUE_WEBHOOK_PROCESSORS: Bound = { min: 0, max: 20 };
/** Retries the execution recovery agent makes of one stalled execution, at most. */
export const RECOVERY_MAX_ATTEMPTS: Bound = { min: 1, max: 10 };
/** Seconds between the execution recovery agent's polls. */
export const RECOVERY_POLL_SECONDS: Bound = { min: 2, max: 300 };

// ---- Networks (IPv4 prefix lengths) ------------------------------------------------------------

/** The Docker edge network's subnet. */
export const EDGE_SUBNET_BITS = { minBits: 16, maxBits: 28 } as const;
/** A VPC's range: AWS allows /16 to /28; the host's layout needs room for three subnets. */
export const VPC_CIDR_BITS = { minBits: 16, maxBits: 24 } as const;
/** A subnet's range: AWS allows /16 to /28. */
export const SUBNET_CIDR_BITS = { minBits: 16, maxBits: 28 } as const;

// ---- AWS -------------------------------------------------------------------------------------

/** The Docker host's gp3 root volume, in GiB. */
export const ROOT_VOLUME_GB: Bound = { min: 20, max: 2000 };
/**
 * Minutes between the host secrets agent's refreshes. At most an hour: the agent is also what
 * restarts containers after a rotation, so this bounds how long a host runs on a superseded secret.
 */
export const SECRETS_REFRESH_MINUTES: Bound = { min: 1, max: 60 };
/** Days a backup is locked or kept (S3 Object Lock allows up to 100 years). */
export const RETENTION_DAYS: Bound = { min: 1, max: 36500 };
/** Days between rotations of a secret (Secrets Manager's schedule). */
export const ROTATION_DAYS: Bound = { min: 1, max: 365 };
