import { refsIn, Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey, keyAddressOf, keyAllowsService } from "./helpers";

export const AlarmTopicKey: Rule = {
  id: "ZT-AWS-CW-002",
  level: "error",
  appliesTo: "aws_",
  cause: "A CloudWatch alarm publishes to an encrypted SNS topic whose key CloudWatch may not use",
  explanation:
    "CloudWatch publishes alarm notifications to an encrypted topic only if the topic's KMS key policy allows " +
    "cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*; alias/aws/sns never does. Otherwise every alarm " +
    "notification is dropped without an error anyone sees.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_cloudwatch_metric_alarm", (a, key) => {
      const problems: string[] = [];
      const topics = new Set([...refsIn(a.alarm_actions), ...refsIn(a.ok_actions), ...refsIn(a.insufficient_data_actions)].filter((r) => r.startsWith("aws_sns_topic.")));
      for (const topic of topics) {
        const t = ctx.lookup(topic);
        if (!t?.kms_master_key_id) continue;
        if (isAwsManagedKey(t.kms_master_key_id)) problems.push(`${topic} is on ${t.kms_master_key_id}`);
        const keyAddress = keyAddressOf(ctx, t.kms_master_key_id);
        if (keyAddress && keyAllowsService(ctx, keyAddress, /^cloudwatch\.amazonaws\.com$/, ["kms:Decrypt", "kms:GenerateDataKey"]) === "no") {
          problems.push(`${topic} uses ${keyAddress}, whose policy does not allow cloudwatch.amazonaws.com`);
        }
      }
      return problems.length > 0 ? `alarm ${displayName(a, key)}: ${problems.join("; ")}` : undefined;
    }),
};
