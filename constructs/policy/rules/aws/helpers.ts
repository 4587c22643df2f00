import { block, isExpression, pathOf, refsIn, refTarget, RuleContext, RuleFinding, strings } from "../../rule";
import { TENANT_TAG } from "../../../common/labels";

/*
 * Shared reading of AWS resources in Terraform JSON (hashicorp/aws 5.x): policy documents in any
 * of the forms cdktf writes, and the "which sub-resource configures which bucket" index.
 */

/** Who a statement applies to. `anyone` is Principal "*" or {"AWS": "*"}. */
export interface Principals {
  readonly anyone: boolean;
  readonly aws: string[];
  readonly service: string[];
  readonly federated: string[];
}

/** A policy statement, normalized from JSON policy text or an `aws_iam_policy_document` data source. */
export interface Statement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  readonly principals?: Principals;
  readonly notPrincipals?: Principals;
  readonly condition?: Record<string, Record<string, unknown>>;
}

export type PolicyDoc = { readonly ok: true; readonly statements: Statement[] } | { readonly ok: false; readonly reason: string };

function principalsOf(p: unknown): Principals | undefined {
  if (p === undefined || p === null) return undefined;
  if (p === "*") return { anyone: true, aws: ["*"], service: [], federated: [] };
  const o = p as Record<string, unknown>;
  const aws = strings(o.AWS);
  return { anyone: aws.includes("*") || strings(o["*"]).includes("*"), aws, service: strings(o.Service), federated: strings(o.Federated) };
}

function fromJson(doc: any): PolicyDoc {
  if (!doc || typeof doc !== "object") return { ok: false, reason: "policy is not a JSON object" };
  const list = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return {
    ok: true,
    statements: list.map((s: any) => ({
      sid: s.Sid,
      effect: s.Effect === "Deny" ? "Deny" : "Allow",
      actions: strings(s.Action),
      notActions: strings(s.NotAction),
      resources: strings(s.Resource),
      notResources: strings(s.NotResource),
      principals: principalsOf(s.Principal),
      notPrincipals: principalsOf(s.NotPrincipal),
      condition: s.Condition,
    })),
  };
}

function fromDataSource(ctx: RuleContext, address: string, seen: Set<string>): PolicyDoc {
  const d = ctx.lookup(address);
  if (!d) return { ok: false, reason: `${address} is not in this stack` };
  if (seen.has(address)) return { ok: false, reason: `${address} refers to itself` };
  seen.add(address);
  const statements: Statement[] = [];
  for (const key of ["source_policy_documents", "override_policy_documents"]) {
    for (const src of strings(d[key])) {
      const inner = policyDocument(ctx, src, seen);
      if (inner && !inner.ok) return inner;
      if (inner?.ok) statements.push(...inner.statements);
    }
  }
  const toPrincipals = (list: unknown): Principals | undefined => {
    const items = (Array.isArray(list) ? list : list ? [list] : []) as Record<string, unknown>[];
    if (items.length === 0) return undefined;
    const ids = (t: string) => items.filter((i) => i.type === t).flatMap((i) => strings(i.identifiers));
    return { anyone: ids("*").includes("*") || ids("AWS").includes("*"), aws: ids("AWS"), service: ids("Service"), federated: ids("Federated") };
  };
  for (const s of (Array.isArray(d.statement) ? d.statement : d.statement ? [d.statement] : []) as Record<string, any>[]) {
    const condition: Record<string, Record<string, unknown>> = {};
    for (const c of (Array.isArray(s.condition) ? s.condition : s.condition ? [s.condition] : []) as Record<string, any>[]) {
      condition[c.test] = { ...condition[c.test], [c.variable]: c.values };
    }
    statements.push({
      sid: s.sid,
      effect: s.effect === "Deny" ? "Deny" : "Allow",
      actions: strings(s.actions),
      notActions: strings(s.not_actions),
      resources: strings(s.resources),
      notResources: strings(s.not_resources),
      principals: toPrincipals(s.principals),
      notPrincipals: toPrincipals(s.not_principals),
      condition: Object.keys(condition).length > 0 ? condition : undefined,
    });
  }
  return { ok: true, statements };
}

/**
 * Reads a policy attribute: JSON text (what `JSON.stringify` in a construct produces, references
 * included), an object, or a reference to an `aws_iam_policy_document` data source in the same
 * stack. Other expressions (`jsonencode(...)`, `file(...)`) cannot be read from the plan: the
 * result says why. Undefined when the attribute is not set.
 */
export function policyDocument(ctx: RuleContext, value: unknown, seen = new Set<string>()): PolicyDoc | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "object") return fromJson(value);
  const text = String(value).trim();
  const target = refTarget(text);
  if (target?.startsWith("data.aws_iam_policy_document.")) return fromDataSource(ctx, target, seen);
  if (text.startsWith("{")) {
    try {
      return fromJson(JSON.parse(text));
    } catch (e) {
      return { ok: false, reason: `policy is not valid JSON (${(e as Error).message})` };
    }
  }
  return { ok: false, reason: `policy is the expression ${text.length > 60 ? `${text.slice(0, 57)}...` : text}, which the plan does not resolve` };
}

/** True when a statement has a condition block (any condition narrows who or when). */
export function hasCondition(s: Statement): boolean {
  return !!s.condition && Object.keys(s.condition).length > 0;
}

/**
 * Index of sub-resources of `type` by the bucket/topic/... they configure: `attr` may refer to the
 * parent (`${aws_s3_bucket.B.id}`) or name it literally (`"my-bucket"`, matched against the
 * parent's `nameAttr`). Built once per stack.
 */
export function attachedBy(ctx: RuleContext, type: string, attr: string, parentType: string, nameAttr: string): Map<string, [string, Record<string, any>][]> {
  return ctx.memo(`attached:${type}:${attr}:${parentType}`, () => {
    const byName = new Map<string, string>();
    for (const [name, body] of ctx.resources(parentType)) if (typeof body[nameAttr] === "string" && !isExpression(body[nameAttr])) byName.set(body[nameAttr], `${parentType}.${name}`);
    const index = new Map<string, [string, Record<string, any>][]>();
    for (const entry of ctx.resources(type)) {
      const v = entry[1][attr];
      const targets = isExpression(v) ? refsIn(v).filter((r) => r.startsWith(`${parentType}.`)) : [byName.get(String(v))].filter((x): x is string => !!x);
      for (const t of new Set(targets)) index.set(t, [...(index.get(t) ?? []), entry]);
    }
    return index;
  });
}

/** The sub-resources of `type` that configure S3 bucket `address`. */
export function bucketConfig(ctx: RuleContext, type: string, address: string): Record<string, any>[] {
  return (attachedBy(ctx, type, "bucket", "aws_s3_bucket", "bucket").get(address) ?? []).map(([, b]) => b);
}

/** Buckets that receive S3 server access logs (S3 cannot deliver them into an SSE-KMS bucket). */
export function accessLogTargets(ctx: RuleContext): Set<string> {
  return ctx.memo("s3:log-targets", () => new Set(attachedBy(ctx, "aws_s3_bucket_logging", "target_bucket", "aws_s3_bucket", "bucket").keys()));
}

/**
 * Buckets an ALB (or NLB) writes its access logs to (`aws_lb.access_logs.bucket`, by reference
 * or by name): Elastic Load Balancing delivers access logs only into SSE-S3 buckets.
 */
export function albLogTargets(ctx: RuleContext): Set<string> {
  return ctx.memo("s3:alb-log-targets", () => {
    const byName = new Map<string, string>();
    for (const [name, body] of ctx.resources("aws_s3_bucket")) if (typeof body.bucket === "string" && !isExpression(body.bucket)) byName.set(body.bucket, `aws_s3_bucket.${name}`);
    const out = new Set<string>();
    for (const type of ["aws_lb", "aws_alb"]) {
      for (const [, lb] of ctx.resources(type)) {
        const logs = block(lb.access_logs);
        if (!logs || logs.enabled === false) continue;
        const v = logs.bucket;
        const targets = isExpression(v) ? refsIn(v).filter((r) => r.startsWith("aws_s3_bucket.")).map((r) => r.split(".").slice(0, 2).join(".")) : [byName.get(String(v))].filter((x): x is string => !!x);
        targets.forEach((t) => out.add(t));
      }
    }
    return out;
  });
}

/** Key ids that name an AWS-managed key (`alias/aws/...`) rather than a customer-managed one. */
export function isAwsManagedKey(keyId: unknown): boolean {
  return typeof keyId === "string" && /alias\/aws\//.test(keyId);
}

/** One finding per resource of `type` for which `problem` returns a text. */
export function eachResource(ctx: RuleContext, type: string, problem: (body: Record<string, any>, name: string) => string | undefined): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const [name, body] of ctx.resources(type)) {
    const p = problem(body, name);
    if (p) out.push({ resource: `${type}.${name}`, path: pathOf(body), detail: p });
  }
  return out;
}

/** A resource's human name: its `name`/`bucket`/`function_name`... attribute, else its key. */
export function displayName(body: Record<string, any>, key: string): string {
  for (const a of ["name", "bucket", "function_name", "alarm_name", "description"]) if (typeof body[a] === "string" && !isExpression(body[a])) return body[a];
  return key;
}

/** The first nested block of a resource attribute (`rule[0]`, `versioning_configuration`...). */
export { block };

/** True when an IAM action pattern (`kms:*`, `kms:GenerateDataKey*`) covers `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
  return re.test(action);
}

/** The `aws_kms_key` address a key reference points at, directly or through an `aws_kms_alias` of the stack. */
export function keyAddressOf(ctx: RuleContext, keyRef: unknown): string | undefined {
  const target = refTarget(keyRef) ?? refsIn(keyRef)[0];
  if (target?.startsWith("aws_kms_key.")) return target;
  if (target?.startsWith("aws_kms_alias.")) return keyAddressOf(ctx, ctx.lookup(target)?.target_key_id);
  if (typeof keyRef === "string" && keyRef.startsWith("alias/")) {
    const alias = ctx.resources("aws_kms_alias").find(([, a]) => a.name === keyRef);
    return alias ? keyAddressOf(ctx, alias[1].target_key_id) : undefined;
  }
  return undefined;
}

/**
 * Whether the policy of key `keyAddress` lets a service principal matching `service` use every one
 * of `actions`: "yes", "no", or "unknown" when the policy is not readable from the plan.
 * A key without a policy has KMS's default policy, which lets no service principal in.
 */
export function keyAllowsService(ctx: RuleContext, keyAddress: string, service: RegExp, actions: string[]): "yes" | "no" | "unknown" {
  const key = ctx.lookup(keyAddress);
  if (!key) return "unknown";
  if (key.policy === undefined) return "no";
  const doc = policyDocument(ctx, key.policy);
  if (!doc?.ok) return "unknown";
  const allowing = doc.statements.filter((s) => s.effect === "Allow" && (s.principals?.anyone || s.principals?.service.some((p) => service.test(p))));
  return actions.every((a) => allowing.some((s) => s.actions.some((p) => actionMatches(p, a)))) ? "yes" : "no";
}

/** A policy document found on a resource, with the resource it belongs to. */
export interface PolicyUse {
  readonly type: string;
  readonly name: string;
  readonly body: Record<string, any>;
  /** Which attribute held it (`policy`, `inline_policy.0.policy`, `assume_role_policy`...). */
  readonly attribute: string;
  readonly doc: PolicyDoc;
}

function uses(ctx: RuleContext, specs: [string, string][]): PolicyUse[] {
  const out: PolicyUse[] = [];
  for (const [type, attr] of specs) {
    for (const [name, body] of ctx.resources(type)) {
      if (attr === "inline_policy.policy") {
        const list = Array.isArray(body.inline_policy) ? body.inline_policy : body.inline_policy ? [body.inline_policy] : [];
        list.forEach((p: Record<string, unknown>, i: number) => {
          const doc = policyDocument(ctx, p.policy);
          if (doc) out.push({ type, name, body, attribute: `inline_policy.${i}.policy`, doc });
        });
        continue;
      }
      const doc = policyDocument(ctx, body[attr]);
      if (doc) out.push({ type, name, body, attribute: attr, doc });
    }
  }
  return out;
}

/** Identity policies: what a role, user or group may do. */
export function identityPolicies(ctx: RuleContext): PolicyUse[] {
  return ctx.memo("iam:identity", () =>
    uses(ctx, [
      ["aws_iam_policy", "policy"],
      ["aws_iam_role_policy", "policy"],
      ["aws_iam_user_policy", "policy"],
      ["aws_iam_group_policy", "policy"],
      ["aws_iam_role", "inline_policy.policy"],
      ["aws_ssoadmin_permission_set_inline_policy", "inline_policy"],
    ]),
  );
}

/** Resource policies: who may use a bucket, topic, queue, secret, repository or log group. */
export function resourcePolicies(ctx: RuleContext): PolicyUse[] {
  return ctx.memo("iam:resource", () =>
    uses(ctx, [
      ["aws_s3_bucket_policy", "policy"],
      ["aws_s3_bucket", "policy"],
      ["aws_sns_topic_policy", "policy"],
      ["aws_sns_topic", "policy"],
      ["aws_sqs_queue_policy", "policy"],
      ["aws_sqs_queue", "policy"],
      ["aws_secretsmanager_secret_policy", "policy"],
      ["aws_secretsmanager_secret", "policy"],
      ["aws_ecr_repository_policy", "policy"],
      ["aws_cloudwatch_log_resource_policy", "policy_document"],
    ]),
  );
}

/** Trust policies: who may assume a role. */
export function trustPolicies(ctx: RuleContext): PolicyUse[] {
  return ctx.memo("iam:trust", () => uses(ctx, [["aws_iam_role", "assume_role_policy"]]));
}

/** Key policies of KMS keys. */
export function keyPolicies(ctx: RuleContext): PolicyUse[] {
  return ctx.memo("iam:key", () => uses(ctx, [["aws_kms_key", "policy"]]));
}

/** A finding on the resource that holds a policy. */
/**
 * Findings over every Allow statement of every identity policy that can be read: `check` returns
 * the problems of one statement (its label is the Sid or the index).
 */
export function allowStatementFindings(ctx: RuleContext, check: (s: Statement, label: string | number) => string[]): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const u of identityPolicies(ctx)) {
    if (!u.doc.ok) continue;
    u.doc.statements.forEach((s, i) => {
      if (s.effect === "Allow") for (const detail of check(s, s.sid ?? i)) out.push(policyFinding(u, detail));
    });
  }
  return out;
}

export function policyFinding(u: PolicyUse, detail: string): RuleFinding {
  return { resource: `${u.type}.${u.name}`, path: pathOf(u.body), detail };
}

/*
 * EC2 and VPC: nested blocks, booleans as cdktf writes them, and the account-wide defaults
 * (IMDS, EBS encryption) that instances and volumes inherit when they set nothing.
 */

/** Every nested block of an attribute: Terraform JSON writes one block as an object, several as a list. */
export function blocksOf(value: unknown): Record<string, any>[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((v): v is Record<string, any> => !!v && typeof v === "object");
}

/** Terraform's true in the forms cdktf writes: `true`, or the string "true" (launch templates type `encrypted` as a string). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** A resource's `Name` tag when it is a literal, else {@link displayName}. */
export function nameTagOr(body: Record<string, any>, key: string): string {
  const tag = body.tags?.Name;
  return typeof tag === "string" && !isExpression(tag) ? tag : displayName(body, key);
}

/** True when a key reference names a customer-managed key: it is set and is not an AWS-managed `alias/aws/...`. */
export function isCustomerKey(keyId: unknown): boolean {
  return typeof keyId === "string" && keyId !== "" && !isAwsManagedKey(keyId);
}

/** The stack turns on EBS encryption by default for the account and region, with a customer-managed default key. */
export function ebsDefaultCustomerKey(ctx: RuleContext): boolean {
  return ctx.memo("ec2:ebs-default-key", () => {
    const on = ctx.resources("aws_ebs_encryption_by_default").some(([, e]) => e.enabled === undefined || isTrue(e.enabled));
    return on && ctx.resources("aws_ebs_default_kms_key").some(([, k]) => isCustomerKey(k.key_arn));
  });
}

/** The stack sets the account's instance metadata defaults to IMDSv2 only (or the endpoint off). */
export function imdsV2ByDefault(ctx: RuleContext): boolean {
  return ctx.memo("ec2:imds-defaults", () => ctx.resources("aws_ec2_instance_metadata_defaults").some(([, d]) => d.http_tokens === "required" || d.http_endpoint === "disabled"));
}

/*
 * Tenants in AWS plans (issue 16): prod-cloud tags every resource a tenant owns alone with
 * `n8n-zero-trust:tenant = <id>`; shared resources carry no such tag.
 */

/**
 * The literal tenant id a resource is tagged with (TENANT_TAG), or undefined for a shared resource:
 * no such tag, a value that is a Terraform expression (known only at plan time, so no tenant id),
 * or tags that are not a map.
 */
export function tenantOf(body: Record<string, any> | undefined): string | undefined {
  const tags = body?.tags;
  if (!tags || typeof tags !== "object" || Array.isArray(tags)) return undefined;
  const id = tags[TENANT_TAG];
  return typeof id === "string" && id.trim() !== "" && !isExpression(id) ? id : undefined;
}

/** Every resource with a literal tenant tag, as `[address, body]`. */
export function taggedResources(ctx: RuleContext): [string, Record<string, any>][] {
  return ctx.memo("ten:tagged", () => {
    const out: [string, Record<string, any>][] = [];
    for (const type of ctx.resourceTypes()) for (const [name, body] of ctx.resources(type)) if (tenantOf(body)) out.push([`${type}.${name}`, body]);
    return out;
  });
}

/** An IAM resource pattern (`*` and `?` wildcards) as an anchored regular expression. */
export function iamPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/**
 * Which tenant-tagged secrets and log groups a literal ARN pattern of a policy covers: the
 * addresses of those whose name the pattern matches (secrets by `secret:<name>-??????`, log
 * groups by `log-group:<name>` with or without `:log-stream:…`).
 */
export function literalTargets(ctx: RuleContext, arn: string): string[] {
  if (isExpression(arn)) return [];
  const secret = /:secret:(.+)$/.exec(arn)?.[1];
  const logGroup = /:log-group:(.+)$/.exec(arn)?.[1];
  if (!secret && !logGroup) return [];
  const re = iamPattern(secret ?? logGroup!);
  return taggedResources(ctx)
    .filter(([address, body]) => {
      const name = body.name;
      if (typeof name !== "string" || isExpression(name)) return false;
      if (secret && address.startsWith("aws_secretsmanager_secret.")) return re.test(`${name}-abcdef`) || re.test(name);
      if (logGroup && address.startsWith("aws_cloudwatch_log_group.")) return re.test(name) || re.test(`${name}:log-stream:x`) || re.test(`${name}:*`);
      return false;
    })
    .map(([address]) => address);
}
