import { Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const SecretRecoveryWindow: Rule = {
  id: "ZT-AWS-SM-004",
  level: "warning",
  appliesTo: "aws_",
  cause: "A secret is deleted immediately, without a recovery window",
  explanation:
    "With recovery_window_in_days = 0 a `terraform destroy` or a renamed construct deletes the secret for good. For n8n's " +
    "encryption key that loses every stored credential. Keep a window (7-30 days) and protect such secrets from destroy.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_secretsmanager_secret", (s, key) => (s.recovery_window_in_days === 0 ? `secret ${displayName(s, key)} has recovery_window_in_days = 0` : undefined)),
};
