import { Rule } from "../../rule";
import { attachedBy, displayName, eachResource } from "./helpers";

/** Tag that records a deliberate rotation decision on a secret (read by this rule and the report). */
export const ROTATION_DECISION_TAG = "n8n-zero-trust:rotation";

export const SecretRotation: Rule = {
  id: "ZT-AWS-SM-003",
  level: "warning",
  appliesTo: "aws_",
  cause: "A secret has no rotation schedule and no recorded decision not to rotate it",
  checkov: ["CKV2_AWS_57"],
  explanation:
    "Credentials that never change stay useful to whoever copied them. Rotate them (aws_secretsmanager_secret_rotation), or record " +
    `the decision with the tag ${ROTATION_DECISION_TAG} = never|manual (n8n's encryption key must never rotate: a new key makes stored credentials unreadable).`,
  evaluate: (_stack, ctx) => {
    const rotated = attachedBy(ctx, "aws_secretsmanager_secret_rotation", "secret_id", "aws_secretsmanager_secret", "name");
    return eachResource(ctx, "aws_secretsmanager_secret", (s, key) => {
      if (rotated.has(`aws_secretsmanager_secret.${key}`)) return undefined;
      const decision = s.tags?.[ROTATION_DECISION_TAG];
      return decision === "never" || decision === "manual" ? undefined : `secret ${displayName(s, key)} has no rotation schedule`;
    });
  },
};
