import { pathOf, refsIn, Rule } from "../../rule";

/** Buckets that receive S3 server access logs (they cannot use SSE-KMS). */
function logTargets(ctx: Parameters<Rule["evaluate"]>[0]): Set<string> {
  return new Set(ctx.resources("aws_s3_bucket_logging").flatMap(([, l]) => refsIn(l.target_bucket)));
}

export const S3Encryption: Rule = {
  id: "ZT-AWS-S3-001",
  level: "error",
  cause: "An S3 bucket is not encrypted with a customer-managed KMS key",
  checkov: ["CKV_AWS_145", "CKV_AWS_19"],
  explanation: "Buckets hold backups and exports: encrypt them with SSE-KMS on the customer key (with a bucket key) so access is also governed by the key policy. Access-log target buckets are the exception S3 forces: SSE-S3 (AES256).",
  evaluate: (ctx) => {
    const targets = logTargets(ctx);
    const sse = ctx.resources("aws_s3_bucket_server_side_encryption_configuration");
    return ctx.resources("aws_s3_bucket").flatMap(([key, b]) => {
      const addr = `aws_s3_bucket.${key}`;
      const conf = sse.find(([, s]) => refsIn(s.bucket).includes(addr));
      const byDefault = conf?.[1].rule?.[0]?.apply_server_side_encryption_by_default ?? conf?.[1].rule?.apply_server_side_encryption_by_default;
      const algo = Array.isArray(byDefault) ? byDefault[0]?.sse_algorithm : byDefault?.sse_algorithm;
      const keyId = Array.isArray(byDefault) ? byDefault[0]?.kms_master_key_id : byDefault?.kms_master_key_id;
      if (!conf) return [{ resource: addr, path: pathOf(b), detail: `bucket ${b.bucket ?? key} has no server-side encryption configuration` }];
      if (targets.has(addr) && algo === "AES256") return [];
      if (algo !== "aws:kms" || !keyId || /alias\/aws\/s3/.test(String(keyId))) return [{ resource: addr, path: pathOf(b), detail: `bucket ${b.bucket ?? key} uses ${algo ?? "no algorithm"}${keyId ? ` with ${keyId}` : ""}, not SSE-KMS with a customer key` }];
      return [];
    });
  },
};
