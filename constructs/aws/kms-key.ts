import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Validator } from "../common/validation";
import { AWS_ACCOUNT_ID, AWS_NAME, AWS_REGION, formatProblem } from "../common/patterns";
import { accountRootArn, AwsEnvironment, partitionOf, policyDocument, PolicyStatement } from "./iam";

/**
 * What the account root may do with the key without a service in between: manage it, never use it.
 * Terraform needs exactly these to create, update, tag and schedule deletion of the key.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:UpdateAlias",
  "kms:Describe*",
  "kms:Get*",
  "kms:List*",
  "kms:PutKeyPolicy",
  "kms:UpdateKeyDescription",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:RotateKeyOnDemand",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RevokeGrant",
  "kms:RetireGrant",
] as const;

/** `kms:ViaService` prefixes: lower-case service names (the same alphabet as AWS_NAME, by coincidence). */
const SERVICE_PREFIX = /^[a-z][a-z0-9-]{1,40}$/;

/** Cryptographic use, granted only through the services named in `services`. */
const KEY_USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

export interface CustomerManagedKeyProps {
  /** Account and region the key lives in (used in the key policy's conditions, never looked up at plan time). */
  readonly environment: AwsEnvironment;
  /** Alias without the `alias/` prefix, e.g. `n8n-prod`; must not start with `aws`. */
  readonly alias: string;
  /** @default - "<alias> customer-managed key" */
  readonly description?: string;
  /** Waiting period before a scheduled deletion completes, 7-30 days. @default - 30 days, the longest AWS allows */
  readonly deletionWindowInDays?: number;
  /**
   * Services (the `kms:ViaService` prefix, e.g. `secretsmanager`, `s3`, `sns`, `ec2`, `lambda`) through
   * which IAM principals of this account may use the key. Nobody may use the key directly. Constructs
   * that encrypt with the key add their service themselves ({@link CustomerManagedKey.allowUseVia}),
   * so this prop is only for uses outside this library.
   * @default - only the services of the resources encrypted with the key
   */
  readonly services?: readonly string[];
  /** Let CloudWatch Logs encrypt this account's log groups in this region with the key. @default - allowed */
  readonly allowCloudWatchLogs?: boolean;
  /** Let CloudWatch alarms of this account publish to SNS topics encrypted with the key. @default - allowed */
  readonly allowCloudWatchAlarms?: boolean;
}

/**
 * A customer-managed KMS key with automatic yearly rotation, a 30-day deletion window, an alias and
 * a key policy that grants only what its users need:
 * - the account root may administer the key (so IAM can let the deploying role manage it), not use it;
 * - principals of this account may use it only through the services of the resources it encrypts
 *   (`kms:ViaService` and `kms:CallerAccount`; S3 for {@link EncryptedBucket}, Secrets Manager for
 *   {@link ManagedSecret}, SNS for {@link AlarmTopic}), so even an IAM policy with `kms:*` cannot
 *   decrypt with it directly, and their IAM policies must still allow it ({@link grantUseVia});
 * - CloudWatch Logs only for this account's log groups in this region (`kms:EncryptionContext:aws:logs:arn`);
 * - CloudWatch only to publish this account's alarms to encrypted SNS topics (`aws:SourceAccount`).
 *   The AWS-managed `alias/aws/sns` cannot grant that, which is why the alarm topic needs this key.
 *
 * @example
 * const key = new CustomerManagedKey(this, "Key", {
 *   environment: { accountId: "123456789012", region: "eu-central-1" },
 *   alias: "n8n-prod",
 * });
 * const topic = new AlarmTopic(this, "Alarms", { name: "n8n-prod-alarms", key, emails: ["ops@example.com"] });
 */
export class CustomerManagedKey extends Construct {
  /** The `aws_kms_key` (child id `Resource`). */
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;
  /** `alias/<alias>`. */
  public readonly aliasName: string;
  /** Key ARN: use it in `kms_key_id` attributes and IAM statements (never the alias: S3 and SNS resolve aliases in the caller's account). */
  public readonly keyArn: string;
  public readonly environment: AwsEnvironment;
  /** Whether CloudWatch Logs may encrypt this account's log groups with the key. */
  public readonly allowsCloudWatchLogs: boolean;
  /** Whether CloudWatch alarms may publish to topics encrypted with the key. */
  public readonly allowsCloudWatchAlarms: boolean;
  private readonly serviceSet = new Set<string>();
  private readonly extraStatements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id);
    const env = props.environment;
    const window = props.deletionWindowInDays ?? 30;
    const services = props.services ?? [];
    const v = new Validator(`Invalid props for ${this.node.path}`);
    for (const [field, problem] of [["environment.accountId", formatProblem(AWS_ACCOUNT_ID, env.accountId)], ["environment.region", formatProblem(AWS_REGION, env.region)]] as const) {
      if (problem) v.add(field, problem);
    }
    v.check(AWS_NAME.pattern.test(props.alias) && !props.alias.startsWith("aws"), "alias", `${AWS_NAME.message} and not start with aws (reserved for AWS-managed keys)`);
    v.check(Number.isInteger(window) && window >= 7 && window <= 30, "deletionWindowInDays", `must be a whole number of days from 7 to 30, got ${window}`);
    services.forEach((s, i) => v.check(SERVICE_PREFIX.test(s), `services.${i}`, `"${s}" is not an AWS service prefix such as secretsmanager or s3`));
    v.throwIfAny();
    this.environment = env;
    services.forEach((s) => this.serviceSet.add(s));
    this.allowsCloudWatchLogs = props.allowCloudWatchLogs ?? true;
    this.allowsCloudWatchAlarms = props.allowCloudWatchAlarms ?? true;

    this.key = new KmsKey(this, "Resource", {
      description: props.description ?? `${props.alias} customer-managed key`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: window,
      isEnabled: true,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      // Built at synth time: the services list grows as constructs start using the key.
      policy: Lazy.stringValue({ produce: () => policyDocument(this.policyStatements()) }),
    });
    this.aliasName = `alias/${props.alias}`;
    this.alias = new KmsAlias(this, "Alias", { name: this.aliasName, targetKeyId: this.key.keyId });
    this.keyArn = this.key.arn;
  }

  /** The `kms:ViaService` prefixes the key policy allows, sorted. */
  public get services(): readonly string[] {
    return [...this.serviceSet].sort();
  }

  /**
   * Lets principals of this account use the key through `service` (e.g. `s3` for an SSE-KMS bucket).
   * Their IAM policies must still allow it; called by the constructs that encrypt with the key.
   */
  public allowUseVia(service: string): void {
    const v = new Validator(`Invalid service for ${this.node.path}`);
    v.check(SERVICE_PREFIX.test(service), "service", `"${service}" is not an AWS service prefix such as secretsmanager or s3`);
    v.throwIfAny();
    this.serviceSet.add(service);
  }

  /** The key policy. In a key policy, "Resource": "*" means "this key": it cannot name other keys. */
  private policyStatements(): PolicyStatement[] {
    const env = this.environment;
    const partition = partitionOf(env);
    const root = accountRootArn(env);
    const viaServices = this.services.map((s) => `${s}.${env.region}.amazonaws.com`);
    const statements: PolicyStatement[] = [{ Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: root }, Action: [...KEY_ADMIN_ACTIONS], Resource: "*" }];
    if (viaServices.length > 0) {
      statements.push(
        {
          Sid: "AccountUsesTheKeyOnlyThroughServices",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: KEY_USE_ACTIONS,
          Resource: "*",
          Condition: { StringEquals: { "kms:CallerAccount": env.accountId, "kms:ViaService": viaServices } },
        },
        {
          // Services that keep data keys for a resource (EBS volumes, Lambda) use grants; only for AWS resources.
          Sid: "ServicesMayCreateGrantsForAwsResources",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: "kms:CreateGrant",
          Resource: "*",
          Condition: { StringEquals: { "kms:CallerAccount": env.accountId, "kms:ViaService": viaServices }, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
      );
    }
    if (this.allowsCloudWatchLogs) {
      statements.push({
        Sid: "CloudWatchLogsForThisAccountsLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${env.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${env.region}:${env.accountId}:log-group:*` } },
      });
    }
    if (this.allowsCloudWatchAlarms) {
      statements.push({
        Sid: "CloudWatchAlarmsToEncryptedTopics",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": env.accountId } },
      });
    }
    return [...statements, ...this.extraStatements];
  }

  /**
   * A statement for an AWS service principal that cannot use the key through `kms:ViaService`
   * (ECS Fargate's ephemeral storage, EventBridge). It must name a service principal and carry a
   * condition that limits it to this account's resources; each `Sid` at most once.
   */
  public addServiceStatement(statement: PolicyStatement): void {
    const v = new Validator(`Invalid key policy statement for ${this.node.path}`);
    const service = (statement.Principal as { Service?: unknown } | undefined)?.Service;
    v.check(typeof service === "string" && /^[a-z0-9.-]+\.amazonaws\.com$/.test(service), "Principal", "must be one AWS service principal ({ Service: \"<service>.amazonaws.com\" })");
    v.check(statement.Condition !== undefined && Object.keys(statement.Condition).length > 0, "Condition", "must limit the service to this account's resources");
    v.check(statement.Sid !== undefined && !this.extraStatements.some((x) => x.Sid === statement.Sid), "Sid", `must be set and unique ("${statement.Sid}")`);
    v.throwIfAny();
    this.extraStatements.push(statement);
  }

  /**
   * An IAM statement that lets a principal use the key only through one AWS service (e.g.
   * `secretsmanager`, `s3`), optionally only for one resource's encryption context. The key policy
   * is extended to allow use through that service ({@link allowUseVia}).
   */
  public grantUseVia(service: string, actions: string[] = ["kms:Decrypt"], encryptionContext?: Record<string, string | string[]>): PolicyStatement {
    this.allowUseVia(service);
    const context = encryptionContext ? Object.fromEntries(Object.entries(encryptionContext).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])) : undefined;
    return {
      Effect: "Allow",
      Action: actions,
      Resource: this.keyArn,
      Condition: {
        StringEquals: { "kms:ViaService": `${service}.${this.environment.region}.amazonaws.com` },
        ...(context ? { StringLike: context } : {}),
      },
    };
  }
}
