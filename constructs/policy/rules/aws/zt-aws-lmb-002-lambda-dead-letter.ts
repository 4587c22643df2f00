import { Rule } from "../../rule";
import { attachedBy, block, displayName, eachResource } from "./helpers";

export const LambdaDeadLetter: Rule = {
  id: "ZT-AWS-LMB-002",
  level: "warning",
  appliesTo: "aws_",
  cause: "A Lambda function has no dead-letter queue or on-failure destination",
  checkov: ["CKV_AWS_116"],
  explanation:
    "Failed asynchronous invocations are dropped after two retries unless a dead_letter_config (or an " +
    "aws_lambda_function_event_invoke_config on-failure destination) keeps them for inspection.",
  evaluate: (_stack, ctx) => {
    const invokeConfigs = attachedBy(ctx, "aws_lambda_function_event_invoke_config", "function_name", "aws_lambda_function", "function_name");
    return eachResource(ctx, "aws_lambda_function", (f, key) => {
      if (block(f.dead_letter_config)?.target_arn) return undefined;
      const onFailure = (invokeConfigs.get(`aws_lambda_function.${key}`) ?? []).some(([, c]) => block(block(c.destination_config)?.on_failure)?.destination);
      return onFailure ? undefined : `function ${displayName(f, key)} has no dead_letter_config`;
    });
  },
};
