import { StackJson } from "./docker-model";
import { ALL_RULES } from "./packs";
import { Finding, makeContext, Rule } from "./rule";

/** Where suppressions live in a resource's JSON: cdktf's comment block, which Terraform ignores. */
export const SUPPRESSIONS_KEY = "n8n_zero_trust_suppressions";
export const MIN_REASON_LENGTH = 10;

export interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

export interface EvaluatedFinding extends Finding {
  /** Set when a valid suppression covers the finding. */
  readonly suppressedBecause?: string;
}

export interface StackResult {
  readonly stackName: string;
  readonly findings: EvaluatedFinding[];
  readonly errors: EvaluatedFinding[];
  readonly warnings: EvaluatedFinding[];
  readonly suppressed: EvaluatedFinding[];
}

/** Suppressions declared on each resource (`type.name` → list). */
function suppressionsOf(stack: StackJson): Map<string, Suppression[]> {
  const out = new Map<string, Suppression[]>();
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const list = (body as any)?.["//"]?.[SUPPRESSIONS_KEY];
      if (Array.isArray(list)) out.set(`${type}.${name}`, list);
    }
  }
  return out;
}

/** Runs rules over one stack's synthesized JSON. Pure. */
export function evaluateStack(stackName: string, stack: StackJson, rules: readonly Rule[] = ALL_RULES): StackResult {
  const ctx = makeContext(stackName, stack);
  const suppressions = suppressionsOf(stack);
  const findings: EvaluatedFinding[] = [];
  for (const [resource, list] of suppressions) {
    for (const s of list) {
      if (typeof s.reason !== "string" || s.reason.trim().length < MIN_REASON_LENGTH) {
        findings.push({ ruleId: "ZT-META-001", level: "error", resource, detail: `suppression of ${s.rule} needs a reason of at least ${MIN_REASON_LENGTH} characters` });
      }
    }
  }
  for (const rule of rules) {
    for (const f of rule.evaluate(ctx)) {
      const s = suppressions.get(f.resource)?.find((x) => x.rule === rule.id && typeof x.reason === "string" && x.reason.trim().length >= MIN_REASON_LENGTH);
      findings.push({ ...f, ruleId: rule.id, level: rule.level, suppressedBecause: s?.reason });
    }
  }
  const active = findings.filter((f) => !f.suppressedBecause);
  return {
    stackName,
    findings,
    errors: active.filter((f) => f.level === "error"),
    warnings: active.filter((f) => f.level === "warning"),
    suppressed: findings.filter((f) => f.suppressedBecause),
  };
}

export function formatFinding(f: EvaluatedFinding): string {
  return `${f.level.toUpperCase()} ${f.ruleId} ${f.path ?? f.resource}: ${f.detail}`;
}
