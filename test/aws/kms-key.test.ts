import { Testing, TerraformStack } from "cdktf";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { EncryptedBucket } from "../../constructs/aws/encrypted-bucket";
import { CustomerManagedKey, KEY_ADMIN_ACTIONS } from "../../constructs/aws/kms-key";
import { ManagedSecret } from "../../constructs/aws/managed-secret";
import { problemFields } from "../helpers/validation";

const ENV = { accountId: "123456789012", region: "eu-central-1" };

function stackWithKey(props: Partial<ConstructorParameters<typeof CustomerManagedKey>[2]> = {}) {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key", ...props });
  return { stack, key };
}

function synth(stack: TerraformStack): { text: string; json: any } {
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) };
}

function keyPolicy(json: any): any {
  return JSON.parse((Object.values(json.resource.aws_kms_key)[0] as any).policy);
}

const problems = problemFields;

describe("CustomerManagedKey", () => {
  test("rotates automatically every year, is enabled, and waits 30 days before deletion by default", () => {
    const { stack } = stackWithKey();
    expect(synth(stack).text).toHaveResourceWithProperties(KmsKey, {
      enable_key_rotation: true,
      rotation_period_in_days: 365,
      is_enabled: true,
      deletion_window_in_days: 30,
      key_usage: "ENCRYPT_DECRYPT",
      customer_master_key_spec: "SYMMETRIC_DEFAULT",
    });
  });

  test("has an alias pointing at the key, and a configurable deletion window", () => {
    const { stack } = stackWithKey({ deletionWindowInDays: 7 });
    const { text, json } = synth(stack);
    expect(text).toHaveResourceWithProperties(KmsAlias, { name: "alias/t-key", target_key_id: `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.key_id}` });
    expect(text).toHaveResourceWithProperties(KmsKey, { deletion_window_in_days: 7 });
  });

  test("the account root administers the key but cannot encrypt or decrypt with it directly", () => {
    const { stack } = stackWithKey();
    const admin = keyPolicy(synth(stack).json).Statement.find((s: any) => s.Sid === "AccountAdministersTheKey");
    expect(admin.Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    expect(admin.Action).toEqual([...KEY_ADMIN_ACTIONS]);
    expect(admin.Action).toEqual(expect.arrayContaining(["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"]));
    for (const a of admin.Action) expect(a).not.toMatch(/^kms:(\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant)/);
  });

  test("principals of the account use the key only through the services of the resources it encrypts", () => {
    const { stack, key } = stackWithKey();
    expect(keyPolicy(synth(stack).json).Statement.map((s: any) => s.Sid)).not.toContain("AccountUsesTheKeyOnlyThroughServices");
    new EncryptedBucket(stack, "Bucket", { bucketName: "t-bucket", key });
    new ManagedSecret(stack, "Secret", { name: "t/s", description: "x", key, readers: ["arn:aws:iam::123456789012:role/host"] });
    const use = keyPolicy(synth(stack).json).Statement.find((s: any) => s.Sid === "AccountUsesTheKeyOnlyThroughServices");
    expect(use.Action).toEqual(["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]);
    expect(use.Condition).toEqual({
      StringEquals: { "kms:CallerAccount": "123456789012", "kms:ViaService": ["s3.eu-central-1.amazonaws.com", "secretsmanager.eu-central-1.amazonaws.com"] },
    });
    const grants = keyPolicy(synth(stack).json).Statement.find((s: any) => s.Sid === "ServicesMayCreateGrantsForAwsResources");
    expect(grants.Condition.Bool).toEqual({ "kms:GrantIsForAWSResource": "true" });
  });

  test("CloudWatch Logs may use the key only for this account's log groups in this region", () => {
    const { stack } = stackWithKey();
    const logs = keyPolicy(synth(stack).json).Statement.find((s: any) => s.Sid === "CloudWatchLogsForThisAccountsLogGroups");
    expect(logs).toMatchObject({
      Principal: { Service: "logs.eu-central-1.amazonaws.com" },
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:123456789012:log-group:*" } },
    });
  });

  test("CloudWatch may use the key to publish this account's alarms to encrypted topics", () => {
    const { stack } = stackWithKey();
    expect(keyPolicy(synth(stack).json).Statement.find((s: any) => s.Sid === "CloudWatchAlarmsToEncryptedTopics")).toEqual({
      Sid: "CloudWatchAlarmsToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
  });

  test("the service statements can be turned off, and no statement names a wildcard principal", () => {
    const { stack } = stackWithKey({ allowCloudWatchLogs: false, allowCloudWatchAlarms: false });
    const policy = keyPolicy(synth(stack).json);
    expect(policy.Statement.map((s: any) => s.Sid)).toEqual(["AccountAdministersTheKey"]);
    const full = keyPolicy(synth(stackWithKey().stack).json);
    for (const s of full.Statement) expect(JSON.stringify(s.Principal)).not.toContain('"*"');
  });

  test("a grant is scoped to one service (and optionally an encryption context), and opens the key policy for it", () => {
    const { stack, key } = stackWithKey();
    const st = key.grantUseVia("lambda", ["kms:Decrypt"], { "aws:lambda:FunctionArn": "arn:aws:lambda:eu-central-1:123456789012:function:f" });
    expect(st).toMatchObject({
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Condition: {
        StringEquals: { "kms:ViaService": "lambda.eu-central-1.amazonaws.com" },
        StringLike: { "kms:EncryptionContext:aws:lambda:FunctionArn": "arn:aws:lambda:eu-central-1:123456789012:function:f" },
      },
    });
    expect(key.services).toEqual(["lambda"]);
    expect(JSON.stringify(keyPolicy(synth(stack).json))).toContain("lambda.eu-central-1.amazonaws.com");
  });

  test("invalid props fail at synth, naming each prop", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    expect(problems(() => new CustomerManagedKey(stack, "K", { environment: { accountId: "12", region: "Europe" }, alias: "aws-x", deletionWindowInDays: 3, services: ["S3!"] }))).toEqual([
      "environment.accountId",
      "environment.region",
      "alias",
      "deletionWindowInDays",
      "services.0",
    ]);
  });

  test("two keys can live in one stack", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    new CustomerManagedKey(stack, "A", { environment: ENV, alias: "tenant-a" });
    new CustomerManagedKey(stack, "B", { environment: ENV, alias: "tenant-b" });
    expect(Object.values<any>(synth(stack).json.resource.aws_kms_alias).map((a) => a.name).sort()).toEqual(["alias/tenant-a", "alias/tenant-b"]);
  });
});
