import { readFileSync } from "node:fs";
import path from "node:path";
import { ALL_RULES } from "../../constructs/policy/packs";
import { ATTACK_CASE_IDS } from "./attacks";
import { suiteCaseIds, TWINS, twinOf } from "./twins";

/*
 * Issue 19: every case of the deploy suite names the rule that would have refused, at synth, the
 * configuration that lets its attack through — or says why no static rule can. The rules' own tests
 * (test/policy/*-rules.test.ts) prove each named rule fires on its weakenings.
 */
// The tenant suite's cases (bash test/e2e/run.sh --tenants) live in tenants.ts.
const suiteSource = readFileSync(path.join(__dirname, "suite.ts"), "utf8") + readFileSync(path.join(__dirname, "tenants.ts"), "utf8");
/** Case ids as the suite writes them; a template part (`validate.${stack}`) stands for any value. */
const suiteIds = suiteCaseIds(suiteSource, "any");
const known = new Set(ALL_RULES.map((r) => r.id));

test("the suite's own case list is found (the check below is not vacuous)", () => {
  expect(suiteIds.length).toBeGreaterThan(15);
  expect(suiteIds).toEqual(expect.arrayContaining(["deploy", "edge.sso", "container.any", "validate.any", "plan.idempotent"]));
});

test("every case of the suite has a twin: rules, or a stated reason", () => {
  const missing = [...suiteIds, ...ATTACK_CASE_IDS].filter((id) => {
    const t = twinOf(id);
    return !t || (!(t.rules?.length) && !(t.reason && t.reason.length >= 20));
  });
  expect(missing).toEqual([]);
});

test("every attack and edge case names at least one rule (a reason is not enough where a configuration lets the attack through)", () => {
  expect(ATTACK_CASE_IDS.filter((id) => !(twinOf(id)?.rules?.length))).toEqual([]);
});

test("every rule a twin names exists in the policy pack", () => {
  const unknown = Object.entries(TWINS).flatMap(([id, t]) => (t.rules ?? []).filter((r) => !known.has(r)).map((r) => `${id}: ${r}`));
  expect(unknown).toEqual([]);
});

test("no twin entry is stale: each key matches a case of the suite", () => {
  const ids = [...suiteIds, ...ATTACK_CASE_IDS];
  const stale = Object.keys(TWINS).filter((k) => !ids.some((id) => (k.endsWith(".*") ? id.startsWith(k.slice(0, -1)) : id === k)));
  expect(stale).toEqual([]);
});

test("a case without an entry is refused by the suite's harness, not run", async () => {
  const { Suite } = await import("./harness");
  const os = await import("node:os");
  const s = new Suite(path.join(os.tmpdir(), `twins-${process.pid}.json`));
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  let ran = false;
  const ok = await s.case("attack.brand-new", "an attack nobody gave a twin", () => (ran = true));
  expect([ok, ran, s.results[0].error]).toEqual([false, false, expect.stringMatching(/no twin rule/)]);
});
