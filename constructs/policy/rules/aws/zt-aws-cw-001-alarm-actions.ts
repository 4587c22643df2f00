import { Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const AlarmActions: Rule = {
  id: "ZT-AWS-CW-001",
  level: "warning",
  appliesTo: "aws_",
  cause: "A CloudWatch alarm has no alarm action, or its actions are disabled",
  checkov: ["CKV_AWS_319"],
  explanation: "An alarm without actions (alarm_actions, actions_enabled) changes state where nobody looks. Send alarm and OK actions to a topic people subscribe to.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_cloudwatch_metric_alarm", (a, key) => {
      if (a.actions_enabled === false) return `alarm ${displayName(a, key)} has actions_enabled = false`;
      return !Array.isArray(a.alarm_actions) || a.alarm_actions.length === 0 ? `alarm ${displayName(a, key)} has no alarm_actions` : undefined;
    }),
};
