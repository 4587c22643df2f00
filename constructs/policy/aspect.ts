import { IConstruct } from "constructs";
import { Aspects, IAspect, TerraformResource, TerraformStack } from "cdktf";
import { ValidationError } from "../common/validation";
import { evaluateStack, formatFinding, MIN_REASON_LENGTH, StackResult, SUPPRESSIONS_KEY, Suppression } from "./engine";
import { ALL_RULES } from "./packs";
import { Rule } from "./rule";

/** Thrown at synth when a stack has error findings; the message lists each one. */
export class PolicyViolationError extends Error {
  constructor(public readonly result: StackResult) {
    super(`Zero-trust policy: ${result.errors.length} error finding(s) in stack ${result.stackName}:\n${result.errors.map((f) => `  - ${formatFinding(f)}`).join("\n")}`);
    this.name = "PolicyViolationError";
  }
}

const CHECKED = Symbol.for("n8n-zero-trust/policy-checked");

/**
 * Runs the zero-trust rules on the stack's JSON as cdktf synthesizes it: the aspect wraps the
 * stack's `toTerraform()`, so the rules see exactly what is about to be written, at no extra
 * resolution cost, and an error finding stops synthesis before the file is written.
 */
export class ZeroTrustPolicyAspect implements IAspect {
  constructor(
    private readonly rules: readonly Rule[] = ALL_RULES,
    private readonly report: (r: StackResult) => void = defaultReport,
  ) {}

  public visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node) || (node as any)[CHECKED]) return;
    const stack = node as TerraformStack & { [CHECKED]?: boolean };
    stack[CHECKED] = true;
    const original = stack.toTerraform.bind(stack);
    const rules = this.rules;
    const report = this.report;
    stack.toTerraform = () => {
      const json = original();
      const result = evaluateStack(stack.node.id, json, rules);
      report(result);
      if (result.errors.length > 0) throw new PolicyViolationError(result);
      return json;
    };
  }
}

function defaultReport(r: StackResult): void {
  for (const f of r.warnings) console.warn(`[policy] ${r.stackName}: ${formatFinding(f)}`);
}

/** Runs the policy pack on a stack at synth. */
export function applyZeroTrustPolicy(stack: TerraformStack, opts: { rules?: readonly Rule[]; report?: (r: StackResult) => void } = {}): void {
  Aspects.of(stack).add(new ZeroTrustPolicyAspect(opts.rules, opts.report));
}

/**
 * Suppresses one rule on one resource, with a reason that the review report shows. The reason
 * must say why (at least 10 characters); a blanket suppression does not exist.
 */
export function suppressRule(resource: TerraformResource, ruleId: string, reason: string): void {
  if (!/^ZT-[A-Z0-9-]+$/.test(ruleId)) throw new ValidationError("Invalid suppression", [{ field: "ruleId", message: `"${ruleId}" is not a rule id (ZT-...)` }]);
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new ValidationError("Invalid suppression", [{ field: "reason", message: `must explain the exception in at least ${MIN_REASON_LENGTH} characters (rule ${ruleId} on ${resource.node.path})` }]);
  }
  const existing = ((resource as any).__ztSuppressions ??= []) as Suppression[];
  existing.push({ rule: ruleId, reason });
  resource.addOverride(`//.${SUPPRESSIONS_KEY}`, existing);
}
