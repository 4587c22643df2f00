import { dockerModel, StackJson } from "../docker-model";
import { evaluateStack, StackResult } from "../engine";
import { ALL_RULES } from "../packs";
import { Rule } from "../rule";
import { costSection } from "./cost";
import { exposureSection } from "./exposure";
import { iamSection } from "./iam";
import { mermaidDiagram } from "./mermaid";
import { secretsSection } from "./secrets";

export interface ReviewedStack {
  readonly name: string;
  readonly json: StackJson;
  readonly result: StackResult;
}

export function reviewStacks(stacks: { name: string; json: StackJson }[], rules: readonly Rule[] = ALL_RULES): ReviewedStack[] {
  return stacks.map((s) => ({ ...s, result: evaluateStack(s.name, s.json, rules) }));
}

/** The Markdown review report for one or more stacks. */
export function renderReport(stacks: ReviewedStack[], generatedAt = new Date().toISOString()): string {
  const out: string[] = ["# Zero-trust review", "", `Generated ${generatedAt}.`, ""];
  out.push("| stack | errors | warnings | suppressed |", "|---|---|---|---|");
  for (const s of stacks) out.push(`| ${s.name} | ${s.result.errors.length} | ${s.result.warnings.length} | ${s.result.suppressed.length} |`);
  out.push("");
  for (const s of stacks) {
    out.push(`## Stack \`${s.name}\``, "");
    const findings = s.result.findings;
    out.push("### Findings", "");
    if (findings.length === 0) out.push("None.", "");
    else {
      out.push("| level | rule | resource | detail | suppressed because |", "|---|---|---|---|---|");
      for (const f of findings) out.push(`| ${f.level} | ${f.ruleId} | \`${f.path ?? f.resource}\` | ${f.detail.replace(/\|/g, "\\|")} | ${f.suppressedBecause ?? "—"} |`);
      out.push("");
    }
    const model = dockerModel(s.json);
    const exposure = exposureSection(model);
    if (exposure) out.push(exposure);
    const diagram = mermaidDiagram(model);
    if (diagram) out.push("### Diagram", "", "```mermaid", diagram.trimEnd(), "```", "");
    for (const section of [secretsSection(s.json, model), iamSection(s.json), costSection(s.json)]) if (section) out.push(section);
  }
  return out.join("\n");
}
