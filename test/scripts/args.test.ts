import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { App } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { renderPostgresBootstrap } from "../../constructs/data/postgres-bootstrap";
import { parseArgs } from "../../scripts/lib/args.cjs";
import { buildProdStacks } from "../../stacks/prod";
import { devConfig, REPO_ROOT } from "../helpers/synth";

/*
 * Every script that takes arguments parses them with scripts/lib/args.cjs: bad usage prints the
 * problem and the one-line usage to stderr and exits 2, without a stack trace; valid invocations
 * behave as before.
 */

/** Runs a script as its npm command does: TypeScript through run-ts.cjs, .mjs with plain node. */
function run(script: string, args: string[]) {
  const argv = script.endsWith(".ts") ? ["scripts/run-ts.cjs", script, ...args] : [script, ...args];
  return spawnSync(process.execPath, argv, { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
}

const USAGES: Record<string, string> = {
  "scripts/review.ts": "usage: npm run review -- <cdktf.out dir | cdk.tf.json> [--out report.md] [--pack docker|aws|all[,...]] [--config file[,file]]",
  "scripts/print-postgres-bootstrap.ts": "usage: npm run db:bootstrap:print -- [--config config/dev.json|config/prod.json] [--hba | --init-script | --server-args] [--alternate-login]",
  "scripts/print-host-user-data.ts": "usage: npm run -s host:print -- [--config config/prod.json] [--install-script]",
  "scripts/generate-dev-secrets.ts": "usage: npm run secrets:dev -- [--config config/dev.json] [--renew-certificate | --check]",
  "scripts/policy-docs.ts": "usage: npm run docs:policy (takes no arguments)",
  "scripts/valkey-secret.ts": "usage: npm run -s secret:valkey -- [--password-stdin]",
  "scripts/bench-synth.mjs": "usage: npm run bench:synth -- [--runs N] [--check] [--max-ratio R] [--tenants N]",
  "scripts/synth.cjs": "usage: npm run synth -- [--output DIR]",
  "scripts/check-mermaid.mjs": "usage: node scripts/check-mermaid.mjs [file.md] (standard input without one)",
  "scripts/checkov/prepare.ts": "usage: node scripts/run-ts.cjs scripts/checkov/prepare.ts [<out> [plan|fixtures]]",
  "scripts/checkov/report.ts": "usage: node scripts/run-ts.cjs scripts/checkov/report.ts [<out> [<checkov-version>]]",
};

describe("bad usage exits 2 with the problem and the usage line, no stack trace", () => {
  test.each([
    ["scripts/review.ts", ["--frobnicate"], "unknown option --frobnicate; allowed: --out, --pack, --config"],
    ["scripts/review.ts", [], "missing the input: a cdktf.out folder, a stacks folder or a cdk.tf.json"],
    ["scripts/review.ts", ["cdktf.out", "--out"], "--out needs a value"],
    ["scripts/review.ts", ["cdktf.out", "--out", "--pack", "aws"], "--out needs a value"],
    ["scripts/review.ts", ["cdktf.out", "--out="], "--out needs a value"],
    ["scripts/review.ts", ["a", "b"], 'too many arguments (at most 1): "a" "b"'],
    ["scripts/review.ts", ["cdktf.out", "--pack", "aws", "--pack", "docker"], "--pack is given twice"],
    ["scripts/print-postgres-bootstrap.ts", ["--config"], "--config needs a value"],
    ["scripts/print-postgres-bootstrap.ts", ["--hab"], "unknown option --hab; allowed: --config, --hba, --init-script, --server-args, --alternate-login"],
    ["scripts/print-postgres-bootstrap.ts", ["--hba", "--init-script"], "choose one of --hba, --init-script and --server-args (got --hba and --init-script)"],
    ["scripts/print-postgres-bootstrap.ts", ["--hba=yes"], "--hba takes no value"],
    ["scripts/print-postgres-bootstrap.ts", ["config/dev.json"], 'unexpected argument "config/dev.json"'],
    ["scripts/print-host-user-data.ts", ["--config"], "--config needs a value"],
    ["scripts/print-host-user-data.ts", ["--install"], "unknown option --install; allowed: --config, --install-script"],
    ["scripts/generate-dev-secrets.ts", ["--config"], "--config needs a value"],
    ["scripts/generate-dev-secrets.ts", ["--renew"], "unknown option --renew; allowed: --config, --renew-certificate, --check"],
    ["scripts/generate-dev-secrets.ts", ["--check", "--renew-certificate"], "--check only reads the folder: it cannot be combined with --renew-certificate"],
    ["scripts/policy-docs.ts", ["--check"], "unknown option --check; this command takes no options"],
    ["scripts/bench-synth.mjs", ["--runs"], "--runs needs a value"],
    ["scripts/bench-synth.mjs", ["--runs", "many"], '--runs must be a whole number of at least 1 (got "many")'],
    ["scripts/bench-synth.mjs", ["--runs", "0"], '--runs must be a whole number of at least 1 (got "0")'],
    ["scripts/bench-synth.mjs", ["--max-ratio=-1"], '--max-ratio must be a number above 0 (got "-1")'],
    ["scripts/bench-synth.mjs", ["--chek"], "unknown option --chek; allowed: --runs, --max-ratio, --check, --tenants"],
    ["scripts/bench-synth.mjs", ["--tenants", "1"], '--tenants must be a whole number of at least 2 (got "1")'],
    ["scripts/synth.cjs", ["--output"], "--output needs a value"],
    ["scripts/synth.cjs", ["cdktf.out"], 'unexpected argument "cdktf.out"'],
    ["scripts/check-mermaid.mjs", ["a.md", "b.md"], 'too many arguments (at most 1): "a.md" "b.md"'],
    ["scripts/check-mermaid.mjs", ["--strict"], "unknown option --strict; this command takes no options"],
    ["scripts/checkov/prepare.ts", ["out", "both"], 'the second argument must be plan or fixtures (got "both")'],
    ["scripts/checkov/report.ts", ["--version", "3"], "unknown option --version; this command takes no options"],
  ])("%s %j", (script, args, problem) => {
    const r = run(script, args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${problem}\n${USAGES[script]}\n`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  test.each(Object.keys(USAGES))("%s --help prints the usage to stdout and exits 0", (script) => {
    const r = run(script, ["--help"]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${USAGES[script]}\n`, ""]);
  });
});

describe("valid invocations", () => {
  const dev = renderPostgresBootstrap(devConfig().postgres);

  test("db:bootstrap:print prints dev's SQL, hba, init script and server args as before", () => {
    expect(run("scripts/print-postgres-bootstrap.ts", []).stdout).toBe(dev.sql);
    expect(run("scripts/print-postgres-bootstrap.ts", ["--hba"]).stdout).toBe(dev.hba);
    expect(run("scripts/print-postgres-bootstrap.ts", ["--config=config/dev.json", "--init-script"]).stdout).toBe(dev.initScript);
    expect(run("scripts/print-postgres-bootstrap.ts", ["--server-args", "--config", "config/dev.json"]).stdout).toBe(`${dev.serverArgs.join(" ")}\n`);
    const alternate = run("scripts/print-postgres-bootstrap.ts", ["--alternate-login"]).stdout;
    expect(alternate).toBe(renderPostgresBootstrap({ ...devConfig().postgres, alternateLoginRole: true }).sql);
    expect(alternate).not.toBe(dev.sql);
  });

  test("db:bootstrap:print works for the prod config and prints exactly what prod-runtime's Postgres runs", () => {
    const prod = parseConfig(prodConfigSchema, JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8")), "prod.example.json");
    const { runtime } = buildProdStacks(new App({ stackTraces: false }), prod);
    const deployed = runtime.runtime.postgres.bootstrap;
    const sql = run("scripts/print-postgres-bootstrap.ts", ["--config", "config/prod.example.json"]);
    expect([sql.status, sql.stderr]).toEqual([0, ""]);
    expect(sql.stdout).toBe(deployed.sql);
    expect(sql.stdout).toContain("n8n_rotator");
    const hba = run("scripts/print-postgres-bootstrap.ts", ["--config", "config/prod.example.json", "--hba"]).stdout;
    expect(hba).toBe(deployed.hba);
    expect(hba).toMatch(/hostssl +n8n +n8n_rotator +10\.20\.2\.0\/24/);
  });

  test("db:bootstrap:print names the bad fields of a prod config, exit 1, no stack trace", () => {
    const r = run("scripts/print-postgres-bootstrap.ts", ["--config", "config/prod.example.json", "--alternate-login"]);
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("--alternate-login is for a dev config: prod always has the alternate login role");
    const missing = run("scripts/print-postgres-bootstrap.ts", ["--config", "config/none.json"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^Cannot read config .*config\/none\.json:\n  - \(file\): /);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  test("the parser's accepted forms", () => {
    const spec = { usage: "usage: x", options: { out: { type: "string" as const }, check: { type: "boolean" as const }, pack: { type: "string" as const, values: ["a", "b"] } }, positionals: { max: 2 } };
    expect(parseArgs(["in", "--out", "r.md", "--check"], spec)).toEqual({ options: { out: "r.md", check: true }, positionals: ["in"] });
    expect(parseArgs(["--out=r=1.md", "--pack", "b"], spec)).toEqual({ options: { out: "r=1.md", pack: "b" }, positionals: [] });
    expect(parseArgs(["--", "--not-an-option", "-"], spec)).toEqual({ options: {}, positionals: ["--not-an-option", "-"] });
    expect(parseArgs(["--out", "-"], spec)).toEqual({ options: { out: "-" }, positionals: [] });
  });
});
