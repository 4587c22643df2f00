import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { evaluateStack } from "../../constructs/policy/engine";
import { buildProdStacks } from "../../stacks/prod";
import { REPO_ROOT, synthDev } from "../helpers/synth";

/*
 * The project's own stacks under every rule: dev, and both prod stacks exactly as main.ts builds
 * them from config/prod.example.json (the review test also covers every stack main.ts builds).
 */
const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8")), "prod.example.json");
const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-project-stacks-"));
const app = new App({ outdir, stackTraces: false });
buildProdStacks(app, config);
// Two tenants on one prod host (config/prod.tenants.example.json), as main.ts builds them.
const tenantsConfig = parseConfig(prodConfigSchema, JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.tenants.example.json"), "utf8")), "prod.tenants.example.json");
buildProdStacks(app, tenantsConfig, { cloudId: "prod-cloud-tenants", runtimeId: "prod-runtime-tenants" });
app.synth();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const read = (stack: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
const lines = (fs: { ruleId: string; path?: string; detail: string }[]) => fs.map((f) => `${f.ruleId} ${f.path}: ${f.detail}`);

describe("the project's stacks pass the zero-trust policy", () => {
  test("dev: no error and no warning", () => {
    expect(lines(evaluateStack("dev", synthDev().json).findings)).toEqual([]);
  });

  test("prod-cloud (with the Docker host, its VPC and endpoints): no error and no warning", () => {
    expect(lines(evaluateStack("prod-cloud", read("prod-cloud")).findings)).toEqual([]);
  });

  test("prod-runtime: no error and no warning; one stated suppression (Postgres on the host's private address)", () => {
    const r = evaluateStack("prod-runtime", read("prod-runtime"));
    expect(lines([...r.errors, ...r.warnings])).toEqual([]);
    expect(r.suppressed.map((f) => f.ruleId)).toEqual(["ZT-NET-001"]);
  });

  test("prod-cloud with two tenants (a key, secrets, logs and rotation each): no error and no warning", () => {
    expect(lines(evaluateStack("prod-cloud-tenants", read("prod-cloud-tenants")).findings)).toEqual([]);
  });

  test("prod-runtime with two tenants: no error and no warning; one stated suppression per tenant's Postgres (on the host's private address)", () => {
    const r = evaluateStack("prod-runtime-tenants", read("prod-runtime-tenants"));
    expect(lines([...r.errors, ...r.warnings])).toEqual([]);
    expect(r.suppressed.map((f) => f.ruleId)).toEqual(["ZT-NET-001", "ZT-NET-001"]);
  });
});
