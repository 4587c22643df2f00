import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SecurityGroup, SecurityGroupEgress } from "@cdktf/provider-aws/lib/security-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { CustomerManagedKey } from "../aws/kms-key";
import { policyDocument, PolicyStatement } from "../aws/iam";
import { lambdaZipPath } from "../aws/lambda-code";
import { lambdaRuntimeStatements } from "../aws/rotation-function";
import { EncryptedLogGroup } from "../aws/monitoring";

export interface ProjectFunctionProps {
  /** Function (and role) name; its log group is `/aws/lambda/<name>`. */
  readonly functionName: string;
  readonly description: string;
  /** The handler folder under lambda/ (bundled with esbuild). */
  readonly code: string;
  readonly key: CustomerManagedKey;
  readonly logRetentionDays: number;
  /** What the function may do besides its logs, dead letters and traces. */
  readonly statements: readonly PolicyStatement[];
  /** Non-secret settings (encrypted with the key). */
  readonly environment?: Record<string, string>;
  /** In the VPC with only these egress rules. @default - outside a VPC (AWS APIs only) */
  readonly vpc?: { readonly vpcId: string; readonly subnetIds: string[]; readonly egress: SecurityGroupEgress[] };
  /** @default 60 */
  readonly timeoutSeconds?: number;
}

/**
 * A small Lambda of this project (prod-ecs's secret-sync and queue-metrics), hardened as the
 * rotation function is: nodejs22.x on arm64, reserved concurrency 1, a dead-letter queue on the
 * customer key, active tracing, the environment on the key, JSON logs into its own encrypted log
 * group, a role only Lambda of this account may assume with exactly `statements` besides its
 * own logs, dead letters, traces (and the VPC interfaces when it runs in the VPC).
 */
export class ProjectFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly logGroup: EncryptedLogGroup;
  public readonly securityGroup?: SecurityGroup;
  public readonly functionName: string;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    const env = props.key.environment;
    this.functionName = props.functionName;
    this.logGroup = new EncryptedLogGroup(this, "Logs", { name: `/aws/lambda/${props.functionName}`, key: props.key, retentionInDays: props.logRetentionDays });
    const dlq = new SqsQueue(this, "DeadLetterQueue", { name: `${props.functionName}-dlq`, kmsMasterKeyId: props.key.keyArn, kmsDataKeyReusePeriodSeconds: 300, messageRetentionSeconds: 1209600 });
    this.role = new IamRole(this, "Role", {
      name: props.functionName,
      description: props.description,
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": env.accountId } } }]),
      maxSessionDuration: 3600,
    });
    const statements: PolicyStatement[] = [
      ...props.statements,
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${this.logGroup.logGroupArn}:*` },
      { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: dlq.arn },
      { ...props.key.grantUseVia("sqs", ["kms:Decrypt", "kms:GenerateDataKey"]), Sid: "KeyViaSqsForTheDeadLetterQueue" },
      ...(props.environment ? [{ ...props.key.grantUseVia("lambda", ["kms:Decrypt"]), Sid: "KeyViaLambdaForTheEnvironment" }] : []),
      ...lambdaRuntimeStatements(Boolean(props.vpc)),
    ];
    const policy = new IamRolePolicy(this, "RolePolicy", { name: "least-privilege", role: this.role.id, policy: policyDocument(statements) });
    if (props.vpc) {
      this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
        name: `${props.functionName}-egress`,
        description: `${props.functionName}: egress only as listed; nothing may connect in`,
        vpcId: props.vpc.vpcId,
        ingress: [],
        egress: props.vpc.egress,
      });
    }
    const asset = new TerraformAsset(this, "Code", { path: lambdaZipPath(props.code), type: AssetType.FILE });
    this.function = new LambdaFunction(this, "Resource", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      architectures: ["arm64"],
      memorySize: 256,
      timeout: props.timeoutSeconds ?? 60,
      reservedConcurrentExecutions: 1,
      deadLetterConfig: { targetArn: dlq.arn },
      kmsKeyArn: props.environment ? props.key.keyArn : undefined,
      environment: props.environment ? { variables: props.environment } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.logGroupName },
      tracingConfig: { mode: "Active" },
      vpcConfig: props.vpc && this.securityGroup ? { subnetIds: props.vpc.subnetIds, securityGroupIds: [this.securityGroup.id] } : undefined,
      dependsOn: [this.logGroup.logGroup, policy],
    });
  }
}
