import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeContext } from "../../constructs/policy/rule";
import { costSection, PRICE_TABLE } from "../../constructs/policy/report/cost";
import { synthProdEcsFromExampleConfigToDir } from "../helpers/prod-cloud";

/*
 * The review's cost estimate prices prod-ecs (config/prod-ecs.example.json, as main.ts builds it,
 * with the region set to us-east-1 so the table's own prices apply): Fargate at the services'
 * minimum counts, ALB, WAF, RDS, ElastiCache, NAT, interface endpoints, logs.
 */

let json: any;
let text: string;
beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cost-ecs-"));
  try {
    json = JSON.parse(readFileSync(path.join(synthProdEcsFromExampleConfigToDir(dir), "cdk.tf.json"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const providers = json.provider.aws as any[];
  for (const p of Array.isArray(providers) ? providers : [providers]) p.region = "us-east-1";
  text = costSection(makeContext("prod-ecs", json), json);
});

/** The monthly amount of the row whose item starts with `item`. */
function amount(item: string): number {
  const row = text.split("\n").find((l) => l.startsWith(`| ${item}`));
  if (!row) throw new Error(`no row "${item}" in:\n${text}`);
  return Number(row.split("|").at(-2)!.trim().replace("$", ""));
}

const p = PRICE_TABLE.prices;
const h = 730;

describe("cost estimate of prod-ecs", () => {
  test("Fargate: each n8n service at its minimum task count, priced per vCPU-hour and GB-hour", () => {
    expect(amount("Fargate n8n-ecs-main (1 × 1 vCPU / 3 GB)")).toBeCloseTo(h * (1 * p.fargateVcpuPerHour.X86_64 + 3 * p.fargateGbPerHour.X86_64), 2);
    expect(amount("Fargate n8n-ecs-webhook (2 × 0.5 vCPU / 1 GB)")).toBeCloseTo(2 * h * (0.5 * p.fargateVcpuPerHour.X86_64 + 1 * p.fargateGbPerHour.X86_64), 2);
    expect(amount("Fargate n8n-ecs-worker (2 × 1 vCPU / 3 GB)")).toBeCloseTo(2 * h * (1 * p.fargateVcpuPerHour.X86_64 + 3 * p.fargateGbPerHour.X86_64), 2);
    // The one-off bootstrap task is a task definition without a service: not a standing cost.
    expect(text).not.toMatch(/Fargate .*bootstrap/);
  });

  test("RDS Multi-AZ counts primary and standby, for the instance and its gp3 storage", () => {
    expect(amount("RDS db.t4g.medium Multi-AZ")).toBeCloseTo(2 * h * 0.065, 2);
    expect(amount("RDS gp3 storage (Multi-AZ)")).toBeCloseTo(2 * 50 * 0.115, 2);
  });

  test("ElastiCache: the primary and its replica, at Valkey's node price", () => {
    expect(text).toContain("| ElastiCache cache.t4g.small (Valkey) | 1460 |");
    expect(amount("ElastiCache cache.t4g.small (Valkey)")).toBeCloseTo(2 * h * 0.0256, 2);
  });

  test("edge and egress: one ALB, the WAF ACL and its rules, one NAT gateway, interface endpoints in both zones", () => {
    expect(amount("Application Load Balancers")).toBeCloseTo(h * 0.0225, 2);
    expect(amount("WAF web ACLs")).toBe(5);
    expect(amount("WAF rules")).toBeGreaterThanOrEqual(1);
    expect(amount("NAT gateways")).toBeCloseTo(h * 0.045, 2);
    expect(amount("VPC interface endpoints")).toBeCloseTo(5 * 2 * h * 0.01, 2);
    expect(amount("CloudWatch Logs ingestion")).toBeGreaterThan(0);
  });

  test("nothing of the stack is unpriced", () => {
    expect(text).not.toContain("not in the price table");
  });

  test("the total is the sum of the rows", () => {
    const rows = text.split("Usage assumptions")[0].split("\n").filter((l) => /^\| (?!item|---|\*\*total)/.test(l));
    const sum = rows.reduce((s, l) => s + Number(l.split("|").at(-2)!.trim().replace("$", "")), 0);
    expect(Number(/\*\*total\*\* \| \| \| \*\*\$([\d.]+)\*\*/.exec(text)![1])).toBeCloseTo(sum, 1);
  });
});
