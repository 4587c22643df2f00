import { Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey } from "./helpers";

export const SecretOnCustomerKey: Rule = {
  id: "ZT-AWS-SM-001",
  level: "error",
  appliesTo: "aws_",
  cause: "A Secrets Manager secret is not encrypted with a customer-managed KMS key",
  checkov: ["CKV_AWS_149"],
  explanation:
    "On the AWS-managed aws/secretsmanager key, anyone with secretsmanager:GetSecretValue in the account can read the value. " +
    "A customer-managed key (kms_key_id) adds its key policy as a second gate and logs every decryption in CloudTrail.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_secretsmanager_secret", (s, key) =>
      !s.kms_key_id || isAwsManagedKey(s.kms_key_id) ? `secret ${displayName(s, key)} is on ${s.kms_key_id ?? "the AWS-managed key (kms_key_id unset)"}` : undefined,
    ),
};
