import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { SelfContainedStack } from "../constructs/common/self-contained-stack";
import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { SECRET_FILES } from "../constructs/common/secret-files";
import { secretFilesOf } from "../constructs/common/secret-catalog";
import { loggedServices, QUEUE_SERVICES, restartsOnRotation, RUNTIME_CATALOG, RUNTIME_SERVICES, RuntimeCatalog, serviceContainerName, validateCatalog } from "../constructs/app/service-catalog";
import { AlarmTopic, EncryptedLogGroup, HeartbeatAlarm, FAILED_LOGINS_PATTERN, LogAlarmSpec, QUEUE_TROUBLE_PATTERN, ROTATION_FAILED_PATTERN, SecurityMonitoring, SERVER_ERRORS_PATTERN } from "../constructs/aws/monitoring";
import { AwsEnvironment, PolicyStatement } from "../constructs/aws/iam";
import { HostRole, withSidPrefix } from "../constructs/aws/host-role";
import { RuntimeLogGroups } from "../constructs/aws/runtime-log-groups";
import { RuntimeSecrets } from "../constructs/aws/runtime-secrets";
import { CustomerManagedKey } from "../constructs/aws/kms-key";
import { EncryptedBucket } from "../constructs/aws/encrypted-bucket";
import { ManagedSecret } from "../constructs/aws/managed-secret";
import { PostgresRotationFunction, RotationVpcPlacement } from "../constructs/aws/rotation-function";
import { ExistingVpcSpec, HostNetwork, NewVpcSpec } from "../constructs/aws/host-network";
import { DockerHost } from "../constructs/aws/docker-host";
import { AgentSecret, HostUserDataProps } from "../constructs/host/secrets-agent";
import { hostUserData } from "../constructs/host/user-data";
import { BACKUP_METRIC_DIMENSION, BACKUP_METRIC_NAME } from "../constructs/host/backup";
import { TenantCloud } from "../constructs/aws/tenant-cloud";
import { Validator } from "../constructs/common/validation";
import { duplicates, MAX_PROD_TENANTS, TENANT_ID_PATTERN, TENANT_ID_RULE, TENANT_SERVICE_IDS, tenantAwsPrefix, tenantBackupPrefix, tenantSecretsSubdir } from "../constructs/app/tenants";

/** The Docker host and its network (prod-cloud creates them; prod-runtime deploys to the host). */
export interface ProdHostProps {
  /** Exactly one: a new VPC, or ids of an existing one. */
  readonly network: { readonly create?: NewVpcSpec; readonly existing?: ExistingVpcSpec };
  /** The host's fixed private address in the public subnet (prod-runtime publishes Postgres there). */
  readonly privateIp: string;
  /** Amazon Linux 2023 AMI id (pinned; later changes are ignored: the host is patched in place). */
  readonly amiId: string;
  /** @default "t3.large" */
  readonly instanceType?: string;
  /** @default 40 */
  readonly rootVolumeGb?: number;
  /** TCP ports the host may reach on the internet. @default [80, 443] */
  readonly egressTcpPorts?: readonly number[];
  /** @default 5432 */
  readonly postgresPort?: number;
  /** What the host's secrets agent writes, and for whom. */
  readonly agent: {
    /** tmpfs folder the runtime mounts secrets from (under /run). */
    readonly secretsDir: string;
    /** uid/gid the containers run as (owner of the secret files). */
    readonly owner: { readonly uid: number; readonly gid: number };
    /**
     * Prefix of the runtime's Docker names (prod-runtime's `name`): the agent's restart lists and
     * the backup's Postgres container derive from it through the service catalog.
     */
    readonly runtimePrefix: string;
    /** Minutes between refreshes. @default 5 */
    readonly intervalMinutes?: number;
    /** The deploy user (the user in prod-runtime's ssh:// docker host) and its public keys. */
    readonly deployUser: string;
    readonly sshAuthorizedKeys?: readonly string[];
    /** Host folder for Traefik's ACME certificates. */
    readonly acmeStorageDir: string;
    /** Daily (or `onCalendar`) pg_dump of `database` into the backup bucket's `backups/`. @default - no scheduled backups */
    readonly backup?: { readonly database: string; readonly onCalendar?: string };
  };
}

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
  /** Days a backup under `backups/` stays current before it expires. @default 35 */
  readonly backupRetentionDays?: number;
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
    /** Run the function in a VPC. @default - the host's private subnets when `host` is set, else not in a VPC */
    readonly vpc?: RotationVpcPlacement;
  };
  /** The Docker host, its VPC and endpoints. @default - none (bring your own host) */
  readonly host?: ProdHostProps;
  /** The runtime's services and secrets: log groups, secrets, the agent's restarts. @default RUNTIME_CATALOG */
  readonly catalog?: RuntimeCatalog;
  /**
   * Tenants of the one host (issue 16). Each gets its own key, secrets namespace, log groups,
   * rotation function, alarms and backup prefix (`TenantCloud`); the stack keeps only the shared
   * edge's log groups, the host, the network, the bucket and the alarm topic.
   * @default - none: the single-tenant runtime
   */
  readonly tenants?: readonly ProdCloudTenant[];
}

/** One tenant of prod-cloud, with the names its runtime uses. */
export interface ProdCloudTenant {
  /** `^[a-z][a-z0-9]{0,15}$`. */
  readonly id: string;
  /** Prefix of its Docker names and Traefik routers, `<name>-<id>`. */
  readonly dockerPrefix: string;
  /** Its database (backups and the backup alarm's dimension). */
  readonly database: string;
  /** The host port its Postgres is published on for its rotation function (`tenantPostgresPort`). */
  readonly postgresPort: number;
}

/** The catalog's shared edge (services not in `TENANT_SERVICE_IDS`, no secrets) and what every tenant owns (its services and every secret). */
export function splitTenantCatalog(catalog: RuntimeCatalog): { shared: RuntimeCatalog; tenant: RuntimeCatalog } {
  return {
    shared: { services: catalog.services.filter((s) => !TENANT_SERVICE_IDS.includes(s.id)), secrets: [] },
    tenant: { services: catalog.services.filter((s) => TENANT_SERVICE_IDS.includes(s.id)), secrets: catalog.secrets },
  };
}

/**
 * `prod-cloud`: the AWS side of production — the customer-managed key, the runtime's secrets,
 * the backup bucket, encrypted log groups, alarms to an encrypted topic, the rotation function,
 * and (with `host`) the Docker host with its VPC, endpoints, least-privilege instance profile,
 * secrets agent and backup heartbeat. Composition only; resource details live in constructs/aws
 * and constructs/host. prod-runtime reads the log groups through cross-stack references.
 */
export class ProdCloudStack extends SelfContainedStack {
  public readonly key: CustomerManagedKey;
  /** ARN of the customer-managed key. */
  public readonly keyArn: string;
  /** The runtime's secrets (one per entry of the catalog's `secrets`). */
  public readonly runtimeSecrets: RuntimeSecrets;
  /** The runtime's secrets by catalog id (see `SECRET_FILES`). */
  public readonly secrets: Readonly<Record<string, ManagedSecret>>;
  /** Secret ARNs by catalog id. */
  public readonly secretArns: Readonly<Record<string, string>>;
  /** The runtime's log groups (one per logged service of the catalog) and the rotation function's. */
  public readonly runtimeLogGroups: RuntimeLogGroups;
  /** Log groups by the catalog's `logKey` (and `rotation` for the rotation function). */
  public readonly logGroups: Readonly<Record<string, EncryptedLogGroup>>;
  /** Log group names by the catalog's `logKey` (and `rotation` for the rotation function). */
  public readonly logGroupNames: Readonly<Record<string, string>>;
  /** The rotation function must have this name: its log group and alarm already exist (with tenants: none, each tenant has its own). */
  public readonly rotationFunctionName?: string;
  public readonly backupBucket: EncryptedBucket;
  public readonly backupBucketName: string;
  public readonly backupBucketArn: string;
  public readonly alarmTopic: AlarmTopic;
  public readonly alarmTopicArn: string;
  public readonly monitoring: SecurityMonitoring;
  /** The Docker host's role; every grant to the host attaches to its policy. */
  public readonly hostRole: HostRole;
  /** The host role's ARN, known before apply (built from the account and the role name). */
  public readonly hostRoleArn: string;
  /** The Lambda that rotates n8n's database login (with tenants: none; see `tenants`). */
  public readonly rotationFunction?: PostgresRotationFunction;
  /** Each tenant's own key, secrets, log groups, rotation and alarms, in the order of the props. */
  public readonly tenants: readonly TenantCloud[];
  /** The host's network, when `host` is set. */
  public readonly network?: HostNetwork;
  /** The Docker host, when `host` is set. */
  public readonly dockerHost?: DockerHost;
  /** Fires when the host's daily backup stops reporting success. */
  public readonly backupAlarm?: HeartbeatAlarm;

  constructor(scope: Construct, id: string, props: ProdCloudStackProps) {
    super(scope, id);
    const env = props.environment;
    const prefix = props.namePrefix;
    const fullCatalog = props.catalog ?? RUNTIME_CATALOG;
    validateCatalog(fullCatalog);
    const tenants = props.tenants ?? [];
    validateTenants(this.node.path, tenants, fullCatalog);
    const split = splitTenantCatalog(fullCatalog);
    // With tenants the stack itself keeps only the shared edge; every secret is a tenant's.
    const catalog = tenants.length > 0 ? split.shared : fullCatalog;
    new AwsProvider(this, "aws", {
      region: env.region,
      allowedAccountIds: [env.accountId],
      defaultTags: [{ tags: { "n8n-zero-trust:stack": id, "n8n-zero-trust:prefix": prefix } }],
      ...props.providerOverrides,
    });

    this.key = new CustomerManagedKey(this, "Key", { environment: env, alias: prefix, description: `${prefix}: secrets, logs, backups, alarms` });
    this.keyArn = this.key.keyArn;
    this.hostRole = new HostRole(this, "HostRole", { environment: env, roleName: `${prefix}-docker-host`, description: "The Docker host: reads its secrets, writes its logs and backups" });
    this.hostRoleArn = this.hostRole.principalArn;

    this.runtimeLogGroups = new RuntimeLogGroups(this, { prefix, logKeys: loggedServices(catalog).map((s) => s.logKey), key: this.key, retentionInDays: props.logRetentionDays ?? 365 });
    if (tenants.length === 0) {
      this.rotationFunctionName = `${prefix}-rotation`;
      // Lambda writes to /aws/lambda/<function name>: created here so it is encrypted and expires.
      this.runtimeLogGroups.add("rotation", `/aws/lambda/${this.rotationFunctionName}`);
    }
    this.logGroups = this.runtimeLogGroups.groups;
    this.logGroupNames = this.runtimeLogGroups.names;

    this.alarmTopic = new AlarmTopic(this, "Alarms", { name: `${prefix}-alarms`, key: this.key, emails: props.alarmEmails });
    this.alarmTopicArn = this.alarmTopic.topicArn;
    this.runtimeSecrets = new RuntimeSecrets(this, { prefix, secrets: catalog.secrets, key: this.key, readers: [this.hostRoleArn], writers: props.operatorRoleArns });
    this.secrets = this.runtimeSecrets.byId;
    this.secretArns = this.runtimeSecrets.arns;

    this.backupBucket = new EncryptedBucket(this, "Backups", {
      bucketName: props.backupBucketName,
      key: this.key,
      objectLock: props.backupRetentionLockDays ? { mode: "GOVERNANCE", days: props.backupRetentionLockDays } : undefined,
      expireObjects: { prefix: "backups/", days: props.backupRetentionDays ?? 35 },
    });
    this.backupBucketName = this.backupBucket.bucketName;
    this.backupBucketArn = this.backupBucket.bucketArn;
    this.monitoring = this.securityMonitoring(prefix, catalog, tenants.length === 0);

    if (props.host) this.network = new HostNetwork(this, "Network", { environment: env, prefix, create: props.host.network.create, existing: props.host.network.existing });
    // A VPC this stack creates records its traffic (CKV2_AWS_11): accepted and rejected flows of the
    // host and the rotation function, in a log group like the others (customer key, retention).
    if (this.network?.vpc) this.network.addFlowLog({ logGroup: this.runtimeLogGroups.addOther("vpc-flow-logs", `/${prefix}/vpc-flow-logs`) });
    if (tenants.length === 0) {
      this.rotationFunction = this.dbLoginRotation(props);
      this.tenants = [];
      // In this order: the host policy's statements keep it.
      this.runtimeSecrets.grantRead(this.hostRole);
      this.runtimeLogGroups.grantWrite(this.hostRole);
      this.hostRole.addToPolicy(...withSidPrefix("Backups", this.backupBucket.grantWrite("backups/")));
    } else {
      this.tenants = tenants.map((t) => this.tenantCloud(props, t, split.tenant));
      this.grantTenantsToHost();
    }
    if (props.host && this.network) {
      this.dockerHost = this.dockerHostOn(this.network, props, props.host, fullCatalog);
      this.backupAlarm = this.backupHeartbeat(props, props.host);
    }
    this.addOutputs();
  }

  /** The statements of the host role's policy, in order. */
  public get hostPolicyStatements(): readonly PolicyStatement[] {
    return this.hostRole.statements;
  }

  /** Metric filters and alarms on the edge's and the rotation's logs, to the alarm topic. */
  private securityMonitoring(prefix: string, catalog: RuntimeCatalog, withRotation: boolean): SecurityMonitoring {
    return new SecurityMonitoring(this, "Monitoring", {
      prefix,
      namespace: prodMetricNamespace(prefix),
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
        ...(withRotation ? [{ name: "RotationFailures", logGroup: this.logGroups.rotation, pattern: ROTATION_FAILED_PATTERN, threshold: 1, periodSeconds: 60, description: "A secret rotation step failed" }] : []),
        ...this.queueAlarms(catalog),
      ],
    });
  }

  /** Queue mode: one alarm per n8n process's log group on losing Valkey or a stalled execution (none in regular mode). */
  private queueAlarms(catalog: RuntimeCatalog): LogAlarmSpec[] {
    if (!catalog.services.some((s) => s.id === QUEUE_SERVICES.valkey.id)) return [];
    const n8nKinds: readonly string[] = [QUEUE_SERVICES.n8nWorker.id, QUEUE_SERVICES.n8nWebhook.id];
    return loggedServices(catalog)
      .filter((s) => s.id === RUNTIME_SERVICES.n8n.id || (s.instanceOf !== undefined && n8nKinds.includes(s.instanceOf)))
      .map((s) => ({
        name: `QueueTrouble${s.id[0].toUpperCase()}${s.id.slice(1)}`,
        logGroup: this.logGroups[s.logKey],
        pattern: QUEUE_TROUBLE_PATTERN,
        threshold: 1,
        periodSeconds: 60,
        description: `${s.logKey}: lost Valkey, or an execution stalled (its worker died mid-run; n8n does not retry it)`,
      }));
  }

  /** The function that rotates n8n's database login (in the host's private subnets when there is a host), wired to its secrets. */
  private dbLoginRotation(props: ProdCloudStackProps): PostgresRotationFunction {
    const rotationVpc = this.rotationVpc(props, props.host?.postgresPort);
    const dbLogin = this.runtimeSecrets.get(SECRET_FILES.n8nDbPassword);
    const rotatorLogin = this.runtimeSecrets.get(SECRET_FILES.postgresRotatorPassword);
    const fn = new PostgresRotationFunction(this, "Rotation", {
      functionName: this.rotationFunctionName!,
      key: this.key,
      rotatedSecretNames: [dbLogin.secretName],
      masterSecretName: rotatorLogin.secretName,
      logGroup: this.logGroups.rotation,
      alarmTopic: this.alarmTopic,
      postgresCaPem: props.rotation?.postgresCaPem,
      vpc: rotationVpc,
    });
    dbLogin.addRotation({ functionArn: fn.functionArn, functionRoleArn: fn.roleArn, afterDays: props.rotation?.scheduleDays ?? 30 });
    // The rotator's own login is read (never written) by the function.
    rotatorLogin.grantRead(fn.roleArn);
    return fn;
  }

  /** Where a rotation function runs: `rotation.vpc`, else the host's private subnets (reaching Postgres at `port` on the host), else not in a VPC. */
  private rotationVpc(props: ProdCloudStackProps, port: number | undefined): RotationVpcPlacement | undefined {
    const host = props.host;
    const own = props.rotation?.vpc;
    if (own) return props.tenants?.length ? { ...own, postgres: { ...own.postgres, port } } : own;
    return this.network && host
      ? {
          vpcId: this.network.vpcId,
          subnetIds: this.network.privateSubnetIds,
          postgres: { cidr: `${host.privateIp}/32`, port },
          secretsManagerEndpointCidrs: this.network.secretsManagerEndpointCidrs,
        }
      : undefined;
  }

  /** One tenant's key, secrets, log groups, rotation function and alarms (`TenantCloud`). */
  private tenantCloud(props: ProdCloudStackProps, t: ProdCloudTenant, catalog: RuntimeCatalog): TenantCloud {
    const backup = props.host?.agent.backup;
    return new TenantCloud(this, `Tenant-${t.id}`, {
      environment: props.environment,
      awsPrefix: props.namePrefix,
      tenantId: t.id,
      dockerPrefix: t.dockerPrefix,
      catalog,
      hostRoleArn: this.hostRoleArn,
      operatorRoleArns: props.operatorRoleArns,
      logRetentionDays: props.logRetentionDays,
      alarmTopic: this.alarmTopic,
      edgeLogGroup: this.logGroups.traefik,
      metricNamespace: prodMetricNamespace(props.namePrefix),
      rotation: { scheduleDays: props.rotation?.scheduleDays, postgresCaPem: props.rotation?.postgresCaPem, vpc: this.rotationVpc(props, t.postgresPort) },
      backup: backup
        ? { database: t.database, metricName: BACKUP_METRIC_NAME, dimension: BACKUP_METRIC_DIMENSION, bucketPath: `s3://${props.backupBucketName}/${tenantBackupPrefix(t.id)}` }
        : undefined,
    });
  }

  /**
   * The host role's grants for every tenant, one statement per kind and one namespace per tenant,
   * so the inline policy stays within IAM's 10,240 characters (`MAX_PROD_TENANTS`): each tenant's
   * secrets namespace (and its key through Secrets Manager, for those secrets only), each
   * tenant's service log groups `/<prefix>/<id>/*` (never its rotation function's), and each
   * tenant's backup prefix. The shared edge's log groups as without tenants.
   */
  private grantTenantsToHost(): void {
    const namespaces = this.tenants.map((t) => t.secretsNamespaceArn());
    for (const t of this.tenants) t.key.allowUseVia("secretsmanager");
    const logNamespaces = this.tenants.map((t) => t.logNamespaceArn());
    this.runtimeLogGroups.grantWrite(this.hostRole);
    this.hostRole.addToPolicy(
      { Sid: "ReadTenantSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: namespaces },
      // One statement for every tenant's key (grantUseVia's shape), for each tenant's own secrets only.
      { Sid: "DecryptTenantSecretsViaSecretsManager", ...this.tenants[0].key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: namespaces }), Resource: this.tenants.map((t) => t.key.keyArn) },
      { Sid: "WriteTenantLogGroups", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: logNamespaces },
    );
    const backups = this.backupBucket.grantWrite(tenantBackupPrefix(this.tenants[0].tenantId));
    this.hostRole.addToPolicy(
      ...withSidPrefix(
        "TenantBackups",
        backups.map((st) => (st.Sid === "WriteObjects" ? { ...st, Resource: this.tenants.map((t) => `${this.backupBucketArn}/${tenantBackupPrefix(t.tenantId)}*`) } : st)),
      ),
    );
  }

  /** The EC2 host with its user data (the secrets agent, the backup), Session Manager access and the VPC endpoints. */
  private dockerHostOn(network: HostNetwork, props: ProdCloudStackProps, host: ProdHostProps, catalog: RuntimeCatalog): DockerHost {
    const prefix = props.namePrefix;
    this.hostRole.addToPolicy({
      Sid: "SessionManager",
      Effect: "Allow",
      // Operators reach the host through SSM Session Manager (no SSH port). These actions have no
      // resource-level permissions: "*" is the only form AWS accepts.
      Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
      Resource: "*",
    });
    const rotationSecurityGroupIds = this.rotationFunction ? [this.rotationFunction.securityGroup!.id] : this.tenants.map((t) => t.rotationFunction.securityGroup!.id);
    const dockerHost = new DockerHost(this, "Host", {
      name: this.hostRole.roleName,
      key: this.key,
      roleName: this.hostRole.role.name,
      vpcId: network.vpcId,
      subnet: { id: network.publicSubnetId, cidr: network.publicSubnetCidr },
      privateIp: host.privateIp,
      amiId: host.amiId,
      instanceType: host.instanceType,
      rootVolumeGb: host.rootVolumeGb,
      egressTcpPorts: host.egressTcpPorts,
      postgresPort: host.postgresPort,
      // Without tenants one group on postgresPort; with tenants one group per tenant's own port.
      postgresClientSecurityGroupIds: this.rotationFunction ? rotationSecurityGroupIds : [],
      postgresTenantClients: this.rotationFunction ? undefined : (props.tenants ?? []).map((t, i) => ({ tenant: t.id, port: t.postgresPort, securityGroupId: rotationSecurityGroupIds[i] })),
      userData: hostUserData(prodAgentProps(prefix, props.environment.region, host.agent, props.backupBucketName, catalog, props.tenants)),
    });
    network.addEndpoints({ clientSecurityGroupIds: [...rotationSecurityGroupIds, dockerHost.securityGroupId], secretNamePrefixes: [`${prefix}/`] });
    return dockerHost;
  }

  /** With scheduled backups: the host may report each success, and an alarm fires when none came for 26 hours. */
  private backupHeartbeat(props: ProdCloudStackProps, host: ProdHostProps): HeartbeatAlarm | undefined {
    if (!host.agent.backup) return undefined;
    const namespace = prodMetricNamespace(props.namePrefix);
    this.hostRole.addToPolicy({
      Sid: "BackupSuccessMetric",
      Effect: "Allow",
      // PutMetricData has no resource-level permissions: "*" is the only form AWS accepts; the
      // condition limits it to the project's namespace.
      Action: "cloudwatch:PutMetricData",
      Resource: "*",
      Condition: { StringEquals: { "cloudwatch:namespace": namespace } },
    });
    // With tenants each tenant has its own alarm on its own database (TenantCloud).
    if (this.tenants.length > 0) return undefined;
    return new HeartbeatAlarm(this, "BackupMissing", {
      alarmName: `${props.namePrefix}-BackupMissing`,
      description: `No successful Postgres backup to s3://${props.backupBucketName}/backups/ for 26 hours (see journalctl -u n8n-backup on the host)`,
      namespace,
      metricName: BACKUP_METRIC_NAME,
      dimensions: { [BACKUP_METRIC_DIMENSION]: host.agent.backup.database },
      withinHours: 26,
      topic: this.alarmTopic,
    });
  }

  private addOutputs(): void {
    new TerraformOutput(this, "kms_key_arn", { value: this.keyArn });
    new TerraformOutput(this, "host_role_arn", { value: this.hostRole.role.arn });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarmTopicArn });
    new TerraformOutput(this, "backup_bucket", { value: this.backupBucketName });
    new TerraformOutput(this, "backup_bucket_arn", { value: this.backupBucketArn });
    new TerraformOutput(this, "log_groups", { value: this.logGroupNames });
    new TerraformOutput(this, "secret_arns", { value: this.secretArns });
    if (this.dockerHost && this.network) {
      new TerraformOutput(this, "host_instance_id", { value: this.dockerHost.instanceId, description: "aws ssm start-session --target <this>" });
      new TerraformOutput(this, "host_public_ip", { value: this.dockerHost.publicIp, description: "Point the n8n and auth DNS records here" });
      new TerraformOutput(this, "host_private_ip", { value: this.dockerHost.privateIp });
      new TerraformOutput(this, "host_security_group_id", { value: this.dockerHost.securityGroupId });
      new TerraformOutput(this, "vpc_id", { value: this.network.vpcId });
      new TerraformOutput(this, "private_subnet_ids", { value: this.network.privateSubnetIds });
      if (this.rotationFunction) new TerraformOutput(this, "rotation_security_group_id", { value: this.rotationFunction.securityGroup!.id });
    }
    if (this.tenants.length > 0) {
      const byTenant = (f: (t: TenantCloud) => unknown) => Object.fromEntries(this.tenants.map((t) => [t.tenantId, f(t)]));
      new TerraformOutput(this, "tenant_kms_key_arns", { value: byTenant((t) => t.key.keyArn) });
      new TerraformOutput(this, "tenant_secret_arns", { value: byTenant((t) => t.secrets.arns) });
      new TerraformOutput(this, "tenant_log_groups", { value: byTenant((t) => Object.fromEntries(Object.entries(t.logGroups).map(([k, g]) => [k, g.logGroupName]))) });
      new TerraformOutput(this, "tenant_rotation_functions", { value: byTenant((t) => t.rotationFunction.functionArn) });
    }
  }
}

/** The CloudWatch namespace of the project's own metrics (log metric filters, backup successes). */
export function prodMetricNamespace(prefix: string): string {
  return `N8nZeroTrust/${prefix}`;
}

/** The host agent's and cloud-init's settings for prod (user data, and the install script for a running host). */
export function prodAgentProps(
  prefix: string,
  region: string,
  agent: ProdHostProps["agent"],
  backupBucketName: string,
  catalog: RuntimeCatalog = RUNTIME_CATALOG,
  tenants: readonly ProdCloudTenant[] = [],
): HostUserDataProps {
  if (tenants.length > 0) return prodTenantAgentProps(prefix, region, agent, backupBucketName, catalog, tenants);
  return {
    backup: agent.backup
      ? {
          bucket: backupBucketName,
          prefix: "backups/",
          region,
          postgresContainer: serviceContainerName(RUNTIME_SERVICES.postgres, agent.runtimePrefix),
          database: agent.backup.database,
          onCalendar: agent.backup.onCalendar,
          metricNamespace: prodMetricNamespace(prefix),
        }
      : undefined,
    ...hostAgentBase(region, agent),
    secrets: agentSecrets(prefix, agent.runtimePrefix, catalog),
  };
}

/** The host agent's settings that do not depend on tenants: region, folders, owner, schedule, deploy user. */
function hostAgentBase(region: string, agent: ProdHostProps["agent"]): Omit<HostUserDataProps, "secrets" | "backup" | "backups"> {
  return {
    region,
    secretsDir: agent.secretsDir,
    owner: agent.owner,
    intervalMinutes: agent.intervalMinutes,
    deployUser: agent.deployUser,
    sshAuthorizedKeys: agent.sshAuthorizedKeys,
    acmeStorageDir: agent.acmeStorageDir,
  };
}

/**
 * What the host agent writes from each of the catalog's secrets (`files`), and which containers
 * it restarts when a rotation changes the secret (the services' `restartOn`, derived from the
 * runtime's prefix).
 */
export function agentSecrets(prefix: string, runtimePrefix: string, catalog: RuntimeCatalog = RUNTIME_CATALOG): AgentSecret[] {
  const restartFor = restartsOnRotation(catalog, runtimePrefix);
  return catalog.secrets.map((s) => ({ secretId: `${prefix}/${s.id}`, files: secretFilesOf(s), restart: restartFor[s.id] }));
}

/**
 * The host agent with tenants: every tenant's secrets from its own namespace (`<prefix>/<id>/…`)
 * into its own folder (`tenants/<id>/…`), restarting only that tenant's containers, and one
 * backup per tenant (`n8n-backup-<id>`) of its own database to its own prefix (`backups/<id>/`).
 */
function prodTenantAgentProps(prefix: string, region: string, agent: ProdHostProps["agent"], backupBucketName: string, catalog: RuntimeCatalog, tenants: readonly ProdCloudTenant[]): HostUserDataProps {
  const own = splitTenantCatalog(catalog).tenant;
  return {
    backups: agent.backup
      ? tenants.map((t) => ({
          instance: t.id,
          bucket: backupBucketName,
          prefix: tenantBackupPrefix(t.id),
          region,
          postgresContainer: serviceContainerName(RUNTIME_SERVICES.postgres, t.dockerPrefix),
          database: t.database,
          onCalendar: agent.backup?.onCalendar,
          metricNamespace: prodMetricNamespace(prefix),
        }))
      : undefined,
    ...hostAgentBase(region, agent),
    secrets: tenants.flatMap((t) =>
      agentSecrets(tenantAwsPrefix(prefix, t.id), t.dockerPrefix, own).map((s) => ({ ...s, files: s.files.map((f) => ({ ...f, name: `${tenantSecretsSubdir(t.id)}/${f.name}` })) })),
    ),
  };
}

/** Tenant ids well-formed and unique, Docker prefixes, databases and Postgres ports unique; the catalog has what a tenant needs. */
function validateTenants(path: string, tenants: readonly ProdCloudTenant[], catalog: RuntimeCatalog): void {
  if (tenants.length === 0) return;
  const v = new Validator(`Invalid props for ${path}`);
  v.check(tenants.length <= MAX_PROD_TENANTS, "tenants", `must list at most ${MAX_PROD_TENANTS} tenants (the host's user data and its role's inline policy name each tenant; EC2 allows 16 KiB of user data, IAM 10,240 characters of policy); got ${tenants.length}`);
  tenants.forEach((t, i) => v.check(TENANT_ID_PATTERN.test(t.id), `tenants.${i}.id`, `${TENANT_ID_RULE}; got "${t.id}"`));
  for (const f of ["id", "dockerPrefix", "database", "postgresPort"] as const) for (const d of duplicates(tenants.map((t) => t[f]))) v.add("tenants", `${f} "${d}" is shared by two tenants; each needs its own`);
  const unplaced = catalog.services.filter((s) => s.logKey !== undefined && !TENANT_SERVICE_IDS.includes(s.id) && !SHARED_EDGE_SERVICE_IDS.includes(s.id));
  v.check(unplaced.length === 0, "catalog", `has services tenants cannot run yet (${unplaced.map((s) => s.id).join(", ")}): with tenants the runtime is the shared edge (${SHARED_EDGE_SERVICE_IDS.join(", ")}) and each tenant's ${TENANT_SERVICE_IDS.join(", ")}`);
  v.throwIfAny();
}

/** The shared edge of a multi-tenant host in prod. */
const SHARED_EDGE_SERVICE_IDS: readonly string[] = [RUNTIME_SERVICES.traefik.id, RUNTIME_SERVICES.socketProxy.id];
