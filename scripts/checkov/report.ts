/*
 * After scripts/checkov.sh has run Checkov: applies config/checkov-skips.yaml, prints each scan's
 * summary (passed / failed / skipped with reasons), writes <out>/results.json (what
 * test/integration/checkov.test.ts reads) and docs/checkov-agreement.md, and exits 1 when a
 * failure is matched by no skip, a skip has no reason or its reason is missing from
 * docs/aws-hardening.md, a skip matches nothing, or an agreement row is not explained.
 *
 * Usage: node scripts/run-ts.cjs scripts/checkov/report.ts <out> <checkov-version>
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AWS_PACK } from "../../constructs/policy/packs";
import { ALL_RULES } from "../../constructs/policy/packs";
import { parseArgs } from "../lib/args.cjs";
import { appliedChecks, evaluateAgreement, explainProblems, loadNotes, loadSkips, loadUnmapped, matchSkip, renderAgreement, ScanFailure, ScanResult, SCANS, unmappedChecks, unmappedProblems } from "./lib";

const { positionals } = parseArgs(process.argv.slice(2), { usage: "usage: node scripts/run-ts.cjs scripts/checkov/report.ts [<out> [<checkov-version>]]", positionals: { max: 2 } });
const out = path.resolve(positionals[0] ?? "reports/checkov");
const version = positionals[1] ?? "unknown";
const root = process.cwd();

/** Checkov's JSON: one report object, a list of them (one per framework), or a bare summary when nothing was found. */
function reports(file: string): any[] {
  const raw = JSON.parse(readFileSync(file, "utf8"));
  return Array.isArray(raw) ? raw : [raw];
}

const skipsFile = path.join(root, "config", "checkov-skips.yaml");
const skips = loadSkips(readFileSync(skipsFile, "utf8"));
const hardeningDoc = readFileSync(path.join(root, "docs", "aws-hardening.md"), "utf8");

const scans: ScanResult[] = [];
/** Every check result on our stacks (passed and failed), for the "no rule of ours" table. */
const ran: { scan: string; check: string; name: string; resource: string }[] = [];
for (const scan of SCANS) {
  const file = path.join(out, "raw", `${scan.name}.json`);
  if (!existsSync(file)) throw new Error(`no Checkov output for ${scan.name} (${file}): run scripts/checkov.sh`);
  let passed = 0;
  let parsingErrors = 0;
  let resourceCount = 0;
  const failures: ScanFailure[] = [];
  for (const r of reports(file)) {
    const s = r.summary ?? r;
    passed += s.passed ?? 0;
    parsingErrors += s.parsing_errors ?? 0;
    resourceCount += s.resource_count ?? 0;
    for (const f of [...(r.results?.passed_checks ?? []), ...(r.results?.failed_checks ?? [])]) ran.push({ scan: scan.name, check: f.check_id, name: f.check_name, resource: f.resource });
    for (const f of r.results?.failed_checks ?? []) {
      const skip = matchSkip(skips, scan.name, f.check_id, f.resource);
      failures.push({ check: f.check_id, name: f.check_name, resource: f.resource, file: f.file_path, skipIndex: skip });
    }
  }
  scans.push({ ...scan, passed, parsingErrors, resourceCount, failures });
}

const fixturesIndex = JSON.parse(readFileSync(path.join(out, "input", "fixtures.json"), "utf8"));
const fixtureFailures: { dir: string; check: string; resource: string }[] = [];
for (const r of reports(path.join(out, "raw", "fixtures.json")))
  for (const f of r.results?.failed_checks ?? []) fixtureFailures.push({ dir: String(f.file_path).split("/").filter(Boolean)[0], check: f.check_id, resource: f.resource });
const notes = loadNotes(readFileSync(path.join(root, "config", "checkov-agreement-notes.yaml"), "utf8"));
const agreement = evaluateAgreement(AWS_PACK, fixturesIndex, fixtureFailures, notes);

const applied = appliedChecks(ran);
const unmappedReasons = loadUnmapped(readFileSync(path.join(root, "config", "checkov-unmapped.yaml"), "utf8"));
const unmapped = unmappedChecks(applied, ALL_RULES, unmappedReasons);

const problems = [...explainProblems(scans, skips, hardeningDoc, agreement), ...unmappedProblems(applied, ALL_RULES, unmappedReasons)];
const results = {
  checkovVersion: version,
  generatedAt: new Date().toISOString(),
  skipsFile: path.relative(root, skipsFile),
  scans: scans.map((s) => ({
    name: s.name,
    target: s.target,
    passed: s.passed,
    failed: s.failures.filter((f) => f.skipIndex < 0).length,
    skipped: s.failures.filter((f) => f.skipIndex >= 0).length,
    parsingErrors: s.parsingErrors,
    failures: s.failures.map((f) => ({ check: f.check, name: f.name, resource: f.resource, skipReason: f.skipIndex >= 0 ? skips[f.skipIndex].reason : null })),
  })),
  skips,
  agreement,
  applied,
  unmapped,
  problems,
};
writeFileSync(path.join(out, "results.json"), JSON.stringify(results, null, 2));
writeFileSync(path.join(root, "docs", "checkov-agreement.md"), renderAgreement(agreement, version, unmapped, applied.length));

// ---- the summary CI shows --------------------------------------------------------------------
console.log(`\nCheckov ${version} — skips from ${path.relative(root, skipsFile)}`);
for (const s of results.scans) {
  console.log(`\n${s.name} (${s.target}): passed ${s.passed}, failed ${s.failed}, skipped ${s.skipped}${s.parsingErrors ? `, PARSING ERRORS ${s.parsingErrors}` : ""}`);
  const byReason = new Map<string, { check: string; resources: string[] }[]>();
  for (const f of s.failures) {
    if (!f.skipReason) continue;
    const list = byReason.get(f.skipReason) ?? [];
    const entry = list.find((e) => e.check === f.check) ?? (list.push({ check: f.check, resources: [] }), list[list.length - 1]);
    entry.resources.push(f.resource);
    byReason.set(f.skipReason, list);
  }
  for (const [reason, entries] of byReason)
    for (const e of entries) console.log(`  skipped ${e.check} × ${e.resources.length}: ${reason.length > 150 ? reason.slice(0, 147) + "..." : reason}`);
  for (const f of s.failures.filter((x) => !x.skipReason)) console.log(`  FAILED ${f.check} ${f.resource}: ${f.name}`);
}
const agreeing = agreement.filter((a) => a.verdict === "agrees").length;
console.log(`\nchecks on our stacks: ${applied.length}, of which ${applied.length - unmapped.length} mapped by our rules and ${unmapped.filter((u) => u.why).length} explained in config/checkov-unmapped.yaml`);
console.log(`agreement: ${agreeing} of ${agreement.length} mapped rules agree with Checkov on their non-compliant fixtures (docs/checkov-agreement.md)`);
if (problems.length) {
  console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("checkov: failed = 0 after skips");
