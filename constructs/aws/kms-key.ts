import { Construct } from "constructs";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Validator } from "../common/validation";
import { ACCOUNT_ID_PATTERN, accountRootArn, AwsEnvironment, AWS_NAME_PATTERN, partitionOf, policyDocument, PolicyStatement } from "./iam";

export interface CustomerManagedKeyProps {
  /** Account and region the key lives in (used in the key policy's conditions). */
  readonly environment: AwsEnvironment;
  /** Alias without the `alias/` prefix, e.g. `n8n-prod`. */
  readonly alias: string;
  /** @default - "<alias> customer-managed key" */
  readonly description?: string;
  /** Waiting period before a scheduled deletion completes (7-30). @default 30 */
  readonly deletionWindowInDays?: number;
  /** Let CloudWatch Logs in this region encrypt log groups of this account with the key. @default true */
  readonly allowCloudWatchLogs?: boolean;
  /** Let CloudWatch alarms publish to SNS topics encrypted with the key. @default true */
  readonly allowCloudWatchAlarms?: boolean;
}

/**
 * A customer-managed KMS key with automatic rotation and a key policy that grants only what its
 * users need: the account root administers it (so IAM policies can grant use, always scoped by
 * `kms:ViaService`), CloudWatch Logs may use it only for this account's log groups in this region
 * (`kms:EncryptionContext:aws:logs:arn`), and CloudWatch may use it only to publish alarms to
 * SNS from this account (`aws:SourceAccount`). AWS-managed keys such as `alias/aws/sns` cannot do
 * the latter, which is why the alarm topic needs this key.
 *
 * @example
 * const key = new CustomerManagedKey(this, "Key", { environment: { accountId: "123456789012", region: "eu-central-1" }, alias: "n8n-prod" });
 */
export class CustomerManagedKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;
  /** Key ARN (use it in kms_key_id attributes and IAM statements). */
  public readonly keyArn: string;
  public readonly environment: AwsEnvironment;

  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id);
    const env = props.environment;
    const window = props.deletionWindowInDays ?? 30;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(ACCOUNT_ID_PATTERN.test(env.accountId), "environment.accountId", "must be a 12-digit AWS account id");
    v.check(AWS_NAME_PATTERN.test(props.alias) && !props.alias.startsWith("aws"), "alias", "must match ^[a-z][a-z0-9-]{1,40}$ and not start with aws");
    v.check(Number.isInteger(window) && window >= 7 && window <= 30, "deletionWindowInDays", `must be an integer from 7 to 30, got ${window}`);
    v.throwIfAny();
    this.environment = env;
    const partition = partitionOf(env);

    const statements: PolicyStatement[] = [
      { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: accountRootArn(env) }, Action: "kms:*", Resource: "*" },
    ];
    if (props.allowCloudWatchLogs ?? true) {
      statements.push({
        Sid: "CloudWatchLogsForThisAccountsLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${env.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${env.region}:${env.accountId}:log-group:*` } },
      });
    }
    if (props.allowCloudWatchAlarms ?? true) {
      statements.push({
        Sid: "CloudWatchAlarmsToEncryptedTopics",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": env.accountId } },
      });
    }

    // In a key policy, "Resource": "*" means "this key": a key policy cannot name other keys.
    this.key = new KmsKey(this, "Resource", {
      description: props.description ?? `${props.alias} customer-managed key`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: window,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      policy: policyDocument(statements),
    });
    this.alias = new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;
  }

  /** Statements that let a principal use the key only through one AWS service (e.g. `secretsmanager`, `s3`). */
  public grantUseVia(service: string, actions: string[] = ["kms:Decrypt"]): PolicyStatement {
    return {
      Effect: "Allow",
      Action: actions,
      Resource: this.keyArn,
      Condition: { StringEquals: { "kms:ViaService": `${service}.${this.environment.region}.amazonaws.com` } },
    };
  }
}
