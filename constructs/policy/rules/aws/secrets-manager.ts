import { pathOf, Rule } from "../../rule";

export const SecretsOnCustomerKey: Rule = {
  id: "ZT-AWS-SM-001",
  level: "error",
  cause: "A Secrets Manager secret is not encrypted with a customer-managed key",
  checkov: ["CKV_AWS_149"],
  explanation: "With the AWS-managed key anyone with secretsmanager:GetSecretValue in the account can read the secret; a customer key adds the key policy as a second gate and shows use in CloudTrail.",
  evaluate: (ctx) =>
    ctx.resources("aws_secretsmanager_secret")
      .filter(([, s]) => !s.kms_key_id || /alias\/aws\/secretsmanager/.test(String(s.kms_key_id)))
      .map(([key, s]) => ({ resource: `aws_secretsmanager_secret.${key}`, path: pathOf(s), detail: `secret ${s.name ?? key} has no customer-managed kms_key_id` })),
};

export const SecretValueInState: Rule = {
  id: "ZT-AWS-SM-002",
  level: "error",
  cause: "A secret value is written by Terraform (it lands in the plan and the state)",
  explanation: "`secret_string`/`secret_binary` on aws_secretsmanager_secret_version are stored in Terraform state in clear text. Create the secret empty and let rotation or an operator fill it, or use the write-only `secret_string_wo`.",
  evaluate: (ctx) =>
    ctx.resources("aws_secretsmanager_secret_version")
      .filter(([, v]) => v.secret_string !== undefined || v.secret_binary !== undefined)
      .map(([key, v]) => ({ resource: `aws_secretsmanager_secret_version.${key}`, path: pathOf(v), detail: "sets secret_string/secret_binary" })),
};

export const SecretRotation: Rule = {
  id: "ZT-AWS-SM-003",
  level: "warning",
  cause: "A secret has no rotation schedule and is not marked never-rotate",
  checkov: ["CKV2_AWS_57"],
  explanation: "Credentials that never change stay useful to whoever copied them. Rotate them, or tag the secret `n8n-zero-trust:rotation = never|manual` to record the decision.",
  evaluate: (ctx) => {
    const rotated = new Set(ctx.resources("aws_secretsmanager_secret_rotation").map(([, r]) => String(r.secret_id).match(/aws_secretsmanager_secret\.([A-Za-z0-9_-]+)/)?.[1]));
    return ctx.resources("aws_secretsmanager_secret")
      .filter(([key, s]) => !rotated.has(key) && !["never", "manual"].includes(s.tags?.["n8n-zero-trust:rotation"]))
      .map(([key, s]) => ({ resource: `aws_secretsmanager_secret.${key}`, path: pathOf(s), detail: `secret ${s.name ?? key} is never rotated` }));
  },
};
