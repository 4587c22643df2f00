import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import {
  HOSTNAME_PATTERN,
  imageRefProblem,
  imageTagOf,
  imageVersionOf,
  versionAtLeast,
  RESOURCE_NAME_PATTERN,
  RESOURCE_NAME_RULE,
  SQL_IDENTIFIER_PATTERN,
  SQL_IDENTIFIER_RULE,
  timeZoneProblem,
  ValidationError,
  ValidationProblem,
} from "../constructs/common/validation";
import { cidrsOverlap, cidrWithin, ipCidrProblem, ipv4AddressProblem, ipv4CidrProblem, isPrivateIpv4, usableInSubnet } from "../constructs/aws/cidr";
import { RESERVED_USERS } from "../constructs/host/secrets-agent";
import { SOCKET_PROXY_CONTAINER_READS_SINCE } from "../constructs/common/socket-proxy-switches";
import {
  AMI_ID,
  AVAILABILITY_ZONE,
  AWS_ACCOUNT_ID,
  AWS_NAME,
  AWS_REGION,
  CPUS,
  EMAIL,
  FormatRule,
  INSTANCE_TYPE,
  OIDC_CLIENT_ID,
  ON_CALENDAR,
  ROUTE_TABLE_ID,
  S3_BUCKET_NAME,
  SSH_PUBLIC_KEY,
  SSO_GROUP,
  SUBNET_ID,
  UNIX_USER_NAME,
  VPC_ID,
  persistentHostDirProblem,
} from "../constructs/common/patterns";
import {
  Bound,
  boundMessage,
  CONNECTION_LIMIT,
  DB_POOL_SIZE,
  inBound,
  QUEUE_CONCURRENCY,
  QUEUE_WEBHOOK_PROCESSORS,
  QUEUE_WORKERS,
  RECOVERY_MAX_ATTEMPTS,
  RECOVERY_POLL_SECONDS,
  EDGE_SUBNET_BITS,
  EXECUTIONS_MAX_AGE_HOURS,
  ROOT_VOLUME_GB,
  RETENTION_DAYS,
  ROTATION_DAYS,
  RUN_AS_ID,
  SECRETS_REFRESH_MINUTES,
  SERVICE_MEMORY_MB,
  SUBNET_CIDR_BITS,
  TCP_PORT,
  VPC_CIDR_BITS,
  WEBHOOK_RATE_LIMIT,
} from "../constructs/common/bounds";
import { postgresBootstrapProblems } from "../constructs/data/postgres-bootstrap";
import { CONTAINER_LIMITS, DOCKER_HOST_DEFAULTS, QUEUE_DEFAULTS, EDGE_SUBNET, N8N_DEFAULTS, N8N_PUBLIC_PATHS, SECRET_ROTATION_DAYS, SSO_DEFAULTS } from "../constructs/common/defaults";
import { LOG_RETENTION_DAYS } from "../constructs/aws/iam";
import { BACKUP_RESERVED_INSTANCE } from "../constructs/host/backup";
import { duplicates, MAX_TENANTS, TENANT_ID_PATTERN, TENANT_ID_RULE, tenantClientId, tenantEdgeSubnet, tenantPostgres, tenantPrefix, tenantSecretsDir, tenantSubnetProblem, tenantAwsName, MAX_PROD_TENANTS } from "../constructs/app/tenants";

/*
 * The configuration schema for every stack. One file per environment under config/; this module
 * validates it at startup and turns every problem into one message that names each bad field.
 */

const hostname = z.string().regex(HOSTNAME_PATTERN, "must be a lower-case DNS name such as example.com or localhost");
const subdomainLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be one lower-case DNS label such as n8n");
const emailDomain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case email domain such as example.com (no @, no wildcard)");
/** A string of one format (constructs/common/patterns). */
const matching = (rule: FormatRule) => z.string().regex(rule.pattern, rule.message);
const email = matching(EMAIL);
const sqlIdentifier = z.string().regex(SQL_IDENTIFIER_PATTERN, SQL_IDENTIFIER_RULE);
const duration = z.string().regex(/^([1-9]\d*(h|m|s))+$/, "must be a Go duration such as 8h, 30m or 1h30m");
const cpus = matching(CPUS);

/** A string that `problem` accepts (it returns what is wrong, or undefined). */
function checkedString(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const p = problem(value);
    if (p !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: p });
  });
}

/** A whole number in a bound (constructs/common/bounds); every failure (negative, fractional, out of range) names the range. */
function intIn(bound: Bound, note = "") {
  const message = boundMessage(bound, note);
  return z.number({ invalid_type_error: message }).int(message).min(bound.min, message).max(bound.max, message);
}

/** A strict IPv4 CIDR (network address, no leading zeros) with a prefix from /minBits to /maxBits. */
const ipv4Cidr = (bits: { minBits: number; maxBits: number }) => checkedString((v) => ipv4CidrProblem(v, bits));

/** An IANA time zone of the runtime's list (see timeZoneProblem). */
const timeZone = checkedString(timeZoneProblem);

/**
 * A systemd OnCalendar expression; a trailing time zone (`... 02:30:00 Europe/Berlin`) must be
 * one the runtime knows, like every other zone in the config.
 */
const onCalendar = z
  .string()
  .max(100)
  .regex(ON_CALENDAR.pattern, ON_CALENDAR.message)
  .superRefine((expr, ctx) => {
    const tokens = expr.split(" ");
    const zone = tokens.length > 1 ? tokens[tokens.length - 1] : undefined;
    const problem = zone !== undefined && /^[A-Za-z][A-Za-z0-9_+\/-]*$/.test(zone) ? timeZoneProblem(zone) : undefined;
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `ends in the time zone ${problem}` });
  });

/** Top-level folders and system trees where dev secrets never belong. */
const SYSTEM_DIRS = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys", "/usr"];
const NORMAL_ABSOLUTE = "an absolute path in normal form (no . or .. segments, no // and no trailing /)";

/** Why an absolute path is not in normal form, or undefined. */
function absolutePathProblem(dir: string): string | undefined {
  const segments = dir.split("/").slice(1);
  return segments.some((s) => s === "" || s === "." || s === "..") ? `"${dir}" is not ${NORMAL_ABSOLUTE}; write the folder it means` : undefined;
}

/**
 * dev's secretsDir, decided (issue 13): a relative path resolves against the repository root and
 * must stay inside it, and not be the root itself (`../secrets`, `a/../../x` and `.` are refused:
 * secrets would land beside other checkouts, or beside package.json where git does not ignore
 * them). An absolute path is a deliberate choice (a CI work folder, a tmpfs under /run/user/<uid>)
 * and is accepted in normal form, except the filesystem root, a top-level folder and the system
 * trees. `~` is not expanded by anything on the way, so it is refused with a hint.
 */
export function devSecretsDirProblem(dir: string): string | undefined {
  if (dir.length === 0) return "must not be empty; use a folder inside the repository such as .secrets/dev";
  if (dir.startsWith("~")) return `"${dir}" starts with ~, which nothing expands here; write the absolute path, or a folder inside the repository such as .secrets/dev`;
  if (!path.posix.isAbsolute(dir)) {
    const normal = path.posix.normalize(dir);
    if (normal === "." || normal === "./") return `"${dir}" is the repository root itself; use a folder inside it such as .secrets/dev (git-ignored)`;
    if (normal === ".." || normal.startsWith("../")) {
      return `"${dir}" leaves the repository (relative paths resolve against the repository root); use a folder inside it such as .secrets/dev, or an absolute path if the secrets are meant to live elsewhere`;
    }
    return undefined;
  }
  const notNormal = absolutePathProblem(dir);
  if (notNormal) return notNormal;
  if (dir.split("/").length < 3) return `"${dir}" is the filesystem root or a top-level folder; use a folder of its own such as /srv/n8n-dev/secrets, /run/user/1000/n8n-secrets or .secrets/dev (inside the repository)`;
  const system = SYSTEM_DIRS.find((d) => dir.startsWith(`${d}/`));
  if (system) return `"${dir}" is inside the system folder ${system}; use a folder of its own such as /srv/n8n-dev/secrets or .secrets/dev (inside the repository)`;
  return undefined;
}

/** prod's secretsDir: on tmpfs under /run/, where the host agent writes the secrets. */
function prodSecretsDirProblem(dir: string): string | undefined {
  if (!dir.startsWith("/run/")) return "must be under /run/ in prod (tmpfs: secrets never touch the disk)";
  return absolutePathProblem(dir);
}

function imageRef(check?: (version: number[]) => string | undefined) {
  return z.string().superRefine((ref, ctx) => {
    const problem = imageRefProblem(ref);
    if (problem) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      return;
    }
    if (check) {
      const version = imageVersionOf(ref);
      const versionProblem = version.length > 0 ? check(version) : undefined;
      if (versionProblem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: versionProblem });
    }
  });
}

/** One service's limits: its memory bound, and its construct's defaults when the entry is left out. */
const limits = (service: keyof typeof SERVICE_MEMORY_MB) =>
  z
    .object({
      memoryMb: intIn(SERVICE_MEMORY_MB[service], " (MiB)"),
      cpus: cpus.optional(),
    })
    .strict()
    .default(() => ({ ...CONTAINER_LIMITS[service] }));

const publicPath = z.enum(N8N_PUBLIC_PATHS);

/** A queue-mode service's limits (no default entry: regular mode's parsed config stays as it was). */
const queueLimits = z.object({ memoryMb: intIn({ min: 64, max: 65536 }, " (MiB)"), cpus: cpus.optional() }).strict();

/** n8n's execution mode (issue 14): `regular` runs everything in main; `queue` adds Valkey, workers and webhook processors. */
export const N8N_MODES = ["regular", "queue"] as const;

/** A tenant's limit of one service: unset, the top-level `resources` entry. */
const tenantLimits = z.object({ memoryMb: intIn({ min: 64, max: 65536 }, " (MiB)"), cpus: cpus.optional() }).strict().optional();

/**
 * One tenant of a multi-tenant host (issue 16): its own SSO client, cookie and allow-list, n8n and
 * runners on its own networks, its own Postgres, secrets, limits and rate limit. Names derive from
 * `<name>-<id>` (constructs/app/tenants.ts).
 */
export const tenantSchema = z
  .object({
    /** The tenant's id: part of every Docker name, role and secrets folder of the tenant. */
    id: z.string().regex(TENANT_ID_PATTERN, TENANT_ID_RULE),
    /** The tenant's n8n is served at `<host>.<domain>`. */
    host: subdomainLabel,
    sso: z
      .object({
        /** Its OIDC client at the IdP. @default `<sso.clientId>-<id>` */
        clientId: matching(OIDC_CLIENT_ID).optional(),
        allowedEmailDomains: z.array(emailDomain).default([]),
        allowedGroups: z.array(matching(SSO_GROUP)).default([]),
      })
      .strict(),
    /** Its containers' limits; unset entries take the top-level `resources`. */
    resources: z.object({ oauth2Proxy: tenantLimits, n8n: tenantLimits, n8nRunners: tenantLimits, postgres: tenantLimits }).strict().default({}),
    limits: z
      .object({
        /** Per client IP on its public router. @default - n8n.webhookRateLimit */
        webhookRateLimit: z.object({ average: intIn(WEBHOOK_RATE_LIMIT.average), burst: intIn(WEBHOOK_RATE_LIMIT.burst), periodSeconds: intIn(WEBHOOK_RATE_LIMIT.periodSeconds) }).strict().optional(),
        /** Connection limit of its n8n login role. @default - postgres.connectionLimit */
        connectionLimit: intIn(CONNECTION_LIMIT).optional(),
      })
      .strict()
      .default({}),
    /** Subnet of its own edge network (Traefik and its oauth2-proxy). @default - the block after network.edgeSubnet's, by position */
    edgeSubnet: ipv4Cidr(EDGE_SUBNET_BITS).optional(),
  })
  .strict();
export type TenantConfig = z.infer<typeof tenantSchema>;

export const runtimeConfigSchema = z
  .object({
    /** Prefix of every Docker name (containers, networks, volumes, routers). */
    name: z.string().regex(RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE),
    /** Base domain; n8n is served at `<hosts.n8n>.<domain>`. */
    domain: hostname,
    hosts: z
      .object({
        n8n: subdomainLabel.default("n8n"),
        auth: subdomainLabel.default("auth"),
      })
      .strict()
      .default({}),
    tls: z.discriminatedUnion("mode", [
      z.object({ mode: z.literal("local") }).strict(),
      z
        .object({
          mode: z.literal("acme"),
          email,
          caServer: z.string().url().startsWith("https://", "must be an https URL").optional(),
          challenge: z.enum(["tls-alpn-01", "http-01"]).default("tls-alpn-01"),
        })
        .strict(),
    ]),
    sso: z
      .object({
        provider: z.enum(["local-dex", "oidc"]),
        issuerUrl: z.string().url().startsWith("https://", "must be an https URL").optional(),
        clientId: matching(OIDC_CLIENT_ID),
        allowedEmailDomains: z.array(emailDomain).default([]),
        allowedGroups: z.array(matching(SSO_GROUP)).default([]),
        cookieExpire: duration.default(SSO_DEFAULTS.cookieExpire),
        cookieRefresh: duration.default(SSO_DEFAULTS.cookieRefresh),
        offlineAccess: z.boolean().default(SSO_DEFAULTS.offlineAccess),
      })
      .strict(),
    devIdp: z
      .object({
        demoUserEmail: email,
        demoUserName: z.string().regex(/^[A-Za-z0-9 ._-]{1,64}$/, "must be 1-64 letters, digits, spaces, . _ -").default("Demo User"),
        idTokenLifetime: duration.default("1h"),
      })
      .strict()
      .optional(),
    images: z
      .object({
        traefik: imageRef((v) => (versionAtLeast(v, [3, 7]) && v[0] === 3 ? undefined : "must be Traefik v3.7 or later 3.x (TLS options and forwardAuth settings this stack uses)")),
        socketProxy: imageRef((v) => (versionAtLeast(v, SOCKET_PROXY_CONTAINER_READS_SINCE) ? undefined : `must be linuxserver/socket-proxy ${SOCKET_PROXY_CONTAINER_READS_SINCE.join(".")} or later (earlier releases also serve every container's logs, file archives and exports with CONTAINERS=1)`)),
        oauth2Proxy: imageRef((v) => (versionAtLeast(v, [7, 15, 3]) ? undefined : "must be oauth2-proxy v7.15.3 or later (earlier 7.x releases have auth-bypass advisories)")),
        n8n: imageRef((v) => (v[0] === 2 ? undefined : "must be an n8n 2.x release")),
        n8nRunners: imageRef((v) => (v[0] === 2 ? undefined : "must be an n8n runners 2.x release matching images.n8n")),
        postgres: imageRef((v) => (v[0] >= 15 ? undefined : "must be Postgres 15 or later")),
        dex: imageRef().optional(),
        /** Valkey for queue mode (required with n8n.mode "queue"); Valkey 7+ or Redis 6+ (ACL users). */
        valkey: imageRef().optional(),
      })
      .strict(),
    resources: z
      .object({
        traefik: limits("traefik"),
        socketProxy: limits("socketProxy"),
        oauth2Proxy: limits("oauth2Proxy"),
        n8n: limits("n8n"),
        n8nRunners: limits("n8nRunners"),
        postgres: limits("postgres"),
        dex: limits("dex"),
        /** Queue mode only; unset: the constructs' defaults (Valkey 256 MiB; workers and webhook processors as n8n, workers' runners as n8nRunners). */
        valkey: queueLimits.optional(),
        n8nWorker: queueLimits.optional(),
        n8nWorkerRunners: queueLimits.optional(),
        n8nWebhook: queueLimits.optional(),
        /** The execution recovery agent (default 192 MiB, 0.25 CPU). */
        executionRecovery: queueLimits.optional(),
      })
      .strict()
      .default({}),
    n8n: z
      .object({
        timezone: timeZone.default(N8N_DEFAULTS.timezone),
        executionsMaxAgeHours: intIn(EXECUTIONS_MAX_AGE_HOURS, " (hours; 8760 is one year)").default(N8N_DEFAULTS.executionsMaxAgeHours),
        publicPaths: z.array(publicPath).min(1).default(() => [...N8N_DEFAULTS.publicPaths]),
        webhookRateLimit: z
          .object({
            average: intIn(WEBHOOK_RATE_LIMIT.average).default(N8N_DEFAULTS.webhookRateLimit.average),
            burst: intIn(WEBHOOK_RATE_LIMIT.burst).default(N8N_DEFAULTS.webhookRateLimit.burst),
            periodSeconds: intIn(WEBHOOK_RATE_LIMIT.periodSeconds).default(N8N_DEFAULTS.webhookRateLimit.periodSeconds),
          })
          .strict()
          .default({}),
        logLevel: z.enum(["error", "warn", "info", "debug"]).default(N8N_DEFAULTS.logLevel),
        mode: z.enum(N8N_MODES, { errorMap: () => ({ message: `must be one of ${N8N_MODES.map((m) => `"${m}"`).join(", ")}` }) }).default("regular"),
        /** Queue mode's processes (only with mode "queue"). */
        queue: z
          .object({
            workers: intIn(QUEUE_WORKERS, " (n8n worker processes, each with its own runners)").default(QUEUE_DEFAULTS.workers),
            webhookProcessors: intIn(QUEUE_WEBHOOK_PROCESSORS, " (n8n webhook processes; 0: main serves the public paths)").default(QUEUE_DEFAULTS.webhookProcessors),
            concurrency: intIn(QUEUE_CONCURRENCY, " (executions per worker at once)").default(QUEUE_DEFAULTS.concurrency),
            dbPoolSize: intIn(DB_POOL_SIZE, " (Postgres connections per n8n process)").default(QUEUE_DEFAULTS.dbPoolSize),
            /** Re-runs executions whose worker died (n8n fails them as stalled and keeps no input to retry). */
            recovery: z
              .object({
                enabled: z.boolean().default(QUEUE_DEFAULTS.recovery.enabled),
                maxAttempts: intIn(RECOVERY_MAX_ATTEMPTS, " (retries of one stalled execution)").default(QUEUE_DEFAULTS.recovery.maxAttempts),
                pollSeconds: intIn(RECOVERY_POLL_SECONDS, " (seconds between the agent's polls)").default(QUEUE_DEFAULTS.recovery.pollSeconds),
              })
              .strict()
              .default({}),
          })
          .strict()
          .optional(),
        /** n8n's SSRF protection: workflows may not call private or link-local addresses except these. */
        ssrfProtection: z
          .object({
            enabled: z.boolean().default(true),
            allowedIpRanges: z.array(checkedString(ipCidrProblem)).default([]),
            allowedHostnames: z.array(z.string().regex(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS name, optionally *.name")).default([]),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    postgres: z
      .object({
        database: sqlIdentifier.default("n8n"),
        schema: sqlIdentifier.default("n8n"),
        n8nRole: sqlIdentifier.default("n8n"),
        reportingRole: sqlIdentifier.default("n8n_reporting"),
        agentSchema: sqlIdentifier.default("agent_data"),
        agentRole: sqlIdentifier.default("n8n_agent"),
        connectionLimit: intIn(CONNECTION_LIMIT).default(40),
      })
      .strict()
      .default({}),
    network: z
      .object({
        edgeSubnet: ipv4Cidr(EDGE_SUBNET_BITS).default(EDGE_SUBNET),
        /**
         * Host address Traefik publishes 443/80 on. Unset: loopback in dev (a laptop's LAN must not
         * reach the IdP or the public webhooks), every address in prod-runtime.
         */
        bindAddress: z
          .string()
          .regex(/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, "must be an IPv4 address such as 127.0.0.1 (loopback) or 0.0.0.0 (every address)")
          .optional(),
      })
      .strict()
      .default({}),
    /**
     * Host folder with the secret files, relative to the repository root or absolute. dev and prod
     * each narrow it (devSecretsDirProblem, prodSecretsDirProblem).
     */
    secretsDir: z.string().min(1),
    /**
     * The Docker engine's socket on the host: the only file the socket proxy mounts (read-only),
     * and in dev also where Terraform's docker provider connects. Unset: /var/run/docker.sock for
     * the proxy, and DOCKER_HOST (or the engine's default) for the provider.
     */
    dockerSocket: z
      .string()
      .regex(/^\/[A-Za-z0-9._\/-]+$/, "must be an absolute path of letters, digits, . _ / - (e.g. /var/run/docker.sock or /run/user/1000/docker.sock)")
      .refine((p) => !p.split("/").includes(".."), "must not contain ..")
      .optional(),
    /**
     * Several isolated tenants on this host (issue 16): one shared edge (Traefik, socket proxy, dev
     * IdP) and per tenant its own oauth2-proxy, n8n, runners, Postgres, networks and secrets.
     * Unset or empty: the single-tenant runtime.
     */
    tenants: z.array(tenantSchema).max(MAX_TENANTS, `must list at most ${MAX_TENANTS} tenants`).optional(),
    /** uid:gid the containers that read secret files run as; must own the secret files (0600). */
    runAs: z
      .object({
        uid: intIn(RUN_AS_ID, " (0 is root: no container reads secrets as root)"),
        gid: intIn(RUN_AS_ID, " (0 is root's group)"),
      })
      .strict(),
  })
  .strict();

export const devConfigSchema = runtimeConfigSchema
  .extend({ environment: z.literal("dev"), secretsDir: checkedString(devSecretsDirProblem) })
  .strict()
  .superRefine((c, ctx) => crossFieldChecks(c, ctx));

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]{1,512}$/, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/admin");

export const awsConfigSchema = z
  .object({
    accountId: matching(AWS_ACCOUNT_ID),
    region: matching(AWS_REGION),
    /** Prefix of AWS names (secrets, log groups, alarms). */
    namePrefix: matching(AWS_NAME),
    alarmEmails: z.array(email).min(1, "must list at least one address: alarms nobody receives protect nobody"),
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of CloudWatch Logs' values: ${LOG_RETENTION_DAYS.join(", ")}`)
      .default(365),
    /** Roles allowed to set secret values by hand (the n8n encryption key, the OIDC client secret). */
    operatorRoleArns: z.array(roleArn).min(1, "must name at least one operator role (who else sets the n8n encryption key?)"),
    backupBucketName: matching(S3_BUCKET_NAME),
    backupRetentionLockDays: intIn(RETENTION_DAYS, " (days)").optional(),
    /** Days a backup stays current before it expires (then kept as a noncurrent version for 90 more days). */
    backupRetentionDays: intIn(RETENTION_DAYS, " (days)").default(35),
    /** When the host dumps Postgres to the backup bucket (systemd OnCalendar). */
    backupSchedule: onCalendar.default("*-*-* 02:30:00 UTC"),
    /** Days between rotations of n8n's database login. */
    rotationDays: intIn(ROTATION_DAYS, " (days)").default(SECRET_ROTATION_DAYS),
    /** PEM of the CA that signed Postgres' certificate (public; the `ca` of the postgres-tls secret). Unset: the rotation function refuses to connect. */
    postgresCaPem: z
      .string()
      .regex(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/, "must be one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), the public CA only")
      .optional(),
  })
  .strict();

const privateIp = checkedString((ip) => ipv4AddressProblem(ip) ?? (isPrivateIpv4(ip) ? undefined : `"${ip}" must be a private IPv4 address (10/8, 172.16/12, 192.168/16)`));
/** A VPC's range (AWS allows /16 to /28; the host's layout needs room for three subnets). */
const vpcCidr = ipv4Cidr(VPC_CIDR_BITS);
/** A subnet's range: AWS allows /16 to /28. */
const subnetCidr = ipv4Cidr(SUBNET_CIDR_BITS);

const availabilityZone = matching(AVAILABILITY_ZONE);
const subnetId = matching(SUBNET_ID);
const tcpPort = intIn(TCP_PORT, " (a TCP port)");

/** The host's network: a new VPC, or ids of an existing one. */
export const hostVpcSchema = z.discriminatedUnion("mode", [
  z
    .object({
      mode: z.literal("create"),
      /** The VPC's range, /16 to /24. */
      cidr: vpcCidr,
      /** The host's subnet (internet gateway route; the host gets an Elastic IP). */
      publicSubnet: z.object({ cidr: subnetCidr, availabilityZone }).strict(),
      /** Subnets with no route out: the rotation function and the Secrets Manager endpoint. */
      privateSubnets: z.array(z.object({ cidr: subnetCidr, availabilityZone }).strict()).min(1).max(3),
    })
    .strict(),
  z
    .object({
      mode: z.literal("existing"),
      vpcId: matching(VPC_ID),
      publicSubnet: z.object({ id: subnetId, cidr: subnetCidr }).strict(),
      privateSubnets: z.array(z.object({ id: subnetId, cidr: subnetCidr }).strict()).min(1).max(3),
      /** Route tables for the S3 gateway endpoint (none: no S3 endpoint). */
      routeTableIds: z.array(matching(ROUTE_TABLE_ID)).default([]),
      /** true: create a Secrets Manager endpoint with private DNS (it then serves the whole VPC, with a policy for this project's secrets only). */
      createSecretsManagerEndpoint: z.boolean().default(false),
      /** Where the VPC's existing Secrets Manager endpoint lives (required unless createSecretsManagerEndpoint). */
      secretsManagerEndpointCidrs: z.array(subnetCidr).min(1).optional(),
    })
    .strict(),
]);

const sshPublicKey = matching(SSH_PUBLIC_KEY);
/** ssh://user@host[:port], the user a login name (UNIX_USER_NAME). */
const DOCKER_HOST_URL = new RegExp(`^ssh://${UNIX_USER_NAME.pattern.source.slice(1, -1)}@[A-Za-z0-9.-]+(:\\d+)?$`);

/** The Docker host: created by prod-cloud, deployed to by prod-runtime. */
export const runtimeHostSchema = z
  .object({
    /** How Terraform's docker provider reaches the host: ssh://user@host, through SSM Session Manager (see the README). */
    dockerHost: z
      .string()
      .regex(DOCKER_HOST_URL, "must be ssh://user@host[:port] (reached through SSM Session Manager; the Docker API is never exposed over TCP)")
      .refine((h) => !RESERVED_USERS.has(/^ssh:\/\/([^@]+)@/.exec(h)?.[1] ?? ""), {
        message: `names a system account as the deploy user; use your own (not ${[...RESERVED_USERS].join(", ")})`,
      }),
    /** The host's fixed private address in the public subnet: Postgres is published there for the rotation function only. */
    privateIp,
    /** Amazon Linux 2023 AMI for the instance type's architecture (pinned; see the README for the SSM parameter to read it from). */
    amiId: matching(AMI_ID),
    instanceType: matching(INSTANCE_TYPE).default(DOCKER_HOST_DEFAULTS.instanceType),
    rootVolumeGb: intIn(ROOT_VOLUME_GB, " (GiB)").default(DOCKER_HOST_DEFAULTS.rootVolumeGb),
    /** TCP ports the host and n8n's workflows may connect to on the internet. */
    egressTcpPorts: z.array(tcpPort).min(1).default(() => [...DOCKER_HOST_DEFAULTS.egressTcpPorts]),
    /** Public keys of the deploy user (the user in dockerHost), used over SSM Session Manager only. */
    sshAuthorizedKeys: z.array(sshPublicKey).min(1, "must list at least one key: Terraform's docker provider logs in as the deploy user, and the host takes them at creation (later changes go through the install script)"),
    /** Minutes between the secrets agent's refreshes. */
    secretsRefreshMinutes: intIn(SECRETS_REFRESH_MINUTES, " (minutes)").default(DOCKER_HOST_DEFAULTS.secretsRefreshMinutes),
    vpc: hostVpcSchema,
    /** Host folder (owned by runAs) where Traefik keeps ACME certificates. */
    acmeStorageDir: z
      .string()
      .superRefine((dir, ctx) => {
        const problem = persistentHostDirProblem(dir);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      })
      .default("/var/lib/n8n-zero-trust/acme"),
  })
  .strict();

/** Where the prod stacks keep their state: S3 with encryption and a lock file. */
export const backendSchema = z
  .object({
    bucket: matching(S3_BUCKET_NAME),
    region: matching(AWS_REGION),
    keyPrefix: z.string().regex(/^[A-Za-z0-9._/-]{1,200}$/, "must be a key prefix of letters, digits and . _ / -").default("n8n-zero-trust"),
    kmsKeyId: z.string().regex(/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+)$/, "must be a KMS key ARN or alias").optional(),
  })
  .strict();

export const prodConfigSchema = runtimeConfigSchema
  .extend({ environment: z.literal("prod"), secretsDir: checkedString(prodSecretsDirProblem), aws: awsConfigSchema, runtimeHost: runtimeHostSchema, backend: backendSchema })
  .strict()
  .superRefine((c, ctx) => {
    crossFieldChecks(c, ctx);
    if (c.tls.mode !== "acme") ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tls", "mode"], message: 'must be "acme" in prod (a local CA is for dev only)' });
    if (c.sso.provider !== "oidc") ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["sso", "provider"], message: 'must be "oidc" in prod: use your organisation\'s issuer' });
    prodTenantChecks(c, ctx);
    hostChecks(c, ctx);
  });

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;
export type DevConfig = z.infer<typeof devConfigSchema>;
export type ProdConfig = z.infer<typeof prodConfigSchema>;

/**
 * Tenants in prod: every tenant's AWS names (`<aws.namePrefix>-<id>-…`) must be valid.
 */
function prodTenantChecks(c: { name: string; aws: { namePrefix: string }; tenants?: { id: string }[] }, ctx: z.RefinementCtx): void {
  const tenants = c.tenants ?? [];
  if (tenants.length > MAX_PROD_TENANTS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tenants"], message: `must list at most ${MAX_PROD_TENANTS} tenants in prod (the host's user data and its role's policy name each tenant's secrets, key, logs and backups; EC2 allows 16 KiB of user data and IAM 10,240 characters of policy); got ${tenants.length}: split them across hosts` });
  }
  tenants.forEach((t, i) => {
    if (!TENANT_ID_PATTERN.test(t.id)) return;
    if (t.id === BACKUP_RESERVED_INSTANCE) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tenants", i, "id"], message: `"${t.id}" is reserved in prod (the host's backup settings of the single-tenant runtime are /etc/n8n-backup/${t.id}.env); choose another id` });
    // The longest AWS name a tenant gets: its rotation function (and the function's role).
    const longest = `${tenantAwsName(c.aws.namePrefix, t.id)}-rotation`;
    if (longest.length > 64) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["tenants", i, "id"], message: `makes the AWS name "${longest}" longer than 64 characters; use a shorter id or aws.namePrefix` });
  });
}

/** The host's address, subnets and region must fit together; problems name the field. */
function hostChecks(c: { aws: { region: string; backupRetentionDays: number; backupRetentionLockDays?: number }; runtimeHost: z.infer<typeof runtimeHostSchema> }, ctx: z.RefinementCtx): void {
  const issue = (p: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: p, message });
  const h = c.runtimeHost;
  const v = h.vpc;
  if (!usableInSubnet(v.publicSubnet.cidr, h.privateIp)) {
    issue(["runtimeHost", "privateIp"], `must be a usable address of runtimeHost.vpc.publicSubnet.cidr (${v.publicSubnet.cidr}); AWS reserves the first four and the last`);
  }
  const subnets = [v.publicSubnet, ...v.privateSubnets];
  subnets.forEach((s, i) => {
    const field = i === 0 ? ["runtimeHost", "vpc", "publicSubnet", "cidr"] : ["runtimeHost", "vpc", "privateSubnets", i - 1, "cidr"];
    if (v.mode === "create" && !cidrWithin(v.cidr, s.cidr)) issue(field, `must lie within runtimeHost.vpc.cidr (${v.cidr})`);
    subnets.slice(0, i).forEach((o) => {
      if (cidrsOverlap(o.cidr, s.cidr)) issue(field, `overlaps ${o.cidr}`);
    });
  });
  if (v.mode === "existing" && !v.createSecretsManagerEndpoint && !v.secretsManagerEndpointCidrs) {
    issue(["runtimeHost", "vpc", "secretsManagerEndpointCidrs"], "is required unless createSecretsManagerEndpoint is true: the rotation function must reach the VPC's Secrets Manager endpoint");
  }
  if (v.mode === "create") {
    const zones: [(string | number)[], string][] = [[["runtimeHost", "vpc", "publicSubnet", "availabilityZone"], v.publicSubnet.availabilityZone], ...v.privateSubnets.map((s, i): [(string | number)[], string] => [["runtimeHost", "vpc", "privateSubnets", i, "availabilityZone"], s.availabilityZone])];
    for (const [p, az] of zones) if (!az.startsWith(c.aws.region)) issue(p, `must be an availability zone of aws.region (${c.aws.region}), such as ${c.aws.region}a`);
  }
  if (c.aws.backupRetentionLockDays !== undefined && c.aws.backupRetentionDays < c.aws.backupRetentionLockDays) {
    issue(["aws", "backupRetentionDays"], `must be at least aws.backupRetentionLockDays (${c.aws.backupRetentionLockDays}): locked backups cannot expire earlier`);
  }
}

function crossFieldChecks(c: RuntimeConfig, ctx: z.RefinementCtx): void {
  const issue = (p: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: p, message });
  if (c.sso.allowedEmailDomains.length === 0 && c.sso.allowedGroups.length === 0) {
    issue(["sso", "allowedEmailDomains"], "set allowedEmailDomains or allowedGroups (or both): an empty allow-list would let any account at the IdP in");
  }
  if (c.sso.provider === "oidc" && !c.sso.issuerUrl) issue(["sso", "issuerUrl"], 'is required when sso.provider is "oidc"');
  if (c.sso.provider === "local-dex") {
    if (!c.devIdp) issue(["devIdp"], 'is required when sso.provider is "local-dex"');
    if (!c.images.dex) issue(["images", "dex"], 'is required when sso.provider is "local-dex"');
    if (c.tls.mode !== "local") issue(["sso", "provider"], '"local-dex" is for dev only and needs tls.mode "local"; use "oidc" with your organisation\'s issuer');
  }
  if (imageTagOf(c.images.n8n) !== imageTagOf(c.images.n8nRunners)) {
    issue(["images", "n8nRunners"], `must use the same version tag as images.n8n (${imageTagOf(c.images.n8n)}); runners and broker must match`);
  }
  // The role model is the bootstrap's to judge (reserved names, distinct roles, dedicated schemas
  // and database, derived names within 63 bytes): the config refuses exactly what it would. Only
  // once every field has its format, so a bad name is reported once, by its field.
  const pg = c.postgres;
  const formatsOk = [pg.database, pg.schema, pg.n8nRole, pg.reportingRole, pg.agentSchema, pg.agentRole].every((n) => SQL_IDENTIFIER_PATTERN.test(n)) && inBound(pg.connectionLimit, CONNECTION_LIMIT);
  if (formatsOk) for (const p of postgresBootstrapProblems(pg)) issue(["postgres", p.field], p.message);
  if (c.hosts.n8n === c.hosts.auth) issue(["hosts", "auth"], "must differ from hosts.n8n");
  queueModeChecks(c, issue);
  tenantChecks(c, issue);
}

/**
 * Tenants: ids and hosts unique, each with an allow-list, derived Docker names and Postgres names
 * valid, edge subnets private and apart from each other and the shared one; not with queue mode.
 */
function tenantChecks(c: RuntimeConfig, issue: (p: (string | number)[], message: string) => void): void {
  const tenants = c.tenants ?? [];
  if (tenants.length === 0) return;
  if (c.n8n.mode === "queue") issue(["n8n", "mode"], 'must be "regular" with tenants: queue mode with tenants is not supported yet (each tenant would need its own Valkey, workers and webhook processors)');
  for (const id of duplicates(tenants.map((t) => t.id))) issue(["tenants"], `id "${id}" is listed twice; every tenant needs its own id`);
  for (const host of duplicates(tenants.map((t) => t.host))) issue(["tenants"], `host "${host}" is listed twice; every tenant needs its own host`);
  for (const clientId of duplicates(tenants.map((t) => tenantClientId(c.sso.clientId, t.id, t.sso.clientId)))) issue(["tenants"], `sso.clientId "${clientId}" is listed twice; every tenant needs its own OIDC client`);
  const subnets: { at: (string | number)[]; cidr: string }[] = [{ at: ["network", "edgeSubnet"], cidr: c.network.edgeSubnet }];
  tenants.forEach((t, i) => {
    const at = ["tenants", i];
    if (t.host === c.hosts.auth) issue([...at, "host"], `must differ from hosts.auth (${c.hosts.auth}): that is the IdP's host`);
    if (t.sso.allowedEmailDomains.length === 0 && t.sso.allowedGroups.length === 0) {
      issue([...at, "sso", "allowedEmailDomains"], "set allowedEmailDomains or allowedGroups (or both): an empty allow-list would let any account at the IdP into this tenant");
    }
    const prefix = tenantPrefix(c.name, t.id);
    // The longest derived name is `<prefix>-oauth2-proxy`; Docker names follow RESOURCE_NAME_PATTERN.
    if (TENANT_ID_PATTERN.test(t.id) && !RESOURCE_NAME_PATTERN.test(`${prefix}-oauth2-proxy`)) {
      issue([...at, "id"], `makes container names such as "${prefix}-oauth2-proxy" longer than 40 characters; shorten it or name`);
    }
    if (TENANT_ID_PATTERN.test(t.id)) {
      // Only the names: a bad connection limit is reported by its own field.
      for (const p of postgresBootstrapProblems(tenantPostgres(c.postgres, t.id)).filter((x) => x.field !== "connectionLimit")) issue([...at, "id"], `gives the tenant's Postgres ${p.field} a bad name: ${p.message}`);
    }
    const cidr = t.edgeSubnet ?? tenantEdgeSubnet(c.network.edgeSubnet, i);
    const problem = tenantSubnetProblem(cidr);
    if (problem) issue([...at, "edgeSubnet"], problem);
    else subnets.push({ at: [...at, "edgeSubnet"], cidr });
  });
  // Each range parsed once: with 100 tenants this is 5,000 comparisons.
  const ranges = subnets.map((s) => ({ ...s, ...cidrRange(s.cidr) }));
  ranges.forEach((s, i) =>
    ranges.slice(0, i).forEach((o) => {
      if (o.first <= s.last && s.first <= o.last) issue(s.at, `${s.cidr} overlaps ${o.cidr} (${o.at.join(".")}); every tenant's edge network needs its own range`);
    }),
  );
}

/** First and last address of a valid IPv4 CIDR, as numbers. */
function cidrRange(cidr: string): { first: number; last: number } {
  const [ip, bits] = cidr.split("/");
  const value = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

/** Queue mode's fields fit together, and every n8n process's pool fits in the login role's connection limit. */
function queueModeChecks(c: RuntimeConfig, issue: (p: (string | number)[], message: string) => void): void {
  const n = c.n8n;
  if (n.mode !== "queue") {
    if (n.queue) issue(["n8n", "queue"], 'is only read with n8n.mode "queue"; remove it or set the mode');
    return;
  }
  if (!c.images.valkey) issue(["images", "valkey"], 'is required when n8n.mode is "queue" (a pinned Valkey image, e.g. valkey/valkey:8.1.1)');
  const q = n.queue ?? QUEUE_DEFAULTS;
  const tests = n.publicPaths.filter((p) => p.endsWith("-test"));
  if (q.webhookProcessors > 0 && tests.length > 0) {
    issue(["n8n", "publicPaths"], `must not list ${tests.join(", ")} in queue mode with webhook processors: they serve no test paths; main serves them behind SSO`);
  }
  const processes = 1 + q.workers + q.webhookProcessors;
  // The recovery agent holds one connection of n8n's login role.
  const agent = (q.recovery ?? QUEUE_DEFAULTS.recovery).enabled ? 1 : 0;
  if (agent && c.postgres.schema.length > 63 - "_recovery".length) {
    issue(["postgres", "schema"], `has ${c.postgres.schema.length} characters; with n8n.queue.recovery the recovery schema "<schema>_recovery" needs it at most ${63 - "_recovery".length} (or set n8n.queue.recovery.enabled: false)`);
  }
  const needed = processes * q.dbPoolSize + agent;
  if (inBound(c.postgres.connectionLimit, CONNECTION_LIMIT) && needed > c.postgres.connectionLimit) {
    issue(
      ["postgres", "connectionLimit"],
      `is ${c.postgres.connectionLimit}, but n8n's processes can open ${needed} connections: (1 main + n8n.queue.workers ${q.workers} + n8n.queue.webhookProcessors ${q.webhookProcessors}) × n8n.queue.dbPoolSize ${q.dbPoolSize}${agent ? " + 1 (the execution recovery agent)" : ""}; raise postgres.connectionLimit to at least ${needed} or lower the others`,
    );
  }
}

/** Runtime values derived from the config, shared by the stacks. */
export interface ResolvedRuntime {
  readonly n8nHost: string;
  readonly authHost: string;
  readonly issuerUrl: string;
  readonly secretsDir: string;
}

export function resolveRuntime(c: RuntimeConfig, repoRoot: string): ResolvedRuntime {
  const n8nHost = `${c.hosts.n8n}.${c.domain}`;
  const authHost = `${c.hosts.auth}.${c.domain}`;
  return {
    n8nHost,
    authHost,
    issuerUrl: c.sso.provider === "local-dex" ? `https://${authHost}/dex` : (c.sso.issuerUrl as string),
    secretsDir: path.isAbsolute(c.secretsDir) ? c.secretsDir : path.resolve(repoRoot, c.secretsDir),
  };
}

/** One tenant with every name, folder and limit derived (constructs/app/tenants.ts). */
export interface ResolvedTenant {
  readonly id: string;
  /** Prefix of its Docker names, `<name>-<id>`. */
  readonly prefix: string;
  /** Its public host, `<host>.<domain>`. */
  readonly host: string;
  readonly clientId: string;
  readonly allowedEmailDomains: string[];
  readonly allowedGroups: string[];
  /** Its own secrets folder (absolute). */
  readonly secretsDir: string;
  readonly edgeSubnet: string;
  readonly postgres: ReturnType<typeof tenantPostgres>;
  readonly resources: TenantConfig["resources"];
  readonly webhookRateLimit: RuntimeConfig["n8n"]["webhookRateLimit"];
}

/** The config's tenants resolved (none: single-tenant mode). */
export function resolveTenants(c: RuntimeConfig, repoRoot: string): ResolvedTenant[] {
  const rt = resolveRuntime(c, repoRoot);
  return (c.tenants ?? []).map((t, i) => ({
    id: t.id,
    prefix: tenantPrefix(c.name, t.id),
    host: `${t.host}.${c.domain}`,
    clientId: tenantClientId(c.sso.clientId, t.id, t.sso.clientId),
    allowedEmailDomains: t.sso.allowedEmailDomains,
    allowedGroups: t.sso.allowedGroups,
    secretsDir: tenantSecretsDir(rt.secretsDir, t.id),
    edgeSubnet: t.edgeSubnet ?? tenantEdgeSubnet(c.network.edgeSubnet, i),
    postgres: tenantPostgres(c.postgres, t.id, t.limits.connectionLimit),
    resources: t.resources,
    webhookRateLimit: t.limits.webhookRateLimit ?? c.n8n.webhookRateLimit,
  }));
}

/** Lists the fields a schema allows at a path, for "unknown field" messages. */
function allowedKeysAt(schema: z.ZodTypeAny, at: (string | number)[]): string[] {
  let s: z.ZodTypeAny = schema;
  const unwrap = (t: z.ZodTypeAny): z.ZodTypeAny => {
    for (;;) {
      if (t instanceof z.ZodEffects) t = t.innerType();
      else if (t instanceof z.ZodOptional || t instanceof z.ZodDefault) t = t._def.innerType;
      else return t;
    }
  };
  for (const key of at) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = s.shape[key];
    else if (s instanceof z.ZodArray) s = s.element;
    else if (s instanceof z.ZodDiscriminatedUnion) return [];
    else return [];
    if (!s) return [];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** Turns zod issues into problems that each name one field. */
export function zodProblems(schema: z.ZodTypeAny, error: z.ZodError): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  for (const issue of error.issues) {
    const field = issue.path.join(".") || "(root)";
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
      const allowed = allowedKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        out.push({
          field: [...issue.path, key].join("."),
          message: `unknown field${allowed.length ? `; allowed fields here: ${allowed.join(", ")}` : ""}`,
        });
      }
    } else if (issue.code === z.ZodIssueCode.invalid_type && issue.received === "undefined") {
      out.push({ field, message: `is required (${issue.expected})` });
    } else {
      out.push({ field, message: issue.message });
    }
  }
  return out;
}

/** Parses and validates a config object; throws one ValidationError naming every bad field. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, raw: unknown, source: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ValidationError(`Invalid config ${source}`, zodProblems(schema, result.error));
  return result.data;
}

/** Reads a JSON config file and validates it. */
export function loadConfigFile<S extends z.ZodTypeAny>(schema: S, file: string): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ValidationError(`Cannot read config ${file}`, [{ field: "(file)", message: (e as Error).message }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`Invalid config ${file}`, [{ field: "(json)", message: `not valid JSON: ${(e as Error).message}` }]);
  }
  return parseConfig(schema, raw, file);
}

/** Field types other config schemas (config/prod-ecs-schema.ts) build on, so each format has one definition. */
export const fieldTypes = { hostname, subdomainLabel, email, matching, checkedString, intIn, ipv4Cidr, timeZone, imageRef, roleArn, availabilityZone, emailDomain } as const;
