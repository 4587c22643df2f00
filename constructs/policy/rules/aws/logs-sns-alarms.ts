import { pathOf, Rule } from "../../rule";

export const LogGroups: Rule = {
  id: "ZT-AWS-LOG-001",
  level: "error",
  cause: "A CloudWatch log group is not encrypted with a customer key or keeps logs forever/without retention",
  checkov: ["CKV_AWS_158", "CKV_AWS_338", "CKV_AWS_66"],
  explanation: "Access logs contain user identities and paths: encrypt them with the customer key and keep them for a defined period (at least a year in prod).",
  evaluate: (ctx) =>
    ctx.resources("aws_cloudwatch_log_group").flatMap(([key, g]) => {
      const issues = [];
      if (!g.kms_key_id) issues.push("no kms_key_id");
      if (!g.retention_in_days) issues.push("no retention");
      return issues.length ? [{ resource: `aws_cloudwatch_log_group.${key}`, path: pathOf(g), detail: `${g.name ?? key}: ${issues.join(", ")}` }] : [];
    }),
};

export const SnsTopicKey: Rule = {
  id: "ZT-AWS-SNS-001",
  level: "error",
  cause: "An SNS topic is unencrypted or uses alias/aws/sns",
  checkov: ["CKV_AWS_26"],
  explanation: "Encrypt topics with a customer key; CloudWatch alarms cannot publish to a topic on alias/aws/sns, so alarms on such a topic are silently lost.",
  evaluate: (ctx) =>
    ctx.resources("aws_sns_topic")
      .filter(([, t]) => !t.kms_master_key_id || String(t.kms_master_key_id).includes("alias/aws/sns"))
      .map(([key, t]) => ({ resource: `aws_sns_topic.${key}`, path: pathOf(t), detail: `topic ${t.name ?? key} uses ${t.kms_master_key_id ?? "no key"}` })),
};

export const AlarmActions: Rule = {
  id: "ZT-AWS-CW-001",
  level: "warning",
  cause: "A CloudWatch alarm has no alarm action",
  checkov: ["CKV_AWS_319"],
  explanation: "An alarm without actions changes state where nobody looks. Send alarm (and OK) actions to a topic people subscribe to.",
  evaluate: (ctx) =>
    ctx.resources("aws_cloudwatch_metric_alarm")
      .filter(([, a]) => !a.alarm_actions || a.alarm_actions.length === 0)
      .map(([key, a]) => ({ resource: `aws_cloudwatch_metric_alarm.${key}`, path: pathOf(a), detail: `alarm ${a.alarm_name ?? key} has no actions` })),
};
