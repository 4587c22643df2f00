import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { synthProdFromExampleConfigToDir } from "../helpers/prod-cloud";
import { AWS_PROVIDER_VERSION, planStack, PlanResult } from "../helpers/terraform";

/*
 * prod-cloud with two tenants (config/prod.tenants.example.json, built as main.ts builds it)
 * through the real terraform CLI and the real hashicorp/aws provider from the filesystem mirror:
 * validate, plan, show -json. Offline (fake credentials, skip_* switches); nothing reaches AWS.
 * What the plan must show: per tenant its own key, and every tenant resource encrypted with it.
 */

let outdir: string;
let result: PlanResult;
let plan: any;

const configured = (type: string): any[] => plan.configuration.root_module.resources.filter((r: any) => r.type === type);
const planned = (type: string): any[] => plan.resource_changes.filter((r: any) => r.type === type);
const refs = (expr: any): string[] => expr?.references ?? [];
/** The aws_kms_key an attribute references (e.g. `aws_kms_key.Tenant-acme_Key_45C9964E`). */
const keyOf = (expr: any): string | undefined => refs(expr).find((a) => /^aws_kms_key\.[^.]+$/.test(a));

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), "zt-prod-cloud-tenants-"));
  result = planStack(synthProdFromExampleConfigToDir(outdir, "prod.tenants.example.json"));
  plan = result.plan;
}, 300_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  if (result) rmSync(result.terraform.home, { recursive: true, force: true });
});

describe(`prod-cloud with two tenants, planned by terraform with hashicorp/aws ${AWS_PROVIDER_VERSION}`, () => {
  test("terraform validate passes with no errors or warnings, and the plan only creates", () => {
    expect(result.validate).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
    expect(result.versions.providers["registry.terraform.io/hashicorp/aws"]).toBe(AWS_PROVIDER_VERSION);
    expect(result.summary).toMatch(/^Plan: \d+ to add, 0 to change, 0 to destroy\.$/);
  });

  test("three keys are planned: the shared one and one per tenant, each with yearly rotation", () => {
    const keys = planned("aws_kms_key");
    expect(keys).toHaveLength(3);
    for (const k of keys) expect(k.change.after.enable_key_rotation).toBe(true);
    const aliases = planned("aws_kms_alias").map((a) => a.change.after.name).sort();
    expect(aliases).toEqual(["alias/n8n-prod", "alias/n8n-prod-acme", "alias/n8n-prod-globex"]);
  });

  test("every tenant secret and log group is encrypted with its own tenant's key, and tagged with the tenant", () => {
    for (const t of ["acme", "globex"]) {
      const alias = configured("aws_kms_alias").find((a) => a.expressions.name?.constant_value === `alias/n8n-prod-${t}`);
      const key = keyOf(alias.expressions.target_key_id);
      expect(key).toBeDefined();
      const secrets = configured("aws_secretsmanager_secret").filter((s) => String(s.expressions.name?.constant_value).startsWith(`n8n-prod/${t}/`));
      expect(secrets.length).toBeGreaterThanOrEqual(10);
      for (const s of secrets) expect(keyOf(s.expressions.kms_key_id)).toBe(key);
      const groups = configured("aws_cloudwatch_log_group").filter((g) => String(g.expressions.name?.constant_value).startsWith(`/n8n-prod/${t}/`));
      expect(groups).toHaveLength(4);
      for (const g of groups) expect(keyOf(g.expressions.kms_key_id)).toBe(key);
      const taggedSecrets = planned("aws_secretsmanager_secret").filter((s) => s.change.after.tags?.["n8n-zero-trust:tenant"] === t);
      expect(taggedSecrets).toHaveLength(secrets.length);
    }
  });

  test("each tenant's rotation function is planned with its own role, and the host admits Postgres on 5432 and 5433 from one security group each", () => {
    const fns = planned("aws_lambda_function").map((f) => f.change.after.function_name).sort();
    expect(fns).toEqual(["n8n-prod-acme-rotation", "n8n-prod-globex-rotation"]);
    const [hostSg] = planned("aws_security_group").filter((g) => g.change.after.name === "n8n-prod-docker-host");
    const pg = hostSg.change.after.ingress.filter((i: any) => ![80, 443].includes(i.from_port));
    expect(pg.map((i: any) => i.from_port).sort()).toEqual([5432, 5433]);
    for (const i of pg) expect(i.cidr_blocks).toEqual([]);
  });
});
