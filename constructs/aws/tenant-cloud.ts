import { Construct, IConstruct } from "constructs";
import { Aspects, IAspect, TerraformResource } from "cdktf";
import { SECRET_FILES } from "../common/secret-files";
import { Validator } from "../common/validation";
import { loggedServices, RuntimeCatalog } from "../app/service-catalog";
import { TENANT_ID_PATTERN, TENANT_ID_RULE, TENANT_TAG, tenantAwsName, tenantAwsPrefix } from "../app/tenants";
import { AwsEnvironment, partitionOf } from "./iam";
import { CustomerManagedKey } from "./kms-key";
import { AlarmTopic, EncryptedLogGroup, FAILED_LOGINS_PATTERN, HeartbeatAlarm, ROTATION_FAILED_PATTERN, SecurityMonitoring, SERVER_ERRORS_PATTERN } from "./monitoring";
import { ManagedSecret } from "./managed-secret";
import { PostgresRotationFunction, RotationVpcPlacement } from "./rotation-function";
import { RuntimeLogGroups } from "./runtime-log-groups";
import { RuntimeSecrets } from "./runtime-secrets";

export interface TenantCloudProps {
  /** Account and region. */
  readonly environment: AwsEnvironment;
  /** The stack's AWS prefix (`aws.namePrefix`); the tenant's names derive from it and `tenantId`. */
  readonly awsPrefix: string;
  /** The tenant's id (`^[a-z][a-z0-9]{0,15}$`). */
  readonly tenantId: string;
  /** The tenant's Docker prefix `<name>-<id>`: Traefik's routers of the tenant are named `<dockerPrefix>-…`. */
  readonly dockerPrefix: string;
  /** The tenant's part of the runtime catalog: its services (log groups) and every secret it owns. */
  readonly catalog: RuntimeCatalog;
  /** The principal that reads the tenant's secrets and writes its logs: the Docker host's role (its secrets agent). */
  readonly hostRoleArn: string;
  /** Operators who may set the tenant's secret values by hand. */
  readonly operatorRoleArns: readonly string[];
  /** @default 365 */
  readonly logRetentionDays?: number;
  /** The shared alarm topic (the tenant's alarms name the tenant). */
  readonly alarmTopic: AlarmTopic;
  /** The shared edge's access log: the tenant's failed-login and server-error alarms count only its own routers there. */
  readonly edgeLogGroup: EncryptedLogGroup;
  /** CloudWatch namespace of the project's metrics. */
  readonly metricNamespace: string;
  /** The tenant's database login rotation. */
  readonly rotation: { readonly scheduleDays?: number; readonly postgresCaPem?: string; readonly vpc?: RotationVpcPlacement };
  /** With scheduled backups: an alarm when the tenant's database reported no successful backup for 26 hours. */
  readonly backup?: { readonly database: string; readonly metricName: string; readonly dimension: string; readonly bucketPath: string };
}

/** Adds `n8n-zero-trust:tenant = <id>` to every taggable resource below a construct (resources without tags are left as they are). */
class TenantTags implements IAspect {
  constructor(private readonly tenantId: string) {}
  public visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    const taggable = node as TerraformResource & { tags?: Record<string, string>; tagsInput?: Record<string, string> };
    if (!("tagsInput" in taggable)) return;
    taggable.tags = { ...(taggable.tagsInput ?? {}), [TENANT_TAG]: this.tenantId };
  }
}

/**
 * What one tenant owns alone in AWS (issue 16): its own customer-managed key (alias
 * `<prefix>-<id>`), its secrets namespace `<prefix>/<id>/…` on that key, readable by the host's
 * role and the tenant's own rotation function only, its log groups `/<prefix>/<id>/…` on that key,
 * its own rotation function (`<prefix>-<id>-rotation`, reaching only the tenant's Postgres port),
 * and its alarms: failed logins and server errors on its own routers, rotation failures, and (with
 * backups) a missing backup of its database. Every taggable resource carries
 * `n8n-zero-trust:tenant = <id>`, which the review report's cost per tenant and the tenant policy
 * rules read.
 *
 * The host role's grants are not made here: the stack makes one statement per kind for all
 * tenants (from `secretsNamespaceArn` and `logNamespaceArn`), so the host policy stays within
 * IAM's size limit.
 */
export class TenantCloud extends Construct {
  public readonly tenantId: string;
  public readonly key: CustomerManagedKey;
  public readonly secrets: RuntimeSecrets;
  /** The tenant's services' log groups by `logKey`, and `rotation` for its rotation function. */
  public readonly logGroups: Readonly<Record<string, EncryptedLogGroup>>;
  public readonly runtimeLogGroups: RuntimeLogGroups;
  public readonly rotationFunction: PostgresRotationFunction;
  public readonly monitoring: SecurityMonitoring;
  public readonly backupAlarm?: HeartbeatAlarm;
  /** The tenant's secrets namespace (`<prefix>/<id>`) and its log groups' (`/<prefix>/<id>`). */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: TenantCloudProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(TENANT_ID_PATTERN.test(props.tenantId), "tenantId", `${TENANT_ID_RULE}; got "${props.tenantId}"`);
    v.check(props.catalog.secrets.some((s) => s.id === SECRET_FILES.n8nDbPassword) && props.catalog.secrets.some((s) => s.id === SECRET_FILES.postgresRotatorPassword), "catalog.secrets", `must hold "${SECRET_FILES.n8nDbPassword}" and "${SECRET_FILES.postgresRotatorPassword}" (the tenant's rotation rotates its own database login)`);
    v.throwIfAny();
    // Before any child: the aspect tags everything below.
    Aspects.of(this).add(new TenantTags(props.tenantId));
    this.tenantId = props.tenantId;
    const name = tenantAwsName(props.awsPrefix, props.tenantId);
    this.namespace = tenantAwsPrefix(props.awsPrefix, props.tenantId);

    this.key = new CustomerManagedKey(this, "Key", { environment: props.environment, alias: name, description: `${props.awsPrefix} tenant ${props.tenantId}: its secrets and logs` });
    const rotationFunctionName = `${name}-rotation`;
    this.runtimeLogGroups = new RuntimeLogGroups(this, { prefix: this.namespace, logKeys: loggedServices(props.catalog).map((s) => s.logKey), key: this.key, retentionInDays: props.logRetentionDays ?? 365 });
    this.runtimeLogGroups.add("rotation", `/aws/lambda/${rotationFunctionName}`);
    this.logGroups = this.runtimeLogGroups.groups;
    this.secrets = new RuntimeSecrets(this, { prefix: this.namespace, secrets: props.catalog.secrets, key: this.key, readers: [props.hostRoleArn], writers: props.operatorRoleArns });

    const dbLogin: ManagedSecret = this.secrets.get(SECRET_FILES.n8nDbPassword);
    const rotatorLogin = this.secrets.get(SECRET_FILES.postgresRotatorPassword);
    this.rotationFunction = new PostgresRotationFunction(this, "Rotation", {
      functionName: rotationFunctionName,
      key: this.key,
      rotatedSecretNames: [dbLogin.secretName],
      masterSecretName: rotatorLogin.secretName,
      logGroup: this.logGroups.rotation,
      alarmTopic: props.alarmTopic,
      postgresCaPem: props.rotation.postgresCaPem,
      vpc: props.rotation.vpc,
    });
    dbLogin.addRotation({ functionArn: this.rotationFunction.functionArn, functionRoleArn: this.rotationFunction.roleArn, afterDays: props.rotation.scheduleDays ?? 30 });
    rotatorLogin.grantRead(this.rotationFunction.roleArn);

    // Traefik's access log names the router: `<dockerPrefix>-editor@docker`, `<dockerPrefix>-public@docker`, ...
    // Tenant ids have no "-", so `<name>-<id>-*` never matches another tenant's routers.
    const ownRouters = `($.RouterName = "${props.dockerPrefix}-*")`;
    const within = (pattern: string) => `{ ${ownRouters} && (${pattern.replace(/^\{\s*/, "").replace(/\s*\}$/, "")}) }`;
    this.monitoring = new SecurityMonitoring(this, "Monitoring", {
      prefix: name,
      namespace: props.metricNamespace,
      topic: props.alarmTopic,
      alarms: [
        { name: "FailedLogins", logGroup: props.edgeLogGroup, pattern: within(FAILED_LOGINS_PATTERN), threshold: 20, description: `Tenant ${props.tenantId}: many 401/403 responses on its routers (credential stuffing or a broken IdP client)` },
        { name: "ServerErrors", logGroup: props.edgeLogGroup, pattern: within(SERVER_ERRORS_PATTERN), threshold: 10, description: `Tenant ${props.tenantId}: 5xx responses from its n8n or its oauth2-proxy` },
        { name: "RotationFailures", logGroup: this.logGroups.rotation, pattern: ROTATION_FAILED_PATTERN, threshold: 1, periodSeconds: 60, description: `Tenant ${props.tenantId}: a rotation step of its database login failed` },
      ],
    });
    if (props.backup) {
      this.backupAlarm = new HeartbeatAlarm(this, "BackupMissing", {
        alarmName: `${name}-BackupMissing`,
        description: `Tenant ${props.tenantId}: no successful Postgres backup of ${props.backup.database} to ${props.backup.bucketPath} for 26 hours (see journalctl -u n8n-backup-${props.tenantId} on the host)`,
        namespace: props.metricNamespace,
        metricName: props.backup.metricName,
        dimensions: { [props.backup.dimension]: props.backup.database },
        withinHours: 26,
        topic: props.alarmTopic,
      });
    }
  }

  /** The ARN pattern of the tenant's secrets namespace (`<prefix>/<id>/*`). */
  public secretsNamespaceArn(): string {
    const env = this.key.environment;
    return `arn:${partitionOf(env)}:secretsmanager:${env.region}:${env.accountId}:secret:${this.namespace}/*`;
  }

  /** The ARN pattern of the tenant's service log groups (`/<prefix>/<id>/*`; its rotation function logs to /aws/lambda/…, outside it). */
  public logNamespaceArn(): string {
    const env = this.key.environment;
    return `arn:${partitionOf(env)}:logs:${env.region}:${env.accountId}:log-group:/${this.namespace}/*`;
  }
}
