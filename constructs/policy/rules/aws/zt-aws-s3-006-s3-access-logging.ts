import { Rule } from "../../rule";
import { accessLogTargets, block, bucketConfig, displayName, eachResource } from "./helpers";

export const S3AccessLogging: Rule = {
  id: "ZT-AWS-S3-006",
  level: "warning",
  appliesTo: "aws_",
  cause: "An S3 bucket has no server access logging",
  checkov: ["CKV_AWS_18"],
  explanation:
    "Server access logs (aws_s3_bucket_logging to a separate bucket) record who read or deleted which object, which CloudTrail " +
    "does not by default. Buckets that receive access logs are exempt: logging a log bucket into itself loops.",
  evaluate: (_stack, ctx) => {
    const targets = accessLogTargets(ctx);
    return eachResource(ctx, "aws_s3_bucket", (b, key) => {
      const address = `aws_s3_bucket.${key}`;
      if (targets.has(address)) return undefined;
      const logged = bucketConfig(ctx, "aws_s3_bucket_logging", address).length > 0 || !!block(b.logging)?.target_bucket;
      return logged ? undefined : `bucket ${displayName(b, key)} has no server access logging`;
    });
  },
};
