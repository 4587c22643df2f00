import { Rule } from "../../rule";
import { block, displayName, eachResource } from "./helpers";

export const LambdaTracing: Rule = {
  id: "ZT-AWS-LMB-003",
  level: "warning",
  appliesTo: "aws_",
  cause: "A Lambda function has no X-Ray tracing configured",
  checkov: ["CKV_AWS_50"],
  explanation: "tracing_config (mode Active or PassThrough) shows which calls a function made, e.g. which secrets a rotation touched and where it failed.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_lambda_function", (f, key) => {
      const mode = block(f.tracing_config)?.mode;
      return mode === "Active" || mode === "PassThrough" ? undefined : `function ${displayName(f, key)} has no tracing_config`;
    }),
};
