import { Construct } from "constructs";
import { PolicyGrantee } from "./host-role";
import { CustomerManagedKey } from "./kms-key";
import { EncryptedLogGroup } from "./monitoring";

export interface RuntimeLogGroupsProps {
  /** Log groups of the runtime's services are named `/<prefix>/<logKey>`. */
  readonly prefix: string;
  /** The `logKey` of every service that logs to CloudWatch (`loggedServices(catalog)`), in order. */
  readonly logKeys: readonly string[];
  /** The customer-managed key every group is encrypted with. */
  readonly key: CustomerManagedKey;
  /** Retention of every group, in days. @default 365 */
  readonly retentionInDays?: number;
}

/**
 * One encrypted log group per logged service of the runtime, plus the other groups of the stack
 * on the same key and retention (`add`, `addOther`). `grantWrite(grantee)` lets a principal
 * (the Docker host's awslogs driver) write to the services' groups, and to no other.
 *
 * Not a child construct: each group is created in `scope` as `Logs-<key>`, the address it had
 * when the stack built it itself, so existing state and plans stay as they are.
 */
export class RuntimeLogGroups {
  private readonly scope: Construct;
  private readonly props: RuntimeLogGroupsProps;
  private readonly listed: Record<string, EncryptedLogGroup> = {};
  private readonly services: EncryptedLogGroup[] = [];

  constructor(scope: Construct, props: RuntimeLogGroupsProps) {
    this.scope = scope;
    this.props = props;
    for (const key of props.logKeys) this.services.push(this.add(key, `/${props.prefix}/${key}`));
  }

  /** The services' groups and those added with `add`, by key. */
  public get groups(): Readonly<Record<string, EncryptedLogGroup>> {
    return this.listed;
  }

  /** Group names by key (the stack's `log_groups` output). */
  public get names(): Readonly<Record<string, string>> {
    return Object.fromEntries(Object.entries(this.listed).map(([k, g]) => [k, g.logGroupName]));
  }

  /** Another group, listed in `groups` under `key` (e.g. the rotation function's `/aws/lambda/<name>`). */
  public add(key: string, name: string): EncryptedLogGroup {
    if (this.listed[key]) throw new Error(`a log group "${key}" exists already`);
    const group = this.addOther(key, name);
    this.listed[key] = group;
    return group;
  }

  /** Another group on the same key and retention that is not listed in `groups` (e.g. the VPC's flow logs). */
  public addOther(key: string, name: string): EncryptedLogGroup {
    return new EncryptedLogGroup(this.scope, `Logs-${key}`, { name, key: this.props.key, retentionInDays: this.props.retentionInDays ?? 365 });
  }

  /** Lets `grantee` create streams in and write to the services' groups (not the others). */
  public grantWrite(grantee: PolicyGrantee): void {
    grantee.addToPolicy({
      Sid: "WriteOwnLogGroups",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: this.services.flatMap((g) => [g.logGroupArn, `${g.logGroupArn}:log-stream:*`]),
    });
  }
}
