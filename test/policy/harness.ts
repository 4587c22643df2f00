import { MIN_REASON_LENGTH, SUPPRESSIONS_KEY } from "../../constructs/policy/engine";
import { makeContext, PolicyOptions, Rule, RuleFinding } from "../../constructs/policy/rule";
import { Json } from "./fixtures";

/** Runs one rule on one stack JSON, the way the engine does. */
export function run(rule: Rule, json: Json, options?: PolicyOptions): RuleFinding[] {
  return rule.evaluate(json, makeContext("fixture", json, options));
}

/** The findings the engine would report: those not suppressed on their resource with a reason (`//` n8n_zero_trust_suppressions). */
export function unsuppressed(rule: Rule, json: Json, options?: PolicyOptions): RuleFinding[] {
  return run(rule, json, options).filter((f) => {
    const [type, name] = f.resource.split(".");
    const list: { rule: string; reason: string }[] = json.resource?.[type]?.[name]?.["//"]?.[SUPPRESSIONS_KEY] ?? [];
    return !list.some((s) => s.rule === rule.id && s.reason.trim().length >= MIN_REASON_LENGTH);
  });
}

export interface RuleCases {
  /** Compliant fixtures (the pack's baseline is always checked too). */
  readonly compliant?: [string, Json][];
  /** Non-compliant fixtures: a name, the stack, and the resource address the finding must name. */
  readonly noncompliant: [string, Json, string][];
}

/**
 * cdk-nag style: for each rule, "Compliance" fixtures yield no finding and every "Noncompliance"
 * fixture yields a finding on the expected resource.
 */
export function describeRules(pack: readonly Rule[], baseline: () => Json, cases: Record<string, RuleCases>): void {
  test("every rule of the pack has non-compliant fixtures, and no fixture names a rule outside the pack", () => {
    expect(pack.filter((r) => (cases[r.id]?.noncompliant.length ?? 0) === 0).map((r) => r.id)).toEqual([]);
    expect(Object.keys(cases).filter((id) => !pack.some((r) => r.id === id))).toEqual([]);
  });

  describe.each(pack.map((r) => [r.id, r] as const))("%s", (_id, rule) => {
    const c = cases[rule.id] ?? { noncompliant: [] };
    test("states a cause and an explanation", () => {
      expect(rule.cause.length).toBeGreaterThan(15);
      expect(rule.cause).not.toMatch(/\n/);
      expect(rule.explanation.length).toBeGreaterThan(60);
    });
    // The baseline may carry suppressions with reasons, as a real stack does; other compliant fixtures may not.
    test("Compliance: the pack's baseline (suppressed findings excepted)", () => {
      expect(unsuppressed(rule, baseline())).toEqual([]);
    });
    if ((c.compliant ?? []).length > 0) {
      test.each(c.compliant ?? [])("Compliance: %s", (_name, json) => {
        expect(run(rule, json)).toEqual([]);
      });
    }
    if (c.noncompliant.length > 0) {
      test.each(c.noncompliant)("Noncompliance: %s", (_name, json, resource) => {
        const findings = run(rule, json);
        expect(findings.map((f) => f.resource)).toContain(resource);
        for (const f of findings) expect(f.detail.length).toBeGreaterThan(5);
      });
    }
  });
}
