import { pathOf, refsIn, Rule } from "../../rule";

export const S3VersioningAndOwnership: Rule = {
  id: "ZT-AWS-S3-004",
  level: "warning",
  cause: "An S3 bucket is not versioned or still allows ACLs",
  checkov: ["CKV_AWS_21", "CKV2_AWS_65"],
  explanation: "Versioning makes overwrites and deletions recoverable; BucketOwnerEnforced turns ACLs off so access is decided by policies alone.",
  evaluate: (ctx) => {
    const versioning = ctx.resources("aws_s3_bucket_versioning");
    const ownership = ctx.resources("aws_s3_bucket_ownership_controls");
    return ctx.resources("aws_s3_bucket").flatMap(([key, b]) => {
      const addr = `aws_s3_bucket.${key}`;
      const v = versioning.find(([, x]) => refsIn(x.bucket).includes(addr))?.[1];
      const o = ownership.find(([, x]) => refsIn(x.bucket).includes(addr))?.[1];
      const issues = [];
      if ((v?.versioning_configuration?.status ?? v?.versioning_configuration?.[0]?.status) !== "Enabled") issues.push("versioning off");
      if ((o?.rule?.object_ownership ?? o?.rule?.[0]?.object_ownership) !== "BucketOwnerEnforced") issues.push("ACLs not disabled");
      return issues.length > 0 ? [{ resource: addr, path: pathOf(b), detail: `bucket ${b.bucket ?? key}: ${issues.join(", ")}` }] : [];
    });
  },
};
