import { Construct } from "constructs";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { isUnresolved, Validator } from "../common/validation";
import { ipv4CidrProblem } from "./cidr";
import { AWS_NAME } from "../common/patterns";
import { partitionOf, policyDocument, PolicyStatement } from "./iam";
import { CustomerManagedKey } from "./kms-key";
import { lambdaZipPath } from "./lambda-code";
import { AlarmTopic, EncryptedLogGroup } from "./monitoring";

export interface RotationVpcPlacement {
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** Where Postgres listens (the Docker host's private address range) and its port. */
  readonly postgres: { readonly cidr: string; readonly port?: number };
  /** Address ranges of the Secrets Manager interface endpoint's network interfaces (HTTPS): the private subnets. */
  readonly secretsManagerEndpointCidrs: readonly string[];
}

export interface PostgresRotationFunctionProps {
  /** Function name, e.g. `n8n-prod-rotation`; its log group is `/aws/lambda/<name>`. */
  readonly functionName: string;
  readonly key: CustomerManagedKey;
  /** Names of the secrets this function rotates (the policy names them by ARN pattern). */
  readonly rotatedSecretNames: string[];
  /** Name of the rotator role's secret (read-only for the function). */
  readonly masterSecretName: string;
  /** The function's log group (encrypted, with retention); must be `/aws/lambda/<functionName>`. */
  readonly logGroup: EncryptedLogGroup;
  /** Alarm topic for function errors. */
  readonly alarmTopic: AlarmTopic;
  /** PEM of the CA that signed Postgres' certificate (not a secret). @default - unset: the function refuses to connect */
  readonly postgresCaPem?: string;
  /** Run inside a VPC with egress only to Postgres and the Secrets Manager endpoint. @default - not in a VPC */
  readonly vpc?: RotationVpcPlacement;
  /** Reserved concurrency (rotations of one secret never run in parallel). @default 1 */
  readonly reservedConcurrency?: number;
}

/** Throws one ValidationError naming every bad prop; unresolved CIDR tokens are skipped. */
function validateRotationProps(path: string, props: PostgresRotationFunctionProps): void {
  const v = new Validator(`Invalid props for ${path}`);
  v.check(AWS_NAME.pattern.test(props.functionName), "functionName", AWS_NAME.message);
  v.check(props.rotatedSecretNames.length > 0, "rotatedSecretNames", "must name at least one secret");
  v.check(props.logGroup.logGroupName === `/aws/lambda/${props.functionName}`, "logGroup", `must be /aws/lambda/${props.functionName} (Lambda writes there)`);
  if (props.vpc) {
    v.check(props.vpc.subnetIds.length > 0, "vpc.subnetIds", "must list at least one subnet");
    v.check(props.vpc.secretsManagerEndpointCidrs.length > 0, "vpc.secretsManagerEndpointCidrs", "must list the endpoint's subnets");
    const cidrs: [string, string][] = [["vpc.postgres.cidr", props.vpc.postgres.cidr], ...props.vpc.secretsManagerEndpointCidrs.map((c, i): [string, string] => [`vpc.secretsManagerEndpointCidrs.${i}`, c])];
    for (const [f, c] of cidrs) {
      // /16 at the widest: never the whole internet.
      const problem = isUnresolved(c) ? undefined : ipv4CidrProblem(c, { minBits: 16, maxBits: 32 });
      if (problem) v.add(f, problem);
    }
  }
  const concurrency = props.reservedConcurrency ?? 1;
  v.check(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 10, "reservedConcurrency", "must be from 1 to 10");
  v.throwIfAny();
}


/**
 * What every Lambda of this project needs besides its own permissions: X-Ray traces (active
 * tracing: Lambda refuses CreateFunction unless the role may send them) and, inside a VPC, its
 * network interfaces. Neither has resource-level permissions: "*" is the only form AWS accepts.
 */
export function lambdaRuntimeStatements(inVpc: boolean): PolicyStatement[] {
  return [
    { Sid: "XRayTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
    ...(inVpc
      ? [
          {
            Sid: "VpcNetworkInterfaces",
            Effect: "Allow" as const,
            Action: ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            Resource: "*",
          },
        ]
      : []),
  ];
}

/**
 * The function's least-privilege policy: its own secrets, the rotator's secret, the key through
 * Secrets Manager, SQS (and Lambda for its environment), its log group, its dead-letter queue,
 * and the three action groups AWS offers only on "*" (random passwords, X-Ray, VPC interfaces).
 */
function rotationPolicyStatements(props: PostgresRotationFunctionProps, secretArn: (name: string) => string, deadLetterQueueArn: string): PolicyStatement[] {
  return [
    { Sid: "RotateOwnSecrets", Effect: "Allow", Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"], Resource: props.rotatedSecretNames.map(secretArn) },
    { Sid: "ReadRotatorSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArn(props.masterSecretName) },
    // GetRandomPassword has no resource-level permissions: "*" is the only form AWS accepts.
    { Sid: "RandomPasswords", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" },
    { ...props.key.grantUseVia("secretsmanager", ["kms:Decrypt", "kms:GenerateDataKey"]), Sid: "KeyViaSecretsManager" },
    { ...props.key.grantUseVia("sqs", ["kms:Decrypt", "kms:GenerateDataKey"]), Sid: "KeyViaSqsForTheDeadLetterQueue" },
    ...(props.postgresCaPem ? [{ ...props.key.grantUseVia("lambda", ["kms:Decrypt"]), Sid: "KeyViaLambdaForTheEnvironment" }] : []),
    { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${props.logGroup.logGroupArn}:*` },
    { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetterQueueArn },
    ...lambdaRuntimeStatements(Boolean(props.vpc)),
  ];
}

/**
 * The Postgres rotation Lambda (alternating users) and its wiring: nodejs22.x, reserved
 * concurrency, an encrypted dead-letter queue, a KMS-encrypted environment, JSON logs into its
 * encrypted log group, a least-privilege role (only the rotated secrets' ARNs, the rotator secret
 * read-only, `GetRandomPassword`, KMS only through Secrets Manager/SQS/Lambda), an invoke
 * permission for Secrets Manager restricted by `source_arn`, optional VPC placement with egress
 * only to Postgres and the Secrets Manager endpoint, and an alarm on function errors.
 */
export class PostgresRotationFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly role: IamRole;
  public readonly roleArn: string;
  public readonly functionArn: string;
  public readonly deadLetterQueue: SqsQueue;
  public readonly securityGroup?: SecurityGroup;
  public readonly policyStatements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: PostgresRotationFunctionProps) {
    super(scope, id);
    const env = props.key.environment;
    const partition = partitionOf(env);
    validateRotationProps(this.node.path, props);
    const concurrency = props.reservedConcurrency ?? 1;

    // Secret ARNs end in "-" and six random characters: name them before they exist.
    const secretArn = (name: string) => `arn:${partition}:secretsmanager:${env.region}:${env.accountId}:secret:${name}-??????`;
    const roleName = props.functionName;
    this.roleArn = `arn:${partition}:iam::${env.accountId}:role/${roleName}`;

    this.deadLetterQueue = new SqsQueue(this, "DeadLetterQueue", {
      name: `${props.functionName}-dlq`,
      kmsMasterKeyId: props.key.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 1209600,
    });

    this.role = new IamRole(this, "Role", {
      name: roleName,
      description: "Rotates n8n's Postgres credentials",
      assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": env.accountId } } }]),
      maxSessionDuration: 3600,
    });

    this.policyStatements = rotationPolicyStatements(props, secretArn, this.deadLetterQueue.arn);
    const rolePolicy = new IamRolePolicy(this, "RolePolicy", { name: "least-privilege", role: this.role.id, policy: policyDocument(this.policyStatements) });

    if (props.vpc) this.securityGroup = this.egressSecurityGroup(props.functionName, props.vpc);

    const asset = new TerraformAsset(this, "Code", { path: lambdaZipPath("rotation"), type: AssetType.FILE });
    this.function = new LambdaFunction(this, "Resource", {
      functionName: props.functionName,
      description: "Secrets Manager rotation for n8n's Postgres login (alternating users)",
      role: this.role.arn,
      runtime: "nodejs22.x",
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      architectures: ["arm64"],
      memorySize: 256,
      timeout: 60,
      reservedConcurrentExecutions: concurrency,
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      // The key encrypts environment variables; without any, AWS stores no key and Terraform would
      // show a diff on every plan (Checkov CKV_AWS_173 flags it too), so it is set only with them.
      kmsKeyArn: props.postgresCaPem ? props.key.keyArn : undefined,
      environment: props.postgresCaPem ? { variables: { PG_CA_PEM: props.postgresCaPem } } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: props.logGroup.logGroupName },
      tracingConfig: { mode: "Active" },
      vpcConfig: props.vpc && this.securityGroup ? { subnetIds: props.vpc.subnetIds, securityGroupIds: [this.securityGroup.id] } : undefined,
      // In a VPC, CreateFunction checks that the role may create network interfaces: the inline
      // policy must exist first (the function refers only to the role).
      dependsOn: [props.logGroup.logGroup, rolePolicy],
    });
    this.functionArn = this.function.arn;

    // Secrets Manager may invoke the function only for the secrets it rotates.
    props.rotatedSecretNames.forEach(
      (name, i) =>
        new LambdaPermission(this, `InvokeBySecretsManager${i}`, {
          statementId: `SecretsManager${i}`,
          action: "lambda:InvokeFunction",
          functionName: this.function.functionName,
          principal: "secretsmanager.amazonaws.com",
          sourceArn: secretArn(name),
          sourceAccount: env.accountId,
        }),
    );

    this.addErrorsAlarm(props);
  }

  /** Egress to Postgres and the Secrets Manager endpoint only; nothing may connect in. */
  private egressSecurityGroup(functionName: string, vpc: NonNullable<PostgresRotationFunctionProps["vpc"]>): SecurityGroup {
    const port = vpc.postgres.port ?? 5432;
    return new SecurityGroup(this, "SecurityGroup", {
      name: `${functionName}-egress`,
      description: "Rotation function: egress to Postgres and the Secrets Manager endpoint only",
      vpcId: vpc.vpcId,
      ingress: [],
      egress: [
        { description: "Postgres (TLS)", protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: [vpc.postgres.cidr] },
        { description: "Secrets Manager endpoint", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [...vpc.secretsManagerEndpointCidrs] },
      ],
    });
  }

  /** An alarm on the function's errors, to the alarm topic (AWSCURRENT keeps working meanwhile). */
  private addErrorsAlarm(props: PostgresRotationFunctionProps): void {
    new CloudwatchMetricAlarm(this, "ErrorsAlarm", {
      alarmName: `${props.functionName}-errors`,
      alarmDescription: "The rotation function failed (see its log group; AWSCURRENT still works)",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: props.functionName },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.alarmTopic.topicArn],
      okActions: [props.alarmTopic.topicArn],
    });
  }
}
