import { dockerModel, DockerModel, StackJson } from "./docker-model";

/** How bad a finding is: errors fail synthesis and the review CLI; warnings are reported. */
export type RuleLevel = "error" | "warning";

export interface Finding {
  readonly ruleId: string;
  readonly level: RuleLevel;
  /** Terraform address (`docker_container.X`) or a network/router name. */
  readonly resource: string;
  /** Construct path, when the resource carries cdktf metadata. */
  readonly path?: string;
  /** What is wrong with this resource, specifically. */
  readonly detail: string;
}

/** Everything a rule may look at, computed once per stack. */
export interface RuleContext {
  readonly stackName: string;
  readonly stack: StackJson;
  /** The Docker topology (lazy: AWS-only stacks never build it). */
  readonly docker: DockerModel;
  /** Resources of a type: [key, body] pairs. */
  resources(type: string): [string, Record<string, any>][];
}

export interface Rule {
  /** Stable id, e.g. ZT-NET-001. */
  readonly id: string;
  readonly level: RuleLevel;
  /** One line: what the rule finds. */
  readonly cause: string;
  /** Why it matters and how to fix it. */
  readonly explanation: string;
  /** Equivalent Checkov checks, where one exists. */
  readonly checkov?: string[];
  /** Pure: findings for one stack. Empty when compliant or not applicable. */
  evaluate(ctx: RuleContext): Omit<Finding, "ruleId" | "level">[];
}

export function makeContext(stackName: string, stack: StackJson): RuleContext {
  let model: DockerModel | undefined;
  return {
    stackName,
    stack,
    get docker() {
      return (model ??= dockerModel(stack));
    },
    resources(type) {
      return Object.entries((stack.resource?.[type] ?? {}) as Record<string, Record<string, any>>);
    },
  };
}

/** Construct path of a resource body, from cdktf's metadata. */
export function pathOf(body: Record<string, any> | undefined): string | undefined {
  return body?.["//"]?.metadata?.path;
}

/** `${aws_kms_key.Key_1234.arn}` → "aws_kms_key.Key_1234"; plain strings → undefined. */
export function refTarget(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)(\.[a-z0-9_]+)*\}$/.exec(value);
  return m?.[1];
}

/** Every `type.name` a value refers to anywhere inside it. */
export function refsIn(value: unknown): string[] {
  const s = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return [...s.matchAll(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]);
}
