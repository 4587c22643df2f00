import { pathOf, refsIn, Rule } from "../../rule";

const FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

export const S3PublicAccess: Rule = {
  id: "ZT-AWS-S3-002",
  level: "error",
  cause: "An S3 bucket lacks a public-access block with all four flags",
  checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
  explanation: "All four public-access-block flags keep a future ACL or policy mistake from making objects public.",
  evaluate: (ctx) => {
    const pabs = ctx.resources("aws_s3_bucket_public_access_block");
    return ctx.resources("aws_s3_bucket").flatMap(([key, b]) => {
      const addr = `aws_s3_bucket.${key}`;
      const pab = pabs.find(([, p]) => refsIn(p.bucket).includes(addr))?.[1];
      const missing = pab ? FLAGS.filter((f) => pab[f] !== true) : FLAGS;
      return missing.length > 0 ? [{ resource: addr, path: pathOf(b), detail: `bucket ${b.bucket ?? key} does not set ${missing.join(", ")}` }] : [];
    });
  },
};
