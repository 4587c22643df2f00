import { refsIn, refTarget, RuleContext, strings } from "../rule";
import { actionMatches, attachedBy, displayName, identityPolicies, isAwsManagedKey, keyAddressOf, PolicyUse, policyDocument } from "../rules/aws/helpers";
import { ROTATION_DECISION_TAG } from "../rules/aws/zt-aws-sm-003-secret-rotation";
import { cell, table } from "./markdown";

/** The role/user/group a policy is attached to, by name. */
export function principalsOfPolicy(ctx: RuleContext, u: PolicyUse): string[] {
  const name = (ref: unknown) => {
    const t = refTarget(ref) ?? refsIn(ref)[0];
    const b = t ? ctx.lookup(t) : undefined;
    return b ? `${t!.split(".")[0].replace("aws_iam_", "")} ${displayName(b, t!.split(".")[1])}` : String(ref);
  };
  if (u.type === "aws_iam_role") return [`role ${displayName(u.body, u.name)}`];
  if (u.type === "aws_iam_role_policy") return [name(u.body.role)];
  if (u.type === "aws_iam_user_policy") return [name(u.body.user)];
  if (u.type === "aws_iam_group_policy") return [name(u.body.group)];
  if (u.type === "aws_iam_policy") {
    const address = `aws_iam_policy.${u.name}`;
    const out: string[] = [];
    for (const [type, attr] of [["aws_iam_role_policy_attachment", "role"], ["aws_iam_user_policy_attachment", "user"], ["aws_iam_group_policy_attachment", "group"]]) {
      for (const [, a] of ctx.resources(type)) if (refsIn(a.policy_arn).includes(address)) out.push(name(a[attr]));
    }
    for (const [, a] of ctx.resources("aws_iam_policy_attachment")) if (refsIn(a.policy_arn).includes(address)) out.push(...[...strings(a.roles), ...strings(a.users), ...strings(a.groups)].map(name));
    return out.length > 0 ? out : [`policy ${displayName(u.body, u.name)} (not attached in this stack)`];
  }
  return [`${u.type}.${u.name}`];
}

/** Principals whose identity policies allow `action` on the resource at `address` (or on "*"). */
export function identityReaders(ctx: RuleContext, address: string, action: string): string[] {
  const out: string[] = [];
  for (const u of identityPolicies(ctx)) {
    if (!u.doc.ok) continue;
    const grants = u.doc.statements.filter((s) => s.effect === "Allow" && s.actions.some((a) => actionMatches(a, action)) && s.resources.some((r) => r === "*" || refsIn(r).includes(address)));
    if (grants.length === 0) continue;
    const onStar = grants.every((s) => !s.resources.some((r) => refsIn(r).includes(address)));
    out.push(...principalsOfPolicy(ctx, u).map((p) => `${p}${onStar ? ' (on "*")' : ""}`));
  }
  return [...new Set(out)];
}

/** Names a KMS key by its alias when the stack gives it one. */
export function keyName(ctx: RuleContext, keyRef: unknown): string {
  if (keyRef === undefined || keyRef === null || keyRef === "") return "";
  if (isAwsManagedKey(keyRef)) return `AWS-managed ${String(keyRef).replace(/^.*alias\//, "alias/")}`;
  const key = keyAddressOf(ctx, keyRef);
  if (!key) return String(keyRef);
  const alias = ctx.resources("aws_kms_alias").find(([, a]) => refsIn(a.target_key_id).includes(key))?.[1]?.name;
  return `customer key ${alias ?? key}${alias ? ` (${key})` : ""}`;
}

/** Who the secret's resource policy lets read it: named principals, or "anyone IAM allows". */
function policyReaders(ctx: RuleContext, policy: unknown): string | undefined {
  const doc = policyDocument(ctx, policy);
  if (!doc) return undefined;
  if (!doc.ok) return `resource policy not readable from the plan (${doc.reason})`;
  const parts: string[] = [];
  for (const s of doc.statements) {
    if (!s.actions.some((a) => actionMatches(a, "secretsmanager:GetSecretValue"))) continue;
    if (s.effect === "Deny") {
      const cond = s.condition ?? {};
      const only = Object.entries(cond)
        .filter(([op]) => /^(StringNotLike|StringNotEquals|ArnNotLike|ArnNotEquals)$/.test(op))
        .flatMap(([, kv]) => strings((kv as Record<string, unknown>)["aws:PrincipalArn"]));
      if (only.length > 0) parts.push(`only ${only.join(", ")} (resource policy denies everyone else)`);
    } else if (s.principals) {
      parts.push(`resource policy allows ${s.principals.anyone ? "**anyone**" : [...s.principals.aws, ...s.principals.service].join(", ")}${s.condition ? " (with a condition)" : ""}`);
    }
  }
  return parts.join("; ") || undefined;
}

/** Who can read a Secrets Manager secret: its resource policy's allow-list, and the principals IAM grants GetSecretValue. */
export function secretReaders(ctx: RuleContext, key: string, s: Record<string, any>): string {
  const address = `aws_secretsmanager_secret.${key}`;
  const policies = attachedBy(ctx, "aws_secretsmanager_secret_policy", "secret_arn", "aws_secretsmanager_secret", "name");
  const fromPolicy = [...(policies.get(address) ?? []).map(([, p]) => p.policy), s.policy].map((p) => policyReaders(ctx, p)).filter(Boolean);
  const fromIam = identityReaders(ctx, address, "secretsmanager:GetSecretValue");
  return [...fromPolicy, fromIam.length > 0 ? `IAM grants: ${fromIam.join(", ")}` : "no IAM grant in this stack"].join("; ");
}

/** Each secret: where it lives, which key encrypts it, who can read it, how it rotates. */
export function secretsSection(ctx: RuleContext): string {
  const lines: string[] = [];
  const secrets = ctx.resources("aws_secretsmanager_secret");
  const ssm = ctx.resources("aws_ssm_parameter").filter(([, p]) => p.type === "SecureString");
  if (secrets.length > 0 || ssm.length > 0) {
    const rotations = attachedBy(ctx, "aws_secretsmanager_secret_rotation", "secret_id", "aws_secretsmanager_secret", "name");
    const rows = secrets.map(([key, s]) => {
      const address = `aws_secretsmanager_secret.${key}`;
      const rot = rotations.get(address)?.[0]?.[1];
      const rules = rot ? (Array.isArray(rot.rotation_rules) ? rot.rotation_rules[0] : rot.rotation_rules) : undefined;
      const rotation = rot
        ? `rotated ${rules?.automatically_after_days ? `every ${rules.automatically_after_days} days` : (rules?.schedule_expression ?? "")} by ${refsIn(rot.rotation_lambda_arn)[0] ?? rot.rotation_lambda_arn ?? "a managed rotation"}`
        : s.tags?.[ROTATION_DECISION_TAG]
          ? `${s.tags[ROTATION_DECISION_TAG]} (recorded decision)`
          : "**none**";
      const readers = secretReaders(ctx, key, s);
      return [cell(displayName(s, key)), "Secrets Manager", cell(keyName(ctx, s.kms_key_id) || "**AWS-managed aws/secretsmanager**"), cell(readers), cell(rotation)];
    });
    for (const [key, p] of ssm) {
      const fromIam = identityReaders(ctx, `aws_ssm_parameter.${key}`, "ssm:GetParameter");
      rows.push([cell(displayName(p, key)), "SSM Parameter Store (SecureString)", cell(keyName(ctx, p.key_id) || "**AWS-managed aws/ssm**"), cell(fromIam.length > 0 ? `IAM grants: ${fromIam.join(", ")}` : "no IAM grant in this stack"), "none (Parameter Store does not rotate)"]);
    }
    lines.push(...table(["secret", "lives in", "encrypted by", "who can read it", "rotation"], rows), "");
  }

  // Docker: secret files mounted into containers (the dev stack's generated folder, prod's tmpfs).
  const files = new Map<string, { source: string; users: string[] }>();
  for (const c of ctx.docker.containers) {
    const fileRefs = new Set([...Object.entries(c.env).filter(([k]) => /_FILE$/.test(k)).map(([, v]) => v), ...c.command.map((a) => /^--[a-z-]+-file=(.+)$/.exec(a)?.[1]).filter((x): x is string => !!x)]);
    for (const m of c.mounts) {
      if (!(m.target.startsWith("/run/secrets/") || /secret/i.test(m.source ?? "") || fileRefs.has(m.target))) continue;
      const entry = files.get(m.target) ?? { source: m.source ?? "?", users: [] };
      entry.users.push(`${c.name} (${m.readOnly ? "read-only" : "**writable**"})`);
      files.set(m.target, entry);
    }
  }
  if (files.size > 0) {
    const kind = (target: string) => (/key\.pem$|\.key$/.test(target) ? "TLS private key" : /(cert|ca|chain)[^/]*\.(pem|crt)$/.test(target) ? "certificate (not secret)" : "secret");
    lines.push("Secret files mounted into containers (host path → container path). They are encrypted by no key in the plan: protect the host folder (mode 0600, owned by the containers' uid, git-ignored) or use a tmpfs filled at run time.", "");
    lines.push(
      ...table(
        ["file in the container", "kind", "host source", "who can read it", "rotation"],
        [...files].map(([target, f]) => [cell(target), kind(target), cell(f.source), cell(f.users.join(", ")), kind(target) === "certificate (not secret)" ? "—" : "manual: replace the file, restart the readers"]),
      ),
      "",
    );
  }
  return lines.length > 0 ? `### Secrets inventory\n\n${lines.join("\n")}` : "";
}

