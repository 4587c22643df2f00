import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Validator } from "../common/validation";
import { CustomerManagedKey } from "../aws/kms-key";
import { EncryptedLogGroup } from "../aws/monitoring";

/** A Valkey ACL user of the queue: its name and what it may do. */
export interface QueueCacheUser {
  /** User name (n8n's `QUEUE_BULL_REDIS_USERNAME`). */
  readonly userName: string;
  /** Valkey ACL rules after `on` (keys, commands). */
  readonly access: string;
}

export interface QueueCacheProps {
  /** Replication group id and name prefix (at most 40 characters). */
  readonly name: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly key: CustomerManagedKey;
  /** @default "cache.t4g.small" */
  readonly nodeType?: string;
  /** Valkey "7.2" or "8.0". */
  readonly engineVersion: string;
  /** Replicas besides the primary (1 to 5): failover across zones. */
  readonly replicas: number;
  /** The ACL users besides the disabled `default`. */
  readonly users: readonly QueueCacheUser[];
  /** Slow-log delivery (customer key, retention). */
  readonly slowLog: EncryptedLogGroup;
}

export const VALKEY_PORT = 6379;

/**
 * ElastiCache for Valkey, n8n's queue: TLS required in transit, at rest on the customer key,
 * Multi-AZ with automatic failover, in the private subnets, 6379 only from the groups given to
 * {@link allowFrom}, snapshots kept 7 days, the slow log to an encrypted log group, and RBAC:
 * the `default` user is switched off and every other user has only its ACL.
 *
 * **No password reaches Terraform.** A password-type `aws_elasticache_user` (and an `auth_token`)
 * keeps its passwords in the state, so each user is created with IAM authentication, which
 * nobody can use without a SigV4 token, and Terraform ignores later changes to its authentication:
 * the secret-sync function sets the password from its Secrets Manager secret
 * (`ModifyUser`, password mode) when an operator stores or rotates it. Until then, nobody (n8n
 * included) can log in.
 */
export class QueueCache extends Construct {
  public readonly replicationGroup: ElasticacheReplicationGroup;
  public readonly securityGroup: SecurityGroup;
  public readonly address: string;
  /** ElastiCache user ids by user name. */
  public readonly userIds: Readonly<Record<string, string>>;
  private readonly clients: string[] = [];
  private readonly name: string;

  constructor(scope: Construct, id: string, props: QueueCacheProps) {
    super(scope, id);
    this.name = props.name;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[a-z][a-z0-9-]{0,39}$/.test(props.name), "name", "must be 1-40 lower-case letters, digits and -, starting with a letter");
    v.check(["7.2", "8.0"].includes(props.engineVersion), "engineVersion", `must be "7.2" or "8.0" (Valkey), got "${props.engineVersion}"`);
    v.check(Number.isInteger(props.replicas) && props.replicas >= 1 && props.replicas <= 5, "replicas", "must be 1 to 5 (automatic failover needs a replica)");
    props.users.forEach((u, i) => {
      v.check(/^[a-z][a-z0-9-]{0,39}$/.test(u.userName) && u.userName !== "default", `users.${i}.userName`, "must be a lower-case name other than default");
      v.check(!/(^|\s)(allcommands|\+@all|~\*\s.*\+@all|nopass)(\s|$)/.test(u.access), `users.${i}.access`, "must not grant every command or disable passwords");
    });
    v.throwIfAny();
    props.key.allowUseVia("elasticache");
    const n = props.name;

    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${n}-valkey`,
      description: "Valkey: 6379 (TLS) from n8n tasks and the queue-metrics function only",
      vpcId: props.vpcId,
      ingress: [{ description: "Valkey (TLS) from n8n tasks", protocol: "tcp", fromPort: VALKEY_PORT, toPort: VALKEY_PORT, securityGroups: Lazy.listValue({ produce: () => this.clients }) }],
      egress: [],
      tags: { Name: `${n}-valkey` },
    });
    const subnets = new ElasticacheSubnetGroup(this, "Subnets", { name: `${n}-private`, description: "n8n private subnets", subnetIds: props.subnetIds });

    const disabledDefault = new ElasticacheUser(this, "DefaultUser", {
      userId: `${n}-default`,
      userName: "default",
      engine: "valkey",
      // Required in every user group, and switched off: no command, no key, no login.
      accessString: "off -@all",
      authenticationMode: { type: "iam" },
      lifecycle: { ignoreChanges: ["authentication_mode"] },
    });
    const ids: Record<string, string> = {};
    const users = props.users.map((u) => {
      const user = new ElasticacheUser(this, `User-${u.userName}`, {
        // IAM authentication needs user id = user name.
        userId: `${n}-${u.userName}`,
        userName: `${n}-${u.userName}`,
        engine: "valkey",
        accessString: `on ${u.access}`,
        authenticationMode: { type: "iam" },
        // The secret-sync function switches it to its password from Secrets Manager.
        lifecycle: { ignoreChanges: ["authentication_mode"] },
      });
      ids[u.userName] = user.userId;
      return user;
    });
    this.userIds = ids;
    const group = new ElasticacheUserGroup(this, "Users", { userGroupId: `${n}-users`, engine: "valkey", userIds: [disabledDefault.userId, ...users.map((u) => u.userId)] });

    this.replicationGroup = new ElasticacheReplicationGroup(this, "Resource", {
      replicationGroupId: n,
      description: "n8n queue (Bull on Valkey)",
      engine: "valkey",
      engineVersion: props.engineVersion,
      nodeType: props.nodeType ?? "cache.t4g.small",
      port: VALKEY_PORT,
      numCacheClusters: 1 + props.replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: "true",
      kmsKeyId: props.key.keyArn,
      userGroupIds: [group.userGroupId],
      subnetGroupName: subnets.name,
      securityGroupIds: [this.securityGroup.id],
      snapshotRetentionLimit: 7,
      autoMinorVersionUpgrade: "true",
      applyImmediately: false,
      logDeliveryConfiguration: [{ destination: props.slowLog.logGroupName, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" }],
    });
    this.address = this.replicationGroup.primaryEndpointAddress;
  }

  /** The full user name of a queue user (`<name>-<userName>`), as n8n logs in. */
  public userNameOf(userName: string): string {
    return `${this.name}-${userName}`;
  }

  /** Admits 6379 from these security groups. */
  public allowFrom(...securityGroupIds: string[]): void {
    this.clients.push(...securityGroupIds);
  }
}
