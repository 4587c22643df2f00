import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { SelfContainedStack } from "../constructs/common/self-contained-stack";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SECRET_FILES } from "../constructs/common/secret-files";
import { AlarmTopic, EncryptedLogGroup, FAILED_LOGINS_PATTERN, ROTATION_FAILED_PATTERN, SecurityMonitoring, SERVER_ERRORS_PATTERN } from "../constructs/aws/monitoring";
import { AwsEnvironment, partitionOf, policyDocument, PolicyStatement } from "../constructs/aws/iam";
import { CustomerManagedKey } from "../constructs/aws/kms-key";
import { EncryptedBucket } from "../constructs/aws/encrypted-bucket";
import { ManagedSecret } from "../constructs/aws/managed-secret";
import { PostgresRotationFunction, RotationVpcPlacement } from "../constructs/aws/rotation-function";

/** Services of the runtime whose logs go to CloudWatch. */
export const RUNTIME_LOG_SERVICES = ["traefik", "oauth2-proxy", "n8n", "n8n-runners", "postgres", "socket-proxy"] as const;
export type RuntimeLogService = (typeof RUNTIME_LOG_SERVICES)[number];

/** The secrets the runtime reads, by secret-file name; the encryption key is never rotated. */
export const RUNTIME_SECRETS: { readonly file: string; readonly description: string; readonly neverRotate?: boolean }[] = [
  { file: SECRET_FILES.n8nEncryptionKey, description: "n8n credential encryption key (never rotated: a new key makes stored credentials unreadable)", neverRotate: true },
  { file: SECRET_FILES.n8nDbPassword, description: "n8n's Postgres login as JSON {engine, host, port, dbname, username, password, masterarn}; rotated by alternating users" },
  { file: SECRET_FILES.n8nRunnersAuthToken, description: "Token between n8n's task broker and the task runners" },
  { file: SECRET_FILES.postgresSuperuserPassword, description: "Postgres bootstrap superuser password" },
  { file: SECRET_FILES.postgresReportingPassword, description: "Password of the read-only reporting role" },
  { file: SECRET_FILES.postgresAgentPassword, description: "Password of the AI-agent data role" },
  { file: SECRET_FILES.postgresRotatorPassword, description: "The rotator role's login as JSON {engine, host, port, dbname, username, password}; it may only set the n8n login roles' passwords" },
  { file: SECRET_FILES.oauth2ProxyCookieSecret, description: "oauth2-proxy cookie secret (32 random bytes, URL-safe base64)" },
  { file: SECRET_FILES.oauth2ProxyClientSecret, description: "OIDC client secret of oauth2-proxy at the organisation's IdP" },
];

export interface ProdCloudStackProps {
  /** Account and region. The account id is given, never looked up, so the stack plans offline. */
  readonly environment: AwsEnvironment;
  /** Prefix of every AWS name (`<prefix>/...` secrets, `/<prefix>/...` log groups, `alias/<prefix>`). */
  readonly namePrefix: string;
  /** Who gets alarm emails (at least one; each address must confirm its subscription). */
  readonly alarmEmails: readonly string[];
  /** Retention of every log group, in days (one of CloudWatch Logs' values). @default - 365 days */
  readonly logRetentionDays?: number;
  /** Roles of the operators who may set secret values by hand (e.g. the n8n encryption key, once). */
  readonly operatorRoleArns: readonly string[];
  /** Name of the bucket for backups (Postgres dumps, n8n exports). */
  readonly backupBucketName: string;
  /** Object-lock (GOVERNANCE) retention for backups, in days. @default - no object lock */
  readonly backupRetentionLockDays?: number;
  /**
   * Extra AWS provider settings, merged over the stack's own. Only tests pass this (fake static
   * credentials and the `skip_*` switches, to plan offline); the real stack never does.
   * @default - none: the provider pins `allowed_account_ids` to `environment.accountId`
   */
  readonly providerOverrides?: Partial<AwsProviderConfig>;
  /** Rotation of n8n's database login by alternating users. @default - every 30 days, not in a VPC */
  readonly rotation?: {
    /** Days between rotations. @default 30 */
    readonly scheduleDays?: number;
    /** PEM of the CA that signed Postgres' certificate (public). @default - unset: the function refuses to connect until it is set */
    readonly postgresCaPem?: string;
    /** Run the function in the host's VPC. @default - not in a VPC */
    readonly vpc?: RotationVpcPlacement;
  };
}

/**
 * `prod-cloud`: the AWS side of production — the customer-managed key, the runtime's secrets,
 * the backup bucket, encrypted log groups, alarms to an encrypted topic, and the Docker host's
 * least-privilege role. Composition only; resource details live in constructs/aws. The EC2 host,
 * its network and the rotation function are added to this stack by later work: they reference the
 * public fields below (e.g. `secrets[...].addRotation(...)`, `logGroupNames.rotation`).
 */
export class ProdCloudStack extends SelfContainedStack {
  public readonly key: CustomerManagedKey;
  /** ARN of the customer-managed key. */
  public readonly keyArn: string;
  /** The runtime's secrets by secret-file name (see `SECRET_FILES`). */
  public readonly secrets: Record<string, ManagedSecret> = {};
  /** Secret ARNs by secret-file name. */
  public readonly secretArns: Record<string, string> = {};
  public readonly logGroups: Record<RuntimeLogService | "rotation", EncryptedLogGroup>;
  /** Log group names by container (and `rotation` for the rotation function). */
  public readonly logGroupNames: Record<RuntimeLogService | "rotation", string>;
  /** The rotation function must have this name: its log group and alarm already exist. */
  public readonly rotationFunctionName: string;
  public readonly backupBucket: EncryptedBucket;
  public readonly backupBucketName: string;
  public readonly backupBucketArn: string;
  public readonly alarmTopic: AlarmTopic;
  public readonly alarmTopicArn: string;
  public readonly monitoring: SecurityMonitoring;
  public readonly hostRole: IamRole;
  /** The host role's ARN, known before apply (built from the account and the role name). */
  public readonly hostRoleArn: string;
  public readonly hostPolicyStatements: PolicyStatement[];
  /** The Lambda that rotates n8n's database login. */
  public readonly rotationFunction: PostgresRotationFunction;

  constructor(scope: Construct, id: string, props: ProdCloudStackProps) {
    super(scope, id);
    const env = props.environment;
    const prefix = props.namePrefix;
    new AwsProvider(this, "aws", {
      region: env.region,
      allowedAccountIds: [env.accountId],
      defaultTags: [{ tags: { "n8n-zero-trust:stack": id, "n8n-zero-trust:prefix": prefix } }],
      ...props.providerOverrides,
    });

    this.key = new CustomerManagedKey(this, "Key", { environment: env, alias: prefix, description: `${prefix}: secrets, logs, backups, alarms` });
    this.keyArn = this.key.keyArn;

    const hostRoleName = `${prefix}-docker-host`;
    this.hostRole = new IamRole(this, "HostRole", {
      name: hostRoleName,
      description: "The Docker host: reads its secrets, writes its logs and backups",
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": env.accountId } } }]),
      maxSessionDuration: 3600,
    });
    // A literal ARN (not the role's attribute) so secret policies do not wait for the role.
    this.hostRoleArn = `arn:${partitionOf(env)}:iam::${env.accountId}:role/${hostRoleName}`;

    const retention = props.logRetentionDays ?? 365;
    this.rotationFunctionName = `${prefix}-rotation`;
    const logGroup = (name: string, id2: string) => new EncryptedLogGroup(this, id2, { name, key: this.key, retentionInDays: retention });
    this.logGroups = Object.fromEntries([
      ...RUNTIME_LOG_SERVICES.map((svc) => [svc, logGroup(`/${prefix}/${svc}`, `Logs-${svc}`)]),
      // Lambda writes to /aws/lambda/<function name>: created here so it is encrypted and expires.
      ["rotation", logGroup(`/aws/lambda/${this.rotationFunctionName}`, "Logs-rotation")],
    ]) as Record<RuntimeLogService | "rotation", EncryptedLogGroup>;
    this.logGroupNames = Object.fromEntries(Object.entries(this.logGroups).map(([k, g]) => [k, g.logGroupName])) as Record<RuntimeLogService | "rotation", string>;

    this.alarmTopic = new AlarmTopic(this, "Alarms", { name: `${prefix}-alarms`, key: this.key, emails: props.alarmEmails });
    this.alarmTopicArn = this.alarmTopic.topicArn;

    for (const s of RUNTIME_SECRETS) {
      const secret = new ManagedSecret(this, `Secret-${s.file}`, {
        name: `${prefix}/${s.file}`,
        description: s.description,
        key: this.key,
        readers: [this.hostRoleArn],
        writers: props.operatorRoleArns,
        neverRotate: s.neverRotate,
        recoveryWindowInDays: 30,
      });
      this.secrets[s.file] = secret;
      this.secretArns[s.file] = secret.secretArn;
    }

    this.backupBucket = new EncryptedBucket(this, "Backups", {
      bucketName: props.backupBucketName,
      key: this.key,
      objectLock: props.backupRetentionLockDays ? { mode: "GOVERNANCE", days: props.backupRetentionLockDays } : undefined,
    });
    this.backupBucketName = this.backupBucket.bucketName;
    this.backupBucketArn = this.backupBucket.bucketArn;

    this.monitoring = new SecurityMonitoring(this, "Monitoring", {
      prefix,
      topic: this.alarmTopic,
      alarms: [
        {
          name: "FailedLogins",
          logGroup: this.logGroups.traefik,
          pattern: FAILED_LOGINS_PATTERN,
          threshold: 20,
          description: "Many 401/403 responses at the edge (credential stuffing or a broken IdP)",
        },
        { name: "ServerErrors", logGroup: this.logGroups.traefik, pattern: SERVER_ERRORS_PATTERN, threshold: 10, description: "5xx responses from n8n or the proxy" },
        { name: "RotationFailures", logGroup: this.logGroups.rotation, pattern: ROTATION_FAILED_PATTERN, threshold: 1, periodSeconds: 60, description: "A secret rotation step failed" },
      ],
    });

    // The host reads only its own secrets, writes only its own log groups and its backup prefix.
    this.rotationFunction = new PostgresRotationFunction(this, "Rotation", {
      functionName: this.rotationFunctionName,
      key: this.key,
      rotatedSecretNames: [this.secrets[SECRET_FILES.n8nDbPassword].secretName],
      masterSecretName: this.secrets[SECRET_FILES.postgresRotatorPassword].secretName,
      logGroup: this.logGroups.rotation,
      alarmTopic: this.alarmTopic,
      postgresCaPem: props.rotation?.postgresCaPem,
      vpc: props.rotation?.vpc,
    });
    this.secrets[SECRET_FILES.n8nDbPassword].addRotation({
      functionArn: this.rotationFunction.functionArn,
      functionRoleArn: this.rotationFunction.roleArn,
      afterDays: props.rotation?.scheduleDays ?? 30,
    });
    // The rotator's own login is read (never written) by the function.
    this.secrets[SECRET_FILES.postgresRotatorPassword].grantRead(this.rotationFunction.roleArn);

    const secrets = Object.values(this.secrets);
    secrets.forEach((s) => s.grantRead(this.hostRoleArn));
    this.hostPolicyStatements = [
      { Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secrets.map((s) => s.secretArn) },
      { Sid: "DecryptOwnSecretsViaSecretsManager", ...this.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: secrets.map((s) => s.secretArn) }) },
      {
        Sid: "WriteOwnLogGroups",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: RUNTIME_LOG_SERVICES.flatMap((svc) => [this.logGroups[svc].logGroupArn, `${this.logGroups[svc].logGroupArn}:log-stream:*`]),
      },
      ...this.backupBucket.grantWrite("backups/").map((st) => ({ ...st, Sid: `Backups${st.Sid ?? ""}` })),
    ];
    new IamRolePolicy(this, "HostRolePolicy", { name: "least-privilege", role: this.hostRole.id, policy: policyDocument(this.hostPolicyStatements) });

    new TerraformOutput(this, "kms_key_arn", { value: this.keyArn });
    new TerraformOutput(this, "host_role_arn", { value: this.hostRole.arn });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarmTopicArn });
    new TerraformOutput(this, "backup_bucket", { value: this.backupBucketName });
    new TerraformOutput(this, "backup_bucket_arn", { value: this.backupBucketArn });
    new TerraformOutput(this, "log_groups", { value: this.logGroupNames });
    new TerraformOutput(this, "secret_arns", { value: this.secretArns });
  }
}
