import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Validator } from "../common/validation";
import { CustomerManagedKey } from "../aws/kms-key";
import { EncryptedLogGroup } from "../aws/monitoring";

export interface RdsPostgresProps {
  /** Instance identifier (also the prefix of its group names). */
  readonly identifier: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly key: CustomerManagedKey;
  /** e.g. `17.6` (16 or later: the bootstrap's rotator role). */
  readonly engineVersion: string;
  /** @default "db.t4g.medium" */
  readonly instanceClass?: string;
  readonly allocatedStorageGb: number;
  readonly maxAllocatedStorageGb: number;
  /** @default true */
  readonly multiAz?: boolean;
  /** 7 to 35. */
  readonly backupRetentionDays: number;
  /** The database n8n uses (created empty; the bootstrap makes its roles and schemas). */
  readonly databaseName: string;
  /** @default 365 */
  readonly logRetentionDays?: number;
}

/** RDS's master user: its password is generated and kept by RDS in Secrets Manager, on the customer key. */
export const RDS_MASTER_USER = "n8n_master";

/**
 * RDS PostgreSQL for n8n: storage and Performance Insights on the customer key, TLS forced
 * (`rds.force_ssl = 1`), connection and disconnection logging, not publicly accessible, in the
 * private subnets, backups kept `backupRetentionDays`, deletion protection and a final snapshot,
 * IAM database authentication available, logs exported to an encrypted log group. The master
 * password is RDS-managed (`manage_master_user_password`): RDS creates and rotates it in
 * Secrets Manager on the customer key, so it is in neither `cdk.tf.json` nor the state. The
 * security group admits 5432 only from the groups given to {@link allowFrom}.
 */
export class RdsPostgres extends Construct {
  public readonly instance: DbInstance;
  public readonly securityGroup: SecurityGroup;
  public readonly logGroup: EncryptedLogGroup;
  /** ARN of the RDS-managed master secret (JSON {username, password}). */
  public readonly masterSecretArn: string;
  public readonly address: string;
  public readonly port = 5432;
  private readonly clients: string[] = [];

  constructor(scope: Construct, id: string, props: RdsPostgresProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[a-z][a-z0-9-]{0,62}$/.test(props.identifier) && !props.identifier.endsWith("-") && !props.identifier.includes("--"), "identifier", "must be 1-63 lower-case letters, digits and single hyphens, starting with a letter");
    const major = Number(props.engineVersion.split(".")[0]);
    v.check(/^\d+\.\d+$/.test(props.engineVersion) && major >= 16, "engineVersion", `must be PostgreSQL 16 or later such as 17.6, got "${props.engineVersion}"`);
    v.check(props.backupRetentionDays >= 7 && props.backupRetentionDays <= 35, "backupRetentionDays", "must be 7 to 35 days");
    v.check(props.maxAllocatedStorageGb >= props.allocatedStorageGb, "maxAllocatedStorageGb", "must be at least allocatedStorageGb");
    v.throwIfAny();
    props.key.allowUseVia("rds");
    const name = props.identifier;

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${name}-postgres`,
      description: "RDS PostgreSQL: 5432 from n8n tasks, the bootstrap task and the rotation function only",
      vpcId: props.vpcId,
      ingress: [{ description: "Postgres (TLS) from n8n tasks and functions", protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: Lazy.listValue({ produce: () => this.clients }) }],
      egress: [],
      tags: { Name: `${name}-postgres` },
    });
    const subnets = new DbSubnetGroup(this, "Subnets", { name: `${name}-private`, description: "n8n private subnets", subnetIds: props.subnetIds });
    const parameters = new DbParameterGroup(this, "Parameters", {
      name: `${name}-pg${major}`,
      family: `postgres${major}`,
      description: "n8n: TLS forced, connections logged",
      parameter: [
        { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" },
        { name: "log_connections", value: "1", applyMethod: "pending-reboot" },
        { name: "log_disconnections", value: "1", applyMethod: "pending-reboot" },
        { name: "password_encryption", value: "scram-sha-256", applyMethod: "pending-reboot" },
        { name: "ssl_min_protocol_version", value: "TLSv1.2", applyMethod: "pending-reboot" },
      ],
    });
    // RDS exports to /aws/rds/instance/<id>/postgresql: created here so it is encrypted and expires.
    this.logGroup = new EncryptedLogGroup(this, "Logs", { name: `/aws/rds/instance/${name}/postgresql`, key: props.key, retentionInDays: props.logRetentionDays ?? 365 });

    this.instance = new DbInstance(this, "Resource", {
      identifier: name,
      engine: "postgres",
      engineVersion: props.engineVersion,
      instanceClass: props.instanceClass ?? "db.t4g.medium",
      allocatedStorage: props.allocatedStorageGb,
      maxAllocatedStorage: props.maxAllocatedStorageGb,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: props.key.keyArn,
      dbName: props.databaseName,
      username: RDS_MASTER_USER,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.key.keyArn,
      dbSubnetGroupName: subnets.name,
      parameterGroupName: parameters.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: false,
      multiAz: props.multiAz ?? true,
      backupRetentionPeriod: props.backupRetentionDays,
      backupWindow: "02:00-03:00",
      maintenanceWindow: "sun:03:30-sun:04:30",
      copyTagsToSnapshot: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${name}-final`,
      autoMinorVersionUpgrade: true,
      iamDatabaseAuthenticationEnabled: true,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.key.keyArn,
      performanceInsightsRetentionPeriod: 7,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      caCertIdentifier: "rds-ca-rsa2048-g1",
      dependsOn: [this.logGroup.logGroup],
    });
    this.masterSecretArn = this.instance.masterUserSecret.get(0).secretArn;
    this.address = this.instance.address;
  }

  /** Admits 5432 from these security groups (n8n's tasks, the bootstrap task, the rotation function). */
  public allowFrom(...securityGroupIds: string[]): void {
    this.clients.push(...securityGroupIds);
  }
}
