import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { formatProblem, S3_BUCKET_NAME } from "../common/patterns";
import { Validator } from "../common/validation";
import { AccessLogBucket, hardenBucket } from "../aws/encrypted-bucket";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { AwsEnvironment, partitionOf, PolicyStatement } from "../aws/iam";

/**
 * Elastic Load Balancing's log-delivery accounts of the regions that opened before August 2022
 * (AWS's table); newer regions deliver as the `logdelivery.elasticloadbalancing.amazonaws.com` service.
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-central-1": "054676820928",
  "eu-north-1": "897822967062",
  "ap-northeast-1": "582318560864",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
};

export interface AlbLogBucketProps {
  readonly environment: AwsEnvironment;
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Prefix the ALB writes under (`<prefix>/AWSLogs/<account>/...`). */
  readonly prefix: string;
  /** The bucket that receives this bucket's own server access logs. */
  readonly accessLogs: AccessLogBucket;
  /** @default 365 */
  readonly expirationDays?: number;
}

/**
 * The ALB's access-log bucket, hardened like every bucket here (ACLs off, public access blocked,
 * versioned, TLS >= 1.2 only, lifecycle, server access logs) with the one difference ALB forces:
 * **ALB access logs support only SSE-S3** (AES-256); a bucket whose default is SSE-KMS makes the
 * delivery fail. Only Elastic Load Balancing's delivery principal of the region may write, and only
 * under `<prefix>/AWSLogs/<account>/`. Policy rule ZT-AWS-S3-001 accepts SSE-S3 for a bucket an
 * `aws_lb` writes its access logs to, and for no other.
 */
export class AlbLogBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly bucketName: string;
  public readonly prefix: string;

  constructor(scope: Construct, id: string, props: AlbLogBucketProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    const nameProblem = formatProblem(S3_BUCKET_NAME, props.bucketName);
    if (nameProblem) v.add("bucketName", nameProblem);
    v.check(/^[a-z0-9][a-z0-9-]{0,62}$/.test(props.prefix), "prefix", "must be a lower-case key prefix of letters, digits and - (no slashes)");
    v.throwIfAny();
    const env = props.environment;
    this.bucketName = props.bucketName;
    this.prefix = props.prefix;
    this.bucket = new S3Bucket(this, "Resource", { bucket: props.bucketName });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", { bucket: this.bucket.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-alb-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.expirationDays ?? 365 }],
          noncurrentVersionExpiration: [{ noncurrentDays: 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketLoggingA(this, "Logging", { bucket: this.bucket.id, targetBucket: props.accessLogs.bucket.id, targetPrefix: `${props.bucketName}/` });
    const account = ELB_LOG_ACCOUNTS[env.region];
    const writeLogs: PolicyStatement = {
      Sid: "AlbAccessLogDelivery",
      Effect: "Allow",
      Principal: account ? { AWS: `arn:${partitionOf(env)}:iam::${account}:root` } : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${this.bucket.arn}/${props.prefix}/AWSLogs/${env.accountId}/*`,
    };
    hardenBucket(this, this.bucket, [writeLogs]);
  }
}
