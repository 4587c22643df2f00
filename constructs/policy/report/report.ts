import { StackJson } from "../docker-model";
import { EvaluateOptions, evaluateStack, levelRank, StackResult } from "../engine";
import { makeContext, Rule } from "../rule";
import { awsExposureSection } from "./aws-exposure";
import { controlsOf, controlsSection } from "./controls";
import { costSection } from "./cost";
import { linksSection, portGates, stateLinks } from "./cross-stack";
import { exposureSection } from "./exposure";
import { iamSection } from "./iam";
import { cell, table } from "./markdown";
import { mermaidDiagram } from "./mermaid";
import { Provenance, provenanceSection } from "./provenance";
import { residualRiskSection } from "./residual-risk";
import { rotationSection } from "./rotation";
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
  "How to read this report: **Provenance** names the commit, config files, tool versions and the sha256 of each plan it describes.",
  "**Across stacks** shows how the stacks link (remote state, the host a Docker stack runs on): a host port on another stack's instance is shown",
  "with the security groups in front of it, and each secret's rotation is checked against the host's secrets agent and the containers that read it.",
  "Per stack, **Findings** lists every rule that failed, with the Terraform address and construct path of the resource; errors fail",
  "`cdktf synth` and this review, warnings do not; suppressed findings stay listed with their reason; **Controls** lists every rule with its outcome.",
  "The **exposure map** answers \"what can the internet reach, through which router and middlewares, with or without SSO\"",
  "and \"which networks can reach which\"; the **diagram** draws the same; **network exposure (AWS)** lists security groups with what they admit,",
  "public addresses and endpoints. The **secrets inventory** says where each secret lives, which key encrypts it, who can read it and how it rotates.",
  "The **IAM summary** lists what each policy allows (⚠ marks wildcards). The **cost** is an estimate from a dated list-price table, for the stack's",
  "region when the table has it, not a bill. **Residual risk** lists what stays open by design: routes without SSO, who can read which secret.",
].join(" ");

/** The Markdown review report for one or more stacks. */
export function renderReport(stacks: ReviewedStack[], opts: { generatedAt?: string; source?: string; provenance?: Provenance } = {}): string {
  const linked = stacks.map((s) => ({ ...s, ctx: makeContext(s.name, s.json, s.options) }));
  const gates = portGates(linked);
  const out: string[] = ["# Zero-trust review", ""];
  out.push(`Generated ${opts.generatedAt ?? new Date().toISOString()}${opts.source ? ` from \`${opts.source}\`` : ""}.`, "", HOW_TO_READ, "");
  if (opts.provenance) out.push(provenanceSection(opts.provenance));
  out.push(
    ...table(
      ["stack", "rules run", "pass", "errors", "warnings", "suppressed", "not applicable"],
      linked.map((s) => {
        const controls = controlsOf(s.json, s.result);
        const n = (status: string) => String(controls.filter((c) => c.status === status).length);
        return [cell(s.name), String(s.result.rules.length), n("PASS"), String(s.result.errors.length), String(s.result.warnings.length), String(s.result.suppressed.length), n("NOT APPLICABLE")];
      }),
    ),
    "",
  );
  const across = [linksSection(gates, stateLinks(linked)), rotationSection(linked)].filter(Boolean);
  if (across.length > 0) out.push("## Across stacks", "", ...across);
  for (const s of linked) {
    const ctx = s.ctx;
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
    out.push(controlsSection(s.json, s.result));
    const ownGates = gates.filter((g) => g.stack === s.name);
    const exposure = exposureSection(ctx, ownGates);
    if (exposure) out.push(exposure);
    const awsExposure = awsExposureSection(ctx);
    if (awsExposure) out.push(awsExposure);
    const diagram = mermaidDiagram(ctx, ownGates);
    if (diagram) out.push("### Diagram", "", `Networks are hexagons (dashed: internal), routes start at the edge proxy (thick: no SSO)${ownGates.length > 0 ? "; a host port behind another stack's security group starts at that group" : ""}.`, "", "```mermaid", diagram.trimEnd(), "```", "");
    for (const section of [secretsSection(ctx), iamSection(ctx), costSection(ctx, s.json)]) if (section) out.push(section);
  }
  out.push(residualRiskSection(linked, gates));
  return out.join("\n");
}
