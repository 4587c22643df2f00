import { Rule } from "../../rule";
import { bucketConfig, displayName, eachResource } from "./helpers";

const FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

export const S3PublicAccess: Rule = {
  id: "ZT-AWS-S3-002",
  level: "error",
  appliesTo: "aws_",
  cause: "An S3 bucket lacks a public-access block with all four flags on",
  checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
  explanation:
    "With block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true " +
    "(aws_s3_bucket_public_access_block, or aws_s3_account_public_access_block for the whole account), a later ACL or " +
    "policy mistake cannot make objects public.",
  evaluate: (_stack, ctx) => {
    const account = ctx.resources("aws_s3_account_public_access_block").some(([, a]) => FLAGS.every((f) => a[f] === true));
    if (account) return [];
    return eachResource(ctx, "aws_s3_bucket", (b, key) => {
      const pab = bucketConfig(ctx, "aws_s3_bucket_public_access_block", `aws_s3_bucket.${key}`)[0];
      const missing = pab ? FLAGS.filter((f) => pab[f] !== true) : FLAGS;
      return missing.length > 0 ? `bucket ${displayName(b, key)} ${pab ? "does not set" : "has no public-access block:"} ${missing.join(", ")}` : undefined;
    });
  },
};
