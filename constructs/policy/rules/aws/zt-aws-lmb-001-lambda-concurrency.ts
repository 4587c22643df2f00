import { Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const LambdaConcurrency: Rule = {
  id: "ZT-AWS-LMB-001",
  level: "warning",
  appliesTo: "aws_",
  cause: "A Lambda function has no reserved concurrency",
  checkov: ["CKV_AWS_115"],
  explanation: "reserved_concurrent_executions bounds what a runaway trigger can cost and keeps one function from starving the account's other functions.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_lambda_function", (f, key) =>
      typeof f.reserved_concurrent_executions !== "number" || f.reserved_concurrent_executions < 0 ? `function ${displayName(f, key)} has no reserved_concurrent_executions` : undefined,
    ),
};
