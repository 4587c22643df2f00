import { StackJson } from "../docker-model";
import { block, isExpression, refTarget, RuleContext, strings } from "../rule";
import { TENANT_TAG } from "../../common/labels";
import { tenantOf } from "../rules/aws/helpers";
import { cell, table } from "./markdown";

/**
 * On-demand list prices used by the estimate, USD, region us-east-1. They are the prices AWS
 * publishes on its pricing pages; they were compiled for this table on `compiledOn` without
 * fetching the pages (the build machines have no internet access): check them on
 * aws.amazon.com/pricing before budgeting. Other regions differ (eu-central-1 is ~10-20% higher).
 */
export const PRICE_TABLE = {
  compiledOn: "2026-11-22",
  region: "us-east-1",
  currency: "USD",
  prices: {
    kmsKeyPerMonth: 1.0,
    kmsPer10kRequests: 0.03,
    secretPerMonth: 0.4,
    secretsPer10kApiCalls: 0.05,
    logIngestPerGb: 0.5,
    logStoragePerGbMonth: 0.03,
    customMetricPerMonth: 0.3,
    alarmPerMonth: 0.1,
    dashboardPerMonth: 3.0,
    s3StandardPerGbMonth: 0.023,
    snsEmailFirst1000: 0,
    lambdaPerMonthAtThisScale: 0,
    ebsGp3PerGbMonth: 0.08,
    ebsGp2PerGbMonth: 0.1,
    publicIpv4PerHour: 0.005,
    natGatewayPerHour: 0.045,
    vpcInterfaceEndpointPerAzHour: 0.01,
    /** Fargate, Linux: per vCPU-hour and per GB-hour (x86_64; ARM64 is ~20% lower). */
    fargateVcpuPerHour: { X86_64: 0.04048, ARM64: 0.03238 } as Record<string, number>,
    fargateGbPerHour: { X86_64: 0.004445, ARM64: 0.00356 } as Record<string, number>,
    albPerHour: 0.0225,
    albLcuPerHour: 0.008,
    wafWebAclPerMonth: 5.0,
    wafRulePerMonth: 1.0,
    wafPerMillionRequests: 0.6,
    /** RDS for PostgreSQL, single-AZ instance-hours (Multi-AZ with one standby is twice). */
    rdsPostgresPerHour: {
      "db.t4g.micro": 0.016,
      "db.t4g.small": 0.032,
      "db.t4g.medium": 0.065,
      "db.t4g.large": 0.129,
    } as Record<string, number>,
    /** RDS gp3 storage, single-AZ (Multi-AZ is twice). */
    rdsGp3PerGbMonth: 0.115,
    /** ElastiCache for Valkey node-hours (20% below Redis OSS). */
    elasticacheValkeyPerHour: {
      "cache.t4g.micro": 0.0128,
      "cache.t4g.small": 0.0256,
      "cache.t4g.medium": 0.052,
    } as Record<string, number>,
    ec2PerHour: {
      "t3.micro": 0.0104,
      "t3.small": 0.0208,
      "t3.medium": 0.0416,
      "t3.large": 0.0832,
      "t3.xlarge": 0.1664,
      "t3a.small": 0.0188,
      "t3a.medium": 0.0376,
      "t3a.large": 0.0752,
      "t4g.micro": 0.0084,
      "t4g.small": 0.0168,
      "t4g.medium": 0.0336,
      "t4g.large": 0.0672,
      "t4g.xlarge": 0.1344,
      "m7g.large": 0.0816,
      "m6i.large": 0.096,
      "m7i.large": 0.1008,
    } as Record<string, number>,
  },
};

export type PriceTable = typeof PRICE_TABLE;

/**
 * The price tables the estimate knows, by region. Only us-east-1 so far: a region is added with
 * its own compiled table (and date), never by scaling another region's prices.
 */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = { [PRICE_TABLE.region]: PRICE_TABLE };

/** The regions of a stack's AWS providers, as literals (a provider without one reads AWS_REGION at plan time). */
export function awsRegions(json: StackJson): { regions: string[]; unset: boolean } {
  const aws = (json.provider as Record<string, unknown> | undefined)?.aws;
  const blocks = (Array.isArray(aws) ? aws : aws ? [aws] : []) as Record<string, unknown>[];
  const regions = [...new Set(blocks.map((b) => b.region).filter((r): r is string => typeof r === "string" && !isExpression(r)))];
  return { regions, unset: blocks.some((b) => typeof b.region !== "string" || isExpression(b.region)) };
}

/** What the estimate assumes about usage; the report prints this table. */
export const USAGE_ASSUMPTIONS = {
  hoursPerMonth: 730,
  logGbIngestedPerGroupPerMonth: 1,
  s3GbPerBucket: 20,
  secretApiCallsPerSecretPerMonth: 10_000,
  kmsRequestsPerKeyPerMonth: 20_000,
  ebsRootGbWhenUnset: 8,
};

const usd = (n: number) => `$${n.toFixed(2)}`;
/** Unit prices keep their significant digits ($0.023, $0.0416). */
const price = (n: number) => `$${Number(n.toPrecision(3))}`;

/** A quantity as the table prints it: whole, or to one decimal. */
const qtyText = (q: number) => String(Number.isInteger(q) ? q : Number(q.toFixed(1)));
/** An amount in whole cents, as `usd` prints it (so cents add up to what the table shows). */
const cents = (n: number) => Math.round(Number(n.toFixed(2)) * 100);
const usdCents = (c: number) => usd(c / 100);

/** `count = 3` on a resource multiplies it; expressions count as one. */
const countOf = (body: Record<string, any>) => (typeof body.count === "number" ? body.count : 1);

/** One line of the estimate: a quantity at a unit price, and how the price is charged. */
export interface CostRow {
  readonly item: string;
  readonly qty: number;
  readonly unit: number;
  readonly basis: string;
}

/** `[name, body]` of the resources of a type that an estimate prices (all of a stack's, or a subset). */
export type ResourceSelection = (type: string) => [string, Record<string, any>][];

/** A row's monthly amount, unrounded. */
export const rowAmount = (r: CostRow) => r.qty * r.unit;

/**
 * The estimate's rows for a set of resources: the one place the prices, usage assumptions and
 * formulas meet. `select` gives the resources to price (the whole stack's for the main table, one
 * tenant's or the shared ones for the per-tenant split); `all` resolves what a priced resource
 * refers to (an ECS service's task definition), wherever that lives. Every resource's amount depends
 * on that resource alone, so the rows of disjoint selections add up to the rows of their union.
 */
export function costRows(select: ResourceSelection, p: PriceTable["prices"], all: ResourceSelection = select): CostRow[] {
  const a = USAGE_ASSUMPTIONS;
  const rows: CostRow[] = [];
  const add = (item: string, qty: number, unit: number, basis: string) => {
    if (qty > 0) rows.push({ item, qty, unit, basis });
  };
  const n = (type: string) => select(type).reduce((s, [, b]) => s + countOf(b), 0);

  add("KMS customer-managed keys", n("aws_kms_key"), p.kmsKeyPerMonth, `${price(p.kmsKeyPerMonth)} per key-month`);
  add("KMS requests (units of 10k)", (n("aws_kms_key") * a.kmsRequestsPerKeyPerMonth) / 10_000, p.kmsPer10kRequests, `${price(p.kmsPer10kRequests)} per 10k (assumed ${a.kmsRequestsPerKeyPerMonth} per key)`);
  add("Secrets Manager secrets", n("aws_secretsmanager_secret"), p.secretPerMonth, `${price(p.secretPerMonth)} per secret-month`);
  add("Secrets Manager API calls (units of 10k)", (n("aws_secretsmanager_secret") * a.secretApiCallsPerSecretPerMonth) / 10_000, p.secretsPer10kApiCalls, `${price(p.secretsPer10kApiCalls)} per 10k (assumed ${a.secretApiCallsPerSecretPerMonth} per secret)`);
  const groups = select("aws_cloudwatch_log_group");
  add("CloudWatch Logs ingestion", n("aws_cloudwatch_log_group") * a.logGbIngestedPerGroupPerMonth, p.logIngestPerGb, `${price(p.logIngestPerGb)} per GB (assumed ${a.logGbIngestedPerGroupPerMonth} GB per group)`);
  // Storage at steady state: a month's ingestion times the months retained (a year when unset or longer).
  const storedGb = groups.reduce((s, [, g]) => s + countOf(g) * a.logGbIngestedPerGroupPerMonth * Math.min(12, Math.max(1, (Number(g.retention_in_days) || 365) / 30)), 0);
  add("CloudWatch Logs storage (steady state)", storedGb, p.logStoragePerGbMonth, `${price(p.logStoragePerGbMonth)} per GB-month (retention, at most 12 months counted)`);
  add("CloudWatch custom metrics (metric filters)", n("aws_cloudwatch_log_metric_filter"), p.customMetricPerMonth, `${price(p.customMetricPerMonth)} per metric-month`);
  add("CloudWatch alarms", n("aws_cloudwatch_metric_alarm"), p.alarmPerMonth, `${price(p.alarmPerMonth)} per standard alarm-month`);
  add("CloudWatch dashboards", n("aws_cloudwatch_dashboard"), p.dashboardPerMonth, `${price(p.dashboardPerMonth)} per dashboard-month`);
  add("S3 Standard storage", n("aws_s3_bucket") * a.s3GbPerBucket, p.s3StandardPerGbMonth, `${price(p.s3StandardPerGbMonth)} per GB-month (assumed ${a.s3GbPerBucket} GB per bucket)`);
  add("SNS email notifications", n("aws_sns_topic_subscription"), p.snsEmailFirst1000, "first 1,000 emails a month are free");
  add("Lambda", n("aws_lambda_function"), p.lambdaPerMonthAtThisScale, "a few invocations a month stay in the free tier");
  for (const [, i] of select("aws_instance")) {
    const type = String(i.instance_type);
    const rate = p.ec2PerHour[type];
    if (rate !== undefined) add(`EC2 ${type}`, countOf(i) * a.hoursPerMonth, rate, `${price(rate)} per hour`);
    else add(`EC2 ${type} (not in the price table)`, countOf(i), 0, "add its price to PRICE_TABLE");
    const root = block(i.root_block_device);
    const gb = Number(root?.volume_size ?? a.ebsRootGbWhenUnset);
    const gp2 = root?.volume_type === "gp2";
    add(`EBS ${gp2 ? "gp2" : "gp3"} root volume`, countOf(i) * gb, gp2 ? p.ebsGp2PerGbMonth : p.ebsGp3PerGbMonth, `${price(gp2 ? p.ebsGp2PerGbMonth : p.ebsGp3PerGbMonth)} per GB-month${root?.volume_size ? "" : ` (assumed ${a.ebsRootGbWhenUnset} GB)`}`);
    if (i.associate_public_ip_address === true) add("Public IPv4 address (instance)", countOf(i) * a.hoursPerMonth, p.publicIpv4PerHour, `${price(p.publicIpv4PerHour)} per hour`);
  }
  for (const [, v] of select("aws_ebs_volume")) {
    const gp2 = v.type === "gp2";
    add(`EBS ${gp2 ? "gp2" : "gp3"} volume`, countOf(v) * Number(v.size ?? 0), gp2 ? p.ebsGp2PerGbMonth : p.ebsGp3PerGbMonth, `${price(gp2 ? p.ebsGp2PerGbMonth : p.ebsGp3PerGbMonth)} per GB-month`);
  }
  add("Elastic IP addresses", n("aws_eip") * a.hoursPerMonth, p.publicIpv4PerHour, `${price(p.publicIpv4PerHour)} per hour (public IPv4)`);
  add("NAT gateways (hours only)", n("aws_nat_gateway") * a.hoursPerMonth, p.natGatewayPerHour, `${price(p.natGatewayPerHour)} per hour, plus data processed`);
  // ECS Fargate: each service at its desired count (the plan's, i.e. the scaling minimum), sized by its task definition.
  const taskDefs = new Map(all("aws_ecs_task_definition"));
  for (const [name, svc] of select("aws_ecs_service")) {
    const ref = /aws_ecs_task_definition\.([A-Za-z0-9_-]+)\./.exec(String(svc.task_definition ?? ""));
    const td = ref ? taskDefs.get(ref[1]) : undefined;
    if (!td || (svc.launch_type !== undefined && svc.launch_type !== "FARGATE")) continue;
    const arch = String(block(td.runtime_platform)?.cpu_architecture ?? "X86_64");
    const vcpu = Number(td.cpu) / 1024;
    const gb = Number(td.memory) / 1024;
    const tasks = countOf(svc) * (typeof svc.desired_count === "number" ? svc.desired_count : 1);
    const rate = vcpu * (p.fargateVcpuPerHour[arch] ?? 0) + gb * (p.fargateGbPerHour[arch] ?? 0);
    const label = String(svc.name ?? name);
    add(`Fargate ${label} (${tasks} × ${vcpu} vCPU / ${gb} GB)`, tasks * a.hoursPerMonth, rate, `${price(p.fargateVcpuPerHour[arch] ?? 0)} per vCPU-hour + ${price(p.fargateGbPerHour[arch] ?? 0)} per GB-hour (${arch}), at the desired (minimum) count`);
  }
  const albs = select("aws_lb").filter(([, l]) => (l.load_balancer_type ?? "application") === "application").reduce((s, [, l]) => s + countOf(l), 0);
  add("Application Load Balancers (hours only)", albs * a.hoursPerMonth, p.albPerHour, `${price(p.albPerHour)} per hour, plus ${price(p.albLcuPerHour)} per LCU-hour`);
  for (const [, acl] of select("aws_wafv2_web_acl")) {
    add("WAF web ACLs", countOf(acl), p.wafWebAclPerMonth, `${price(p.wafWebAclPerMonth)} per web ACL-month, plus ${price(p.wafPerMillionRequests)} per million requests`);
    add("WAF rules", countOf(acl) * (Array.isArray(acl.rule) ? acl.rule.length : acl.rule ? 1 : 0), p.wafRulePerMonth, `${price(p.wafRulePerMonth)} per rule-month`);
  }
  for (const [, db] of select("aws_db_instance")) {
    const cls = String(db.instance_class);
    const copies = db.multi_az === true ? 2 : 1;
    const rate = db.engine === "postgres" ? p.rdsPostgresPerHour[cls] : undefined;
    if (rate !== undefined) add(`RDS ${cls}${copies === 2 ? " Multi-AZ" : ""}`, countOf(db) * copies * a.hoursPerMonth, rate, `${price(rate)} per instance-hour${copies === 2 ? ", primary and standby" : ""}`);
    else add(`RDS ${cls} (not in the price table)`, countOf(db), 0, "add its price to PRICE_TABLE");
    add(`RDS ${db.storage_type ?? "gp2"} storage${copies === 2 ? " (Multi-AZ)" : ""}`, countOf(db) * copies * Number(db.allocated_storage ?? 0), p.rdsGp3PerGbMonth, `${price(p.rdsGp3PerGbMonth)} per GB-month${copies === 2 ? ", primary and standby" : ""} (allocated, not the autoscaling ceiling)`);
  }
  for (const [, rg] of select("aws_elasticache_replication_group")) {
    const type = String(rg.node_type);
    const nodes = countOf(rg) * (typeof rg.num_cache_clusters === "number" ? rg.num_cache_clusters : 1);
    const rate = rg.engine === "valkey" ? p.elasticacheValkeyPerHour[type] : undefined;
    if (rate !== undefined) add(`ElastiCache ${type} (Valkey)`, nodes * a.hoursPerMonth, rate, `${price(rate)} per node-hour`);
    else add(`ElastiCache ${type} (not in the price table)`, nodes, 0, "add its price to PRICE_TABLE");
  }
  const endpointAzHours = select("aws_vpc_endpoint").filter(([, e]) => e.vpc_endpoint_type === "Interface").reduce((s, [, e]) => s + countOf(e) * Math.max(1, strings(e.subnet_ids).length), 0) * a.hoursPerMonth;
  add("VPC interface endpoints", endpointAzHours, p.vpcInterfaceEndpointPerAzHour, `${price(p.vpcInterfaceEndpointPerAzHour)} per endpoint-AZ-hour`);
  return rows;
}

/** Estimated monthly cost of the AWS resources in a stack, with the price table and assumptions used. */
export function costSection(ctx: RuleContext, json: StackJson = {}): string {
  const { regions, unset } = awsRegions(json);
  // Prices of the stack's own region; without a table for it, us-east-1's, said to be for orientation only.
  const own = regions.length === 1 && !unset ? PRICE_TABLES[regions[0]] : undefined;
  const prices = own ?? PRICE_TABLE;
  const p = prices.prices;
  const rows = costRows((type) => ctx.resources(type), p);
  if (rows.length === 0) return "";
  const total = rows.reduce((s, r) => s + rowAmount(r), 0);
  const region = regions.length > 0 ? regions.join(", ") : "not set in the plan";
  const statement = own
    ? `List prices for ${own.region} (the stack's region) in ${own.currency}, compiled on ${own.compiledOn} (not fetched live: check aws.amazon.com/pricing before budgeting). Data transfer, taxes and support plans are not included.`
    : `**No prices are known for this stack's region (${region}${unset ? "; a provider without a region reads AWS_REGION at plan time" : ""})**: the price table covers ${Object.keys(PRICE_TABLES).join(", ")} only. The quantities are this stack's; the amounts are ${PRICE_TABLE.region} list prices (compiled on ${PRICE_TABLE.compiledOn}), for orientation only — not this region's prices. Data transfer, taxes and support plans are not included.`;
  const perMonth = own ? "per month" : `per month at ${PRICE_TABLE.region} prices`;
  return [
    "### Estimated monthly AWS cost",
    "",
    statement,
    "",
    ...table(
      ["item", "quantity", "basis", perMonth],
      rows.map((r) => [cell(r.item), qtyText(r.qty), cell(r.basis), usd(rowAmount(r))]),
    ),
    `| **total** | | | **${usd(total)}**${own ? "" : ` (${PRICE_TABLE.region} prices)`} |`,
    "",
    ...tenantCostLines(ctx, p, total, perMonth),
    "Usage assumptions:",
    "",
    ...table(
      ["assumption", "value"],
      Object.entries(USAGE_ASSUMPTIONS).map(([k, v]) => [k, String(v)]),
    ),
    "",
    `Price table used (${prices.region}, compiled on ${prices.compiledOn}):`,
    "",
    ...table(
      ["price", "USD"],
      Object.entries(prices.prices).flatMap(([k, v]) => (typeof v === "number" ? [[k, String(v)]] : Object.entries(v).map(([t, r]) => [k === "ec2PerHour" ? `ec2 ${t} per hour` : `${k} ${t}`, String(r)]))),
    ),
    "",
  ].join("\n");
}

/**
 * Priced resource types that take no tags, with the attribute naming the resource they belong to:
 * a metric filter is its log group's (by reference, or by the group's literal name).
 */
const ATTACHED_TO: Readonly<Record<string, { attribute: string; type: string }>> = {
  aws_cloudwatch_log_metric_filter: { attribute: "log_group_name", type: "aws_cloudwatch_log_group" },
};

/**
 * The tenant a resource belongs to alone: its own TENANT_TAG, or for a type that takes no tags
 * (ATTACHED_TO) the tag of the resource it is attached to. Undefined for a shared resource.
 */
export function resourceTenant(ctx: RuleContext, type: string, body: Record<string, any>): string | undefined {
  const parent = ATTACHED_TO[type];
  if (!parent) return tenantOf(body);
  const value = body[parent.attribute];
  const ref = refTarget(value);
  if (ref !== undefined) {
    const target = ref.startsWith(`${parent.type}.`) ? ctx.lookup(ref) : undefined;
    return target ? tenantOf(target) : undefined;
  }
  if (typeof value !== "string" || isExpression(value)) return undefined;
  const byName = ctx.memo(`cost.tenants.${parent.type}`, () => {
    const names = new Map<string, string | undefined>();
    for (const [, b] of ctx.resources(parent.type)) if (typeof b.name === "string" && !isExpression(b.name)) names.set(b.name, names.has(b.name) ? undefined : tenantOf(b));
    return names;
  });
  return byName.get(value);
}

/** One tenant's line of the split, in cents: its own resources, its share of the shared ones, their sum. */
export interface TenantCost {
  readonly tenant: string;
  readonly rows: CostRow[];
  readonly ownCents: number;
  readonly shareCents: number;
  readonly totalCents: number;
}

/**
 * The stack's estimate split by tenant (empty without tagged AWS resources, tenants sorted by id):
 * each tenant's own tagged resources priced by `costRows`, plus an even share of the untagged
 * (shared) ones. In cents, so that the tenants' totals add up to the stack's total as printed: the
 * shared part is what the total leaves after the tenants' own parts, and the cents it does not split
 * evenly go one each to the first tenants by id.
 */
export function tenantCosts(ctx: RuleContext, p: PriceTable["prices"], total: number): { tenants: TenantCost[]; sharedCents: number; each: number; remainder: number } {
  const all: ResourceSelection = (type) => ctx.resources(type);
  const ids = new Set<string>();
  for (const type of ctx.resourceTypes()) {
    if (!type.startsWith("aws_")) continue;
    for (const [, body] of ctx.resources(type)) {
      const id = resourceTenant(ctx, type, body);
      if (id !== undefined) ids.add(id);
    }
  }
  if (ids.size === 0) return { tenants: [], sharedCents: 0, each: 0, remainder: 0 };
  const sorted = [...ids].sort();
  const own = sorted.map((tenant) => {
    const rows = costRows((type) => all(type).filter(([, b]) => resourceTenant(ctx, type, b) === tenant), p, all);
    return { tenant, rows, ownCents: cents(rows.reduce((s, r) => s + rowAmount(r), 0)) };
  });
  const sharedCents = cents(total) - own.reduce((s, t) => s + t.ownCents, 0);
  const each = Math.floor(sharedCents / sorted.length);
  const remainder = sharedCents - each * sorted.length;
  const tenants = own.map((t, i) => {
    const share = each + (i < remainder ? 1 : 0);
    return { ...t, shareCents: share, totalCents: t.ownCents + share };
  });
  return { tenants, sharedCents, each, remainder };
}

/** The "Cost per tenant" subsection after the total, or nothing when no AWS resource carries TENANT_TAG. */
function tenantCostLines(ctx: RuleContext, p: PriceTable["prices"], total: number, perMonth: string): string[] {
  const { tenants, sharedCents, each, remainder } = tenantCosts(ctx, p, total);
  if (tenants.length === 0) return [];
  const n = tenants.length;
  const split =
    remainder === 0
      ? `${usdCents(each)} each`
      : `${usdCents(each + 1)} or ${usdCents(each)} each: ${remainder === 1 ? "the cent left over goes to the first tenant by id" : `the ${remainder} cents left over go one each to the first ${remainder} tenants by id`}`;
  const sum = (f: (t: TenantCost) => number) => tenants.reduce((s, t) => s + f(t), 0);
  return [
    "#### Cost per tenant",
    "",
    `A tenant's own resources are those tagged \`${TENANT_TAG}\` with its id (its KMS key, secrets, log groups, alarms, rotation function) and the metric filters on its log groups, priced as above. The untagged (shared) resources cost ${usdCents(sharedCents)} a month, split evenly across ${n} tenant${n === 1 ? "" : "s"} (${split}). The per-tenant figures add up to the total (${usdCents(cents(total))}).`,
    "",
    ...table(
      ["tenant", "own resources", "own", "share of shared", perMonth],
      tenants.map((t) => [`\`${cell(t.tenant)}\``, t.rows.map((r) => `${cell(r.item)} (${qtyText(r.qty)}): ${usd(rowAmount(r))}`).join("<br>"), usdCents(t.ownCents), usdCents(t.shareCents), usdCents(t.totalCents)]),
    ),
    `| **all tenants** | | ${usdCents(sum((t) => t.ownCents))} | ${usdCents(sum((t) => t.shareCents))} | **${usdCents(sum((t) => t.totalCents))}** |`,
    "",
  ];
}
