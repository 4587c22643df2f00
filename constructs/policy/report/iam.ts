import { StackJson } from "../docker-model";

/** Each IAM role and what its policies allow. */
export function iamSection(stack: StackJson): string {
  const res = (stack.resource ?? {}) as Record<string, Record<string, any>>;
  const policies = [...Object.entries(res.aws_iam_role_policy ?? {}), ...Object.entries(res.aws_iam_policy ?? {})];
  const roles = Object.entries(res.aws_iam_role ?? {});
  if (roles.length === 0 && policies.length === 0) return "";
  const lines = ["### IAM summary", ""];
  for (const [key, r] of roles) {
    let trust = "?";
    try {
      trust = JSON.parse(r.assume_role_policy).Statement.map((s: any) => JSON.stringify(s.Principal)).join(", ");
    } catch {
      /* keep ? */
    }
    lines.push(`- role **${r.name ?? key}**, assumed by ${trust}`);
  }
  lines.push("", "| policy | effect | actions | resources | condition |", "|---|---|---|---|---|");
  for (const [key, p] of policies) {
    try {
      for (const s of JSON.parse(p.policy).Statement) {
        const list = (v: unknown) => ([] as unknown[]).concat(v ?? []).join(", ");
        lines.push(`| ${p.name ?? key} | ${s.Effect} | ${list(s.Action)} | ${list(s.Resource).replace(/\$\{([^}]+)\}/g, "`$1`")} | ${s.Condition ? `\`${JSON.stringify(s.Condition)}\`` : "—"} |`);
      }
    } catch {
      lines.push(`| ${p.name ?? key} | (policy is not literal JSON) | | | |`);
    }
  }
  return lines.join("\n") + "\n";
}
