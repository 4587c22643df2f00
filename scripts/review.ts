/*
 * npm run review -- <cdktf.out dir | cdk.tf.json> [--out report.md] [--pack docker|aws|all]
 * Reviews any synthesized cdktf JSON with the zero-trust rules, writes a Markdown report and
 * exits 1 when there is an error finding (0 otherwise, 2 on bad usage).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { StackJson } from "../constructs/policy/docker-model";
import { formatFinding } from "../constructs/policy/engine";
import { PackName, PACKS } from "../constructs/policy/packs";
import { renderReport, reviewStacks } from "../constructs/policy/report/report";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run review -- <cdktf.out dir | cdk.tf.json> [--out report.md] [--pack docker|aws|all]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const target = args.find((a, i) => !a.startsWith("--") && !["--out", "--pack"].includes(args[i - 1]));
if (!target) usage("missing input");
if (!existsSync(target)) usage(`not found: ${target}`);
const packName = (opt("--pack") ?? "all") as PackName;
if (!(packName in PACKS)) usage(`unknown pack "${packName}"; allowed: ${Object.keys(PACKS).join(", ")}`);

/** Stacks in a cdktf.out folder (via manifest.json, else stacks/*) or one cdk.tf.json. */
function loadStacks(p: string): { name: string; json: StackJson }[] {
  const read = (f: string) => JSON.parse(readFileSync(f, "utf8")) as StackJson;
  if (statSync(p).isFile()) return [{ name: path.basename(path.dirname(path.resolve(p))), json: read(p) }];
  const manifest = path.join(p, "manifest.json");
  if (existsSync(manifest)) {
    const m = read(manifest) as any;
    return Object.values<any>(m.stacks).map((s) => ({ name: s.name, json: read(path.join(p, s.synthesizedStackPath)) }));
  }
  const stacksDir = path.join(p, "stacks");
  if (existsSync(stacksDir)) {
    const { readdirSync } = require("node:fs") as typeof import("node:fs");
    return readdirSync(stacksDir)
      .filter((d) => existsSync(path.join(stacksDir, d, "cdk.tf.json")))
      .map((d) => ({ name: d, json: read(path.join(stacksDir, d, "cdk.tf.json")) }));
  }
  const single = path.join(p, "cdk.tf.json");
  if (existsSync(single)) return [{ name: path.basename(path.resolve(p)), json: read(single) }];
  usage(`no cdk.tf.json found under ${p}`);
}

let stacks: { name: string; json: StackJson }[];
try {
  stacks = loadStacks(target);
} catch (e) {
  usage(`cannot read ${target}: ${(e as Error).message}`);
}
const reviewed = reviewStacks(stacks, PACKS[packName]);
const out = opt("--out") ?? "zero-trust-review.md";
writeFileSync(out, renderReport(reviewed));
let errors = 0;
for (const s of reviewed) {
  for (const f of [...s.result.errors, ...s.result.warnings]) console.log(`${s.name}: ${formatFinding(f)}`);
  for (const f of s.result.suppressed) console.log(`${s.name}: SUPPRESSED ${f.ruleId} ${f.path ?? f.resource}: ${f.suppressedBecause}`);
  errors += s.result.errors.length;
}
console.log(`${reviewed.length} stack(s), ${errors} error finding(s); report: ${out}`);
process.exit(errors > 0 ? 1 : 0);
