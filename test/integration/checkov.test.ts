import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ALL_RULES } from "../../constructs/policy/packs";
import { explainProblems, loadSkips, loadUnmapped, normalize, renderAgreement, SCANS, unmappedChecks, unmappedProblems } from "../../scripts/checkov/lib";
import { REPO_ROOT } from "../helpers/synth";

/*
 * Checkov's verdict on our stacks, as `npm run checkov` (scripts/checkov.sh) left it in
 * reports/checkov/results.json. This test does not run Checkov (a Python venv and ~20 s); it fails,
 * saying so, when Checkov has not run, and when its results are older than the skip list.
 * CI runs `npm run checkov` before `npm test`.
 */
const OUT = path.resolve(REPO_ROOT, process.env.CHECKOV_OUT ?? "reports/checkov");
const RESULTS = path.join(OUT, "results.json");
const SKIPS = path.join(REPO_ROOT, "config", "checkov-skips.yaml");
const HARDENING = path.join(REPO_ROOT, "docs", "aws-hardening.md");

let results: any;
beforeAll(() => {
  if (!existsSync(RESULTS)) throw new Error(`${path.relative(REPO_ROOT, RESULTS)} is missing: Checkov has not run. Run \`npm run checkov\` first.`);
  results = JSON.parse(readFileSync(RESULTS, "utf8"));
});

test("Checkov ran on the prod-cloud plan and every stack's cdk.tf.json, after the skip list last changed", () => {
  expect(results.scans.map((s: any) => s.name)).toEqual(SCANS.map((s) => s.name));
  for (const name of ["prod-cloud-plan", "prod-cloud"]) expect([name, results.scans.find((s: any) => s.name === name).passed > 50]).toEqual([name, true]);
  for (const s of results.scans) expect([s.name, s.parsingErrors]).toEqual([s.name, 0]);
  expect(results.skips).toEqual(loadSkips(readFileSync(SKIPS, "utf8")));
  expect(new Date(results.generatedAt).getTime()).toBeGreaterThanOrEqual(statSync(SKIPS).mtimeMs - 1000);
});

test("every Checkov failure is fixed or skipped: failed = 0 after skips, in every scan", () => {
  const unexplained = results.scans.flatMap((s: any) => s.failures.filter((f: any) => !f.skipReason).map((f: any) => `${s.name}: ${f.check} ${f.resource} (${f.name})`));
  expect(unexplained).toEqual([]);
});

test("every skip has a reason, the same reason is in docs/aws-hardening.md, and it still matches a failure", () => {
  const skips = loadSkips(readFileSync(SKIPS, "utf8"));
  expect(skips.length).toBeGreaterThan(0);
  const doc = normalize(readFileSync(HARDENING, "utf8"));
  for (const s of skips) {
    expect([s.check, s.reason.length >= 20]).toEqual([s.check, true]);
    expect([s.check, doc.includes(s.reason)]).toEqual([s.check, true]);
  }
  // The same checks as the report, on the stored failures (with skip indexes recomputed from reasons).
  const scans = results.scans.map((s: any) => ({ ...s, resourceCount: 0, failures: s.failures.map((f: any) => ({ ...f, file: "", skipIndex: skips.findIndex((k) => k.reason === f.skipReason && k.check === f.check) })) }));
  expect(explainProblems(scans, skips, readFileSync(HARDENING, "utf8"), results.agreement)).toEqual([]);
});

test("docs/checkov-agreement.md is the table the last run generated, and has no unexplained row", () => {
  expect(results.agreement.length).toBeGreaterThan(20);
  expect(results.agreement.filter((a: any) => a.unexplained).map((a: any) => a.ruleId)).toEqual([]);
  expect(readFileSync(path.join(REPO_ROOT, "docs", "checkov-agreement.md"), "utf8")).toBe(renderAgreement(results.agreement, results.checkovVersion, results.unmapped, results.applied.length));
});

test("every Checkov check that runs on our stacks is mapped by a rule or has a stated reason for having none (issue 18, item 4)", () => {
  const reasons = loadUnmapped(readFileSync(path.join(REPO_ROOT, "config", "checkov-unmapped.yaml"), "utf8"));
  expect(results.applied.length).toBeGreaterThan(50);
  expect(unmappedProblems(results.applied, ALL_RULES, reasons)).toEqual([]);
  // The table shows exactly the unmapped checks, each with its reason.
  expect(unmappedChecks(results.applied, ALL_RULES, reasons).map((u) => [u.check, !!u.why])).toEqual(results.unmapped.map((u: any) => [u.check, true]));
});
