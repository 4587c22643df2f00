import { DockerModel } from "../docker-model";
import { refsIn } from "../rule";
import { StackJson } from "../docker-model";

/** Each secret, where it lives, what encrypts it, who can read it, and how it rotates. */
export function secretsSection(stack: StackJson, model: DockerModel): string {
  const lines: string[] = [];
  const res = (stack.resource ?? {}) as Record<string, Record<string, any>>;
  const secrets = Object.entries(res.aws_secretsmanager_secret ?? {});
  if (secrets.length) {
    lines.push("| secret | lives in | encrypted by | who may read | rotation |", "|---|---|---|---|---|");
    const rotations = Object.values(res.aws_secretsmanager_secret_rotation ?? {});
    const policies = Object.values(res.aws_secretsmanager_secret_policy ?? {});
    for (const [key, s] of secrets) {
      const addr = `aws_secretsmanager_secret.${key}`;
      const rot = rotations.find((r) => refsIn(r.secret_id).includes(addr));
      const pol = policies.find((p) => refsIn(p.secret_arn).includes(addr));
      let readers = "anyone the account's IAM allows";
      try {
        const doc = JSON.parse(pol?.policy ?? "null");
        const st = doc?.Statement?.find((x: any) => x.Effect === "Deny" && [].concat(x.Action).includes("secretsmanager:GetSecretValue" as never));
        const arns = st?.Condition?.StringNotLike?.["aws:PrincipalArn"] ?? st?.Condition?.ArnNotEquals?.["aws:PrincipalArn"];
        if (arns) readers = [].concat(arns).join(", ");
      } catch {
        /* unreadable policy: keep the default */
      }
      const rotation = rot ? `Lambda, every ${rot.rotation_rules?.automatically_after_days ?? rot.rotation_rules?.[0]?.automatically_after_days ?? "?"} days` : (s.tags?.["n8n-zero-trust:rotation"] ?? "none");
      lines.push(`| ${s.name ?? key} | Secrets Manager | ${s.kms_key_id ? refsIn(s.kms_key_id)[0] ?? s.kms_key_id : "**AWS-managed key**"} | ${readers} | ${rotation} |`);
    }
    lines.push("");
  }
  const fileSecrets = new Map<string, Set<string>>();
  for (const c of model.containers) {
    for (const m of c.mounts.filter((x) => x.target.startsWith("/run/secrets/"))) {
      fileSecrets.set(m.target, (fileSecrets.get(m.target) ?? new Set()).add(`${c.name}${m.readOnly ? " (ro)" : " (**rw**)"}`));
    }
  }
  if (fileSecrets.size) {
    lines.push("| secret file (in containers) | host source | mounted by |", "|---|---|---|");
    for (const [target, users] of fileSecrets) {
      const source = model.containers.flatMap((c) => c.mounts).find((m) => m.target === target)?.source ?? "?";
      lines.push(`| ${target} | ${source} | ${[...users].join(", ")} |`);
    }
    lines.push("");
  }
  return lines.length ? `### Secrets inventory\n\n${lines.join("\n")}` : "";
}
