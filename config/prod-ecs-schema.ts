import { z } from "zod";
import { OIDC_CLIENT_ID } from "../constructs/common/patterns";
import { CONNECTION_LIMIT, DB_POOL_SIZE, EXECUTIONS_MAX_AGE_HOURS, inBound, QUEUE_CONCURRENCY, RUN_AS_ID, SUBNET_CIDR_BITS, VPC_CIDR_BITS } from "../constructs/common/bounds";
import { N8N_DEFAULTS } from "../constructs/common/defaults";
import { RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, SQL_IDENTIFIER_PATTERN, imageTagOf } from "../constructs/common/validation";
import { postgresBootstrapProblems } from "../constructs/data/postgres-bootstrap";
import { cidrsOverlap, cidrWithin } from "../constructs/aws/cidr";
import { FARGATE_SIZES, fargateSizeProblem } from "../constructs/ecs/fargate";
import { awsConfigSchema, backendSchema, fieldTypes, runtimeConfigSchema } from "./schema";

/*
 * The `prod-ecs` config (issue 15): n8n in queue mode on ECS Fargate behind an ALB with OIDC
 * sign-in, RDS PostgreSQL, ElastiCache (Valkey) and WAF. Its own section, its own file
 * (config/prod-ecs.json, else config/prod-ecs.example.json), validated like the others: one error
 * naming every bad field and what it allows.
 */

const { hostname, subdomainLabel, matching, intIn, ipv4Cidr, timeZone, imageRef, availabilityZone } = fieldTypes;
const https = z.string().url().startsWith("https://", "must be an https URL");

/** Public paths the ALB forwards without sign-in: production webhooks and forms (the test variants and MCP stay behind it). */
export const ECS_PUBLIC_PATHS = ["webhook", "webhook-waiting", "form", "form-waiting"] as const;

/** One Fargate service's task size (`cpu` units, MiB). */
const sizeShape = (d: { cpu: number; memoryMb: number }) => ({
  cpu: z.number({ invalid_type_error: `must be one of ${Object.keys(FARGATE_SIZES).join(", ")} (Fargate CPU units)` }).int().default(d.cpu),
  memoryMb: z.number().int().default(d.memoryMb),
});
/** A scaled service's task count range. */
const rangeShape = (d: { min: number; max: number }) => ({
  minTasks: intIn({ min: 1, max: 100 }, " (tasks)").default(d.min),
  maxTasks: intIn({ min: 1, max: 100 }, " (tasks)").default(d.max),
});

export const prodEcsConfigSchema = z
  .object({
    environment: z.literal("prod-ecs"),
    /** Prefix of ECS names (cluster, services, task families). */
    name: z.string().regex(RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE),
    /** n8n is served at `<hosts.n8n>.<domain>`. */
    domain: hostname,
    hosts: z.object({ n8n: subdomainLabel.default("n8n") }).strict().default({}),
    /** The ACM certificate of `<hosts.n8n>.<domain>` (issued and validated outside this stack). */
    certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, "must be an ACM certificate ARN such as arn:aws:acm:eu-central-1:123456789012:certificate/<uuid>"),
    /** The ALB's `authenticate-oidc` action: the IdP's endpoints (from its discovery document), client and session. */
    sso: z
      .object({
        issuerUrl: https,
        authorizationEndpoint: https,
        tokenEndpoint: https,
        userInfoEndpoint: https,
        clientId: matching(OIDC_CLIENT_ID),
        scope: z.string().regex(/^openid( [A-Za-z0-9_:.-]+)*$/, 'must start with "openid", space-separated scopes').default("openid email profile"),
        /** Seconds an ALB session cookie is valid (ALB allows 1 to 604800). */
        sessionTimeoutSeconds: intIn({ min: 60, max: 604800 }, " (seconds)").default(28800),
      })
      .strict(),
    images: z
      .object({
        n8n: imageRef((v) => (v[0] === 2 ? undefined : "must be an n8n 2.x release")),
        n8nRunners: imageRef((v) => (v[0] === 2 ? undefined : "must be an n8n runners 2.x release matching images.n8n")),
        /** psql for the one-off bootstrap task (the same major as rds.engineVersion or later). */
        postgres: imageRef((v) => (v[0] >= 16 ? undefined : "must be Postgres 16 or later (the bootstrap's rotator role needs CREATEROLE with ADMIN OPTION)")),
      })
      .strict(),
    n8n: z
      .object({
        timezone: timeZone.default(N8N_DEFAULTS.timezone),
        executionsMaxAgeHours: intIn(EXECUTIONS_MAX_AGE_HOURS, " (hours)").default(N8N_DEFAULTS.executionsMaxAgeHours),
        publicPaths: z
          .array(z.enum(ECS_PUBLIC_PATHS, { errorMap: () => ({ message: `must be one of ${ECS_PUBLIC_PATHS.map((p) => `"${p}"`).join(", ")} (test paths and MCP stay behind sign-in)` }) }))
          .min(1)
          .default(() => [...ECS_PUBLIC_PATHS]),
        logLevel: z.enum(["error", "warn", "info", "debug"]).default(N8N_DEFAULTS.logLevel),
        concurrency: intIn(QUEUE_CONCURRENCY, " (executions per worker task)").default(10),
        dbPoolSize: intIn(DB_POOL_SIZE, " (Postgres connections per n8n process)").default(5),
        ssrfProtection: runtimeConfigSchema.shape.n8n._def.innerType.shape.ssrfProtection,
      })
      .strict()
      .default({}),
    /** Task sizes and scaling: main is one task (multi-main is Enterprise-only). */
    services: z
      .object({
        main: z.object(sizeShape({ cpu: 1024, memoryMb: 3072 })).strict().default({}),
        webhook: z
          .object({ ...sizeShape({ cpu: 512, memoryMb: 1024 }), ...rangeShape({ min: 2, max: 6 }), requestsPerTarget: intIn({ min: 10, max: 100000 }, " (ALB requests per target per minute)").default(1000) })
          .strict()
          .default({}),
        worker: z
          .object({ ...sizeShape({ cpu: 1024, memoryMb: 3072 }), ...rangeShape({ min: 2, max: 10 }), backlogPerTask: intIn({ min: 1, max: 1000 }, " (waiting executions per worker task)").default(20) })
          .strict()
          .default({}),
        /** The runners sidecar's share of the main and worker tasks' memory. */
        runnersMemoryMb: intIn({ min: 256, max: 8192 }, " (MiB)").default(1024),
      })
      .strict()
      .default({}),
    postgres: runtimeConfigSchema.shape.postgres,
    rds: z
      .object({
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "must be an RDS instance class such as db.t4g.medium").default("db.t4g.medium"),
        engineVersion: z.string().regex(/^(1[6-9])\.\d+$/, "must be a PostgreSQL 16 or later minor version such as 17.6").default("17.6"),
        allocatedStorageGb: intIn({ min: 20, max: 65536 }, " (GiB)").default(50),
        maxAllocatedStorageGb: intIn({ min: 20, max: 65536 }, " (GiB; storage autoscaling ceiling)").default(200),
        multiAz: z.boolean().default(true),
        backupRetentionDays: intIn({ min: 7, max: 35 }, " (days)").default(14),
        /** PEM bundle of the RDS CA (public, from AWS's trust store). Unset: n8n and the rotation function refuse to connect. */
        caBundlePem: z
          .string()
          .regex(/^(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?)+$/, "must be PEM certificates (the RDS CA bundle), public CAs only")
          .optional(),
      })
      .strict()
      .default({}),
    valkey: z
      .object({
        nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "must be an ElastiCache node type such as cache.t4g.small").default("cache.t4g.small"),
        engineVersion: z.enum(["7.2", "8.0"], { errorMap: () => ({ message: 'must be "7.2" or "8.0" (Valkey)' }) }).default("8.0"),
        /** Replicas besides the primary (automatic failover needs at least 1). */
        replicas: intIn({ min: 1, max: 5 }, " (replicas)").default(1),
      })
      .strict()
      .default({}),
    waf: z
      .object({
        /** Requests per client IP per 5 minutes on the public paths (WAF counts in 5-minute windows). */
        publicPathsRateLimit: intIn({ min: 100, max: 2000000000 }, " (requests per IP per 5 minutes)").default(3000),
      })
      .strict()
      .default({}),
    network: z
      .object({
        vpcCidr: ipv4Cidr(VPC_CIDR_BITS),
        /** One entry per availability zone (2 or 3): a public subnet (the ALB and NAT only) and a private one (tasks, RDS, Valkey). */
        zones: z.array(z.object({ availabilityZone, publicSubnet: ipv4Cidr(SUBNET_CIDR_BITS), privateSubnet: ipv4Cidr(SUBNET_CIDR_BITS) }).strict()).min(2).max(3),
        /** NAT gateways for n8n's outbound API calls: one (cheaper, one zone's outage stops egress) or one per zone. */
        natGateways: z.enum(["one", "per-zone"], { errorMap: () => ({ message: 'must be "one" or "per-zone"' }) }).default("one"),
      })
      .strict(),
    /** The AWS settings prod-cloud has too (the same fields, checks and messages), without its backup bucket. */
    aws: awsConfigSchema
      .pick({ accountId: true, region: true, namePrefix: true, alarmEmails: true, logRetentionDays: true, operatorRoleArns: true, rotationDays: true })
      .strict(),
    backend: backendSchema,
    /** uid:gid n8n and the runners run as (the images' `node` and `runner` users are 1000). */
    runAs: z.object({ uid: intIn(RUN_AS_ID, " (0 is root)"), gid: intIn(RUN_AS_ID, " (0 is root's group)") }).strict().default({ uid: 1000, gid: 1000 }),
  })
  .strict()
  .superRefine((c, ctx) => prodEcsChecks(c, ctx));

export type ProdEcsConfig = z.infer<typeof prodEcsConfigSchema>;

function prodEcsChecks(c: any, ctx: z.RefinementCtx): void {
  const issue = (p: (string | number)[], message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: p, message });
  if (imageTagOf(c.images.n8n) !== imageTagOf(c.images.n8nRunners)) issue(["images", "n8nRunners"], `must use the same version tag as images.n8n (${imageTagOf(c.images.n8n)})`);
  for (const s of ["main", "webhook", "worker"] as const) {
    const t = c.services[s];
    const problem = fargateSizeProblem(t.cpu, t.memoryMb);
    if (problem) issue(["services", s, problem.field], problem.message);
    if (s !== "main" && t.minTasks > t.maxTasks) issue(["services", s, "minTasks"], `must not exceed services.${s}.maxTasks (${t.maxTasks})`);
  }
  for (const s of ["main", "worker"] as const) {
    if (c.services.runnersMemoryMb >= c.services[s].memoryMb) issue(["services", "runnersMemoryMb"], `must leave n8n memory in services.${s}.memoryMb (${c.services[s].memoryMb})`);
  }
  if (c.rds.maxAllocatedStorageGb < c.rds.allocatedStorageGb) issue(["rds", "maxAllocatedStorageGb"], `must be at least rds.allocatedStorageGb (${c.rds.allocatedStorageGb})`);
  if (Number(c.images.postgres.split(":").pop()?.split(".")[0]) < Number(c.rds.engineVersion.split(".")[0])) issue(["images", "postgres"], `must be psql of rds.engineVersion's major (${c.rds.engineVersion}) or later`);
  const zones = c.network.zones as { availabilityZone: string; publicSubnet: string; privateSubnet: string }[];
  const subnets: [(string | number)[], string][] = zones.flatMap((z, i) => [
    [["network", "zones", i, "publicSubnet"], z.publicSubnet] as [(string | number)[], string],
    [["network", "zones", i, "privateSubnet"], z.privateSubnet] as [(string | number)[], string],
  ]);
  subnets.forEach(([field, cidr], i) => {
    if (!cidrWithin(c.network.vpcCidr, cidr)) issue(field, `must lie within network.vpcCidr (${c.network.vpcCidr})`);
    subnets.slice(0, i).forEach(([, o]) => cidrsOverlap(o, cidr) && issue(field, `overlaps ${o}`));
  });
  zones.forEach((z, i) => {
    if (!z.availabilityZone.startsWith(c.aws.region)) issue(["network", "zones", i, "availabilityZone"], `must be an availability zone of aws.region (${c.aws.region})`);
    if (zones.findIndex((o) => o.availabilityZone === z.availabilityZone) !== i) issue(["network", "zones", i, "availabilityZone"], "is listed twice: each zone once");
  });
  // Every n8n process's pool fits in the login role's connection limit (at full scale).
  const pg = c.postgres;
  const processes = 1 + c.services.webhook.maxTasks + c.services.worker.maxTasks;
  const needed = processes * c.n8n.dbPoolSize;
  if (inBound(pg.connectionLimit, CONNECTION_LIMIT) && needed > pg.connectionLimit) {
    issue(["postgres", "connectionLimit"], `is ${pg.connectionLimit}, but at full scale n8n opens ${needed} connections: (1 main + services.webhook.maxTasks ${c.services.webhook.maxTasks} + services.worker.maxTasks ${c.services.worker.maxTasks}) × n8n.dbPoolSize ${c.n8n.dbPoolSize}`);
  }
  const formatsOk = [pg.database, pg.schema, pg.n8nRole, pg.reportingRole, pg.agentSchema, pg.agentRole].every((n: string) => SQL_IDENTIFIER_PATTERN.test(n)) && inBound(pg.connectionLimit, CONNECTION_LIMIT);
  if (formatsOk) for (const p of postgresBootstrapProblems(pg)) issue(["postgres", p.field], p.message);
}
