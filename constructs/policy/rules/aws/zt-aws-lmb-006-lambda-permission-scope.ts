import { Rule } from "../../rule";
import { eachResource } from "./helpers";

export const LambdaPermissionScope: Rule = {
  id: "ZT-AWS-LMB-006",
  level: "error",
  appliesTo: "aws_",
  cause: "A Lambda permission lets a service invoke the function on behalf of any account (no source_arn or source_account)",
  checkov: ["CKV_AWS_364"],
  explanation:
    "A resource-based permission for a service (secretsmanager.amazonaws.com, s3.amazonaws.com, ...) without source_arn " +
    "or source_account lets that service invoke the function on behalf of any account that names it (the confused-deputy " +
    "problem). Bound it with source_account, and source_arn where the resource is known. (Principal \"*\" is ZT-AWS-IAM-003.)",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_lambda_permission", (p) => {
      const principal = String(p.principal ?? "");
      if (/\.amazonaws\.com$/.test(principal) && !p.source_arn && !p.source_account) return `permission for ${principal} on ${p.function_name} has no source_arn and no source_account`;
      return undefined;
    }),
};
