import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { ProdEcsConfig } from "../config/prod-ecs-schema";
import { SelfContainedStack } from "../constructs/common/self-contained-stack";
import { SECRET_FILES } from "../constructs/common/secret-files";
import { SECRET_ROTATION_DAYS } from "../constructs/common/defaults";
import { VALKEY_N8N_ACCESS, VALKEY_N8N_USER } from "../constructs/common/valkey-acl";
import { partitionOf } from "../constructs/aws/iam";
import { CustomerManagedKey } from "../constructs/aws/kms-key";
import { AccessLogBucket } from "../constructs/aws/encrypted-bucket";
import { ManagedSecret } from "../constructs/aws/managed-secret";
import { AlarmTopic, EncryptedLogGroup, ROTATION_FAILED_PATTERN, SecurityMonitoring } from "../constructs/aws/monitoring";
import { PostgresRotationFunction } from "../constructs/aws/rotation-function";
import { AlbLogBucket } from "../constructs/ecs/alb-log-bucket";
import { MetricAlarms } from "../constructs/ecs/alarms";
import { PostgresBootstrapTask } from "../constructs/ecs/bootstrap-task";
import { N8nAlb } from "../constructs/ecs/edge";
import { EventTrigger } from "../constructs/ecs/event-trigger";
import { EcsNetwork } from "../constructs/ecs/network";
import { N8N_PROCESSES, N8nProcess, N8nServices } from "../constructs/ecs/n8n-services";
import { ProjectFunction } from "../constructs/ecs/project-function";
import { QueueCache, VALKEY_PORT } from "../constructs/ecs/queue-cache";
import { RdsPostgres } from "../constructs/ecs/rds-postgres";
import { N8nWaf } from "../constructs/ecs/waf";

export interface ProdEcsStackProps {
  readonly config: ProdEcsConfig;
  /** Only tests (offline plans): extra AWS provider settings. @default - none */
  readonly providerOverrides?: Partial<AwsProviderConfig>;
}

/** The secrets of prod-ecs, by id (`<aws prefix>/<id>` in Secrets Manager). */
export const ECS_SECRETS = {
  encryptionKey: { id: SECRET_FILES.n8nEncryptionKey, description: "n8n credential encryption key (never rotated: a new key makes stored credentials unreadable)" },
  dbLogin: { id: SECRET_FILES.n8nDbPassword, description: "n8n's Postgres login as JSON {engine, host, port, dbname, username, password, masterarn}; rotated by alternating users" },
  runnersToken: { id: SECRET_FILES.n8nRunnersAuthToken, description: "Token between n8n's task broker and the task runners" },
  reporting: { id: SECRET_FILES.postgresReportingPassword, description: "Password of the read-only reporting role" },
  agent: { id: SECRET_FILES.postgresAgentPassword, description: "Password of the AI-agent data role" },
  rotator: { id: SECRET_FILES.postgresRotatorPassword, description: "The rotator role's login as JSON {engine, host, port, dbname, username, password}; it may only set the n8n login roles' passwords" },
  oidcClientSecret: { id: "alb-oidc-client-secret", description: "OIDC client secret of the ALB's authenticate-oidc action (the secret-sync function writes it into the listener)" },
  valkeyN8n: { id: "valkey-n8n", description: "Valkey password of n8n's queue user as JSON {password} (the secret-sync function sets it on the ElastiCache user)" },
  valkeyMetrics: { id: "valkey-metrics", description: "Valkey password of the read-only queue-metrics user as JSON {password}" },
} as const;
export type EcsSecretKey = keyof typeof ECS_SECRETS;

/**
 * `prod-ecs`: n8n in queue mode on ECS Fargate (issue 15). The request path:
 *
 * Internet → WAF (rate limit on the public paths, AWS managed rules) → ALB (443; 80 redirects) →
 *   `/webhook/*`, `/webhook-waiting/*`, `/form/*`, `/form-waiting/*` → webhook service (no sign-in);
 *   `/metrics`, `/healthz` → fixed 404; everything else → authenticate-oidc → main service.
 * Workers take executions from ElastiCache (Valkey); every n8n process uses RDS PostgreSQL; all
 * of them in private subnets, out only through the NAT gateway (HTTPS) and the VPC endpoints.
 *
 * Composition only: resource details live in constructs/ecs and constructs/aws.
 */
export class ProdEcsStack extends SelfContainedStack {
  public readonly key: CustomerManagedKey;
  public readonly network: EcsNetwork;
  public readonly alb: N8nAlb;
  public readonly waf: N8nWaf;
  public readonly services: N8nServices;
  public readonly postgres: RdsPostgres;
  public readonly queue: QueueCache;
  public readonly secrets: Readonly<Record<EcsSecretKey, ManagedSecret>>;
  public readonly rotationFunction: PostgresRotationFunction;
  public readonly secretSync: ProjectFunction;
  public readonly queueMetrics: ProjectFunction;
  public readonly bootstrap: PostgresBootstrapTask;
  public readonly alarmTopic: AlarmTopic;
  private rotationLogGroup!: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: ProdEcsStackProps) {
    super(scope, id);
    const c = props.config;
    const env = { accountId: c.aws.accountId, region: c.aws.region };
    const prefix = c.aws.namePrefix;
    const retention = c.aws.logRetentionDays;
    new AwsProvider(this, "aws", {
      region: env.region,
      allowedAccountIds: [env.accountId],
      defaultTags: [{ tags: { "n8n-zero-trust:stack": id, "n8n-zero-trust:prefix": prefix } }],
      ...props.providerOverrides,
    });
    const logs = (key: string, name: string) => new EncryptedLogGroup(this, `Logs-${key}`, { name, key: this.key, retentionInDays: retention });

    this.key = new CustomerManagedKey(this, "Key", { environment: env, alias: prefix, description: `${prefix}: secrets, logs, RDS, Valkey, task storage, alarms` });
    this.alarmTopic = new AlarmTopic(this, "Alarms", { name: `${prefix}-alarms`, key: this.key, emails: c.aws.alarmEmails });
    this.network = new EcsNetwork(this, "Network", { environment: env, prefix, vpcCidr: c.network.vpcCidr, zones: c.network.zones, natGateways: c.network.natGateways, flowLogGroup: logs("vpc-flow-logs", `/${prefix}/vpc-flow-logs`) });
    this.secrets = this.createSecrets(prefix, c);

    // Edge: ALB with sign-in, its log buckets, WAF.
    const accessLogs = new AccessLogBucket(this, "S3AccessLogs", { bucketName: `${prefix}-${env.accountId}-s3-access-logs`, accountId: env.accountId });
    const albLogs = new AlbLogBucket(this, "AlbLogs", { environment: env, bucketName: `${prefix}-${env.accountId}-alb-logs`, prefix: "alb", accessLogs });
    this.alb = new N8nAlb(this, "Alb", {
      prefix,
      vpcId: this.network.vpcId,
      vpcCidr: c.network.vpcCidr,
      publicSubnetIds: this.network.publicSubnetIds,
      certificateArn: c.certificateArn,
      oidc: { issuer: c.sso.issuerUrl, authorizationEndpoint: c.sso.authorizationEndpoint, tokenEndpoint: c.sso.tokenEndpoint, userInfoEndpoint: c.sso.userInfoEndpoint, clientId: c.sso.clientId, scope: c.sso.scope, sessionTimeoutSeconds: c.sso.sessionTimeoutSeconds },
      publicPaths: c.n8n.publicPaths,
      accessLogs: albLogs,
    });
    this.waf = new N8nWaf(this, "Waf", { prefix, loadBalancerArn: this.alb.lb.arn, publicPathPrefixes: c.n8n.publicPaths.map((p) => `/${p}/`), publicPathsRateLimit: c.waf.publicPathsRateLimit, key: this.key, logRetentionDays: retention });

    // Data: RDS and Valkey.
    this.postgres = new RdsPostgres(this, "Postgres", {
      identifier: `${prefix}-postgres`,
      vpcId: this.network.vpcId,
      subnetIds: this.network.privateSubnetIds,
      key: this.key,
      engineVersion: c.rds.engineVersion,
      instanceClass: c.rds.instanceClass,
      allocatedStorageGb: c.rds.allocatedStorageGb,
      maxAllocatedStorageGb: c.rds.maxAllocatedStorageGb,
      multiAz: c.rds.multiAz,
      backupRetentionDays: c.rds.backupRetentionDays,
      databaseName: c.postgres.database,
      logRetentionDays: retention,
    });
    this.queue = new QueueCache(this, "Queue", {
      name: `${prefix}-queue`,
      vpcId: this.network.vpcId,
      subnetIds: this.network.privateSubnetIds,
      key: this.key,
      nodeType: c.valkey.nodeType,
      engineVersion: c.valkey.engineVersion,
      replicas: c.valkey.replicas,
      // n8n's Bull queue lives under bull:*; the metrics user may only count the waiting list.
      users: [
        { userName: VALKEY_N8N_USER, access: VALKEY_N8N_ACCESS },
        { userName: "metrics", access: "~bull:jobs:wait -@all +llen +ping" },
      ],
      slowLog: logs("valkey-slow-log", `/${prefix}/valkey-slow-log`),
    });

    // Compute: the three n8n services.
    const processLogs = Object.fromEntries(N8N_PROCESSES.map((p) => [p, logs(`n8n-${p}`, `/${prefix}/n8n-${p}`)])) as Record<N8nProcess, EncryptedLogGroup>;
    const namespace = `N8nZeroTrust/${prefix}`;
    this.services = new N8nServices(this, "N8n", {
      environment: env,
      prefix,
      key: this.key,
      vpcId: this.network.vpcId,
      privateSubnetIds: this.network.privateSubnetIds,
      privateSubnetCidrs: this.network.privateSubnetCidrs,
      images: c.images,
      runAs: c.runAs,
      host: `${c.hosts.n8n}.${c.domain}`,
      database: { host: this.postgres.address, port: this.postgres.port, database: c.postgres.database, schema: c.postgres.schema, user: c.postgres.n8nRole, userFromFile: true },
      redis: { host: this.queue.address, port: VALKEY_PORT, user: this.queue.userNameOf(VALKEY_N8N_USER) },
      secrets: { encryptionKey: this.secrets.encryptionKey, dbLogin: this.secrets.dbLogin, runnersToken: this.secrets.runnersToken, valkeyPassword: this.secrets.valkeyN8n },
      postgresCaPem: c.rds.caBundlePem,
      n8n: { timezone: c.n8n.timezone, executionsMaxAgeHours: c.n8n.executionsMaxAgeHours, logLevel: c.n8n.logLevel, concurrency: c.n8n.concurrency, dbPoolSize: c.n8n.dbPoolSize, ssrfProtection: c.n8n.ssrfProtection.enabled ? c.n8n.ssrfProtection : false },
      sizes: { main: c.services.main, webhook: c.services.webhook, worker: c.services.worker },
      runnersMemoryMb: c.services.runnersMemoryMb,
      scaling: {
        webhook: { min: c.services.webhook.minTasks, max: c.services.webhook.maxTasks, requestsPerTarget: c.services.webhook.requestsPerTarget },
        worker: { min: c.services.worker.minTasks, max: c.services.worker.maxTasks, backlogPerTask: c.services.worker.backlogPerTask, metricNamespace: namespace },
      },
      logGroups: processLogs,
      alb: { securityGroupId: this.alb.securityGroup.id, mainTargetGroupArn: this.alb.mainTargetGroup.arn, webhookTargetGroupArn: this.alb.webhookTargetGroup.arn, resourceLabel: () => `${this.alb.lb.arnSuffix}/${this.alb.webhookTargetGroup.arnSuffix}` },
    });
    const taskGroups = N8N_PROCESSES.map((p) => this.services.securityGroups[p].id);

    this.bootstrap = new PostgresBootstrapTask(this, "Bootstrap", {
      environment: env,
      prefix,
      key: this.key,
      vpcId: this.network.vpcId,
      privateSubnetCidrs: this.network.privateSubnetCidrs,
      bootstrap: { ...c.postgres, alternateLoginRole: true, rotatorRole: `${c.postgres.n8nRole}_rotator`, rotatorCidrs: this.network.privateSubnetCidrs, clientCidrs: this.network.privateSubnetCidrs },
      images: { n8n: c.images.n8n, postgres: c.images.postgres },
      postgres: { host: this.postgres.address, port: this.postgres.port, masterSecretArn: this.postgres.masterSecretArn },
      secrets: { dbLogin: this.secrets.dbLogin, reporting: this.secrets.reporting, agent: this.secrets.agent, rotator: this.secrets.rotator },
      postgresCaPem: c.rds.caBundlePem,
      logGroup: logs("postgres-bootstrap", `/${prefix}/postgres-bootstrap`),
    });

    this.rotationFunction = this.dbLoginRotation(prefix, c, logs);
    this.secretSync = this.secretSyncFunction(prefix, retention, env);
    this.queueMetrics = this.queueMetricsFunction(prefix, retention, namespace);

    this.postgres.allowFrom(...taskGroups, this.bootstrap.securityGroup.id, this.rotationFunction.securityGroup!.id);
    this.queue.allowFrom(...taskGroups, this.queueMetrics.securityGroup!.id);
    this.network.allowEndpointClients(...taskGroups, this.bootstrap.securityGroup.id, this.rotationFunction.securityGroup!.id, this.queueMetrics.securityGroup!.id);

    this.addAlarms(prefix, c, namespace);
    this.addOutputs();
  }

  private createSecrets(prefix: string, c: ProdEcsConfig): Record<EcsSecretKey, ManagedSecret> {
    const out = {} as Record<EcsSecretKey, ManagedSecret>;
    for (const [key, s] of Object.entries(ECS_SECRETS) as [EcsSecretKey, (typeof ECS_SECRETS)[EcsSecretKey]][]) {
      out[key] = new ManagedSecret(this, `Secret-${s.id}`, {
        name: `${prefix}/${s.id}`,
        description: s.description,
        key: this.key,
        // Operators set the first values (and read them back); every workload is granted by its construct.
        readers: c.aws.operatorRoleArns,
        writers: c.aws.operatorRoleArns,
        neverRotate: key === "encryptionKey",
        recoveryWindowInDays: 30,
      });
    }
    return out;
  }

  /** The existing rotation function for n8n's login, in the private subnets, to RDS. */
  private dbLoginRotation(prefix: string, c: ProdEcsConfig, logs: (key: string, name: string) => EncryptedLogGroup): PostgresRotationFunction {
    const name = `${prefix}-rotation`;
    this.rotationLogGroup = logs("rotation", `/aws/lambda/${name}`);
    const fn = new PostgresRotationFunction(this, "Rotation", {
      functionName: name,
      key: this.key,
      rotatedSecretNames: [this.secrets.dbLogin.secretName],
      masterSecretName: this.secrets.rotator.secretName,
      logGroup: this.rotationLogGroup,
      alarmTopic: this.alarmTopic,
      postgresCaPem: c.rds.caBundlePem,
      vpc: { vpcId: this.network.vpcId, subnetIds: this.network.privateSubnetIds, postgres: { cidr: c.network.vpcCidr, port: 5432 }, secretsManagerEndpointCidrs: this.network.privateSubnetCidrs },
    });
    this.secrets.dbLogin.addRotation({ functionArn: fn.functionArn, functionRoleArn: fn.roleArn, afterDays: c.aws.rotationDays ?? SECRET_ROTATION_DAYS });
    this.secrets.rotator.grantRead(fn.roleArn);
    return fn;
  }

  /** Applies values AWS APIs need (OIDC client secret, Valkey passwords) and redeploys n8n after a rotation. */
  private secretSyncFunction(prefix: string, retention: number, env: { accountId: string; region: string }): ProjectFunction {
    const partition = partitionOf(env);
    const name = `${prefix}-secret-sync`;
    const roleArn = `arn:${partition}:iam::${env.accountId}:role/${name}`;
    const applied = [this.secrets.oidcClientSecret, this.secrets.valkeyN8n, this.secrets.valkeyMetrics];
    applied.forEach((s) => s.grantRead(roleArn));
    const serviceArns = N8N_PROCESSES.map((p) => `arn:${partition}:ecs:${env.region}:${env.accountId}:service/${this.services.clusterName}/${this.services.serviceNames[p]}`);
    const userArns = Object.values(this.queue.userIds).map((u) => `arn:${partition}:elasticache:${env.region}:${env.accountId}:user:${u}`);
    const fn = new ProjectFunction(this, "SecretSync", {
      functionName: name,
      description: "Applies the OIDC client secret and Valkey passwords from Secrets Manager; redeploys n8n after its login rotated",
      code: "secret-sync",
      key: this.key,
      logRetentionDays: retention,
      statements: [
        { Sid: "ReadAppliedSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: applied.map((s) => s.secretArn) },
        { Sid: "DecryptViaSecretsManager", ...this.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: applied.map((s) => s.secretArn) }) },
        { Sid: "RedeployN8n", Effect: "Allow", Action: "ecs:UpdateService", Resource: serviceArns },
        // DescribeListeners has no resource-level permissions.
        { Sid: "ReadListeners", Effect: "Allow", Action: "elasticloadbalancing:DescribeListeners", Resource: "*" },
        { Sid: "SetListenerClientSecret", Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: this.alb.httpsListener.arn },
        { Sid: "SetValkeyPasswords", Effect: "Allow", Action: "elasticache:ModifyUser", Resource: userArns },
      ],
      environment: {
        SYNC_CONFIG: JSON.stringify({
          dbSecretArn: this.secrets.dbLogin.secretArn,
          cluster: this.services.clusterName,
          services: N8N_PROCESSES.map((p) => this.services.serviceNames[p]),
          oidc: { secretArn: this.secrets.oidcClientSecret.secretArn, listenerArn: this.alb.httpsListener.arn },
          valkeyUsers: { [this.secrets.valkeyN8n.secretArn]: this.queue.userIds[VALKEY_N8N_USER], [this.secrets.valkeyMetrics.secretArn]: this.queue.userIds.metrics },
        }),
      },
    });
    const secretRefs = (keys: EcsSecretKey[]) => keys.flatMap((k) => [{ prefix: `${prefix}/${ECS_SECRETS[k].id}` }, { prefix: `arn:${partition}:secretsmanager:${env.region}:${env.accountId}:secret:${prefix}/${ECS_SECRETS[k].id}` }]);
    new EventTrigger(this, "RedeployAfterRotation", {
      name: `${prefix}-redeploy-after-rotation`,
      description: "n8n's database login rotated: redeploy the n8n services (tasks read secrets at start)",
      function: fn,
      eventPattern: { source: ["aws.secretsmanager"], "detail-type": ["AWS Service Event via CloudTrail"], detail: { eventName: ["RotationSucceeded"], additionalEventData: { SecretId: secretRefs(["dbLogin", "oidcClientSecret", "valkeyN8n", "valkeyMetrics"]) } } },
    });
    new EventTrigger(this, "ApplyStoredSecrets", {
      name: `${prefix}-apply-stored-secrets`,
      description: "An operator stored the OIDC client secret or a Valkey password: apply it",
      function: fn,
      eventPattern: { source: ["aws.secretsmanager"], "detail-type": ["AWS API Call via CloudTrail"], detail: { eventName: ["PutSecretValue"], requestParameters: { secretId: secretRefs(["oidcClientSecret", "valkeyN8n", "valkeyMetrics"]) } } },
    });
    return fn;
  }

  /** Publishes the queue's waiting executions every minute (the workers' scaling metric). */
  private queueMetricsFunction(prefix: string, retention: number, namespace: string): ProjectFunction {
    const name = `${prefix}-queue-metrics`;
    const env = this.key.environment;
    this.secrets.valkeyMetrics.grantRead(`arn:${partitionOf(env)}:iam::${env.accountId}:role/${name}`);
    const cidrs = this.network.privateSubnetCidrs;
    const fn = new ProjectFunction(this, "QueueMetrics", {
      functionName: name,
      description: "Publishes n8n's waiting executions (the workers' scaling metric)",
      code: "queue-metrics",
      key: this.key,
      logRetentionDays: retention,
      timeoutSeconds: 20,
      statements: [
        { Sid: "ReadMetricsUserSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: this.secrets.valkeyMetrics.secretArn },
        { Sid: "DecryptViaSecretsManager", ...this.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: this.secrets.valkeyMetrics.secretArn }) },
        // PutMetricData has no resource-level permissions; the condition keeps it to the project's namespace.
        { Sid: "PublishQueueMetric", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": namespace } } },
      ],
      environment: { VALKEY_HOST: this.queue.address, VALKEY_PORT: String(VALKEY_PORT), VALKEY_USER: this.queue.userNameOf("metrics"), VALKEY_SECRET_ARN: this.secrets.valkeyMetrics.secretArn, METRIC_NAMESPACE: namespace, CLUSTER: this.services.clusterName },
      vpc: {
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        egress: [
          { description: "Valkey (TLS)", protocol: "tcp", fromPort: VALKEY_PORT, toPort: VALKEY_PORT, cidrBlocks: cidrs },
          { description: "Secrets Manager and CloudWatch endpoints", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: cidrs },
        ],
      },
    });
    new EventTrigger(this, "QueueMetricsSchedule", { name: `${prefix}-queue-metrics`, description: "Every minute: publish n8n's waiting executions", function: fn, schedule: "rate(1 minute)" });
    return fn;
  }

  private addAlarms(prefix: string, c: ProdEcsConfig, namespace: string): void {
    const lb = this.alb.lb.arnSuffix;
    const tg = (t: "main" | "webhook") => (t === "main" ? this.alb.mainTargetGroup.arnSuffix : this.alb.webhookTargetGroup.arnSuffix);
    const db = { DBInstanceIdentifier: `${prefix}-postgres` };
    const maxConnections = (1 + c.services.webhook.maxTasks + c.services.worker.maxTasks) * c.n8n.dbPoolSize;
    new MetricAlarms(this, "MetricAlarms", {
      prefix,
      topic: this.alarmTopic,
      alarms: [
        { name: "AlbTarget5xx", description: "5xx responses from n8n's tasks", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", dimensions: { LoadBalancer: lb }, statistic: "Sum", threshold: 10 },
        { name: "Alb5xx", description: "5xx responses from the ALB itself (no healthy target, IdP errors)", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_ELB_5XX_Count", dimensions: { LoadBalancer: lb }, statistic: "Sum", threshold: 10 },
        ...(["main", "webhook"] as const).map((t) => ({
          name: `UnhealthyTargets${t === "main" ? "Main" : "Webhook"}`,
          description: `An n8n ${t} task fails the ALB's readiness check`,
          namespace: "AWS/ApplicationELB",
          metricName: "UnHealthyHostCount",
          dimensions: { LoadBalancer: lb, TargetGroup: tg(t) },
          statistic: "Maximum" as const,
          threshold: 1,
          periodSeconds: 60,
          evaluationPeriods: 3,
        })),
        { name: "RdsCpu", description: "RDS CPU above 80% for 15 minutes", namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: db, statistic: "Average", threshold: 80, evaluationPeriods: 3 },
        {
          name: "RdsFreeStorage",
          description: "RDS free storage below 10% of the allocated size (autoscaling has reached its ceiling?)",
          namespace: "AWS/RDS",
          metricName: "FreeStorageSpace",
          dimensions: db,
          statistic: "Minimum",
          threshold: Math.round(c.rds.allocatedStorageGb * 0.1 * 1024 ** 3),
          comparison: "LessThanOrEqualToThreshold",
        },
        { name: "RdsConnections", description: `RDS connections above 80% of what n8n opens at full scale (${maxConnections})`, namespace: "AWS/RDS", metricName: "DatabaseConnections", dimensions: db, statistic: "Maximum", threshold: Math.ceil(maxConnections * 0.8) },
        { name: "ValkeyMemory", description: "Valkey memory above 80% (the queue is backing up)", namespace: "AWS/ElastiCache", metricName: "DatabaseMemoryUsagePercentage", dimensions: { CacheClusterId: `${prefix}-queue-001` }, statistic: "Maximum", threshold: 80 },
        {
          name: "QueueBacklog",
          description: "Waiting executions above what the workers at their maximum are sized for, for 15 minutes",
          namespace,
          metricName: "QueueWaiting",
          dimensions: { Cluster: this.services.clusterName },
          statistic: "Maximum",
          threshold: c.services.worker.backlogPerTask * c.services.worker.maxTasks,
          evaluationPeriods: 3,
        },
        { name: "WafBlocks", description: "WAF blocked many requests (a flood on the public paths, or a scan)", namespace: "AWS/WAFV2", metricName: "BlockedRequests", dimensions: { WebACL: `${prefix}-web-acl`, Region: c.aws.region, Rule: "ALL" }, statistic: "Sum", threshold: 1000 },
        { name: "SecretSyncErrors", description: "The secret-sync function failed (a redeploy or an applied secret is missing)", namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: this.secretSync.functionName }, statistic: "Sum", threshold: 1 },
      ],
    });
    // The rotation function's own log line, as prod-cloud watches it (and its Errors alarm comes with the construct).
    new SecurityMonitoring(this, "Monitoring", {
      prefix,
      namespace,
      topic: this.alarmTopic,
      alarms: [{ name: "RotationFailures", logGroup: this.rotationLogGroup, pattern: ROTATION_FAILED_PATTERN, threshold: 1, periodSeconds: 60, description: "A secret rotation step failed" }],
    });
  }

  private addOutputs(): void {
    new TerraformOutput(this, "alb_dns_name", { value: this.alb.lb.dnsName, description: "Point the n8n DNS record (CNAME or alias) here" });
    new TerraformOutput(this, "cluster", { value: this.services.clusterName });
    new TerraformOutput(this, "private_subnet_ids", { value: this.network.privateSubnetIds });
    new TerraformOutput(this, "bootstrap_task_definition", { value: this.bootstrap.taskDefinition.family });
    new TerraformOutput(this, "bootstrap_security_group_id", { value: this.bootstrap.securityGroup.id });
    new TerraformOutput(this, "postgres_address", { value: this.postgres.address });
    new TerraformOutput(this, "postgres_master_secret_arn", { value: this.postgres.masterSecretArn });
    new TerraformOutput(this, "secret_arns", { value: Object.fromEntries(Object.entries(this.secrets).map(([k, s]) => [ECS_SECRETS[k as EcsSecretKey].id, s.secretArn])) });
    new TerraformOutput(this, "kms_key_arn", { value: this.key.keyArn });
  }
}
