import { Rule } from "../../rule";
import { block, displayName, eachResource, isAwsManagedKey } from "./helpers";

export const LambdaEnvironmentKey: Rule = {
  id: "ZT-AWS-LMB-005",
  level: "warning",
  appliesTo: "aws_",
  cause: "A Lambda function's environment variables are not encrypted with a customer-managed key",
  checkov: ["CKV_AWS_173"],
  explanation: "Without kms_key_arn Lambda encrypts environment variables with the AWS-managed key, so reading them needs no key permission.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_lambda_function", (f, key) => {
      const vars = block(f.environment)?.variables;
      if (!vars || Object.keys(vars).length === 0) return undefined;
      return !f.kms_key_arn || isAwsManagedKey(f.kms_key_arn) ? `function ${displayName(f, key)} has environment variables and no customer-managed kms_key_arn` : undefined;
    }),
};
