/*
 * npm run plan -- <dev|prod-cloud|prod-runtime> [--config FILE] [--out DIR]
 *
 * An offline look at what a stack would do, with no cloud credentials and no network: the stack
 * is synthesized (with the zero-trust policy pack, as `npm run synth` does), then the real
 * terraform CLI runs on it with providers from a local filesystem mirror only — the same path the
 * tests use.
 *   prod-cloud    init (a local backend in a temp folder instead of the S3 one), validate, plan
 *                 with fake credentials and the provider's skip switches: every AWS resource the
 *                 stack creates, nothing asked of AWS.
 *   dev,          init -backend=false and validate. Their plans need the Docker engine the docker
 *   prod-runtime  provider talks to (the local engine; the prod host over ssh), which an offline
 *                 plan cannot reach: the command says what a real `cdktf diff` needs.
 * The plan (text and JSON) is written under --out (default .cache/plan/<stack>).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App } from "cdktf";
import { devConfigSchema, loadConfigFile, ProdConfig, prodConfigSchema } from "../config/schema";
import { ValidationError } from "../constructs/common/validation";
import { applyZeroTrustPolicy, PolicyViolationError } from "../constructs/policy/aspect";
import { DevStack } from "../stacks/dev-stack";
import { buildProdStacks } from "../stacks/prod";
import { parseArgs, usageError } from "./lib/args.cjs";
import { DOCKER_PROVIDER_VERSION, findProviderMirror, mirrorCandidates, OFFLINE_AWS_PROVIDER, planStack, terraformIn, terraformVersions } from "./lib/terraform";

const STACKS = ["dev", "prod-cloud", "prod-runtime"] as const;
type StackName = (typeof STACKS)[number];
const USAGE = "usage: npm run plan -- <dev|prod-cloud|prod-runtime> [--config FILE] [--out DIR]";

// npm runs scripts from the repository root (the bundle itself lives under .cache/run-ts).
const repoRoot = process.cwd();
const { options, positionals } = parseArgs(process.argv.slice(2), {
  usage: USAGE,
  options: { config: { type: "string" }, out: { type: "string" } },
  positionals: { min: 1, max: 1, missing: "name the stack to plan" },
});
const stack = positionals[0] as StackName;
if (!STACKS.includes(stack)) usageError(USAGE, `unknown stack "${stack}"; allowed: ${STACKS.join(", ")}`);
const out = path.resolve(options.out ?? path.join(repoRoot, ".cache", "plan", stack));

function configFile(): string {
  if (options.config) return path.resolve(options.config);
  if (stack === "dev") return path.join(repoRoot, "config", "dev.json");
  const own = path.join(repoRoot, "config", "prod.json");
  return existsSync(own) ? own : path.join(repoRoot, "config", "prod.example.json");
}

/** The docker provider's mirror: TF_PLUGIN_MIRROR or a usual folder, else the one the deploy suite builds. */
function dockerMirror(): string {
  const suiteEnv = path.join(process.env.N8N_ZT_E2E_CACHE ?? "/var/cache/n8n-zt-e2e", "bin", "current.env");
  const fromSuite = existsSync(suiteEnv) ? /^TF_DOCKER_PROVIDER_MIRROR=(.+)$/m.exec(readFileSync(suiteEnv, "utf8"))?.[1] : undefined;
  try {
    return findProviderMirror(DOCKER_PROVIDER_VERSION, [...mirrorCandidates(), ...(fromSuite ? [fromSuite] : [])], "kreuzwerker/docker");
  } catch (e) {
    throw new Error(`${(e as Error).message} The deploy suite builds one: bash test/e2e/build/binaries.sh tf-docker-provider`);
  }
}

/** Synthesizes the stack (policy pack on) into a temp folder; returns its folder. */
function synth(file: string): { dir: string; prod?: ProdConfig } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-plan-"));
  const app = new App({ outdir, stackTraces: false });
  let prod: ProdConfig | undefined;
  if (stack === "dev") {
    applyZeroTrustPolicy(new DevStack(app, "dev", { config: loadConfigFile(devConfigSchema, file), repoRoot }));
  } else {
    prod = loadConfigFile(prodConfigSchema, file);
    // No S3 backend and the offline provider settings: nothing of this plan reaches AWS.
    const { cloud, runtime } = buildProdStacks(app, prod, { s3Backend: false, providerOverrides: OFFLINE_AWS_PROVIDER });
    applyZeroTrustPolicy(cloud);
    applyZeroTrustPolicy(runtime);
  }
  app.synth();
  return { dir: path.join(outdir, "stacks", stack), prod };
}

function needsForRealDiff(prod?: ProdConfig): string {
  if (stack === "dev") return "A real `npx cdktf diff dev` / `deploy dev` needs the Docker engine (DOCKER_HOST or /var/run/docker.sock) and the dev secrets (npm run secrets:dev); no cloud credentials.";
  const where = prod ? `account ${prod.aws.accountId}, region ${prod.aws.region}` : "the configured account";
  const state = prod ? `the state bucket ${prod.backend.bucket} (README, "Production": bootstrap it once)` : "the state bucket";
  if (stack === "prod-cloud") return `A real \`npx cdktf diff prod-cloud\` / \`deploy\` needs AWS credentials for ${where} (an operator role) and ${state}.`;
  return `A real \`npx cdktf diff prod-runtime\` needs prod-cloud deployed (its outputs are read from ${state}), AWS credentials for ${where}, and the Docker host reachable over ssh (DOCKER_HOST=ssh://…).`;
}

function main(): void {
  const file = configFile();
  const { dir, prod } = synth(file);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  console.log(`${stack}: synthesized from ${path.relative(repoRoot, file) || file}`);
  if (stack === "prod-cloud") {
    const r = planStack(dir);
    if (!r.validate.valid) {
      console.error(`terraform validate found ${r.validate.error_count} error(s):\n${JSON.stringify(r.validate.diagnostics, null, 2)}`);
      process.exit(1);
    }
    const text = r.terraform.ok(["show", "-no-color", "tfplan.bin"]);
    writeFileSync(path.join(out, "plan.txt"), text);
    writeFileSync(path.join(out, "plan.json"), `${JSON.stringify(r.plan, null, 2)}\n`);
    const byType = new Map<string, number>();
    for (const c of r.plan.resource_changes ?? []) if (c.mode === "managed") byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
    console.log(`terraform ${r.versions.terraform}, ${Object.entries(r.versions.providers).map(([p, v]) => `${p.replace("registry.terraform.io/", "")} ${v}`).join(", ")} (local mirror), no credentials`);
    console.log(`validate: ok\n${r.summary}`);
    for (const [type, n] of [...byType].sort()) console.log(`  ${String(n).padStart(3)}  ${type}`);
    console.log(`full plan: ${path.relative(repoRoot, path.join(out, "plan.txt"))} (JSON: plan.json)`);
  } else {
    const tf = terraformIn(dir, { mirror: dockerMirror(), providers: ["registry.terraform.io/kreuzwerker/docker"] });
    const v = terraformVersions(tf);
    tf.ok(["init", "-backend=false", "-input=false", "-no-color"]);
    const validate = JSON.parse(tf.run(["validate", "-json", "-no-color"]).stdout);
    if (!validate.valid) {
      console.error(`terraform validate found ${validate.error_count} error(s):\n${JSON.stringify(validate.diagnostics, null, 2)}`);
      process.exit(1);
    }
    cpSync(path.join(dir, "cdk.tf.json"), path.join(out, "cdk.tf.json"));
    console.log(`terraform ${v.terraform}, kreuzwerker/docker ${DOCKER_PROVIDER_VERSION} (local mirror): init -backend=false, validate: ok`);
    console.log(`no offline plan: the docker provider plans against a running Docker engine (${stack === "dev" ? "the local one" : "the prod host, over ssh"}).`);
    console.log(`synthesized stack: ${path.relative(repoRoot, path.join(out, "cdk.tf.json"))}`);
  }
  console.log(needsForRealDiff(prod));
}

try {
  main();
} catch (e) {
  if (e instanceof ValidationError || e instanceof PolicyViolationError) {
    console.error(e.message);
    process.exit(1);
  }
  console.error(`plan failed: ${(e as Error).message}`);
  process.exit(1);
}
