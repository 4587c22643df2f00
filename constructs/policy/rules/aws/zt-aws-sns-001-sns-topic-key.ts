import { Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey } from "./helpers";

export const SnsTopicKey: Rule = {
  id: "ZT-AWS-SNS-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An SNS topic is unencrypted or encrypted with the AWS-managed alias/aws/sns key",
  checkov: ["CKV_AWS_26"],
  explanation:
    "Encrypt topics with a customer-managed key (kms_master_key_id). The AWS-managed alias/aws/sns key is not enough: its " +
    "policy cannot be changed to admit cloudwatch.amazonaws.com, so CloudWatch alarms published to such a topic are silently dropped.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_sns_topic", (t, key) =>
      !t.kms_master_key_id || isAwsManagedKey(t.kms_master_key_id) ? `topic ${displayName(t, key)} is on ${t.kms_master_key_id ?? "no key"}` : undefined,
    ),
};
