import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MANIFEST } from "../../scripts/lib/synth-output.cjs";
import { rawDevConfig, REPO_ROOT } from "../helpers/synth";

/*
 * `npm run synth` (scripts/synth.cjs) does what `cdktf synth` does without the CLI's start-up
 * (issue 13, item 5): the same plans, the same environment for the app, the same messages and exit
 * codes; and a failed synthesis leaves no stack behind that could pass for its output, while
 * Terraform's files in the stack folders stay (item 4).
 */
const CLI = path.join(REPO_ROOT, "node_modules", ".bin", "cdktf");
const SYNTH = path.join(REPO_ROOT, "scripts", "synth.cjs");
const quiet = { ...process.env, CHECKPOINT_DISABLE: "1" };
// The CLI takes about 3 s a run (5 s and more under a loaded machine); it runs a few times here.
jest.setTimeout(180_000);
const run = (cmd: string, args: string[], opts: SpawnSyncOptions = {}) => spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, ...opts, env: { ...quiet, ...opts.env } }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };

/** Every file under `dir`, by relative path, with its bytes. */
function files(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) Object.assign(out, files(dir, rel));
    else out[rel] = readFileSync(path.join(dir, rel)).toString("base64");
  }
  return out;
}

/** What the CLI's terminal UI prints, without its spinner, colours and terraform's CLI-config warnings. */
const cliLines = (stdout: string) =>
  stdout
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
    .split("\n")
    // The CLI sometimes logs terraform's own warning box (no ~/.terraformrc) through its logger.
    .map((l) => l.trim().replace(/^\[\d{4}-\d\d-\d\dT[\d:.]+\] \[[A-Z]+\] default - /, "").trim())
    .filter((l) => l && !/^[⠀-⣿]\s|CLI configuration|^[│╷╵]/.test(l));

test("npm run synth and npx cdktf synth write byte-identical stacks, manifest and assets, and say the same", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "zt-synth-"));
  const viaNpm = run("npm", ["run", "--silent", "synth", "--", "--output", path.join(tmp, "npm")]);
  expect([viaNpm.status, viaNpm.stderr]).toEqual([0, ""]);
  const viaCli = run(CLI, ["synth", "--output", path.join(tmp, "cli")]);
  expect(viaCli.status).toBe(0);
  const ours = files(path.join(tmp, "npm"));
  expect(Object.keys(ours)).toEqual(expect.arrayContaining(["manifest.json", "stacks/dev/cdk.tf.json", "stacks/prod-cloud/cdk.tf.json", "stacks/prod-runtime/cdk.tf.json"]));
  expect(Object.keys(ours).some((f) => f.startsWith("stacks/prod-cloud/assets/"))).toBe(true);
  expect(ours).toEqual(files(path.join(tmp, "cli")));
  const generated = "Generated Terraform code for the stacks: dev, prod-cloud, prod-ecs, prod-runtime";
  expect(viaNpm.stdout.trim().split("\n").at(-1)).toBe(generated);
  expect(cliLines(viaCli.stdout).filter((l) => !l.startsWith("["))).toEqual([generated]);
  // The app's own lines (the stated suppression) come through both.
  const appLines = (s: string) => s.split("\n").map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")).filter((l) => l.startsWith("[zero-trust]"));
  expect(appLines(viaNpm.stdout)).toEqual(appLines(viaCli.stdout));
  expect(appLines(viaNpm.stdout)).toHaveLength(1);
});

describe("with a stand-in app", () => {
  // Writes one stack with a warning annotation, dumps its environment, and exits with $FAKE_EXIT.
  const appSource = `
const fs = require("fs"), path = require("path");
const out = process.env.CDKTF_OUTDIR;
fs.writeFileSync(process.env.ENV_DUMP, JSON.stringify(process.env));
fs.mkdirSync(path.join(out, "stacks", "one"), { recursive: true });
fs.writeFileSync(path.join(out, "stacks", "one", "cdk.tf.json"), JSON.stringify({ "//": { metadata: {} }, terraform: {} }));
if (process.env.FAKE_EXIT === "kill") process.kill(process.pid, "SIGKILL");
const stack = { name: "one", constructPath: "one", synthesizedStackPath: "stacks/one/cdk.tf.json", workingDirectory: "stacks/one", dependencies: [],
  annotations: [{ level: process.env.FAKE_LEVEL || "@cdktf/warn", constructPath: "one/thing", message: "mind the gap" }] };
fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: { one: stack } }));
console.log("the app speaks");
process.exit(Number(process.env.FAKE_EXIT || 0));
`;
  function project(app = "node app.js"): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zt-fake-app-"));
    writeFileSync(path.join(dir, "app.js"), appSource);
    writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app, context: { team: "a" }, terraformModules: ["./modules/x", "hashicorp/consul/aws"] }));
    mkdirSync(path.join(dir, ".gen")); // declared modules need their bindings (`cdktf get`)
    return dir;
  }
  const env = (dir: string, extra: Record<string, string> = {}) => ({ ENV_DUMP: path.join(dir, "env.json"), TF_VAR_region: "x", ...extra });
  // As package.json runs it: the CLI's heap setting is a flag of the process the app runs in.
  const synth = (dir: string, extra: Record<string, string> = {}) => run(process.execPath, ["--max-old-space-size=4096", SYNTH], { cwd: dir, env: env(dir, extra) });
  const dumpedEnv = (dir: string) => {
    const e = JSON.parse(readFileSync(path.join(dir, "env.json"), "utf8"));
    delete e._; // the shell's or node's own
    return e;
  };

  test.each([
    ["in its own process (node <script>)", "node app.js"],
    ["through a shell (any other command)", "node app.js && true"],
  ])("the app gets the environment cdktf synth gives it, and the run prints the same lines: %s", (_how, app) => {
    const dir = project(app);
    const ours = synth(dir);
    expect([ours.status, ours.stderr]).toEqual([0, ""]);
    expect(ours.stdout).toBe("the app speaks\nWARN [one/thing]: mind the gap\nGenerated Terraform code for the stacks: one\n");
    const ourEnv = dumpedEnv(dir);
    const cli = run(CLI, ["synth"], { cwd: dir, env: env(dir) });
    expect(cli.status).toBe(0);
    expect(cliLines(cli.stdout)).toEqual(["the app speaks", "WARN [one/thing]: mind the gap", "Generated Terraform code for the stacks: one"]);
    expect(ourEnv).toEqual(dumpedEnv(dir));
    expect(ourEnv).toMatchObject({ CDKTF_OUTDIR: "cdktf.out", CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true", SYNTH_HCL_OUTPUT: "false", NODE_OPTIONS: "--max-old-space-size=4096", CDKTF_CONTEXT_JSON: JSON.stringify({ team: "a", cdktfRelativeModules: ["./modules/x"] }) });
    expect(ourEnv.TF_VAR_region).toBeUndefined();
  });

  test("run in its own process without the heap flag, the app keeps node's default heap and NODE_OPTIONS stays unset (a code cache is never offered under other flags)", () => {
    const dir = project();
    expect(run(process.execPath, [SYNTH], { cwd: dir, env: env(dir) }).status).toBe(0);
    expect(dumpedEnv(dir).NODE_OPTIONS).toBeUndefined();
  });

  test("a failing app and an error annotation exit 1 with one line saying so, like the CLI", () => {
    const dir = project();
    expect(synth(dir).status).toBe(0);
    const failing = synth(dir, { FAKE_EXIT: "3" });
    expect([failing.status, failing.stderr]).toEqual([1, 'ERROR: synthesis failed: the app "node app.js" exited with code 3; cdktf.out holds no synthesized stack: the stacks it held (one) were removed, Terraform\'s files and state kept\n']);
    expect(existsSync(path.join(dir, "cdktf.out", "stacks", "one"))).toBe(false);
    expect(run(CLI, ["synth"], { cwd: dir, env: env(dir, { FAKE_EXIT: "3" }) }).status).toBe(1);
    const annotated = synth(dir, { FAKE_LEVEL: "@cdktf/error" });
    expect([annotated.status, annotated.stdout, annotated.stderr]).toEqual([1, "the app speaks\nERROR [one/thing]: mind the gap\n", "ERROR: While synthesizing one or more error annotations have been encountered. Please check the log output above.\n"]);
    expect(run(CLI, ["synth"], { cwd: dir, env: env(dir, { FAKE_LEVEL: "@cdktf/error" }) }).status).toBe(1);
  });

  test("an app killed mid-write leaves neither the earlier run's stacks nor a manifest; through a shell, what it wrote goes too", () => {
    const dir = project();
    expect(synth(dir).status).toBe(0);
    const killed = synth(dir, { FAKE_EXIT: "kill" });
    expect(killed.signal).toBe("SIGKILL"); // the app ran in this process
    expect(existsSync(path.join(dir, "cdktf.out", MANIFEST))).toBe(false);
    const shell = project("node app.js && true");
    expect(synth(shell).status).toBe(0);
    const viaShell = synth(shell, { FAKE_EXIT: "kill" });
    expect([viaShell.status, viaShell.stderr]).toEqual([1, expect.stringMatching(/^ERROR: synthesis failed: the app "node app.js && true" exited with code 137; cdktf.out holds no synthesized stack: the stacks it held \(one\) were removed/m)]);
    expect(existsSync(path.join(shell, "cdktf.out", "stacks", "one"))).toBe(false);
  });

  test("outside a cdktf project, without the bindings of declared modules, or with an unknown option, it says so", () => {
    const dir = project();
    rmSync(path.join(dir, ".gen"), { recursive: true });
    expect(run(process.execPath, [SYNTH], { cwd: dir, env: env(dir) })).toMatchObject({ status: 1, stdout: "", stderr: 'ERROR: synthesis failed, run "cdktf get" to generate providers in .gen\n' });
    expect(run(CLI, ["synth"], { cwd: dir, env: env(dir) }).status).toBe(1);
    const empty = mkdtempSync(path.join(os.tmpdir(), "zt-no-project-"));
    expect(run(process.execPath, [SYNTH], { cwd: empty })).toMatchObject({ status: 1, stdout: "", stderr: `ERROR: ${empty} is not a cdktf project directory: cdktf.json is missing\n` });
    expect(run(process.execPath, [SYNTH, "--hcl"], { cwd: empty })).toMatchObject({ status: 2, stderr: "unknown option --hcl; allowed: --output\nusage: npm run synth -- [--output DIR]\n" });
  });
});

describe("a failed synthesis leaves no stale stack (issue 13, item 4)", () => {
  /** A project folder with a good synthesis in cdktf.out, Terraform's files in dev's folder, and a bad config at hand. */
  function deployedProject() {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "zt-stale-"));
    const out = path.join(tmp, "cdktf.out");
    expect(run(process.execPath, [SYNTH, "--output", out]).status).toBe(0);
    const dev = path.join(out, "stacks", "dev");
    mkdirSync(path.join(dev, ".terraform", "providers"), { recursive: true });
    writeFileSync(path.join(dev, ".terraform", "providers", "marker"), "provider");
    writeFileSync(path.join(dev, ".terraform.lock.hcl"), "# lock");
    writeFileSync(path.join(dev, "terraform.dev.tfstate"), '{"version":4}'); // the former place of the state
    const bad = path.join(tmp, "config");
    mkdirSync(bad);
    const raw = rawDevConfig();
    raw.images.traefik = "traefik:latest";
    writeFileSync(path.join(bad, "dev.json"), JSON.stringify(raw));
    writeFileSync(path.join(bad, "prod.example.json"), readFileSync(path.join(REPO_ROOT, "config", "prod.example.json")));
    return { out, dev, bad };
  }
  const kept = (dev: string) => [readFileSync(path.join(dev, ".terraform", "providers", "marker"), "utf8"), readFileSync(path.join(dev, ".terraform.lock.hcl"), "utf8"), readFileSync(path.join(dev, "terraform.dev.tfstate"), "utf8")];
  const left = (out: string) => Object.keys(files(out)).sort();

  test("npm run synth on a bad config: no manifest, no plan, no asset; Terraform's files and the state kept", () => {
    const { out, dev, bad } = deployedProject();
    const r = run(process.execPath, [SYNTH, "--output", out], { env: { N8N_ZT_CONFIG_DIR: bad } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('- images.traefik: tag "latest" is not pinned');
    expect(r.stderr.trim().split("\n").at(-1)).toBe(`ERROR: synthesis failed: the app "node scripts/run-ts.cjs main.ts" exited with code 1; ${out} holds no synthesized stack: the stacks it held (dev, prod-cloud, prod-ecs, prod-runtime) were removed, Terraform's files and state kept`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(left(out)).toEqual(["stacks/dev/.terraform.lock.hcl", "stacks/dev/.terraform/providers/marker", "stacks/dev/terraform.dev.tfstate"]);
    expect(kept(dev)).toEqual(["provider", "# lock", '{"version":4}']);
    // The next good run writes every stack again beside them.
    expect(run(process.execPath, [SYNTH, "--output", out]).status).toBe(0);
    expect(left(out)).toEqual(expect.arrayContaining(["manifest.json", "stacks/dev/cdk.tf.json", "stacks/dev/terraform.dev.tfstate"]));
    expect(kept(dev)).toEqual(["provider", "# lock", '{"version":4}']);
  });

  test("the app itself (what cdktf synth and cdktf deploy run) removes the earlier stacks when it fails", () => {
    const { out, dev, bad } = deployedProject();
    const r = run(process.execPath, ["scripts/run-ts.cjs", "main.ts"], { env: { N8N_ZT_CONFIG_DIR: bad, CDKTF_OUTDIR: out } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${out} holds no synthesized stack: the stacks it held (dev, prod-cloud, prod-ecs, prod-runtime) were removed`);
    expect(left(out)).toEqual(["stacks/dev/.terraform.lock.hcl", "stacks/dev/.terraform/providers/marker", "stacks/dev/terraform.dev.tfstate"]);
    expect(kept(dev)).toEqual(["provider", "# lock", '{"version":4}']);
  });
});
