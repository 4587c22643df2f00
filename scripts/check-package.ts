/*
 * npm run test:package [-- --keep]
 *
 * The package as a consumer gets it: `npm run build`, `npm pack`, and the tarball installed into a
 * copy of examples/team-stack (a cdktf app with the standard `cdktf init` tsconfig and cdktf.json)
 * with nothing of this repository on its module path. There: `tsc --noEmit`, `cdktf synth` with
 * cdktf's default runner (`npx ts-node main.ts`), the synthesized stacks checked, the review bin
 * run on them, and a bad prop and a policy violation each reported as a message without a stack
 * trace. Exits 1 on the first failed check; --keep keeps the temp folder.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { prebuiltLambdaZipPath } from "../constructs/aws/lambda-code";
import { projectRoot } from "../lambda/build";
import { parseArgs } from "./lib/args.cjs";

const { options } = parseArgs(process.argv.slice(2), { usage: "usage: npm run test:package -- [--keep]", options: { keep: { type: "boolean" } } });
const repo = projectRoot();
const work = mkdtempSync(path.join(os.tmpdir(), "n8n-zt-package-"));
const app = path.join(work, "team-stack");
const started = Date.now();

function fail(message: string): never {
  console.error(`test:package: FAILED: ${message}\n(temp folder kept: ${work})`);
  process.exit(1);
}

function check(ok: boolean, message: string): void {
  if (!ok) fail(message);
  console.log(`  ok  ${message}`);
}

/** Runs a command (no shell); fails unless it exits with `expect` (default 0). */
function run(what: string, cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; expect?: number }): SpawnSyncReturns<string> {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const expect = opts.expect ?? 0;
  if (r.status !== expect) fail(`${what}: exit ${r.status ?? r.signal} (expected ${expect})\n${r.stdout}\n${r.stderr}`);
  console.log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

/** Where npm finds packages (the registry, its cache, proxies): kept for the consumer's npm. */
const NPM_ACCESS = /^npm_config_(registry|cache|userconfig|globalconfig|cafile|strict_ssl|proxy|https_proxy|noproxy|@.*:registry)$/i;

/** A consumer's environment: nothing pointing into this repository, no options of ours for node, ts-node or npm. */
function consumerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", ...extra };
  for (const k of Object.keys(env)) if (/^(NODE_PATH|NODE_OPTIONS|TS_NODE_.*|INIT_CWD|npm_.*)$/i.test(k) && !NPM_ACCESS.test(k)) delete env[k];
  return env;
}

// What "prepack" runs; here on its own, so that the JSON of npm pack is all its output.
run("npm run build", "npm", ["run", "-s", "build"], { cwd: repo });
const packed = JSON.parse(run("npm pack", "npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: repo }).stdout) as { filename: string; files: { path: string }[] }[];
const tarball = path.join(work, packed[0].filename);
const shipped = packed[0].files.map((f) => f.path);
check(shipped.includes("dist/constructs/index.js") && shipped.includes("dist/constructs/index.d.ts"), "the tarball has the entry point's JavaScript and declarations");
check(shipped.includes("dist/constructs/aws/rotation-lambda.zip"), "the tarball has the prebuilt rotation Lambda zip");
check(shipped.includes("dist/bin/n8n-zt-review.js") && shipped.includes("LICENSE") && shipped.includes("README.md"), "the tarball has the review bin, README and LICENSE");
const stray = shipped.filter((f) => !f.startsWith("dist/") && !/^[A-Z]+\.md$|^LICENSE$|^package\.json$/.test(f));
const sources = shipped.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
check(stray.length === 0 && sources.length === 0, `the tarball has nothing else (${shipped.length} files)${stray.length + sources.length ? `: ${[...stray, ...sources].slice(0, 5).join(", ")}` : ""}`);

cpSync(path.join(repo, "examples", "team-stack"), app, { recursive: true, filter: (src) => !/[\\/](node_modules|cdktf\.out)$/.test(src) });
const pkgFile = path.join(app, "package.json");
const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { dependencies: Record<string, string> };
pkg.dependencies["n8n-zero-trust-cdktf"] = `file:${tarball}`;
writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
run("npm install (the tarball, from the npm cache where it can)", "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app, env: consumerEnv() });
check(!existsSync(path.join(app, "node_modules", "esbuild")), "esbuild is not installed with the package");

run("tsc --noEmit (standard cdktf tsconfig)", "npx", ["tsc", "--noEmit"], { cwd: app, env: consumerEnv() });

const out = path.join(app, "cdktf.out");
const cdktfApp = (JSON.parse(readFileSync(path.join(app, "cdktf.json"), "utf8")) as { app: string }).app;
check(cdktfApp === "npx ts-node main.ts", `cdktf.json runs the app with cdktf's default runner (${cdktfApp})`);
// The cdktf CLI a consumer has installed (usually globally): this repository's copy of it.
const cdktfCli = path.join(path.dirname(require.resolve("cdktf-cli/package.json", { paths: [repo] })), "bundle", "bin", "cdktf");
const synth = run(`cdktf synth (${cdktfApp})`, process.execPath, [cdktfCli, "synth"], { cwd: app, env: consumerEnv({ CI: "1", FORCE_COLOR: "0" }) });
check(/Generated Terraform code for the stacks: team-a-cloud, team-a-runtime/.test(synth.stdout), "cdktf synth generated both stacks");

type StackJson = { resource?: Record<string, Record<string, Record<string, unknown>>> };
const stack = (name: string) => JSON.parse(readFileSync(path.join(out, "stacks", name, "cdk.tf.json"), "utf8")) as StackJson;
const count = (s: StackJson, type: string) => Object.keys(s.resource?.[type] ?? {}).length;
const cloud = stack("team-a-cloud");
const runtime = stack("team-a-runtime");
check(count(cloud, "aws_kms_key") === 1 && count(cloud, "aws_secretsmanager_secret") === 3 && count(cloud, "aws_s3_bucket") === 2, "team-a-cloud: one key, three secrets, the backup bucket and its access-log bucket");
check(count(cloud, "aws_lambda_function") === 1 && count(cloud, "aws_secretsmanager_secret_rotation") === 1, "team-a-cloud: the rotation function and the rotation of the database password");
const containers = Object.values(runtime.resource?.docker_container ?? {}).map((c) => String(c.name)).sort();
const expected = ["main", "oauth2-proxy", "postgres", "runners", "socket-proxy", "traefik"].map((n) => `team-a-${n}`);
check(JSON.stringify(containers) === JSON.stringify(expected), `team-a-runtime: the runtime's containers (${containers.join(", ")})`);
check(count(runtime, "docker_network") === 5, "team-a-runtime: five segmented networks");
const assets = path.join(out, "stacks", "team-a-cloud", "assets");
const zips = readdirSync(assets, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".zip"));
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
check(zips.length === 1 && sha(path.join(assets, zips[0])) === sha(prebuiltLambdaZipPath("rotation", path.join(repo, "dist", "constructs", "aws"))), "the Lambda asset is the package's prebuilt zip");

const review = run("n8n-zt-review (the package's bin)", "npx", ["n8n-zt-review", out, "--out", path.join(work, "review.md")], { cwd: app, env: consumerEnv() });
check(/2 stack\(s\), 0 error finding\(s\)/.test(review.stdout) && existsSync(path.join(work, "review.md")), `the review bin reviews both stacks: ${review.stdout.trim().split("\n").pop()}`);

const usage = run("n8n-zt-review with no input", "npx", ["n8n-zt-review"], { cwd: app, env: consumerEnv(), expect: 2 });
check(usage.stderr.includes("usage: n8n-zt-review <cdktf.out dir"), "the bin's usage line names the bin");

/** A one-off consumer entry point next to main.ts: exit 1, the message on stderr, no stack frame. */
function explained(what: string, file: string, source: string, expected: RegExp): void {
  writeFileSync(path.join(app, file), source);
  const r = run(what, "npx", ["ts-node", file], { cwd: app, env: consumerEnv({ CDKTF_OUTDIR: path.join(work, `out-${file}`) }), expect: 1 });
  const match = expected.exec(r.stderr);
  if (!match) fail(`${what}: stderr does not match ${expected}:\n${r.stderr}`);
  check(!/^\s+at /m.test(r.stderr), `${what}: ${JSON.stringify(match[0])}, no stack trace`);
  rmSync(path.join(app, file));
}

explained(
  "a bad prop",
  "bad-prop.ts",
  `import { TerraformStack } from "cdktf";
import { CustomerManagedKey, EncryptedBucket, runApp } from "n8n-zero-trust-cdktf";
runApp((app) => {
  const stack = new TerraformStack(app, "bad");
  const key = new CustomerManagedKey(stack, "Key", { environment: { accountId: "123456789012", region: "eu-central-1" }, alias: "team-a" });
  new EncryptedBucket(stack, "Backups", { bucketName: "Team_A backups", key });
});
`,
  /^Invalid props for bad\/Backups:\n\s+- bucketName: .*$/m,
);
explained(
  "a policy violation",
  "policy-violation.ts",
  `import { TerraformStack } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { applyZeroTrustPolicy, runApp } from "n8n-zero-trust-cdktf";
runApp((app) => {
  const stack = new TerraformStack(app, "bad");
  new DockerProvider(stack, "docker");
  new Container(stack, "Raw", { name: "raw", image: "nginx:1.27.5", privileged: true });
  applyZeroTrustPolicy(stack);
});
`,
  /^Zero-trust policy: \d+ error finding\(s\) in stack bad; nothing was written for it\.\n\s+- ERROR .*privileged.*$/m,
);

console.log(`test:package: the packed package installs, type-checks and synthesizes in a fresh cdktf app (${((Date.now() - started) / 1000).toFixed(0)} s)`);
if (options.keep) console.log(`kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
