import { Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const LogGroupRetention: Rule = {
  id: "ZT-AWS-LOG-002",
  level: "error",
  appliesTo: "aws_",
  cause: "A CloudWatch log group keeps logs forever (no retention)",
  checkov: ["CKV_AWS_66"],
  explanation: "Without retention_in_days logs are kept, and paid for, forever, and personal data in them is never deleted. Set a retention that matches your audit needs.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_cloudwatch_log_group", (g, key) => (!g.retention_in_days ? `log group ${displayName(g, key)} has no retention_in_days` : undefined)),
};
