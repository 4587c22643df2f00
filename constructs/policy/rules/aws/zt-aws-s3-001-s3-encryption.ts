import { Rule } from "../../rule";
import { accessLogTargets, albLogTargets, block, bucketConfig, displayName, eachResource, isAwsManagedKey } from "./helpers";

export const S3Encryption: Rule = {
  id: "ZT-AWS-S3-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An S3 bucket is not encrypted with a customer-managed KMS key",
  checkov: ["CKV_AWS_145", "CKV_AWS_19"],
  explanation:
    "Buckets hold backups and exports: encrypt them by default with SSE-KMS on a customer-managed key " +
    "(aws_s3_bucket_server_side_encryption_configuration, sse_algorithm aws:kms with kms_master_key_id), so the key " +
    "policy is a second gate and every use shows in CloudTrail. S3's default SSE-S3 and the AWS-managed aws/s3 key give " +
    "neither. The exceptions AWS forces: a bucket that receives S3 server access logs, and one an ALB writes its access logs " +
    "to (aws_lb access_logs; Elastic Load Balancing delivers only into SSE-S3 buckets), may use SSE-S3 (AES256), and no other.",
  evaluate: (_stack, ctx) => {
    const logTargets = new Set([...accessLogTargets(ctx), ...albLogTargets(ctx)]);
    return eachResource(ctx, "aws_s3_bucket", (b, key) => {
      const address = `aws_s3_bucket.${key}`;
      // The separate resource is the 5.x way; the inline block still works and is read as well.
      const conf = bucketConfig(ctx, "aws_s3_bucket_server_side_encryption_configuration", address)[0] ?? block(b.server_side_encryption_configuration);
      const byDefault = block(block(conf?.rule)?.apply_server_side_encryption_by_default);
      const algo = byDefault?.sse_algorithm;
      const keyId = byDefault?.kms_master_key_id;
      const name = displayName(b, key);
      if (!byDefault) return `bucket ${name} has no default server-side encryption configuration`;
      if (algo === "AES256" && logTargets.has(address)) return undefined;
      if (algo !== "aws:kms" && algo !== "aws:kms:dsse") return `bucket ${name} uses ${algo ?? "no algorithm"}, not SSE-KMS`;
      if (!keyId || isAwsManagedKey(keyId)) return `bucket ${name} uses SSE-KMS with the AWS-managed key${keyId ? ` (${keyId})` : ""}, not a customer-managed key`;
      return undefined;
    });
  },
};
