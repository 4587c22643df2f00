import { Rule } from "../../rule";
import { displayName, eachResource, keyAddressOf, keyAllowsService } from "./helpers";

const LOGS_SERVICE = /^logs(\.[a-z0-9-]+)?\.amazonaws\.com$/;

export const LogGroupKeyPolicy: Rule = {
  id: "ZT-AWS-LOG-004",
  level: "error",
  appliesTo: "aws_",
  cause: "A log group's KMS key policy does not let CloudWatch Logs use the key",
  explanation:
    "CloudWatch Logs encrypts with the caller's key only if the key policy allows the logs.<region>.amazonaws.com principal " +
    "(kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*), best scoped by the " +
    "kms:EncryptionContext:aws:logs:arn condition. Without it `terraform apply` fails to create the log group.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_cloudwatch_log_group", (g, key) => {
      const keyAddress = keyAddressOf(ctx, g.kms_key_id);
      if (!keyAddress) return undefined;
      return keyAllowsService(ctx, keyAddress, LOGS_SERVICE, ["kms:GenerateDataKey", "kms:Decrypt"]) === "no"
        ? `log group ${displayName(g, key)} uses ${keyAddress}, whose policy does not allow logs.<region>.amazonaws.com`
        : undefined;
    }),
};
