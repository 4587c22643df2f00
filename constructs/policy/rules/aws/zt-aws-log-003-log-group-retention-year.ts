import { Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const LogGroupRetentionYear: Rule = {
  id: "ZT-AWS-LOG-003",
  level: "warning",
  appliesTo: "aws_",
  cause: "A CloudWatch log group keeps logs for less than a year",
  checkov: ["CKV_AWS_338"],
  explanation: "Security investigations often start months after the event; keep access and audit logs for at least 365 days unless a policy says otherwise.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_cloudwatch_log_group", (g, key) =>
      typeof g.retention_in_days === "number" && g.retention_in_days > 0 && g.retention_in_days < 365 ? `log group ${displayName(g, key)} keeps logs ${g.retention_in_days} days` : undefined,
    ),
};
