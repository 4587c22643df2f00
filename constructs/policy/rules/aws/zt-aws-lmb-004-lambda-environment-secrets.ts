import { Rule } from "../../rule";
import { secretLeakProblem } from "../../../common/secret-patterns";
import { block, displayName, eachResource } from "./helpers";

export const LambdaEnvironmentSecrets: Rule = {
  id: "ZT-AWS-LMB-004",
  level: "error",
  appliesTo: "aws_",
  cause: "A Lambda function has a secret-looking value in its environment",
  checkov: ["CKV_AWS_45"],
  explanation:
    "Environment variables are readable by anyone with lambda:GetFunctionConfiguration and sit in the plan and the state. " +
    "Pass the secret's ARN and read the value from Secrets Manager at run time.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_lambda_function", (f, key) => {
      const vars = (block(f.environment)?.variables ?? {}) as Record<string, unknown>;
      const bad = Object.entries(vars).filter(([k, v]) => secretLeakProblem(k, String(v)));
      return bad.length > 0 ? `function ${displayName(f, key)} sets ${bad.map(([k]) => k).join(", ")}` : undefined;
    }),
};
