import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AwsEnvironment, partitionOf, policyDocument, PolicyStatement } from "./iam";

/** A principal that grants attach to: its own policy takes the statements, resource policies name its ARN. */
export interface PolicyGrantee {
  /** The principal's ARN, for resource policies (secret policies, key policies). */
  readonly principalArn: string;
  /** Attaches statements to the principal's own policy; each `Sid` at most once. */
  addToPolicy(...statements: PolicyStatement[]): void;
}

export interface HostRoleProps {
  /** Account and region: the trust policy admits EC2 only on behalf of this account. */
  readonly environment: AwsEnvironment;
  /** The role's name. */
  readonly roleName: string;
  /** What the role is for. */
  readonly description: string;
  /** The service that assumes the role. @default "ec2.amazonaws.com" (the Docker host) */
  readonly servicePrincipal?: string;
}

/**
 * The Docker host's IAM role (EC2 may assume it for this account only, sessions of one hour) and
 * its one inline policy, `least-privilege`. Grants attach to it (`addToPolicy`, or a construct's
 * `grantX(hostRole)`), in the order they are made; the policy document is written at synth, so a
 * grant made after construction is still in it.
 *
 * Not a child construct: the role and its policy are created in `scope` with the ids `<id>` and
 * `<id>Policy`, the addresses they had when the stack built them itself, so existing state and
 * plans stay as they are (a child construct would rename both resources).
 *
 * @example
 * const hostRole = new HostRole(this, "HostRole", { environment, roleName: "n8n-prod-docker-host", description: "The Docker host" });
 * hostRole.addToPolicy(...backups.grantWrite("backups/"));
 */
export class HostRole implements PolicyGrantee {
  /** The `aws_iam_role`. */
  public readonly role: IamRole;
  /** The `aws_iam_role_policy` that holds every grant. */
  public readonly policy: IamRolePolicy;
  public readonly roleName: string;
  /** The role's ARN, known before apply (built from the account and the role name), so resource policies do not wait for the role. */
  public readonly principalArn: string;
  private readonly attached: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: HostRoleProps) {
    this.roleName = props.roleName;
    this.role = new IamRole(scope, id, {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: policyDocument([
        { Effect: "Allow", Principal: { Service: props.servicePrincipal ?? "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": props.environment.accountId } } },
      ]),
      maxSessionDuration: 3600,
    });
    this.principalArn = `arn:${partitionOf(props.environment)}:iam::${props.environment.accountId}:role/${props.roleName}`;
    this.policy = new IamRolePolicy(scope, `${id}Policy`, {
      name: "least-privilege",
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.attached) }),
    });
  }

  /** The statements attached so far, in order. */
  public get statements(): readonly PolicyStatement[] {
    return this.attached;
  }

  public addToPolicy(...statements: PolicyStatement[]): void {
    for (const st of statements) {
      // IAM rejects a policy with a repeated Sid; say which grant repeated it.
      if (st.Sid !== undefined && this.attached.some((a) => a.Sid === st.Sid)) throw new Error(`${this.roleName}: a statement with Sid "${st.Sid}" is already attached`);
      this.attached.push(st);
    }
  }
}

/** The statements with `prefix` before each Sid (a construct's generic Sids, e.g. `WriteObjects`, made unique in one policy). */
export function withSidPrefix(prefix: string, statements: readonly PolicyStatement[]): PolicyStatement[] {
  return statements.map((st) => ({ ...st, Sid: `${prefix}${st.Sid ?? ""}` }));
}
