import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Validator } from "../common/validation";
import { boundMessage, inBound, RETENTION_DAYS } from "../common/bounds";
import { AWS_ACCOUNT_ID, formatProblem, S3_BUCKET_NAME } from "../common/patterns";
import { policyDocument, PolicyStatement } from "./iam";
import { CustomerManagedKey } from "./kms-key";

/** Key prefixes handed out by grants: empty, or segments ending in `/`. */
const PREFIX = /^([A-Za-z0-9!_.'()-]+\/)*$/;

/** Deny plain HTTP and TLS below 1.2 for every principal: part of every bucket's policy. */
export function transportStatements(bucketArn: string): PolicyStatement[] {
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyTlsBelow12",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  ];
}

/**
 * The settings every bucket here shares: ACLs off, all four public-access-block flags, versioning,
 * and a policy denying insecure transport.
 *
 * The three bucket-level writes are ordered (ownership controls, then the public-access block, then
 * the policy): S3 answers "OperationAborted: A conflicting conditional operation is currently in
 * progress" when they reach one bucket at once (hashicorp/terraform-provider-aws#7628).
 */
export function hardenBucket(scope: Construct, bucket: S3Bucket, extraPolicy: PolicyStatement[]): { publicAccessBlock: S3BucketPublicAccessBlock; policy: S3BucketPolicy } {
  const ownership = new S3BucketOwnershipControls(scope, "Ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, "PublicAccessBlock", {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
    dependsOn: [ownership],
  });
  new S3BucketVersioningA(scope, "Versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  const policy = new S3BucketPolicy(scope, "Policy", {
    bucket: bucket.id,
    policy: policyDocument([...transportStatements(bucket.arn), ...extraPolicy]),
    dependsOn: [publicAccessBlock],
  });
  return { publicAccessBlock, policy };
}

export interface AccessLogBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Account whose buckets may deliver server access logs here (`aws:SourceAccount`). */
  readonly accountId: string;
  /** Delete access logs after this many days. @default - 365 days */
  readonly expirationDays?: number;
  /** Let `terraform destroy` delete a bucket that still holds logs. @default - a non-empty bucket is kept */
  readonly forceDestroy?: boolean;
}

/**
 * The target of S3 server access logs, hardened like {@link EncryptedBucket} (ACLs off, public access
 * blocked, versioned, TLS >= 1.2 only, lifecycle) with one deliberate difference: default encryption
 * is SSE-S3 (AES-256). S3 writes access logs as `logging.s3.amazonaws.com`; into an SSE-KMS bucket
 * that needs a grant for that service in the key policy, and a mistake there loses logs silently.
 * The logs hold request metadata, never object data. Only the S3 logging service of this account may write.
 * It does not log itself (that would loop), and it cannot use object lock (S3 refuses such targets).
 *
 * @example
 * const logs = new AccessLogBucket(this, "AccessLogs", { bucketName: "acme-s3-access-logs", accountId: "123456789012" });
 * new EncryptedBucket(this, "Exports", { bucketName: "acme-n8n-exports", key, accessLogs: { bucket: logs } });
 */
export class AccessLogBucket extends Construct {
  /** The `aws_s3_bucket` (child id `Resource`). */
  public readonly bucket: S3Bucket;
  public readonly bucketName: string;
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const expiration = props.expirationDays ?? 365;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    for (const [field, problem] of [["bucketName", formatProblem(S3_BUCKET_NAME, props.bucketName)], ["accountId", formatProblem(AWS_ACCOUNT_ID, props.accountId)]] as const) {
      if (problem) v.add(field, problem);
    }
    v.check(Number.isInteger(expiration) && expiration >= 1, "expirationDays", `must be a whole number of days >= 1, got ${expiration}`);
    v.throwIfAny();
    this.bucketName = props.bucketName;
    this.bucket = new S3Bucket(this, "Resource", { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    this.bucketArn = this.bucket.arn;
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: expiration }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    hardenBucket(this, this.bucket, [
      {
        Sid: "S3ServerAccessLogsFromThisAccount",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${this.bucket.arn}/*`,
        Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
      },
    ]);
  }
}

export interface EncryptedBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Customer-managed key for SSE-KMS; its policy is extended to allow use through S3. */
  readonly key: CustomerManagedKey;
  /**
   * Where server access logs go. Pass a shared {@link AccessLogBucket} to collect several buckets' logs.
   * @default - a new hardened log bucket named `<bucketName>-access-logs`, logs under `<bucketName>/`
   */
  readonly accessLogs?: { readonly bucket: AccessLogBucket; readonly prefix?: string };
  /** Delete noncurrent (overwritten or deleted) versions after this many days. @default - 90 days */
  readonly noncurrentVersionExpirationDays?: number;
  /** Abort multipart uploads left incomplete after this many days. @default - 7 days */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Expire current objects under a prefix after some days (they become noncurrent versions, deleted
   * after `noncurrentVersionExpirationDays`). With object lock, `days` must be at least its retention.
   * @default - current objects never expire
   */
  readonly expireObjects?: { readonly prefix: string; readonly days: number };
  /**
   * Write-once retention (S3 object lock) for every new object version. Object lock can only be
   * turned on when the bucket is created. COMPLIANCE mode cannot be shortened by anyone, not even root.
   * @default - no object lock
   */
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  /** Let `terraform destroy` delete a bucket that still holds objects. @default - a non-empty bucket is kept */
  readonly forceDestroy?: boolean;
}

/** Throws one ValidationError naming every bad prop of an EncryptedBucket (the lifecycle days with their defaults). */
function validateBucketProps(path: string, props: EncryptedBucketProps, noncurrent: number, multipart: number): void {
  const v = new Validator(`Invalid props for ${path}`);
  const nameProblem = formatProblem(S3_BUCKET_NAME, props.bucketName);
  if (nameProblem) v.add("bucketName", nameProblem);
  v.check(Number.isInteger(noncurrent) && noncurrent >= 1, "noncurrentVersionExpirationDays", `must be a whole number of days >= 1, got ${noncurrent}`);
  v.check(Number.isInteger(multipart) && multipart >= 1, "abortIncompleteMultipartUploadDays", `must be a whole number of days >= 1, got ${multipart}`);
  if (props.objectLock) {
    v.check(["GOVERNANCE", "COMPLIANCE"].includes(props.objectLock.mode), "objectLock.mode", `must be GOVERNANCE or COMPLIANCE, got "${props.objectLock.mode}"`);
    v.check(inBound(props.objectLock.days, RETENTION_DAYS), "objectLock.days", `${boundMessage(RETENTION_DAYS, " (days)")}, got ${props.objectLock.days}`);
  }
  if (props.expireObjects) {
    const e = props.expireObjects;
    v.check(PREFIX.test(e.prefix) && e.prefix !== "", "expireObjects.prefix", 'must be one or more path segments ending in "/"');
    v.check(Number.isInteger(e.days) && e.days >= 1, "expireObjects.days", `must be a whole number of days >= 1, got ${e.days}`);
    if (props.objectLock) v.check(e.days >= props.objectLock.days, "expireObjects.days", `must be at least objectLock.days (${props.objectLock.days}): locked versions cannot expire earlier`);
  }
  if (props.accessLogs?.prefix !== undefined) v.check(PREFIX.test(props.accessLogs.prefix) && props.accessLogs.prefix !== "", "accessLogs.prefix", 'must be one or more path segments ending in "/"');
  v.throwIfAny();
}

/**
 * An S3 bucket that is private and encrypted by default: SSE-KMS with the customer key and an S3
 * bucket key, uploads on any other encryption refused, versioning, all four public-access-block flags,
 * ACLs off (`BucketOwnerEnforced`), a policy denying plain HTTP and TLS < 1.2, server access logs to a
 * hardened log bucket, lifecycle rules for noncurrent versions and stale multipart uploads, and
 * optional object lock. Access is handed out with {@link grantRead} / {@link grantWrite}, which return
 * least-privilege IAM statements (including the matching KMS permissions), never by editing the policy.
 *
 * @example
 * const backups = new EncryptedBucket(this, "Backups", { bucketName: "acme-n8n-backups", key, objectLock: { mode: "GOVERNANCE", days: 30 } });
 * const hostStatements = backups.grantWrite("postgres/");
 */
export class EncryptedBucket extends Construct {
  /** The `aws_s3_bucket` (child id `Resource`). */
  public readonly bucket: S3Bucket;
  public readonly bucketArn: string;
  public readonly bucketName: string;
  public readonly accessLogBucket: AccessLogBucket;
  public readonly publicAccessBlock: S3BucketPublicAccessBlock;
  public readonly policy: S3BucketPolicy;
  public readonly key: CustomerManagedKey;

  constructor(scope: Construct, id: string, props: EncryptedBucketProps) {
    super(scope, id);
    const noncurrent = props.noncurrentVersionExpirationDays ?? 90;
    const multipart = props.abortIncompleteMultipartUploadDays ?? 7;
    validateBucketProps(this.node.path, props, noncurrent, multipart);
    this.key = props.key;
    props.key.allowUseVia("s3");
    this.bucketName = props.bucketName;

    this.bucket = new S3Bucket(this, "Resource", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      objectLockEnabled: props.objectLock ? true : undefined,
    });
    this.bucketArn = this.bucket.arn;
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.key.keyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        { id: "expire-noncurrent-versions", status: "Enabled", filter: [{ prefix: "" }], noncurrentVersionExpiration: [{ noncurrentDays: noncurrent }] },
        { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: multipart }] },
        ...(props.expireObjects
          ? [{ id: "expire-current-objects", status: "Enabled", filter: [{ prefix: props.expireObjects.prefix }], expiration: [{ days: props.expireObjects.days }] }]
          : []),
      ],
    });
    if (props.objectLock) {
      new S3BucketObjectLockConfigurationA(this, "ObjectLock", {
        bucket: this.bucket.id,
        rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
      });
    }
    const hardened = hardenBucket(this, this.bucket, [
      {
        // Default encryption applies when an upload names none (the header is absent: `Null` true);
        // these two refuse an upload that asks for another algorithm or another key.
        Sid: "DenyUploadsNotOnSseKms",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${this.bucket.arn}/*`,
        Condition: { Null: { "s3:x-amz-server-side-encryption": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
      },
      {
        Sid: "DenyUploadsWithAnotherKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${this.bucket.arn}/*`,
        Condition: { Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": props.key.keyArn } },
      },
    ]);
    this.publicAccessBlock = hardened.publicAccessBlock;
    this.policy = hardened.policy;
    this.accessLogBucket =
      props.accessLogs?.bucket ??
      new AccessLogBucket(this, "AccessLogs", {
        bucketName: `${props.bucketName.slice(0, 63 - "-access-logs".length).replace(/[.-]+$/, "")}-access-logs`,
        accountId: props.key.environment.accountId,
        forceDestroy: props.forceDestroy,
      });
    new S3BucketLoggingA(this, "Logging", {
      bucket: this.bucket.id,
      targetBucket: this.accessLogBucket.bucket.id,
      targetPrefix: props.accessLogs?.prefix ?? `${props.bucketName}/`,
    });
  }

  /**
   * Least-privilege read of one prefix: list only that prefix, get objects and their versions,
   * decrypt only through S3 and only for this bucket. No write, no delete.
   * @param prefix key prefix ending in "/", or "" for the whole bucket
   */
  public grantRead(prefix = ""): PolicyStatement[] {
    this.checkPrefix(prefix);
    return [
      { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: this.bucketArn, ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}) },
      { Sid: "ReadObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${this.bucketArn}/${prefix}*` },
      { Sid: "DecryptViaS3", ...this.keyUse(["kms:Decrypt"]) },
    ];
  }

  /**
   * Least-privilege write to one prefix: put objects (multipart included), encrypt only through S3
   * and only for this bucket. No read of other objects, no delete, no change to retention.
   * @param prefix key prefix ending in "/", or "" for the whole bucket
   */
  public grantWrite(prefix = ""): PolicyStatement[] {
    this.checkPrefix(prefix);
    return [
      { Sid: "WriteObjects", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${this.bucketArn}/${prefix}*` },
      // Multipart uploads decrypt the data key to assemble parts, hence Decrypt next to GenerateDataKey.
      { Sid: "EncryptViaS3", ...this.keyUse(["kms:GenerateDataKey", "kms:Decrypt"]) },
    ];
  }

  /** KMS use through S3, for this bucket only (with a bucket key the encryption context is the bucket ARN). */
  private keyUse(actions: string[]): PolicyStatement {
    return this.key.grantUseVia("s3", actions, { "aws:s3:arn": [this.bucketArn, `${this.bucketArn}/*`] });
  }

  private checkPrefix(prefix: string): void {
    const v = new Validator(`Invalid grant on ${this.node.path}`);
    v.check(PREFIX.test(prefix), "prefix", `must be empty or path segments ending in "/" (letters, digits, !_.'()-), got ${JSON.stringify(prefix)}`);
    v.throwIfAny();
  }
}
