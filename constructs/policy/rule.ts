import { dockerModel, DockerModel, StackJson } from "./docker-model";

/** How bad a finding is: errors fail synthesis and the review CLI; warnings are reported. */
export type RuleLevel = "error" | "warning";

/** What a rule reports about one resource. */
export interface RuleFinding {
  /** Terraform address, e.g. `docker_container.Runtime_Traefik_Container_C2CF3066`. */
  readonly resource: string;
  /** Construct path from cdktf's metadata (`dev/Runtime/Traefik/Container/Resource`), when present. */
  readonly path?: string;
  /** What is wrong with this resource, specifically. */
  readonly detail: string;
}

/** One setting a component rule reads. */
export interface SettingDoc {
  /** Component key, e.g. `oauth2-proxy` (see COMPONENT_NAMES). */
  readonly component: string;
  /** The setting as its upstream docs name it, e.g. `--cookie-secure` or `N8N_SECURE_COOKIE`. */
  readonly setting: string;
  /** What the rule accepts, e.g. `true (the default)`. */
  readonly safe: string;
}

/** A rule's finding with the rule's id and level. */
export interface Finding extends RuleFinding {
  readonly ruleId: string;
  readonly level: RuleLevel;
}

/** Settings a team may change without writing rules. */
export interface PolicyOptions {
  /**
   * Path prefixes a router may serve without the SSO middleware.
   * @default PUBLIC_PATH_ALLOW_LIST — n8n's webhook, form and MCP paths and the oauth2-proxy callback
   */
  readonly publicPaths?: readonly string[];
  /**
   * Names of middlewares (without `@provider`) that count as SSO besides any forwardAuth middleware,
   * e.g. an OIDC plugin middleware. @default - none
   */
  readonly ssoMiddlewares?: readonly string[];
}

/** Paths that may be served without SSO: n8n's public entry points and the SSO callback. */
export const PUBLIC_PATH_ALLOW_LIST: readonly string[] = ["/webhook/", "/webhook-waiting/", "/form/", "/form-waiting/", "/mcp/", "/oauth2/"];

/** Everything a rule may look at, computed once per stack and shared by every rule. */
export interface RuleContext {
  readonly stackName: string;
  readonly options: { readonly publicPaths: readonly string[]; readonly ssoMiddlewares: readonly string[] };
  /** The Docker topology, built on first use (AWS-only stacks never build it). */
  readonly docker: DockerModel;
  /** `[name, body]` of every resource of a type, in the order of the JSON. */
  resources(type: string): [string, Record<string, any>][];
  /** `[name, body]` of every data source of a type. */
  dataSources(type: string): [string, Record<string, any>][];
  /** The resource types of the stack, in the order of the JSON. */
  resourceTypes(): string[];
  /** The body behind an address (`aws_kms_key.Key_1234` or `data.aws_iam_policy_document.Doc_1234`). */
  lookup(address: string): Record<string, any> | undefined;
  /** Computes a value once per stack (indexes that several rules share). */
  memo<T>(key: string, compute: () => T): T;
}

/** The form of a rule id: upper-case letters and digits in dash-separated parts, e.g. ZT-NET-001, ZT-AWS-S3-001, SHOP-DB-001. */
export const RULE_ID_FORM = /^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/;

/**
 * One check: a pure function over a stack's synthesized JSON. It returns one finding per
 * non-compliant resource, and nothing when the stack is compliant or the rule does not apply.
 */
export interface Rule {
  /**
   * Stable id in {@link RULE_ID_FORM}: ZT-NET-001 for the packs' rules, e.g. SHOP-DB-001 for a team's
   * own. Suppressions name it.
   */
  readonly id: string;
  readonly level: RuleLevel;
  /** One line: what the rule finds. */
  readonly cause: string;
  /** Why it matters and how to fix it. */
  readonly explanation: string;
  /** Equivalent Checkov checks, where one exists. */
  readonly checkov?: readonly string[];
  /**
   * For a rule on one component's own configuration: the settings it reads and their safe values,
   * as docs/policy.md's per-component table shows them (generated from the rules).
   */
  readonly settings?: readonly SettingDoc[];
  /**
   * A Terraform resource-type prefix, e.g. `docker_` or `aws_`: the engine skips the rule on a stack
   * with no resource of a type starting with it, where it could find nothing (an AWS-only stack never
   * builds the Docker model). Every rule of the docker pack sets `docker_`, every rule of the aws pack `aws_`.
   * @default - the rule runs on every stack
   */
  readonly appliesTo?: string;
  evaluate(stack: StackJson, ctx: RuleContext): RuleFinding[];
}

type Blocks = Record<string, Record<string, Record<string, any>>>;

export function makeContext(stackName: string, stack: StackJson, options: PolicyOptions = {}): RuleContext {
  let model: DockerModel | undefined;
  const memos = new Map<string, unknown>();
  const resources = (stack.resource ?? {}) as Blocks;
  const data = (stack.data ?? {}) as Blocks;
  return {
    stackName,
    options: { publicPaths: options.publicPaths ?? PUBLIC_PATH_ALLOW_LIST, ssoMiddlewares: options.ssoMiddlewares ?? [] },
    get docker() {
      return (model ??= dockerModel(stack));
    },
    resources: (type) => Object.entries(resources[type] ?? {}),
    dataSources: (type) => Object.entries(data[type] ?? {}),
    resourceTypes: () => Object.keys(resources),
    lookup(address) {
      const parts = address.split(".");
      return parts[0] === "data" ? data[parts[1]]?.[parts[2]] : resources[parts[0]]?.[parts[1]];
    },
    memo<T>(key: string, compute: () => T): T {
      if (!memos.has(key)) memos.set(key, compute());
      return memos.get(key) as T;
    },
  };
}

/** Construct path of a resource body, from cdktf's metadata. */
export function pathOf(body: Record<string, any> | undefined): string | undefined {
  const p = body?.["//"]?.metadata?.path;
  return typeof p === "string" ? p : undefined;
}

/** A finding for resource `type.name`, with its construct path. */
export function findingFor(type: string, name: string, body: Record<string, any>, detail: string): RuleFinding {
  return { resource: `${type}.${name}`, path: pathOf(body), detail };
}

const REF = /\$\{((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)/g;

/** Every address (`type.name`, `data.type.name`) a value refers to anywhere inside it. */
export function refsIn(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return [...s.matchAll(REF)].map((m) => m[1]);
}

/** `${aws_kms_key.Key_1234.arn}` → "aws_kms_key.Key_1234"; anything but a single plain reference → undefined. */
export function refTarget(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return /^\$\{((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+)(\.[A-Za-z0-9_]+|\[\d+\])*\}$/.exec(value)?.[1];
}

/** True when a value is (or contains) a Terraform expression rather than a literal. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** A nested block as Terraform JSON writes it: an object, or a list of objects (first one). */
export function block(value: unknown): Record<string, any> | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && typeof v === "object" ? (v as Record<string, any>) : undefined;
}

/** A value as a list of strings (Terraform JSON allows a single value where a list is meant). */
export function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
