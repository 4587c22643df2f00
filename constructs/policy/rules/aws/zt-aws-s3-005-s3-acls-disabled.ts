import { Rule } from "../../rule";
import { block, bucketConfig, displayName, eachResource } from "./helpers";

export const S3AclsDisabled: Rule = {
  id: "ZT-AWS-S3-005",
  level: "warning",
  appliesTo: "aws_",
  cause: "An S3 bucket still allows ACLs (object ownership is not BucketOwnerEnforced)",
  checkov: ["CKV2_AWS_65"],
  explanation: "With BucketOwnerEnforced (aws_s3_bucket_ownership_controls) ACLs are off and access is decided by policies alone, which is what a reviewer reads.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_s3_bucket", (b, key) => {
      const o = bucketConfig(ctx, "aws_s3_bucket_ownership_controls", `aws_s3_bucket.${key}`)[0];
      const ownership = block(o?.rule)?.object_ownership;
      return ownership === "BucketOwnerEnforced" ? undefined : `bucket ${displayName(b, key)} has object ownership ${ownership ?? "unset (ACLs allowed)"}`;
    }),
};
