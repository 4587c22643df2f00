import { Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey } from "./helpers";

export const LogGroupKey: Rule = {
  id: "ZT-AWS-LOG-001",
  level: "error",
  appliesTo: "aws_",
  cause: "A CloudWatch log group is not encrypted with a customer-managed KMS key",
  checkov: ["CKV_AWS_158"],
  explanation:
    "Access and application logs carry user identities, paths and error details. Encrypt log groups with the customer key " +
    "(kms_key_id) so reading them needs the key policy as well as logs:GetLogEvents.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_cloudwatch_log_group", (g, key) => (!g.kms_key_id || isAwsManagedKey(g.kms_key_id) ? `log group ${displayName(g, key)} has no customer-managed kms_key_id` : undefined)),
};
