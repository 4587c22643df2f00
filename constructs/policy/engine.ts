import { StackJson } from "./docker-model";
import { ALL_RULES, AWS_PACK, DOCKER_PACK } from "./packs";
import { Finding, makeContext, pathOf, PolicyOptions, Rule, RuleLevel } from "./rule";

/** Where suppressions live in a resource's JSON: its `//` comment block, which Terraform ignores. */
export const SUPPRESSIONS_KEY = "n8n_zero_trust_suppressions";
export const MIN_REASON_LENGTH = 10;

/** One rule switched off on one resource, with the reason a reviewer reads. */
export interface Suppression {
  readonly rule: string;
  readonly reason: string;
}

/** A suppression given to the engine instead of written on the resource. */
export interface StackSuppression extends Suppression {
  /** Terraform address (`docker_container.X`) or construct path (`dev/Runtime/Postgres/Container[/Resource]`). */
  readonly resource: string;
}

/** The check on suppressions themselves; it is not in a pack and cannot be suppressed. */
export const SUPPRESSION_RULE: Pick<Rule, "id" | "level" | "cause" | "explanation"> = {
  id: "ZT-META-001",
  level: "error",
  cause: "A suppression is invalid: its reason is shorter than 10 characters or it names a rule that does not run on the stack",
  explanation:
    "A suppression switches one rule off for one resource and must say why, in words a reviewer can judge " +
    "(\"loopback-only port for a local DBA tunnel\", not \"ok\"). It may name any rule that runs on the stack, a team's own " +
    "included; a rule id that does not run (a typo, a pack that was not chosen) is an error, so it cannot look like a decision. " +
    "An invalid suppression suppresses nothing.",
};

export interface EvaluatedFinding extends Finding {
  /** The rule's one-line cause. */
  readonly cause: string;
  /** Set when a valid suppression covers the finding. */
  readonly suppressedBecause?: string;
}

/** Every suppression declared for the stack, and whether it took effect. */
export interface SuppressionRecord {
  readonly resource: string;
  readonly path?: string;
  readonly rule: string;
  readonly reason: string;
  readonly valid: boolean;
  /** True when it covered at least one finding of this run. */
  readonly used: boolean;
}

export interface StackResult {
  readonly stackName: string;
  /** The rules that ran. */
  readonly rules: readonly Rule[];
  /** Every finding, suppressed ones included. */
  readonly findings: EvaluatedFinding[];
  readonly errors: EvaluatedFinding[];
  readonly warnings: EvaluatedFinding[];
  readonly suppressed: EvaluatedFinding[];
  readonly suppressions: SuppressionRecord[];
}

export interface EvaluateOptions {
  /** Rules to run, a team's own included; suppressions may name any of them. @default ALL_RULES */
  readonly rules?: readonly Rule[];
  /** Suppressions besides those written on resources. */
  readonly suppressions?: readonly StackSuppression[];
  readonly options?: PolicyOptions;
}

/** Where a suppression's rule id was looked up: the packs that ran whole, then every other rule that ran. */
function lookedUpIn(rules: readonly Rule[]): string {
  const ran = new Set(rules);
  const parts: string[] = [];
  for (const [name, pack] of [["docker", DOCKER_PACK], ["aws", AWS_PACK]] as const) {
    const n = pack.filter((r) => ran.has(r)).length;
    if (n === pack.length) parts.push(`the ${name} pack (${n} rules)`);
    else if (n > 0) parts.push(`${n} of the ${name} pack's ${pack.length} rules`);
  }
  const others = rules.filter((r) => !DOCKER_PACK.includes(r) && !AWS_PACK.includes(r)).map((r) => r.id);
  if (others.length > 0) parts.push(`the stack's own rule${others.length > 1 ? "s" : ""} ${others.join(", ")}`);
  return parts.length > 0 ? parts.join(", ") : "no rule (none ran)";
}

/** A suppression's rule id that does not run: where it was looked up, and where it is when a pack has it. */
function notRunDetail(id: string, rules: readonly Rule[]): string {
  const pack = DOCKER_PACK.some((r) => r.id === id) ? "docker" : AWS_PACK.some((r) => r.id === id) ? "aws" : undefined;
  return (
    `suppression names rule "${id}", which does not run on this stack; looked up in the rules that ran: ${lookedUpIn(rules)}` +
    (pack ? `. ${id} is a rule of the ${pack} pack that was not run here` : "")
  );
}

/** Suppressions written on resources (`addSuppression`), keyed by address. */
function declaredSuppressions(stack: StackJson): { resource: string; path?: string; s: Suppression }[] {
  const out: { resource: string; path?: string; s: Suppression }[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const list = (body as any)?.["//"]?.[SUPPRESSIONS_KEY];
      if (Array.isArray(list)) for (const s of list) out.push({ resource: `${type}.${name}`, path: pathOf(body as Record<string, any>), s });
    }
  }
  return out;
}

/** A rule cannot find anything in a stack without the resources it is about (`appliesTo`): the engine skips it there. */
export function ruleApplies(rule: Pick<Rule, "appliesTo">, stack: StackJson): boolean {
  return rule.appliesTo === undefined || Object.keys(stack.resource ?? {}).some((t) => t.startsWith(rule.appliesTo!));
}

/** Runs rules over one stack's synthesized JSON and applies suppressions. Pure. */
export function evaluateStack(stackName: string, stack: StackJson, rulesOrOptions: readonly Rule[] | EvaluateOptions = {}): StackResult {
  const opts: EvaluateOptions = Array.isArray(rulesOrOptions) ? { rules: rulesOrOptions as readonly Rule[] } : (rulesOrOptions as EvaluateOptions);
  const rules = opts.rules ?? ALL_RULES;
  // A suppression may name only a rule of this evaluation (the packs' or a team's own).
  const ruleIds = new Set(rules.map((r) => r.id));
  const ctx = makeContext(stackName, stack, opts.options);
  const findings: EvaluatedFinding[] = [];

  const declared = [...declaredSuppressions(stack), ...(opts.suppressions ?? []).map((s) => ({ resource: s.resource, path: undefined as string | undefined, s }))];
  const records = declared.map(({ resource, path, s }) => {
    const reasonOk = typeof s.reason === "string" && s.reason.trim().length >= MIN_REASON_LENGTH;
    const ruleOk = ruleIds.has(s.rule);
    if (!reasonOk || !ruleOk) {
      findings.push({
        ruleId: SUPPRESSION_RULE.id,
        level: SUPPRESSION_RULE.level,
        cause: SUPPRESSION_RULE.cause,
        resource,
        path,
        detail: !ruleOk ? notRunDetail(String(s.rule), rules) : `suppression of ${s.rule} needs a reason of at least ${MIN_REASON_LENGTH} characters (got ${JSON.stringify(s.reason ?? "")})`,
      });
    }
    return { resource, path, rule: String(s.rule), reason: String(s.reason ?? ""), valid: reasonOk && ruleOk, used: false };
  });
  const covers = (r: (typeof records)[number], f: { resource: string; path?: string }) =>
    r.resource === f.resource || (f.path !== undefined && (r.resource === f.path || `${r.resource}/Resource` === f.path));

  for (const rule of rules) {
    if (!ruleApplies(rule, stack)) continue;
    for (const f of rule.evaluate(stack, ctx)) {
      const s = records.find((r) => r.valid && r.rule === rule.id && covers(r, f));
      if (s) s.used = true;
      findings.push({ ...f, ruleId: rule.id, level: rule.level, cause: rule.cause, suppressedBecause: s?.reason });
    }
  }
  const active = findings.filter((f) => f.suppressedBecause === undefined);
  return {
    stackName,
    rules,
    findings,
    errors: active.filter((f) => f.level === "error"),
    warnings: active.filter((f) => f.level === "warning"),
    suppressed: findings.filter((f) => f.suppressedBecause !== undefined),
    suppressions: records,
  };
}

/** `ERROR ZT-NET-001 dev/Runtime/Postgres/Container/Resource: <cause> — <detail>` */
export function formatFinding(f: EvaluatedFinding): string {
  return `${f.level.toUpperCase()} ${f.ruleId} ${f.path ?? f.resource}: ${f.cause} — ${f.detail}`;
}

export function levelRank(level: RuleLevel): number {
  return level === "error" ? 0 : 1;
}
