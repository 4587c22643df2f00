import { Testing, TerraformStack } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { AccessLogBucket, EncryptedBucket, EncryptedBucketProps } from "../../constructs/aws/encrypted-bucket";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { problemFields } from "../helpers/validation";

const ENV = { accountId: "123456789012", region: "eu-central-1" };

function setup(props: Partial<EncryptedBucketProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
  const bucket = new EncryptedBucket(stack, "Data", { bucketName: "t-data", key, ...props });
  const text = Testing.synth(stack);
  const json = JSON.parse(text);
  const keyArn = `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.arn}`;
  /** `${aws_s3_bucket.<name>.id}` of the bucket whose `bucket` attribute is `name`. */
  const bucketRef = (name: string) => `\${aws_s3_bucket.${Object.entries<any>(json.resource.aws_s3_bucket).find(([, b]) => b.bucket === name)![0]}.id}`;
  const policyOf = (name: string) =>
    JSON.parse(Object.values<any>(json.resource.aws_s3_bucket_policy).find((p) => p.bucket === bucketRef(name)).policy);
  return { stack, key, bucket, text, json, keyArn, bucketRef, policyOf };
}

const problems = problemFields;

describe("EncryptedBucket", () => {
  test("is encrypted with SSE-KMS on the customer key, with an S3 bucket key", () => {
    const { text, keyArn, bucketRef } = setup();
    expect(text).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: bucketRef("t-data"),
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: keyArn }, bucket_key_enabled: true }],
    });
  });

  test("the key policy lets S3 use the key for the account's principals", () => {
    const { key } = setup();
    expect(key.services).toContain("s3");
  });

  test("is versioned, blocks all public access and has ACLs off (BucketOwnerEnforced)", () => {
    const { text, bucketRef } = setup();
    const bucket = bucketRef("t-data");
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, { bucket, versioning_configuration: { status: "Enabled" } });
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, { bucket, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(text).toHaveResourceWithProperties(S3BucketOwnershipControls, { bucket, rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  test("its policy denies plain HTTP and TLS below 1.2 to every principal", () => {
    const { policyOf, json } = setup();
    const arn = `\${aws_s3_bucket.${Object.entries<any>(json.resource.aws_s3_bucket).find(([, b]) => b.bucket === "t-data")![0]}.arn}`;
    const sts = policyOf("t-data").Statement;
    expect(sts).toContainEqual({ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(sts).toContainEqual({ Sid: "DenyTlsBelow12", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } });
  });

  test("its policy refuses uploads that ask for another algorithm or another key, but not uploads that name none", () => {
    const { policyOf, keyArn } = setup();
    const sts = policyOf("t-data").Statement;
    expect(sts.find((s: any) => s.Sid === "DenyUploadsNotOnSseKms").Condition).toEqual({
      Null: { "s3:x-amz-server-side-encryption": "false" },
      StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
    });
    expect(sts.find((s: any) => s.Sid === "DenyUploadsWithAnotherKey").Condition).toEqual({
      Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
      StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
    });
    for (const s of sts) expect(s.Effect).toBe("Deny");
  });

  test("the policy waits for the public-access block, which waits for the ownership controls (no OperationAborted)", () => {
    const { json } = setup();
    for (const p of Object.values<any>(json.resource.aws_s3_bucket_policy)) expect(p.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
    for (const p of Object.values<any>(json.resource.aws_s3_bucket_public_access_block)) expect(p.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_ownership_controls\./)]);
  });

  test("expires noncurrent versions after 90 days and aborts incomplete multipart uploads after 7 by default", () => {
    const { text, bucketRef } = setup();
    expect(text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      bucket: bucketRef("t-data"),
      rule: [
        { id: "expire-noncurrent-versions", status: "Enabled", filter: [{ prefix: "" }], noncurrent_version_expiration: [{ noncurrent_days: 90 }] },
        { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: [{ prefix: "" }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] },
      ],
    });
    const custom = setup({ noncurrentVersionExpirationDays: 30, abortIncompleteMultipartUploadDays: 2 });
    expect(custom.text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [
        expect.objectContaining({ id: "expire-noncurrent-versions", noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
        expect.objectContaining({ id: "abort-incomplete-multipart-uploads", abort_incomplete_multipart_upload: [{ days_after_initiation: 2 }] }),
      ],
    });
  });

  test("current objects under one prefix expire when asked (backups), never by default; not before an object lock ends", () => {
    const expiring = setup({ expireObjects: { prefix: "backups/", days: 35 } });
    expect(expiring.text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: expect.arrayContaining([{ id: "expire-current-objects", status: "Enabled", filter: [{ prefix: "backups/" }], expiration: [{ days: 35 }] }]),
    });
    expect(JSON.stringify(setup().json.resource.aws_s3_bucket_lifecycle_configuration)).not.toContain("expire-current-objects");
    expect(problems(() => setup({ objectLock: { mode: "GOVERNANCE", days: 30 }, expireObjects: { prefix: "backups/", days: 7 } }))).toEqual(["expireObjects.days"]);
    expect(problems(() => setup({ expireObjects: { prefix: "backups", days: 7 } }))).toEqual(["expireObjects.prefix"]);
  });

  test("sends server access logs to a separate log bucket that is itself hardened", () => {
    const { text, bucketRef, policyOf } = setup();
    expect(text).toHaveResourceWithProperties(S3BucketLoggingA, { bucket: bucketRef("t-data"), target_bucket: bucketRef("t-data-access-logs"), target_prefix: "t-data/" });
    const logs = bucketRef("t-data-access-logs");
    // S3 server access logging writes with SSE-S3; the log bucket is otherwise hardened like the data bucket.
    expect(text).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, { bucket: logs, rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] });
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, { bucket: logs, block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(text).toHaveResourceWithProperties(S3BucketOwnershipControls, { bucket: logs, rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, { bucket: logs, versioning_configuration: { status: "Enabled" } });
    expect(text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      bucket: logs,
      rule: [expect.objectContaining({ id: "expire-access-logs", expiration: [{ days: 365 }], noncurrent_version_expiration: [{ noncurrent_days: 30 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] })],
    });
    const sts = policyOf("t-data-access-logs").Statement;
    expect(sts.map((s: any) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyTlsBelow12", "S3ServerAccessLogsFromThisAccount"]);
    expect(sts[2]).toMatchObject({ Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } });
  });

  test("several buckets can share one access-log bucket, each under its own prefix", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
    const logs = new AccessLogBucket(stack, "Logs", { bucketName: "t-logs", accountId: ENV.accountId });
    new EncryptedBucket(stack, "A", { bucketName: "t-a", key, accessLogs: { bucket: logs } });
    new EncryptedBucket(stack, "B", { bucketName: "t-b", key, accessLogs: { bucket: logs, prefix: "bee/" } });
    const json = JSON.parse(Testing.synth(stack));
    expect(Object.values<any>(json.resource.aws_s3_bucket).map((b) => b.bucket).sort()).toEqual(["t-a", "t-b", "t-logs"]);
    expect(Object.values<any>(json.resource.aws_s3_bucket_logging).map((l) => l.target_prefix).sort()).toEqual(["bee/", "t-a/"]);
  });

  test("object lock is off unless asked for; when asked, the bucket is created with it and a default retention", () => {
    const plain = setup();
    expect(plain.json.resource.aws_s3_bucket_object_lock_configuration).toBeUndefined();
    expect(plain.text).toHaveResourceWithProperties(S3Bucket, { bucket: "t-data", force_destroy: false });
    const locked = setup({ objectLock: { mode: "COMPLIANCE", days: 30 } });
    expect(locked.text).toHaveResourceWithProperties(S3Bucket, { bucket: "t-data", object_lock_enabled: true });
    expect(locked.text).toHaveResourceWithProperties(S3BucketObjectLockConfigurationA, { rule: { default_retention: { mode: "COMPLIANCE", days: 30 } } });
  });

  test("grantRead lists and reads one prefix and decrypts only through S3 for this bucket; it cannot write or delete", () => {
    const { bucket, keyArn } = setup();
    const read = bucket.grantRead("exports/");
    expect(read).toEqual([
      { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket.bucketArn, Condition: { StringLike: { "s3:prefix": ["exports/*"] } } },
      { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${bucket.bucketArn}/exports/*` },
      {
        Sid: "DecryptViaS3",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: bucket.key.keyArn,
        Condition: {
          StringEquals: { "kms:ViaService": "s3.eu-central-1.amazonaws.com" },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucket.bucketArn, `${bucket.bucketArn}/*`] },
        },
      },
    ]);
    expect(keyArn).toMatch(/^\$\{aws_kms_key\./);
    expect(JSON.stringify(read)).not.toMatch(/Put|Delete|s3:\*|kms:\*/);
  });

  test("grantWrite puts objects under one prefix and encrypts only through S3; it cannot read, delete or change retention", () => {
    const { bucket } = setup();
    const write = bucket.grantWrite("backups/");
    expect(write[0]).toEqual({ Sid: "WriteObjects", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${bucket.bucketArn}/backups/*` });
    expect(write[1]).toMatchObject({ Sid: "EncryptViaS3", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Condition: { StringEquals: { "kms:ViaService": "s3.eu-central-1.amazonaws.com" } } });
    expect(write).toHaveLength(2);
    expect(JSON.stringify(write)).not.toMatch(/GetObject|Delete|Retention|LegalHold|s3:\*/);
  });

  test("a grant on a prefix that is not path segments ending in / is refused, naming the prefix", () => {
    const { bucket } = setup();
    expect(problems(() => bucket.grantWrite("../x"))).toEqual(["prefix"]);
    expect(problems(() => bucket.grantRead("backups"))).toEqual(["prefix"]);
  });

  test("invalid props fail at synth, naming each prop", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
    expect(
      problems(
        () =>
          new EncryptedBucket(stack, "B", {
            bucketName: "Bad_Name",
            key,
            noncurrentVersionExpirationDays: 0,
            abortIncompleteMultipartUploadDays: 1.5,
            objectLock: { mode: "GOVERNANCE", days: 0 },
          }),
      ),
    ).toEqual(["bucketName", "noncurrentVersionExpirationDays", "abortIncompleteMultipartUploadDays", "objectLock.days"]);
    expect(problems(() => new AccessLogBucket(stack, "L", { bucketName: "ok-logs", accountId: "nope" }))).toEqual(["accountId"]);
  });
});
