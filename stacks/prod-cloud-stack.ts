import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SECRET_FILES } from "../constructs/common/secret-files";
import { AlarmTopic, EncryptedLogGroup, SecurityMonitoring } from "../constructs/aws/monitoring";
import { AwsEnvironment, policyDocument, PolicyStatement } from "../constructs/aws/iam";
import { CustomerManagedKey } from "../constructs/aws/kms-key";
import { EncryptedBucket } from "../constructs/aws/encrypted-bucket";
import { ManagedSecret } from "../constructs/aws/managed-secret";

/** Services of the runtime whose logs go to CloudWatch. */
export const RUNTIME_LOG_SERVICES = ["traefik", "oauth2-proxy", "n8n", "n8n-runners", "postgres", "socket-proxy"] as const;
export type RuntimeLogService = (typeof RUNTIME_LOG_SERVICES)[number];

/** The secrets the runtime reads, by secret-file name; the encryption key is never rotated. */
export const RUNTIME_SECRETS: { readonly file: string; readonly description: string; readonly neverRotate?: boolean }[] = [
  { file: SECRET_FILES.n8nEncryptionKey, description: "n8n credential encryption key (never rotated: a new key makes stored credentials unreadable)", neverRotate: true },
  { file: SECRET_FILES.n8nDbPassword, description: "Password of n8n's Postgres login role" },
  { file: SECRET_FILES.n8nRunnersAuthToken, description: "Token between n8n's task broker and the task runners" },
  { file: SECRET_FILES.postgresSuperuserPassword, description: "Postgres bootstrap superuser password" },
  { file: SECRET_FILES.postgresReportingPassword, description: "Password of the read-only reporting role" },
  { file: SECRET_FILES.postgresAgentPassword, description: "Password of the AI-agent data role" },
  { file: SECRET_FILES.oauth2ProxyCookieSecret, description: "oauth2-proxy cookie secret (32 random bytes, URL-safe base64)" },
  { file: SECRET_FILES.oauth2ProxyClientSecret, description: "OIDC client secret of oauth2-proxy at the organisation's IdP" },
];

export interface ProdCloudStackProps {
  readonly environment: AwsEnvironment;
  /** Prefix of every AWS name (`<prefix>/...` secrets, `/<prefix>/...` log groups). */
  readonly namePrefix: string;
  /** Who gets alarm emails. */
  readonly alarmEmails: string[];
  /** Retention of every log group, in days (one of CloudWatch's values). @default 365 */
  readonly logRetentionDays?: number;
  /** Roles of the operators who may set secret values by hand (e.g. the n8n encryption key once). */
  readonly operatorRoleArns: string[];
  /** Name of the bucket for backups (Postgres dumps, n8n exports). */
  readonly backupBucketName: string;
  /** Object-lock retention for backups, in days. @default - no object lock */
  readonly backupRetentionLockDays?: number;
  /**
   * Extra provider settings. Only tests pass this (to plan offline with fake credentials);
   * the real stack never does.
   */
  readonly providerOverrides?: Partial<AwsProviderConfig>;
}

/**
 * `prod-cloud`: the AWS side of production — the customer-managed key, the runtime's secrets,
 * the backup bucket, encrypted log groups, alarms to an encrypted topic, and the Docker host's
 * least-privilege role. Composition only; resource details live in constructs/aws.
 */
export class ProdCloudStack extends TerraformStack {
  public readonly key: CustomerManagedKey;
  public readonly secrets: Record<string, ManagedSecret> = {};
  public readonly logGroups: Record<RuntimeLogService | "rotation", EncryptedLogGroup>;
  public readonly backupBucket: EncryptedBucket;
  public readonly alarmTopic: AlarmTopic;
  public readonly monitoring: SecurityMonitoring;
  public readonly hostRole: IamRole;
  public readonly hostPolicyStatements: PolicyStatement[];

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

    this.hostRole = new IamRole(this, "HostRole", {
      name: `${prefix}-docker-host`,
      description: "The Docker host: reads its secrets, writes its logs and backups",
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": env.accountId } } }]),
      maxSessionDuration: 3600,
    });
    const hostRoleArn = `arn:${env.partition ?? "aws"}:iam::${env.accountId}:role/${prefix}-docker-host`;

    for (const s of RUNTIME_SECRETS) {
      this.secrets[s.file] = new ManagedSecret(this, `Secret-${s.file}`, {
        name: `${prefix}/${s.file}`,
        description: s.description,
        key: this.key,
        readers: [hostRoleArn],
        writers: props.operatorRoleArns,
        neverRotate: s.neverRotate,
      });
    }

    const retention = props.logRetentionDays ?? 365;
    const logGroup = (name: string, id2: string) => new EncryptedLogGroup(this, id2, { name, key: this.key, retentionInDays: retention });
    this.logGroups = Object.fromEntries([
      ...RUNTIME_LOG_SERVICES.map((svc) => [svc, logGroup(`/${prefix}/${svc}`, `Logs-${svc}`)]),
      ["rotation", logGroup(`/aws/lambda/${prefix}-rotation`, "Logs-rotation")],
    ]) as Record<RuntimeLogService | "rotation", EncryptedLogGroup>;

    this.backupBucket = new EncryptedBucket(this, "Backups", {
      bucketName: props.backupBucketName,
      key: this.key,
      objectLock: props.backupRetentionLockDays ? { mode: "GOVERNANCE", days: props.backupRetentionLockDays } : undefined,
    });

    this.alarmTopic = new AlarmTopic(this, "Alarms", { name: `${prefix}-alarms`, key: this.key, emails: props.alarmEmails });
    this.monitoring = new SecurityMonitoring(this, "Monitoring", {
      prefix,
      topic: this.alarmTopic,
      alarms: [
        {
          name: "FailedLogins",
          logGroup: this.logGroups.traefik,
          // Traefik's JSON access log: 401/403 answered at the edge (SSO refusals, forbidden paths).
          pattern: "{ ($.DownstreamStatus = 401) || ($.DownstreamStatus = 403) }",
          threshold: 20,
          description: "Many 401/403 responses at the edge (credential stuffing or a broken IdP)",
        },
        { name: "ServerErrors", logGroup: this.logGroups.traefik, pattern: "{ $.DownstreamStatus >= 500 }", threshold: 10, description: "5xx responses from n8n or the proxy" },
        { name: "RotationFailures", logGroup: this.logGroups.rotation, pattern: '{ $.event = "rotation_failed" }', threshold: 1, periodSeconds: 60, description: "A secret rotation step failed" },
      ],
    });

    // The host reads only its own secrets, writes only its own log groups and its backup prefix.
    this.hostPolicyStatements = [
      { Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: Object.values(this.secrets).map((s) => s.secretArn) },
      { ...this.key.grantUseVia("secretsmanager", ["kms:Decrypt"]), Sid: "DecryptSecretsViaSecretsManager" },
      {
        Sid: "WriteOwnLogGroups",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: RUNTIME_LOG_SERVICES.flatMap((svc) => [this.logGroups[svc].logGroupArn, `${this.logGroups[svc].logGroupArn}:log-stream:*`]),
      },
      ...this.backupBucket.grantWrite("backups/").map((st, i) => ({ ...st, Sid: `WriteBackups${i}` })),
    ];
    new IamRolePolicy(this, "HostRolePolicy", { name: "least-privilege", role: this.hostRole.id, policy: policyDocument(this.hostPolicyStatements) });

    new TerraformOutput(this, "kms_key_arn", { value: this.key.keyArn });
    new TerraformOutput(this, "host_role_arn", { value: this.hostRole.arn });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarmTopic.topicArn });
    new TerraformOutput(this, "backup_bucket", { value: this.backupBucket.bucketName });
    new TerraformOutput(this, "log_groups", { value: Object.fromEntries(Object.entries(this.logGroups).map(([k, g]) => [k, g.logGroupName])) });
    new TerraformOutput(this, "secret_arns", { value: Object.fromEntries(Object.entries(this.secrets).map(([k, s]) => [k, s.secretArn])) });
  }
}
