import { Rule, RuleFinding } from "../../rule";
import { eachResource } from "./helpers";

export const SecretValueInState: Rule = {
  id: "ZT-AWS-SM-002",
  level: "error",
  appliesTo: "aws_",
  cause: "A secret value is written by Terraform, so it lands in the plan and the state",
  explanation:
    "`secret_string`/`secret_binary` on aws_secretsmanager_secret_version and `value`/`insecure_value` on a SecureString " +
    "aws_ssm_parameter are stored in clear text in Terraform state and shown by `terraform show`. Create the secret empty and " +
    "let rotation or an operator fill it, or use the write-only `secret_string_wo` / `value_wo` (never stored).",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = eachResource(ctx, "aws_secretsmanager_secret_version", (v) => {
      const set = ["secret_string", "secret_binary"].filter((a) => v[a] !== undefined);
      return set.length > 0 ? `sets ${set.join(" and ")} (use secret_string_wo, or fill the secret outside Terraform)` : undefined;
    });
    out.push(
      ...eachResource(ctx, "aws_ssm_parameter", (p) => {
        const set = ["value", "insecure_value"].filter((a) => p[a] !== undefined);
        return p.type === "SecureString" && set.length > 0 ? `SecureString parameter ${p.name ?? ""} sets ${set.join(" and ")} (use value_wo)` : undefined;
      }),
    );
    return out;
  },
};
