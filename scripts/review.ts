/*
 * npm run review -- <cdktf.out dir | stacks dir | cdk.tf.json> [--out report.md] [--pack docker|aws|all[,...]] [--config file[,file]]
 * n8n-zt-review <same arguments>   (the package's bin: dist/bin/n8n-zt-review.js, written by `npm run build`)
 *
 * Reviews any synthesized cdktf JSON (not only this project's) with the zero-trust policy packs,
 * writes a Markdown report (provenance, findings, controls, exposure map, AWS network exposure,
 * cross-stack links and rotation, Mermaid diagram, secrets inventory, IAM summary, cost estimate,
 * residual risk) and exits 1 when there is an error finding, 0 otherwise, 2 on bad usage.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StackJson } from "../constructs/policy/docker-model";
import { formatFinding } from "../constructs/policy/engine";
import { PackName, PACKS, rulesOf } from "../constructs/policy/packs";
import { collectProvenance } from "../constructs/policy/report/provenance";
import { renderReport, reviewStacks } from "../constructs/policy/report/report";
import { parseArgs, usageError } from "./lib/args.cjs";

// Run from its TypeScript source it is this repository's npm script; compiled, the package's bin.
const COMMAND = process.argv[1]?.endsWith(".ts") ? "npm run review --" : "n8n-zt-review";
const USAGE = `usage: ${COMMAND} <cdktf.out dir | cdk.tf.json> [--out report.md] [--pack docker|aws|all[,...]] [--config file[,file]]`;

function usage(message: string): never {
  return usageError(USAGE, message);
}

function parseReviewArgs(argv: string[]): { target: string; out: string; packs: PackName[]; configs?: string[] } {
  const packProblem = (v: string) => {
    const unknown = v.split(",").filter((p) => !(p in PACKS));
    return unknown.length > 0 ? `names the unknown pack ${unknown.map((p) => `"${p}"`).join(", ")}; allowed: ${Object.keys(PACKS).join(", ")}` : undefined;
  };
  const { options, positionals } = parseArgs(argv, {
    usage: USAGE,
    options: { out: { type: "string" }, pack: { type: "string", check: packProblem }, config: { type: "string" } },
    positionals: { min: 1, max: 1, missing: "missing the input: a cdktf.out folder, a stacks folder or a cdk.tf.json" },
  });
  return { target: positionals[0], out: options.out ?? "zero-trust-review.md", packs: (options.pack ?? "all").split(",") as PackName[], configs: options.config?.split(",").filter(Boolean) };
}

function readJson(file: string): StackJson {
  const json = JSON.parse(readFileSync(file, "utf8"));
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new Error(`${file} is not a JSON object`);
  return json as StackJson;
}

/** A stack's name: cdktf's metadata, else the folder it sits in. */
function stackName(json: StackJson, file: string): string {
  const meta = (json["//"] as { metadata?: { stackName?: string } } | undefined)?.metadata?.stackName;
  return meta ?? (path.basename(file) === "cdk.tf.json" ? path.basename(path.dirname(path.resolve(file))) : path.basename(file, ".json"));
}

/** Stacks of a cdktf.out folder (manifest.json, else stacks/*), a folder with cdk.tf.json, or one file. */
function loadStacks(p: string): { name: string; file: string; json: StackJson }[] {
  if (statSync(p).isFile()) {
    const json = readJson(p);
    return [{ name: stackName(json, p), file: p, json }];
  }
  const manifest = path.join(p, "manifest.json");
  if (existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, "utf8")) as { stacks?: Record<string, { name: string; synthesizedStackPath: string }> };
    return Object.values(m.stacks ?? {}).map((s) => ({ name: s.name, file: path.join(p, s.synthesizedStackPath), json: readJson(path.join(p, s.synthesizedStackPath)) }));
  }
  const stacksDir = existsSync(path.join(p, "stacks")) ? path.join(p, "stacks") : p;
  const found = readdirSync(stacksDir).filter((d) => existsSync(path.join(stacksDir, d, "cdk.tf.json")));
  if (found.length > 0) return found.map((d) => ({ name: d, file: path.join(stacksDir, d, "cdk.tf.json"), json: readJson(path.join(stacksDir, d, "cdk.tf.json")) }));
  const single = path.join(p, "cdk.tf.json");
  if (existsSync(single)) return [{ name: path.basename(path.resolve(p)), file: single, json: readJson(single) }];
  usage(`no manifest.json, stacks/*/cdk.tf.json or cdk.tf.json under ${p}`);
}

/**
 * The config files the stacks were built from. The synthesized JSON does not record them; without
 * --config, the files this project's main.ts reads: $N8N_ZT_CONFIG_DIR (default config/) dev.json,
 * and prod.json, else prod.example.json. Keep in step with main.ts.
 */
function configFiles(given: string[] | undefined): { files: string[]; note: string } {
  if (given) {
    const missing = given.filter((f) => !existsSync(f));
    if (missing.length > 0) usage(`--config names a file that does not exist: ${missing.join(", ")}`);
    return { files: given, note: "as given with --config" };
  }
  const dir = path.resolve(process.env.N8N_ZT_CONFIG_DIR ?? "config");
  const prod = existsSync(path.join(dir, "prod.json")) ? "prod.json" : "prod.example.json";
  const files = ["dev.json", prod].map((f) => path.relative(process.cwd(), path.join(dir, f))).filter((f) => existsSync(f));
  return { files, note: files.length > 0 ? "not recorded in the plans: the files main.ts reads from this working tree (N8N_ZT_CONFIG_DIR or config/), assumed; pass --config to state them" : "not recorded in the plans, and none found (pass --config)" };
}

/** This tool's package.json: the first one above this script (run-ts runs a bundle from .cache/). */
function toolPackageJson(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return path.join(dir, "package.json");
    if (path.dirname(dir) === dir) return undefined;
  }
}

const { target, out, packs, configs } = parseReviewArgs(process.argv.slice(2));
if (!existsSync(target)) usage(`not found: ${target}`);
let stacks: { name: string; file: string; json: StackJson }[];
try {
  stacks = loadStacks(target);
} catch (e) {
  usage(`cannot read ${target}: ${(e as Error).message}`);
}
if (stacks.length === 0) usage(`no stack found in ${target}`);

const reviewed = reviewStacks(stacks, { rules: rulesOf(packs) });
const config = configFiles(configs);
const provenance = collectProvenance({ cwd: process.cwd(), stacks, configs: config.files, configNote: config.note, packageJson: toolPackageJson() });
try {
  writeFileSync(out, renderReport(reviewed, { source: target, provenance }));
} catch (e) {
  usage(`cannot write the report to ${out}: ${(e as Error).message}`);
}
let errors = 0;
let warnings = 0;
for (const s of reviewed) {
  for (const f of [...s.result.errors, ...s.result.warnings]) console.log(`${s.name}: ${formatFinding(f)}`);
  for (const f of s.result.suppressed) console.log(`${s.name}: SUPPRESSED ${f.ruleId} ${f.path ?? f.resource}: ${f.suppressedBecause}`);
  errors += s.result.errors.length;
  warnings += s.result.warnings.length;
}
console.log(`${reviewed.length} stack(s), ${errors} error finding(s), ${warnings} warning(s); report: ${out}`);
process.exit(errors > 0 ? 1 : 0);
