import { IConstruct } from "constructs";
import { Aspects, IAspect, TerraformResource, TerraformStack } from "cdktf";
import { ValidationError } from "../common/validation";
import { evaluateStack, formatFinding, MIN_REASON_LENGTH, StackResult, StackSuppression, Suppression, SUPPRESSIONS_KEY } from "./engine";
import { ALL_RULES, PackName, rulesOf } from "./packs";
import { PolicyOptions, Rule, RULE_ID_FORM } from "./rule";

/** Thrown at synth when a stack has error findings; the message lists each one. */
export class PolicyViolationError extends Error {
  constructor(public readonly result: StackResult) {
    super(
      `Zero-trust policy: ${result.errors.length} error finding(s) in stack ${result.stackName}; nothing was written for it.\n` +
        result.errors.map((f) => `  - ${formatFinding(f)}`).join("\n") +
        "\nFix the resource, or suppress one rule on one resource with addSuppression(construct, ruleId, reason).",
    );
    this.name = "PolicyViolationError";
  }
}

export interface ZeroTrustPolicyOptions extends PolicyOptions {
  /** Packs to run. @default "all" */
  readonly packs?: PackName | readonly PackName[];
  /** Exact rules to run instead of packs. @default - the rules of `packs` */
  readonly rules?: readonly Rule[];
  /**
   * The team's own rules, run after those of `packs` (or `rules`). Their findings fail or warn like
   * the packs', and `addSuppression` or `suppressions` can switch them off on one resource.
   * @default - none
   */
  readonly extraRules?: readonly Rule[];
  /** Suppressions by resource address or construct path, besides those added with addSuppression. */
  readonly suppressions?: readonly StackSuppression[];
  /** Receives every result (errors included) before synthesis continues or fails. @default - print warnings and suppressions to stderr */
  readonly report?: (result: StackResult) => void;
}

const WRAPPED = Symbol.for("n8n-zero-trust/policy-wrapped");

/**
 * Runs the zero-trust rules on the JSON cdktf synthesizes for a stack. On its visit the aspect
 * wraps the stack's `toTerraform()`, so the rules read exactly the object that is about to be
 * written, computed once: no second resolution of the construct tree. An error finding throws
 * before the stack's `cdk.tf.json` is written, which fails `cdktf synth`.
 */
export class ZeroTrustPolicyAspect implements IAspect {
  constructor(private readonly opts: ZeroTrustPolicyOptions = {}) {}

  public visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const stack = node as TerraformStack & { [WRAPPED]?: boolean };
    if (stack[WRAPPED]) return;
    stack[WRAPPED] = true;
    const opts = this.opts;
    const chosen = opts.rules ?? (opts.packs ? rulesOf(opts.packs) : ALL_RULES);
    const rules = opts.extraRules?.length ? [...chosen, ...opts.extraRules] : chosen;
    const report = opts.report ?? printResult;
    const check = (json: Record<string, any>) => {
      const result = evaluateStack(stack.node.id, json, { rules, suppressions: opts.suppressions, options: opts });
      report(result);
      if (result.errors.length > 0) throw new PolicyViolationError(result);
    };
    const toTerraform = stack.toTerraform.bind(stack);
    stack.toTerraform = () => {
      const json = toTerraform();
      check(json);
      return json;
    };
    // SYNTH_HCL_OUTPUT=true writes HCL instead of JSON; the rules still need the JSON form.
    const toHcl = stack.toHclTerraform.bind(stack);
    stack.toHclTerraform = () => {
      check(toTerraform());
      return toHcl();
    };
  }
}

function printResult(r: StackResult): void {
  for (const f of r.warnings) console.warn(`[zero-trust] ${r.stackName}: ${formatFinding(f)}`);
  // A stated suppression is information, not a problem: stdout, so stderr carries only warnings.
  for (const f of r.suppressed) console.log(`[zero-trust] ${r.stackName}: info: suppressed ${f.ruleId} ${f.path ?? f.resource}: ${f.suppressedBecause}`);
}

/**
 * The one call per stack: runs the zero-trust policy packs when the app synthesizes. Error
 * findings fail `cdktf synth` (a `PolicyViolationError` naming each finding); warnings are printed.
 *
 * @example
 * const dev = new DevStack(app, "dev", { config, repoRoot });
 * applyZeroTrustPolicy(dev);                                   // every pack
 * applyZeroTrustPolicy(prodCloud, { packs: "aws" });           // one pack
 */
export function applyZeroTrustPolicy(stack: TerraformStack, opts: ZeroTrustPolicyOptions = {}): void {
  Aspects.of(stack).add(new ZeroTrustPolicyAspect(opts));
}

/**
 * Switches one rule off for one resource, with a reason (at least 10 characters) that the review
 * report shows next to the finding. `scope` is the Terraform resource, or a construct whose
 * default child (`Resource`) is one, e.g. a `HardenedContainer`. There is no blanket suppression.
 * `ruleId` may name a team's own rule: whether the rule runs on the stack is checked when the policy
 * runs (a suppression of a rule that does not run is a ZT-META-001 error), not here.
 */
export function addSuppression(scope: IConstruct, ruleId: string, reason: string): void {
  const child = scope.node.defaultChild;
  const resource = TerraformResource.isTerraformResource(scope) ? scope : child && TerraformResource.isTerraformResource(child) ? child : undefined;
  const problems: { field: string; message: string }[] = [];
  if (!resource) problems.push({ field: "scope", message: `${scope.node.path} is not a Terraform resource and has no default child that is one; suppress on the resource itself` });
  if (typeof ruleId !== "string" || !RULE_ID_FORM.test(ruleId)) {
    problems.push({ field: "ruleId", message: `${JSON.stringify(ruleId)} is not a rule id: upper-case letters and digits in dash-separated parts, e.g. ZT-NET-001 or SHOP-DB-001` });
  }
  if (typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH) {
    problems.push({ field: "reason", message: `must explain the exception in at least ${MIN_REASON_LENGTH} characters (rule ${ruleId} on ${scope.node.path})` });
  }
  if (problems.length > 0) throw new ValidationError("Invalid suppression", problems);
  const r = resource as TerraformResource & { [SUPPRESSIONS]?: Suppression[] };
  const list = (r[SUPPRESSIONS] ??= []);
  list.push({ rule: ruleId, reason: reason.trim() });
  r.addOverride(`//.${SUPPRESSIONS_KEY}`, [...list]);
}

const SUPPRESSIONS = Symbol.for("n8n-zero-trust/suppressions");
