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
import { policyDocument, PolicyStatement } from "./iam";
import { CustomerManagedKey } from "./kms-key";

export interface EncryptedBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Customer-managed key for SSE-KMS (with an S3 bucket key). */
  readonly key: CustomerManagedKey;
  /**
   * Where server access logs go. By default a separate, hardened log bucket
   * `<bucketName>-access-logs` is created. @default - a new log bucket
   */
  readonly accessLogs?: { readonly bucket: AccessLogBucket; readonly prefix?: string };
  /** Delete noncurrent versions after this many days. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Abort incomplete multipart uploads after this many days. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** Write-once retention (object lock). Can only be turned on when the bucket is created. @default - off */
  readonly objectLock?: { readonly mode: "GOVERNANCE" | "COMPLIANCE"; readonly days: number };
  /** Let `terraform destroy` delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
}

/** Statements shared by every bucket: no plain HTTP, no TLS below 1.2. */
function transportStatements(bucketArn: string): PolicyStatement[] {
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

function hardenBucket(scope: Construct, bucket: S3Bucket, extraPolicy: PolicyStatement[]): { publicAccessBlock: S3BucketPublicAccessBlock; policy: S3BucketPolicy } {
  new S3BucketOwnershipControls(scope, "Ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, "PublicAccessBlock", {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketVersioningA(scope, "Versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
  // The policy waits for the public-access block: S3 answers "OperationAborted: A conflicting
  // conditional operation is currently in progress" when both are written at once.
  const policy = new S3BucketPolicy(scope, "Policy", {
    bucket: bucket.id,
    policy: policyDocument([...transportStatements(bucket.arn), ...extraPolicy]),
    dependsOn: [publicAccessBlock],
  });
  return { publicAccessBlock, policy };
}

export interface AccessLogBucketProps {
  readonly bucketName: string;
  /** Account whose buckets may log here (aws:SourceAccount). */
  readonly accountId: string;
  /** Delete access logs after this many days. @default 365 */
  readonly expirationDays?: number;
  /** @default false */
  readonly forceDestroy?: boolean;
}

/**
 * The target of S3 server access logs, hardened like every bucket except for one forced choice:
 * S3 server access logging cannot deliver to a bucket encrypted with SSE-KMS, so this bucket uses
 * SSE-S3 (AES-256). Only the S3 logging service of this account may write to it.
 */
export class AccessLogBucket extends Construct {
  public readonly bucket: S3Bucket;
  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName), "bucketName", "must be a valid S3 bucket name (3-63 lower-case letters, digits, . -)");
    v.throwIfAny();
    this.bucket = new S3Bucket(this, "Resource", { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
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
          expiration: [{ days: props.expirationDays ?? 365 }],
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

/**
 * An S3 bucket that is private and encrypted by default: SSE-KMS with the customer key and a
 * bucket key, versioning, all four public-access-block flags, ACLs off (`BucketOwnerEnforced`),
 * a policy denying plain HTTP and TLS < 1.2, server access logs to a hardened log bucket,
 * lifecycle rules for noncurrent versions and stale multipart uploads, optional object lock.
 * Access is handed out with {@link grantRead} / {@link grantWrite}, never by editing the policy.
 *
 * @example
 * const backups = new EncryptedBucket(this, "Backups", { bucketName: "acme-n8n-backups", key });
 * hostPolicy.push(...backups.grantWrite("postgres/"));
 */
export class EncryptedBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly bucketArn: string;
  public readonly bucketName: string;
  public readonly accessLogBucket: AccessLogBucket;
  private readonly key: CustomerManagedKey;

  constructor(scope: Construct, id: string, props: EncryptedBucketProps) {
    super(scope, id);
    const noncurrent = props.noncurrentVersionExpirationDays ?? 90;
    const multipart = props.abortIncompleteMultipartUploadDays ?? 7;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName) && !props.bucketName.includes(".."), "bucketName", "must be a valid S3 bucket name (3-63 lower-case letters, digits, . -)");
    v.check(Number.isInteger(noncurrent) && noncurrent >= 1, "noncurrentVersionExpirationDays", "must be a whole number of days >= 1");
    v.check(Number.isInteger(multipart) && multipart >= 1, "abortIncompleteMultipartUploadDays", "must be a whole number of days >= 1");
    if (props.objectLock) v.check(Number.isInteger(props.objectLock.days) && props.objectLock.days >= 1 && props.objectLock.days <= 36500, "objectLock.days", "must be from 1 to 36500");
    v.throwIfAny();
    this.key = props.key;

    this.bucket = new S3Bucket(this, "Resource", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      objectLockEnabled: props.objectLock ? true : undefined,
    });
    this.bucketArn = this.bucket.arn;
    this.bucketName = props.bucketName;
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.key.keyArn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        { id: "expire-noncurrent-versions", status: "Enabled", filter: [{ prefix: "" }], noncurrentVersionExpiration: [{ noncurrentDays: noncurrent }] },
        { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: [{ prefix: "" }], abortIncompleteMultipartUpload: [{ daysAfterInitiation: multipart }] },
      ],
    });
    if (props.objectLock) {
      new S3BucketObjectLockConfigurationA(this, "ObjectLock", {
        bucket: this.bucket.id,
        rule: { defaultRetention: { mode: props.objectLock.mode, days: props.objectLock.days } },
      });
    }
    hardenBucket(this, this.bucket, []);
    this.accessLogBucket =
      props.accessLogs?.bucket ??
      new AccessLogBucket(this, "AccessLogs", { bucketName: `${props.bucketName}-access-logs`.slice(0, 63), accountId: props.key.environment.accountId, forceDestroy: props.forceDestroy });
    new S3BucketLoggingA(this, "Logging", {
      bucket: this.bucket.id,
      targetBucket: this.accessLogBucket.bucket.id,
      targetPrefix: props.accessLogs?.prefix ?? `${props.bucketName}/`,
    });
  }

  /** Least-privilege read: list the bucket (optionally one prefix), get objects, decrypt via S3 only. */
  public grantRead(prefix = ""): PolicyStatement[] {
    this.checkPrefix(prefix);
    return [
      { Effect: "Allow", Action: "s3:ListBucket", Resource: this.bucketArn, ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}) },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${this.bucketArn}/${prefix}*` },
      this.key.grantUseVia("s3", ["kms:Decrypt"]),
    ];
  }

  /** Least-privilege write to one prefix: put objects, encrypt via S3 only. No delete. */
  public grantWrite(prefix = ""): PolicyStatement[] {
    this.checkPrefix(prefix);
    return [
      { Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${this.bucketArn}/${prefix}*` },
      this.key.grantUseVia("s3", ["kms:GenerateDataKey", "kms:Decrypt"]),
    ];
  }

  private checkPrefix(prefix: string): void {
    if (!/^([A-Za-z0-9!_.'()-]+\/)*$/.test(prefix)) throw new Error(`prefix must be empty or end with "/" (segments of [A-Za-z0-9!_.'()-]), got ${JSON.stringify(prefix)}`);
  }
}
