import { Rule } from "../../constructs/policy/rule";
import { controlsOf, controlsSection } from "../../constructs/policy/report/controls";
import { reviewStacks } from "../../constructs/policy/report/report";
import { runtimeStack } from "./report-fixtures";

describe("controls", () => {
  const rule = (id: string, found: boolean, appliesTo?: string): Rule => ({ id, level: "error", cause: `${id} cause`, explanation: "x", appliesTo, evaluate: () => (found ? [{ resource: "docker_container.db", detail: "d" }] : []) });
  const json = runtimeStack();
  (json.resource as any).docker_container.edge["//"] = { n8n_zero_trust_suppressions: [{ rule: "T-SUP-1", reason: "a reason long enough" }] };
  const rules = [rule("T-PASS-1", false), rule("T-FAIL-1", true), rule("T-NA-1", true, "google_"), { ...rule("T-SUP-1", false), evaluate: () => [{ resource: "docker_container.edge", detail: "d" }] }];
  const [reviewed] = reviewStacks([{ name: "runtime", json }], { rules });

  test("every rule that ran is listed with PASS, FAIL, SUPPRESSED or NOT APPLICABLE, and the suppression check with them", () => {
    expect(controlsOf(json, reviewed.result).map((c) => [c.id, c.status])).toEqual([
      ["T-PASS-1", "PASS"],
      ["T-FAIL-1", "FAIL"],
      ["T-NA-1", "NOT APPLICABLE"],
      ["T-SUP-1", "SUPPRESSED"],
      ["ZT-META-001", "PASS"],
    ]);
    const section = controlsSection(json, reviewed.result);
    expect(section).toContain("2 pass, 1 fail, 1 suppressed, 1 not applicable");
    expect(section).toContain("| T-FAIL-1 | error | T-FAIL-1 cause | **FAIL** (1) |");
  });
});
