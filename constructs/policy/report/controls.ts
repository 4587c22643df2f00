import { StackJson } from "../docker-model";
import { ruleApplies, SUPPRESSION_RULE, StackResult } from "../engine";
import { Rule } from "../rule";
import { cell, table } from "./markdown";

export type ControlStatus = "PASS" | "FAIL" | "SUPPRESSED" | "NOT APPLICABLE";

export interface Control {
  readonly id: string;
  readonly level: string;
  readonly title: string;
  readonly status: ControlStatus;
  /** Findings behind a FAIL or SUPPRESSED. */
  readonly findings: number;
}

/**
 * Every rule that ran on the stack with its outcome: FAIL (an active finding), SUPPRESSED (only
 * suppressed findings), PASS, or NOT APPLICABLE (no resource of the type it is about: the engine
 * skips it). ZT-META-001, the check on suppressions, is listed when the stack declares any.
 */
export function controlsOf(json: StackJson, result: StackResult): Control[] {
  const rules: (Pick<Rule, "id" | "level" | "cause"> & { readonly appliesTo?: string })[] = [...result.rules, ...(result.suppressions.length > 0 ? [SUPPRESSION_RULE] : [])];
  return rules.map((r) => {
    const found = result.findings.filter((f) => f.ruleId === r.id);
    const active = found.filter((f) => f.suppressedBecause === undefined).length;
    const status: ControlStatus = active > 0 ? "FAIL" : found.length > 0 ? "SUPPRESSED" : r.id === SUPPRESSION_RULE.id || ruleApplies(r, json) ? "PASS" : "NOT APPLICABLE";
    return { id: r.id, level: r.level, title: r.cause, status, findings: active > 0 ? active : found.length };
  });
}

/** The list of controls, not only counts; long, so folded (GitHub and most viewers render `<details>`). */
export function controlsSection(json: StackJson, result: StackResult): string {
  const controls = controlsOf(json, result);
  const count = (s: ControlStatus) => controls.filter((c) => c.status === s).length;
  return [
    "### Controls",
    "",
    `${count("PASS")} pass, ${count("FAIL")} fail, ${count("SUPPRESSED")} suppressed, ${count("NOT APPLICABLE")} not applicable (no resource of the type the rule is about) — ${controls.length} rules.`,
    "",
    "<details><summary>Every rule and its outcome on this stack</summary>",
    "",
    ...table(
      ["rule", "level", "title", "status"],
      controls.map((c) => [c.id, c.level, cell(c.title), c.status === "FAIL" || c.status === "SUPPRESSED" ? `**${c.status}** (${c.findings})` : c.status]),
    ),
    "",
    "</details>",
    "",
  ].join("\n");
}
