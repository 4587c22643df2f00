import { StackJson } from "../docker-model";
import { EvaluateOptions, evaluateStack, levelRank, StackResult } from "../engine";
import { makeContext, Rule } from "../rule";
import { costSection } from "./cost";
import { exposureSection } from "./exposure";
import { iamSection } from "./iam";
import { cell, table } from "./markdown";
import { mermaidDiagram } from "./mermaid";
import { secretsSection } from "./secrets";

export interface ReviewedStack {
  readonly name: string;
  readonly json: StackJson;
  readonly result: StackResult;
  readonly options?: EvaluateOptions["options"];
}

/** Evaluates each stack; the report is rendered from the results. */
export function reviewStacks(stacks: { name: string; json: StackJson }[], rulesOrOptions: readonly Rule[] | EvaluateOptions = {}): ReviewedStack[] {
  const opts: EvaluateOptions = Array.isArray(rulesOrOptions) ? { rules: rulesOrOptions as readonly Rule[] } : (rulesOrOptions as EvaluateOptions);
  return stacks.map((s) => ({ ...s, options: opts.options, result: evaluateStack(s.name, s.json, opts) }));
}

const HOW_TO_READ = [
  "How to read this report: **Findings** lists every rule that failed, with the Terraform address and construct path of the",
  "resource; errors fail `cdktf synth` and this review, warnings do not; suppressed findings stay listed with their reason.",
  "The **exposure map** answers \"what can the internet reach, through which router and middlewares, with or without SSO\"",
  "and \"which networks can reach which\"; the **diagram** draws the same. The **secrets inventory** says where each secret",
  "lives, which key encrypts it, who can read it and how it rotates. The **IAM summary** lists what each policy allows",
  "(⚠ marks wildcards). The **cost** is an estimate from a dated list-price table, not a bill.",
].join(" ");

/** The Markdown review report for one or more stacks. */
export function renderReport(stacks: ReviewedStack[], opts: { generatedAt?: string; source?: string } = {}): string {
  const out: string[] = ["# Zero-trust review", ""];
  out.push(`Generated ${opts.generatedAt ?? new Date().toISOString()}${opts.source ? ` from \`${opts.source}\`` : ""}.`, "", HOW_TO_READ, "");
  out.push(...table(["stack", "rules run", "errors", "warnings", "suppressed"], stacks.map((s) => [cell(s.name), String(s.result.rules.length), String(s.result.errors.length), String(s.result.warnings.length), String(s.result.suppressed.length)])), "");
  for (const s of stacks) {
    const ctx = makeContext(s.name, s.json, s.options);
    out.push(`## Stack \`${s.name}\``, "");
    out.push("### Findings", "");
    const active = [...s.result.errors, ...s.result.warnings].sort((a, b) => levelRank(a.level) - levelRank(b.level) || a.ruleId.localeCompare(b.ruleId));
    if (active.length === 0) out.push("No error or warning findings.", "");
    else
      out.push(
        ...table(
          ["level", "rule", "resource", "cause", "detail"],
          active.map((f) => [f.level, f.ruleId, `${cell(f.path ?? "")}${f.path ? "<br>" : ""}\`${cell(f.resource)}\``, cell(f.cause), cell(f.detail)]),
        ),
        "",
      );
    if (s.result.suppressions.length > 0) {
      out.push("### Suppressions", "");
      out.push(
        ...table(
          ["rule", "resource", "reason", "status"],
          s.result.suppressions.map((x) => [x.rule, `${cell(x.path ?? "")}${x.path ? "<br>" : ""}\`${cell(x.resource)}\``, cell(x.reason), !x.valid ? "**invalid** (ZT-META-001)" : x.used ? `suppresses ${s.result.suppressed.filter((f) => f.ruleId === x.rule && (f.resource === x.resource || f.path === x.resource || f.path === x.path)).length} finding(s)` : "matched no finding"]),
        ),
        "",
      );
    }
    const exposure = exposureSection(ctx);
    if (exposure) out.push(exposure);
    const diagram = mermaidDiagram(ctx);
    if (diagram) out.push("### Diagram", "", "Networks are hexagons (dashed: internal), routes start at the edge proxy (thick: no SSO).", "", "```mermaid", diagram.trimEnd(), "```", "");
    for (const section of [secretsSection(ctx), iamSection(ctx), costSection(ctx)]) if (section) out.push(section);
  }
  return out.join("\n");
}
