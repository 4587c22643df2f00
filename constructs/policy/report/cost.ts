import { StackJson } from "../docker-model";

/** List prices used by the estimate (USD, us-east-1 / eu-central-1 on-demand, as listed on the date below). */
export const PRICE_TABLE = {
  date: "2026-11-01",
  region: "us-east-1 (eu-central-1 is about 10-15% higher for EC2)",
  prices: {
    kmsKeyPerMonth: 1.0,
    secretPerMonth: 0.4,
    logIngestPerGb: 0.5,
    logStoragePerGbMonth: 0.03,
    alarmPerMonth: 0.1,
    dashboardPerMonth: 3.0,
    s3StandardPerGbMonth: 0.023,
    ebsGp3PerGbMonth: 0.08,
    ec2PerHour: { "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832, "t4g.small": 0.0168, "t4g.medium": 0.0336, "t4g.large": 0.0672, "m7g.large": 0.0816 } as Record<string, number>,
    vpcInterfaceEndpointPerHour: 0.01,
    natGatewayPerHour: 0.045,
  },
  assumptions: { logGbPerMonthPerGroup: 1, backupGb: 20, hoursPerMonth: 730 },
};

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Estimated monthly cost of the AWS resources in a stack, with the table and assumptions used. */
export function costSection(stack: StackJson): string {
  const res = (stack.resource ?? {}) as Record<string, Record<string, any>>;
  const count = (t: string) => Object.keys(res[t] ?? {}).length;
  const p = PRICE_TABLE.prices;
  const a = PRICE_TABLE.assumptions;
  const rows: [string, number, string][] = [];
  const add = (what: string, n: number, unit: number, basis: string) => n > 0 && rows.push([what, n * unit, `${n} × ${basis}`]);
  add("KMS keys", count("aws_kms_key"), p.kmsKeyPerMonth, `${usd(p.kmsKeyPerMonth)}/month`);
  add("Secrets Manager secrets", count("aws_secretsmanager_secret"), p.secretPerMonth, `${usd(p.secretPerMonth)}/month`);
  const groups = count("aws_cloudwatch_log_group");
  add("CloudWatch Logs ingestion", groups * a.logGbPerMonthPerGroup, p.logIngestPerGb, `${usd(p.logIngestPerGb)}/GB (assumed ${a.logGbPerMonthPerGroup} GB/group)`);
  add("CloudWatch Logs storage", groups * a.logGbPerMonthPerGroup * 12, p.logStoragePerGbMonth, `${usd(p.logStoragePerGbMonth)}/GB-month (a year retained)`);
  add("CloudWatch alarms", count("aws_cloudwatch_metric_alarm"), p.alarmPerMonth, `${usd(p.alarmPerMonth)}/month`);
  add("CloudWatch dashboards", count("aws_cloudwatch_dashboard"), p.dashboardPerMonth, `${usd(p.dashboardPerMonth)}/month`);
  add("S3 storage (backups)", count("aws_s3_bucket") > 0 ? a.backupGb : 0, p.s3StandardPerGbMonth, `${usd(p.s3StandardPerGbMonth)}/GB-month (assumed ${a.backupGb} GB)`);
  for (const i of Object.values(res.aws_instance ?? {})) {
    const rate = p.ec2PerHour[String(i.instance_type)];
    if (rate) add(`EC2 ${i.instance_type}`, a.hoursPerMonth, rate, `${usd(rate)}/hour`);
    const gb = Number(i.root_block_device?.volume_size ?? i.root_block_device?.[0]?.volume_size ?? 0);
    add("EBS gp3 root volume", gb, p.ebsGp3PerGbMonth, `${usd(p.ebsGp3PerGbMonth)}/GB-month`);
  }
  const interfaceEndpoints = Object.values(res.aws_vpc_endpoint ?? {}).filter((e) => e.vpc_endpoint_type === "Interface").length;
  add("VPC interface endpoints (per AZ)", interfaceEndpoints * a.hoursPerMonth, p.vpcInterfaceEndpointPerHour, `${usd(p.vpcInterfaceEndpointPerHour)}/hour`);
  add("NAT gateways", count("aws_nat_gateway") * a.hoursPerMonth, p.natGatewayPerHour, `${usd(p.natGatewayPerHour)}/hour`);
  if (rows.length === 0) return "";
  const total = rows.reduce((s, r) => s + r[1], 0);
  return [
    "### Estimated monthly AWS cost",
    "",
    `Prices: list prices as of ${PRICE_TABLE.date}, ${PRICE_TABLE.region}; usage assumptions: ${JSON.stringify(PRICE_TABLE.assumptions)}. Data transfer, API calls and taxes are not included.`,
    "",
    "| item | basis | per month |",
    "|---|---|---|",
    ...rows.map(([what, cost, basis]) => `| ${what} | ${basis} | ${usd(cost)} |`),
    `| **total** | | **${usd(total)}** |`,
    "",
  ].join("\n");
}
