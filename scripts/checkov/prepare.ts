/*
 * Inputs for `scripts/checkov.sh` (Checkov itself runs in Python; this writes what it reads):
 *
 *   <out>/plan/prod-cloud.tfplan.json   `terraform show -json` of the offline prod-cloud plan: the stack
 *                                       as main.ts builds it from config/prod.example.json, planned with
 *                                       the real hashicorp/aws provider from the filesystem mirror, fake
 *                                       credentials and no backend (test/helpers/terraform.ts).
 *   <out>/fixtures/<n>/main.tf.json     every non-compliant fixture of the AWS policy pack whose rule maps
 *                                       to Checkov checks (from test/policy/aws-rules.test.ts), one folder
 *                                       each, so Checkov treats each as its own module.
 *   <out>/fixtures/000/main.tf.json     the pack's compliant baseline (awsBaseline()).
 *   <out>/fixtures.json                 index: folder → rule id, fixture name, expected resource, Checkov ids.
 *
 * Usage: node scripts/run-ts.cjs scripts/checkov/prepare.ts [<out> [plan|fixtures]]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { AWS_PACK } from "../../constructs/policy/packs";
import { buildProdStacks } from "../../stacks/prod";
import { prodEcsConfigSchema } from "../../config/prod-ecs-schema";
import { buildProdEcsStack } from "../../stacks/prod-ecs";
import { OFFLINE_PROVIDER } from "../../test/helpers/prod-cloud";
import { awsBaseline } from "../../test/policy/fixtures";
import { planStack } from "../../test/helpers/terraform";
import { parseArgs, usageError } from "../lib/args.cjs";

const USAGE = "usage: node scripts/run-ts.cjs scripts/checkov/prepare.ts [<out> [plan|fixtures]]";
const { positionals } = parseArgs(process.argv.slice(2), { usage: USAGE, positionals: { max: 2 } });
const out = path.resolve(positionals[0] ?? ".cache/checkov/input");
const only = positionals[1]; // "plan" | "fixtures" | undefined (both)
if (only !== undefined && only !== "plan" && only !== "fixtures") usageError(USAGE, `the second argument must be plan or fixtures (got "${only}")`);

export interface FixtureEntry {
  readonly dir: string;
  readonly ruleId: string;
  readonly name: string;
  readonly resource: string;
  readonly checkov: readonly string[];
}

/**
 * The rule tests declare their fixtures through `describeRules(pack, baseline, cases)`, which calls
 * jest's `describe.each` / `test.each`. Loading the test module with stand-ins for those globals
 * collects every non-compliant case without running or copying the tests.
 */
function collectNoncompliantFixtures(): { ruleId: string; name: string; json: any; resource: string }[] {
  const found: { ruleId: string; name: string; json: any; resource: string }[] = [];
  let current = "";
  const g = globalThis as any;
  const noop = () => undefined;
  const test: any = noop;
  test.each = (rows: any[]) => (title: string) => {
    if (title.startsWith("Noncompliance")) for (const [name, json, resource] of rows) found.push({ ruleId: current, name, json, resource });
  };
  const describe: any = (_t: string, fn: () => void) => fn();
  describe.each = (rows: any[]) => (_t: string, fn: (...a: any[]) => void) => {
    for (const row of rows) {
      current = row[0];
      fn(...row);
    }
  };
  Object.assign(g, { test, it: test, describe, expect: noop, beforeAll: noop, afterAll: noop, beforeEach: noop, afterEach: noop });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../../test/policy/aws-rules.test");
  return found;
}

/**
 * prod-cloud as main.ts builds it from config/prod.example.json, with the tests' offline provider
 * settings and no S3 backend (what test/helpers/prod-cloud.ts does; its path is relative to the
 * test folder, which the bundle run by run-ts.cjs does not keep). Returns the stack folder.
 */
function synthProdCloudOffline(outdir: string): string {
  const file = path.resolve("config", "prod.example.json");
  const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(file, "utf8")), file);
  const app = new App({ outdir, skipValidation: false });
  const { cloud } = buildProdStacks(app, config, { s3Backend: false, providerOverrides: OFFLINE_PROVIDER });
  app.synth();
  return path.join(outdir, "stacks", cloud.node.id);
}

/** prod-ecs as main.ts builds it from config/prod-ecs.example.json, offline, no S3 backend. */
function synthProdEcsOffline(outdir: string): string {
  const file = path.resolve("config", "prod-ecs.example.json");
  const config = parseConfig(prodEcsConfigSchema, JSON.parse(readFileSync(file, "utf8")), file);
  const app = new App({ outdir, skipValidation: false });
  const stack = buildProdEcsStack(app, config, { s3Backend: false, providerOverrides: OFFLINE_PROVIDER });
  app.synth();
  return path.join(outdir, "stacks", stack.node.id);
}

function writePlan(name = "prod-cloud", synth: (dir: string) => string = synthProdCloudOffline): void {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "zt-checkov-synth-"));
  try {
    const stackDir = synth(tmp);
    const result = planStack(stackDir);
    if (!result.validate.valid) throw new Error(`terraform validate failed: ${JSON.stringify(result.validate.diagnostics, null, 2)}`);
    mkdirSync(path.join(out, "plan"), { recursive: true });
    writeFileSync(path.join(out, "plan", `${name}.tfplan.json`), JSON.stringify(result.plan));
    rmSync(result.terraform.home, { recursive: true, force: true });
    console.log(`prepare: ${name} plan (${result.summary}) -> ${path.join(out, "plan", `${name}.tfplan.json`)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function writeFixtures(): void {
  const dir = path.join(out, "fixtures");
  rmSync(dir, { recursive: true, force: true });
  const mapped = new Map(AWS_PACK.filter((r) => (r.checkov ?? []).length > 0).map((r) => [r.id, r.checkov!]));
  const index: FixtureEntry[] = [];
  // The compliant baseline too: a mapped check that already fails there says nothing about the fixture.
  mkdirSync(path.join(dir, "000"), { recursive: true });
  writeFileSync(path.join(dir, "000", "main.tf.json"), JSON.stringify(awsBaseline(), null, 2));
  for (const f of collectNoncompliantFixtures()) {
    const checkov = mapped.get(f.ruleId);
    if (!checkov) continue;
    const name = String(index.length + 1).padStart(3, "0");
    mkdirSync(path.join(dir, name), { recursive: true });
    writeFileSync(path.join(dir, name, "main.tf.json"), JSON.stringify(f.json, null, 2));
    index.push({ dir: name, ruleId: f.ruleId, name: f.name, resource: f.resource, checkov });
  }
  // Rules with a mapping but no fixture would be silently absent from the table: list them too.
  const missing = [...mapped.keys()].filter((id) => !index.some((e) => e.ruleId === id));
  writeFileSync(path.join(out, "fixtures.json"), JSON.stringify({ fixtures: index, mappedRulesWithoutFixture: missing }, null, 2));
  console.log(`prepare: ${index.length} non-compliant fixtures of ${mapped.size} mapped rules -> ${dir}`);
}

mkdirSync(out, { recursive: true });
if (only !== "fixtures") {
  writePlan();
  writePlan("prod-ecs", synthProdEcsOffline);
}
if (only !== "plan") writeFixtures();
