import { Testing, TerraformStack } from "cdktf";
import { ValidationError } from "../../constructs/common/validation";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { AlarmTopic, EncryptedLogGroup } from "../../constructs/aws/monitoring";
import { PostgresRotationFunction, PostgresRotationFunctionProps } from "../../constructs/aws/rotation-function";

const ENV = { accountId: "123456789012", region: "eu-central-1" };

function synth(overrides: Partial<PostgresRotationFunctionProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key", services: ["secretsmanager", "sqs", "lambda", "sns"] });
  const logGroup = new EncryptedLogGroup(stack, "Logs", { name: "/aws/lambda/t-rotation", key });
  const alarmTopic = new AlarmTopic(stack, "Topic", { name: "t-alarms", key, emails: ["ops@example.com"] });
  const fn = new PostgresRotationFunction(stack, "Rotation", {
    functionName: "t-rotation",
    key,
    rotatedSecretNames: ["t/n8n-db-password"],
    masterSecretName: "t/postgres-rotator-password",
    logGroup,
    alarmTopic,
    postgresCaPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    ...overrides,
  });
  const json = JSON.parse(Testing.synth(stack));
  return { fn, json, res: (type: string): any[] => Object.values(json.resource[type] ?? {}) };
}

describe("PostgresRotationFunction", () => {
  const { fn, res } = synth();
  const [lambda] = res("aws_lambda_function");
  const policy = JSON.parse(res("aws_iam_role_policy")[0].policy);
  const stmt = (sid: string) => policy.Statement.find((s: any) => s.Sid === sid);

  test("runs on nodejs22.x with reserved concurrency, a dead-letter queue, an encrypted environment and JSON logs", () => {
    expect(lambda).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", reserved_concurrent_executions: 1, logging_config: { log_format: "JSON", log_group: "/aws/lambda/t-rotation" } });
    expect(lambda.dead_letter_config.target_arn).toMatch(/aws_sqs_queue\./);
    expect(lambda.kms_key_arn).toMatch(/aws_kms_key\./);
    expect(res("aws_sqs_queue")[0].kms_master_key_id).toMatch(/aws_kms_key\./);
    expect(lambda.source_code_hash).toMatch(/filebase64sha256/);
  });

  test("without environment variables the function names no key (AWS would store none and every plan would show a diff; CKV_AWS_173), and its role gets no Lambda key grant", () => {
    const { res: r } = synth({ postgresCaPem: undefined });
    const [f] = r("aws_lambda_function");
    expect(f.environment).toBeUndefined();
    expect(f.kms_key_arn).toBeUndefined();
    const sids = JSON.parse(r("aws_iam_role_policy")[0].policy).Statement.map((s: any) => s.Sid);
    expect(sids).not.toContain("KeyViaLambdaForTheEnvironment");
    expect(stmt("KeyViaLambdaForTheEnvironment").Condition).toEqual({ StringEquals: { "kms:ViaService": "lambda.eu-central-1.amazonaws.com" } });
  });

  test("the role may touch only the rotated secret and read the rotator secret, by ARN", () => {
    expect(stmt("RotateOwnSecrets")).toEqual({
      Sid: "RotateOwnSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      Resource: ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:t/n8n-db-password-??????"],
    });
    expect(stmt("ReadRotatorSecret").Action).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
    expect(stmt("RandomPasswords")).toMatchObject({ Action: "secretsmanager:GetRandomPassword", Resource: "*" });
    expect(stmt("KeyViaSecretsManager").Condition).toEqual({ StringEquals: { "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" } });
    // Active tracing needs the role to send traces (CreateFunction checks it); X-Ray has no resource-level permissions.
    expect(stmt("XRayTraces")).toMatchObject({ Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" });
    // No statement but GetRandomPassword and the X-Ray writes uses "*".
    for (const s of policy.Statement.filter((x: any) => !["RandomPasswords", "XRayTraces"].includes(x.Sid))) expect([].concat(s.Resource)).not.toContain("*");
  });

  test("Secrets Manager may invoke it only for the rotated secret", () => {
    const [perm] = res("aws_lambda_permission");
    expect(perm).toMatchObject({ principal: "secretsmanager.amazonaws.com", source_arn: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:t/n8n-db-password-??????", source_account: "123456789012" });
  });

  test("an alarm fires on function errors, to the topic", () => {
    const alarm = res("aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "Errors");
    expect(alarm).toMatchObject({ namespace: "AWS/Lambda", dimensions: { FunctionName: "t-rotation" }, treat_missing_data: "notBreaching" });
    expect(alarm.alarm_actions[0]).toMatch(/aws_sns_topic\./);
  });

  test("the Postgres CA (public) is the only environment value; no secret is in the function's configuration", () => {
    expect(Object.keys(lambda.environment.variables)).toEqual(["PG_CA_PEM"]);
    expect(fn.roleArn).toBe("arn:aws:iam::123456789012:role/t-rotation");
  });

  test("in a VPC, its security group admits nothing and reaches only Postgres and the Secrets Manager endpoint", () => {
    const { res: r } = synth({ vpc: { vpcId: "vpc-123", subnetIds: ["subnet-1"], postgres: { cidr: "10.0.1.10/32" }, secretsManagerEndpointCidrs: ["10.0.2.0/24"] } });
    const [sg] = r("aws_security_group");
    expect(sg.ingress).toEqual([]);
    expect(sg.egress.map((e: any) => [e.from_port, e.to_port, e.cidr_blocks])).toEqual([
      [5432, 5432, ["10.0.1.10/32"]],
      [443, 443, ["10.0.2.0/24"]],
    ]);
    const p = JSON.parse(r("aws_iam_role_policy")[0].policy);
    expect(p.Statement.find((s: any) => s.Sid === "VpcNetworkInterfaces").Action).toContain("ec2:CreateNetworkInterface");
    expect(r("aws_lambda_function")[0].vpc_config.security_group_ids[0]).toMatch(/aws_security_group\./);
    // CreateFunction in a VPC checks the role's ENI permissions: the inline policy must come first.
    expect(r("aws_lambda_function")[0].depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\./)]));
  });

  test("bad props are named: wrong log group, internet-wide egress", () => {
    expect(() => synth({ logGroup: undefined as never })).toThrow(TypeError);
    let err: ValidationError | undefined;
    try {
      synth({ vpc: { vpcId: "v", subnetIds: [], postgres: { cidr: "0.0.0.0/0" }, secretsManagerEndpointCidrs: ["10.0.0.0/8"] } });
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err?.problems.map((p) => p.field)).toEqual(["vpc.subnetIds", "vpc.postgres.cidr", "vpc.secretsManagerEndpointCidrs.0"]);
  });
});
