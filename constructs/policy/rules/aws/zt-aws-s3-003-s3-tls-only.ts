import { Rule } from "../../rule";
import { bucketConfig, displayName, eachResource, policyDocument } from "./helpers";

export const S3TlsOnly: Rule = {
  id: "ZT-AWS-S3-003",
  level: "error",
  appliesTo: "aws_",
  cause: "An S3 bucket's policy does not deny requests without TLS",
  explanation:
    "S3 still answers plain HTTP. A bucket policy statement that denies every principal when " +
    '`aws:SecureTransport` is "false" (and, better, when `s3:TlsVersion` is below 1.2) keeps credentials and data off ' +
    "clear-text connections. Checkov has no Terraform check for this.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_s3_bucket", (b, key) => {
      const policies = [...bucketConfig(ctx, "aws_s3_bucket_policy", `aws_s3_bucket.${key}`).map((p) => p.policy), b.policy];
      const denies = policies.some((p) => {
        const doc = policyDocument(ctx, p);
        return doc?.ok === true && doc.statements.some((s) => s.effect === "Deny" && String(s.condition?.Bool?.["aws:SecureTransport"] ?? "").toLowerCase() === "false");
      });
      return denies ? undefined : `bucket ${displayName(b, key)} has no policy statement denying aws:SecureTransport = false`;
    }),
};
