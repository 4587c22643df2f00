import { Rule } from "../../rule";
import { block, bucketConfig, displayName, eachResource } from "./helpers";

export const S3Versioning: Rule = {
  id: "ZT-AWS-S3-004",
  level: "warning",
  appliesTo: "aws_",
  cause: "An S3 bucket is not versioned",
  checkov: ["CKV_AWS_21"],
  explanation: "Versioning makes overwritten and deleted objects recoverable, which is what a backup bucket is for; pair it with a lifecycle rule that expires old versions.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_s3_bucket", (b, key) => {
      const v = bucketConfig(ctx, "aws_s3_bucket_versioning", `aws_s3_bucket.${key}`)[0];
      const on = block(v?.versioning_configuration)?.status === "Enabled" || block(b.versioning)?.enabled === true;
      return on ? undefined : `bucket ${displayName(b, key)} is not versioned`;
    }),
};
