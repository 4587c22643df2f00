import { Testing, TerraformStack } from "cdktf";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { ManagedSecret, ManagedSecretProps } from "../../constructs/aws/managed-secret";
import { problemLines } from "../helpers/validation";

const ENV = { accountId: "123456789012", region: "eu-central-1" };
const HOST = "arn:aws:iam::123456789012:role/host";
const OPERATOR = "arn:aws:iam::123456789012:role/operator";
const ROTATION = { functionArn: "arn:aws:lambda:eu-central-1:123456789012:function:rotate", functionRoleArn: "arn:aws:iam::123456789012:role/rotate" };

function setup(props: Partial<ManagedSecretProps> = {}, after?: (s: ManagedSecret) => void) {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
  const secret = new ManagedSecret(stack, "Secret", { name: "t/db-password", description: "DB password", key, readers: [HOST], ...props });
  after?.(secret);
  const text = Testing.synth(stack);
  const json = JSON.parse(text);
  const keyArn = `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.arn}`;
  const policy = JSON.parse((Object.values(json.resource.aws_secretsmanager_secret_policy)[0] as any).policy);
  const statement = (sid: string) => policy.Statement.find((s: any) => s.Sid === sid);
  return { stack, key, secret, text, json, keyArn, policy, statement };
}

const problems = problemLines;

describe("ManagedSecret", () => {
  test("is encrypted with the customer key and can be restored for 30 days after deletion", () => {
    const { text, keyArn } = setup();
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecret, { name: "t/db-password", kms_key_id: keyArn, recovery_window_in_days: 30 });
    expect(setup({ recoveryWindowInDays: 7 }).text).toHaveResourceWithProperties(SecretsmanagerSecret, { recovery_window_in_days: 7 });
  });

  test("the key policy lets Secrets Manager use the key", () => {
    expect(setup().key.services).toEqual(["secretsmanager"]);
  });

  test("holds no value: no secret version and no secret string in the synthesized JSON", () => {
    const { json, text } = setup({ writers: [OPERATOR] });
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
    expect(text).not.toMatch(/secret_string|secret_binary/);
  });

  test("the resource policy denies reading the value to everyone but the named readers and writers", () => {
    const { text, statement } = setup({ writers: [OPERATOR] });
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecretPolicy, { block_public_policy: true });
    expect(statement("OnlyNamedPrincipalsReadTheValue")).toEqual({
      Sid: "OnlyNamedPrincipalsReadTheValue",
      Effect: "Deny",
      Principal: "*",
      Action: "secretsmanager:GetSecretValue",
      Resource: "*",
      Condition: { StringNotLike: { "aws:PrincipalArn": [HOST, OPERATOR] } },
    });
  });

  test("the resource policy denies writing the value to everyone but the writers; with no writer, to everyone", () => {
    const withWriter = setup({ writers: [OPERATOR] }).statement("OnlyNamedPrincipalsWriteTheValue");
    expect(withWriter).toMatchObject({ Effect: "Deny", Principal: "*", Action: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"] });
    expect(withWriter.Condition).toEqual({ StringNotLike: { "aws:PrincipalArn": [OPERATOR] } });
    const noWriter = setup().statement("OnlyNamedPrincipalsWriteTheValue");
    expect(noWriter.Condition).toBeUndefined();
  });

  test("a rotated secret gets a schedule (30 days by default) and its rotation function may read and write it", () => {
    const { text, statement, json } = setup({ rotation: ROTATION });
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecretRotation, { rotation_lambda_arn: ROTATION.functionArn, rotation_rules: { automatically_after_days: 30 }, rotate_immediately: false });
    expect(statement("OnlyNamedPrincipalsReadTheValue").Condition.StringNotLike["aws:PrincipalArn"]).toEqual([HOST, ROTATION.functionRoleArn]);
    expect(statement("OnlyNamedPrincipalsWriteTheValue").Condition.StringNotLike["aws:PrincipalArn"]).toEqual([ROTATION.functionRoleArn]);
    expect((Object.values(json.resource.aws_secretsmanager_secret)[0] as any).tags).toEqual({ "n8n-zero-trust:rotation": "lambda" });
  });

  test("rotation can be added after construction (by the stack that owns the function), with its own schedule", () => {
    const { text, statement } = setup({}, (s) => s.addRotation({ ...ROTATION, afterDays: 7 }));
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecretRotation, { rotation_rules: { automatically_after_days: 7 } });
    expect(statement("OnlyNamedPrincipalsWriteTheValue").Condition.StringNotLike["aws:PrincipalArn"]).toEqual([ROTATION.functionRoleArn]);
  });

  test("a never-rotate secret refuses a rotation schedule, naming the prop", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
    expect(problems(() => new ManagedSecret(stack, "S", { name: "t/n8n-encryption-key", description: "x", key, readers: [HOST], neverRotate: true, rotation: ROTATION }))).toEqual([
      expect.stringMatching(/^rotation: this secret is marked neverRotate/),
    ]);
    const secret = new ManagedSecret(stack, "S2", { name: "t/n8n-encryption-key", description: "x", key, readers: [HOST], neverRotate: true });
    expect(problems(() => secret.addRotation(ROTATION))).toEqual([expect.stringMatching(/^rotation: this secret is marked neverRotate/)]);
    expect(JSON.parse(Testing.synth(stack)).resource.aws_secretsmanager_secret_rotation).toBeUndefined();
  });

  test("a never-rotate secret is protected from deletion: prevent_destroy and a policy that denies DeleteSecret to everyone", () => {
    const { text, statement } = setup({ neverRotate: true, writers: [OPERATOR] });
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecret, { lifecycle: { prevent_destroy: true }, recovery_window_in_days: 30, tags: { "n8n-zero-trust:rotation": "never" } });
    expect(statement("NobodyDeletesThisSecret")).toEqual({ Sid: "NobodyDeletesThisSecret", Effect: "Deny", Principal: "*", Action: "secretsmanager:DeleteSecret", Resource: "*" });
    const ordinary = setup();
    expect(ordinary.statement("NobodyDeletesThisSecret")).toBeUndefined();
    expect((Object.values(ordinary.json.resource.aws_secretsmanager_secret)[0] as any).lifecycle).toBeUndefined();
  });

  test("grantRead adds the principal to the policy's readers and returns read + decrypt-via-Secrets-Manager statements for this secret only", () => {
    let grant: any[] = [];
    const reader = "arn:aws:iam::123456789012:role/reporting";
    const { statement, secret } = setup({}, (s) => (grant = s.grantRead(reader)));
    expect(statement("OnlyNamedPrincipalsReadTheValue").Condition.StringNotLike["aws:PrincipalArn"]).toEqual([HOST, reader]);
    expect(grant).toEqual([
      { Sid: "ReadSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secret.secretArn },
      {
        Sid: "DecryptSecretViaSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: secret.key.keyArn,
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" }, StringLike: { "kms:EncryptionContext:SecretARN": secret.secretArn } },
      },
    ]);
  });

  test("invalid props fail at synth, naming each prop", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
    expect(
      problems(() => new ManagedSecret(stack, "S", { name: "bad name!", description: " ", key, readers: ["*"], writers: ["arn:aws:iam::123:role/x"], recoveryWindowInDays: 60, rotation: { ...ROTATION, afterDays: 0 } })).map(
        (p) => p.split(":")[0],
      ),
    ).toEqual(["name", "description", "readers.0", "writers.0", "recoveryWindowInDays", "rotation.afterDays"]);
    expect(problems(() => new ManagedSecret(stack, "S2", { name: "t/x", description: "x", key, readers: [] }))).toEqual([expect.stringMatching(/^readers: must name at least one/)]);
  });
});
