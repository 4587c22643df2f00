import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { TENANT_TAG } from "../../constructs/app/tenants";
import { makeContext } from "../../constructs/policy/rule";
import { costSection } from "../../constructs/policy/report/cost";

/*
 * Issue 16: the review's cost estimate split by tenant. A small prod-cloud-like stack built with the
 * real provider classes: shared host, volume, address, endpoint, bucket, key, topic and edge log
 * group (no tenant tag), and per tenant (beta declared, and listed in the JSON, before acme) a key, two secrets, log groups,
 * a metric filter, two alarms and a rotation function, tagged TENANT_TAG = <id>. One more log group
 * carries the tag with a Terraform expression as its value: shared, not a tenant.
 */

interface Shape {
  /** Tag the tenants' resources (false: the same resources, all untagged). */
  readonly tagged?: boolean;
  /** Log groups per tenant. */
  readonly groups?: Readonly<Record<string, number>>;
  /** Untagged log groups of the edge. */
  readonly edgeGroups?: number;
}

function synth({ tagged = true, groups = { beta: 1, acme: 3 }, edgeGroups = 1 }: Shape = {}): any {
  const s = new TerraformStack(Testing.app(), "cloud");
  new AwsProvider(s, "aws", { region: "us-east-1" });
  const host = new Instance(s, "Host", { ami: "ami-1", instanceType: "t3.small", rootBlockDevice: { volumeSize: 30, volumeType: "gp3" } });
  new EbsVolume(s, "Data", { availabilityZone: "us-east-1a", size: 50, type: "gp3" });
  new Eip(s, "Ip", { domain: "vpc", instance: host.id });
  new VpcEndpoint(s, "SmEndpoint", { vpcId: "vpc-1", serviceName: "com.amazonaws.us-east-1.secretsmanager", vpcEndpointType: "Interface", subnetIds: ["subnet-a", "subnet-b"] });
  new S3Bucket(s, "Backups", { bucket: "backups" });
  new KmsKey(s, "SharedKey", { description: "shared" });
  const topic = new SnsTopic(s, "Alarms", { name: "alarms" });
  new SnsTopicSubscription(s, "Mail", { topicArn: topic.arn, protocol: "email", endpoint: "ops@example.com" });
  for (let i = 0; i < edgeGroups; i++) new CloudwatchLogGroup(s, `EdgeLogs${i}`, { name: `/n8n/edge/${i}`, retentionInDays: 30 });
  const tenantVar = new TerraformVariable(s, "tenant", { type: "string" });
  new CloudwatchLogGroup(s, "ExprLogs", { name: "/n8n/expr", retentionInDays: 30, tags: tagged ? { [TENANT_TAG]: tenantVar.stringValue } : undefined });
  // Construct ids by declaration order (Tenant0 is beta), so the JSON does not list the tenants by id.
  for (const [index, [id, n]] of Object.entries(groups).entries()) {
    const key = `Tenant${index}`;
    const tags = tagged ? { [TENANT_TAG]: id, Name: id } : undefined;
    new KmsKey(s, `${key}Key`, { description: id, tags });
    for (const name of ["db", "token"]) new SecretsmanagerSecret(s, `${key}${name}`, { name: `n8n/${id}/${name}`, tags });
    const logs = Array.from({ length: n }, (_, i) => new CloudwatchLogGroup(s, `${key}Logs${i}`, { name: `/n8n/${id}/${i}`, retentionInDays: 90, tags }));
    // Metric filters take no tags: one names its group by reference, the other by the group's literal name.
    new CloudwatchLogMetricFilter(s, `${key}Filter`, { name: `${id}-errors`, logGroupName: id === "acme" ? logs[0].name : `/n8n/${id}/0`, pattern: "ERROR", metricTransformation: { name: "errors", namespace: id, value: "1" } });
    for (const a of ["errors", "rotation"]) new CloudwatchMetricAlarm(s, `${key}${a}`, { alarmName: `${id}-${a}`, comparisonOperator: "GreaterThanThreshold", evaluationPeriods: 1, metricName: a, namespace: id, period: 300, statistic: "Sum", threshold: 0, tags });
    new LambdaFunction(s, `${key}Rotation`, { functionName: `n8n-${id}-rotation`, role: "arn:aws:iam::1:role/r", tags });
  }
  return JSON.parse(Testing.synth(s));
}

const section = (json: any) => costSection(makeContext("cloud", json), json);
const SUBSECTION = /#### Cost per tenant\n[\s\S]*?\n\n(?=Usage assumptions:)/;

/** The cells of the subsection's row whose first cell is `first`. */
function row(text: string, first: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`| ${first} |`));
  if (!line) throw new Error(`no row ${first} in:\n${text}`);
  return line.split("|").slice(1, -1).map((c) => c.trim());
}
const toCents = (s: string) => {
  const m = /^\**\$(\d+)\.(\d\d)\**$/.exec(s.trim());
  if (!m) throw new Error(`not an amount: ${s}`);
  return Number(m[1]) * 100 + Number(m[2]);
};
/** The tenant rows of the subsection: id and the own, share and total amounts in cents. */
function tenantRows(text: string): { id: string; own: number; share: number; total: number }[] {
  const sub = SUBSECTION.exec(text)?.[0] ?? "";
  return sub
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.slice(2, -2).split(" | "))
    .map((c) => ({ id: c[0].replace(/`/g, ""), own: toCents(c[2]), share: toCents(c[3]), total: toCents(c[4]) }));
}

/*
 * By hand, us-east-1 list prices. Shared: t3.small 730 h × $0.0208 = $15.184, 30 GB gp3 root $2.40,
 * 50 GB gp3 volume $4.00, EIP 730 h × $0.005 = $3.65, interface endpoint 2 AZ × 730 h × $0.01 = $14.60,
 * bucket 20 GB × $0.023 = $0.46, shared key $1 + 2 × $0.03, edge and expression-tagged log groups
 * 2 × ($0.50 ingestion + 1 month × $0.03 storage): $42.414. acme: key $1.00 + requests $0.06, 2 secrets
 * $0.80 + API calls $0.10, 3 groups × ($0.50 + 3 months × $0.03), metric filter $0.30, 2 alarms $0.20,
 * Lambda $0: $4.23; beta the same with 1 group: $3.05. Total $49.694 → $49.69; shared part
 * 4969 − 423 − 305 = 4241 cents, split 2121 (acme, first by id) + 2120 (beta).
 */
describe("cost per tenant", () => {
  let text: string;
  beforeAll(() => {
    text = section(synth());
  });

  test("one row per tenant, sorted by id, with its own resources itemized at the main table's prices", () => {
    expect(tenantRows(text).map((r) => r.id)).toEqual(["acme", "beta"]);
    expect(row(text, "`acme`")).toEqual([
      "`acme`",
      [
        "KMS customer-managed keys (1): $1.00",
        "KMS requests (units of 10k) (2): $0.06",
        "Secrets Manager secrets (2): $0.80",
        "Secrets Manager API calls (units of 10k) (2): $0.10",
        "CloudWatch Logs ingestion (3): $1.50",
        "CloudWatch Logs storage (steady state) (9): $0.27",
        "CloudWatch custom metrics (metric filters) (1): $0.30",
        "CloudWatch alarms (2): $0.20",
        "Lambda (1): $0.00",
      ].join("<br>"),
      "$4.23",
      "$21.21",
      "$25.44",
    ]);
    expect(row(text, "`beta`").slice(2)).toEqual(["$3.05", "$21.20", "$24.25"]);
    expect(row(text, "`beta`")[1]).toContain("CloudWatch custom metrics (metric filters) (1): $0.30");
  });

  test("the subsection follows the total, before the usage assumptions", () => {
    expect(text).toMatch(/\| \*\*total\*\* \| \| \| \*\*\$49\.69\*\* \|\n\n#### Cost per tenant\n\n/);
    expect(text.indexOf("#### Cost per tenant")).toBeLessThan(text.indexOf("Usage assumptions:"));
  });

  test("the sentence says how the shared part is split and that the figures add up to the total", () => {
    expect(text).toContain(
      "The untagged (shared) resources cost $42.41 a month, split evenly across 2 tenants ($21.21 or $21.20 each: the cent left over goes to the first tenant by id). The per-tenant figures add up to the total ($49.69).",
    );
    const even = section(synth({ edgeGroups: 2 }));
    expect(even).toContain("The untagged (shared) resources cost $42.94 a month, split evenly across 2 tenants ($21.47 each). The per-tenant figures add up to the total ($50.22).");
  });

  test.each([
    ["two tenants", {}],
    ["an even split", { edgeGroups: 2 }],
    ["three tenants", { groups: { gamma: 2, beta: 1, acme: 3 } }],
    ["three tenants, more shared", { groups: { gamma: 2, beta: 1, acme: 3 }, edgeGroups: 4 }],
  ] as [string, Shape][])("the per-tenant figures add up to the total, to the cent: %s", (_name, shape) => {
    const t = section(synth(shape));
    const total = toCents(row(t, "**total**")[3]);
    const rows = tenantRows(t);
    expect(rows).toHaveLength(Object.keys(shape.groups ?? { acme: 0, beta: 0 }).length);
    for (const r of rows) expect(r.own + r.share).toBe(r.total);
    expect(rows.reduce((s, r) => s + r.total, 0)).toBe(total);
    const shares = rows.map((r) => r.share);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    expect(row(t, "**all tenants**")).toEqual([
      "**all tenants**",
      "",
      `$${(rows.reduce((s, r) => s + r.own, 0) / 100).toFixed(2)}`,
      `$${(rows.reduce((s, r) => s + r.share, 0) / 100).toFixed(2)}`,
      `**$${(total / 100).toFixed(2)}**`,
    ]);
  });

  test("a tenant with more log groups costs more: each group adds its ingestion and storage", () => {
    const [acme, beta] = tenantRows(text);
    expect(acme.own).toBeGreaterThan(beta.own);
    expect(acme.own - beta.own).toBe(2 * (50 + 9));
    const [acme2, beta2] = tenantRows(section(synth({ groups: { beta: 5, acme: 3 } })));
    expect(beta2.own).toBeGreaterThan(acme2.own);
    expect(beta2.own - beta.own).toBe(4 * (50 + 9));
    expect(acme2.own).toBe(acme.own);
  });

  test("a tag whose value is a Terraform expression is no tenant id: the resource is shared", () => {
    const json = synth();
    expect(json.resource.aws_cloudwatch_log_group.ExprLogs.tags[TENANT_TAG]).toBe("${var.tenant}");
    expect(text).not.toContain("var.tenant");
    expect(text).toContain("across 2 tenants");
    // Only expression-valued tags: no tenants, so no subsection.
    const exprOnly = synth({ tagged: false });
    exprOnly.resource.aws_cloudwatch_log_group.ExprLogs.tags = { [TENANT_TAG]: "${var.tenant}" };
    exprOnly.resource.aws_kms_key.SharedKey.tags = { [TENANT_TAG]: "acme-${var.suffix}" };
    expect(section(exprOnly)).toBe(section(synth({ tagged: false })));
    expect(section(exprOnly)).not.toContain("Cost per tenant");
  });

  test("an untagged stack's section is unchanged: the same as before tenants, and the tagged one without the subsection", () => {
    const untagged = section(synth({ tagged: false }));
    expect(untagged).not.toContain("Cost per tenant");
    // As the estimate printed it before the per-tenant split (the price table that follows is unchanged code).
    expect(untagged.slice(0, untagged.indexOf("| assumption | value |"))).toBe(
      [
        "### Estimated monthly AWS cost",
        "",
        "List prices for us-east-1 (the stack's region) in USD, compiled on 2026-11-22 (not fetched live: check aws.amazon.com/pricing before budgeting). Data transfer, taxes and support plans are not included.",
        "",
        "| item | quantity | basis | per month |",
        "|---|---|---|---|",
        "| KMS customer-managed keys | 3 | $1 per key-month | $3.00 |",
        "| KMS requests (units of 10k) | 6 | $0.03 per 10k (assumed 20000 per key) | $0.18 |",
        "| Secrets Manager secrets | 4 | $0.4 per secret-month | $1.60 |",
        "| Secrets Manager API calls (units of 10k) | 4 | $0.05 per 10k (assumed 10000 per secret) | $0.20 |",
        "| CloudWatch Logs ingestion | 6 | $0.5 per GB (assumed 1 GB per group) | $3.00 |",
        "| CloudWatch Logs storage (steady state) | 14 | $0.03 per GB-month (retention, at most 12 months counted) | $0.42 |",
        "| CloudWatch custom metrics (metric filters) | 2 | $0.3 per metric-month | $0.60 |",
        "| CloudWatch alarms | 4 | $0.1 per standard alarm-month | $0.40 |",
        "| S3 Standard storage | 20 | $0.023 per GB-month (assumed 20 GB per bucket) | $0.46 |",
        "| SNS email notifications | 1 | first 1,000 emails a month are free | $0.00 |",
        "| Lambda | 2 | a few invocations a month stay in the free tier | $0.00 |",
        "| EC2 t3.small | 730 | $0.0208 per hour | $15.18 |",
        "| EBS gp3 root volume | 30 | $0.08 per GB-month | $2.40 |",
        "| EBS gp3 volume | 50 | $0.08 per GB-month | $4.00 |",
        "| Elastic IP addresses | 730 | $0.005 per hour (public IPv4) | $3.65 |",
        "| VPC interface endpoints | 1460 | $0.01 per endpoint-AZ-hour | $14.60 |",
        "| **total** | | | **$49.69** |",
        "",
        "Usage assumptions:",
        "",
        "",
      ].join("\n"),
    );
    expect(SUBSECTION.test(text)).toBe(true);
    expect(text.replace(SUBSECTION, "")).toBe(untagged);
  });

  test("in a region without its own prices the amounts column says whose prices they are", () => {
    const json = synth();
    json.provider.aws[0].region = "eu-west-1";
    expect(section(json)).toContain("| tenant | own resources | own | share of shared | per month at us-east-1 prices |");
    expect(text).toContain("| tenant | own resources | own | share of shared | per month |");
  });
});
