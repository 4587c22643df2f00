import { Testing, TerraformStack } from "cdktf";
import { ValidationError } from "../../constructs/common/validation";
import { EncryptedBucket } from "../../constructs/aws/encrypted-bucket";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { ManagedSecret } from "../../constructs/aws/managed-secret";
import { AlarmTopic, EncryptedLogGroup } from "../../constructs/aws/monitoring";
import { prodCloudProps, synthProdCloud, TEST_ENV } from "../helpers/prod-cloud";

function scope() {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: TEST_ENV, alias: "t-key" });
  return { stack, key };
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.problems.map((p) => `${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

const { json, text } = synthProdCloud();
const resources = (type: string): any[] => Object.values(json.resource[type] ?? {});

describe("CustomerManagedKey", () => {
  const policy = JSON.parse(resources("aws_kms_key")[0].policy);
  const stmt = (sid: string) => policy.Statement.find((s: any) => s.Sid === sid);

  test("rotation is on, deletion window set, alias present", () => {
    expect(text).toHaveResourceWithProperties({ tfResourceType: "aws_kms_key" }, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(resources("aws_kms_alias")[0].name).toBe("alias/n8n-prod");
  });

  test("CloudWatch Logs may use the key only for this account's log groups in this region", () => {
    expect(stmt("CloudWatchLogsForThisAccountsLogGroups")).toMatchObject({
      Principal: { Service: "logs.eu-central-1.amazonaws.com" },
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-central-1:123456789012:log-group:*" } },
    });
  });

  test("CloudWatch may use the key for alarm notifications, only from this account", () => {
    expect(stmt("CloudWatchAlarmsToEncryptedTopics")).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
    });
  });

  test("no statement grants the key to everyone", () => {
    for (const s of policy.Statement) expect(s.Principal).not.toBe("*");
  });

  test("bad account id, alias and deletion window are named", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    expect(problems(() => new CustomerManagedKey(stack, "K", { environment: { accountId: "12", region: "eu-central-1" }, alias: "aws-x", deletionWindowInDays: 3 })).map((p) => p.split(":")[0])).toEqual([
      "environment.accountId",
      "alias",
      "deletionWindowInDays",
    ]);
  });
});

describe("EncryptedBucket", () => {
  test("grantRead and grantWrite are least privilege and decrypt only via S3", () => {
    const { stack, key } = scope();
    const b = new EncryptedBucket(stack, "B", { bucketName: "t-bucket", key });
    const read = b.grantRead("exports/");
    expect(read[1]).toMatchObject({ Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${b.bucketArn}/exports/*` });
    expect(read[0].Condition).toEqual({ StringLike: { "s3:prefix": ["exports/*"] } });
    expect(read[2]).toMatchObject({ Action: ["kms:Decrypt"], Condition: { StringEquals: { "kms:ViaService": "s3.eu-central-1.amazonaws.com" } } });
    const write = b.grantWrite("backups/");
    expect(write[0].Action).toEqual(["s3:PutObject", "s3:AbortMultipartUpload"]);
    expect(JSON.stringify(write)).not.toMatch(/DeleteObject|s3:\*/);
    expect(() => b.grantWrite("../x")).toThrow(/prefix/);
  });

  test("lifecycle expires noncurrent versions and aborts stale multipart uploads; access logs go to the log bucket", () => {
    const rules = resources("aws_s3_bucket_lifecycle_configuration").flatMap((l) => l.rule.map((r: any) => r.id));
    expect(rules).toEqual(expect.arrayContaining(["expire-noncurrent-versions", "abort-incomplete-multipart-uploads", "expire-access-logs"]));
    expect(resources("aws_s3_bucket_logging")).toHaveLength(1);
    expect(resources("aws_s3_bucket_logging")[0].target_bucket).toMatch(/aws_s3_bucket\.Backups_AccessLogs/);
  });

  test("object lock is opt-in and configured when asked", () => {
    const { text: locked } = synthProdCloud({ backupRetentionLockDays: 30 });
    expect(locked).toHaveResourceWithProperties({ tfResourceType: "aws_s3_bucket_object_lock_configuration" }, { rule: { default_retention: { mode: "GOVERNANCE", days: 30 } } });
    expect(resources("aws_s3_bucket_object_lock_configuration")).toEqual([]);
  });

  test("a bad bucket name is named", () => {
    const { stack, key } = scope();
    expect(problems(() => new EncryptedBucket(stack, "B", { bucketName: "Bad_Name", key }))[0]).toMatch(/^bucketName:/);
  });
});

describe("ManagedSecret", () => {
  test("the resource policy denies reading to everyone but the named readers", () => {
    const policies = resources("aws_secretsmanager_secret_policy").map((p) => JSON.parse(p.policy));
    expect(policies).toHaveLength(8);
    for (const p of policies) {
      const read = p.Statement.find((s: any) => s.Sid === "OnlyNamedPrincipalsReadTheValue");
      expect(read).toMatchObject({ Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue" });
      expect(read.Condition.StringNotLike["aws:PrincipalArn"]).toEqual(["arn:aws:iam::123456789012:role/n8n-prod-docker-host", "arn:aws:iam::123456789012:role/platform-admin"]);
    }
  });

  test("rotation on a never-rotate secret is refused, naming the prop", () => {
    const { stack, key } = scope();
    const p = problems(
      () =>
        new ManagedSecret(stack, "S", {
          name: "t/n8n-encryption-key",
          description: "x",
          key,
          readers: ["arn:aws:iam::123456789012:role/host"],
          neverRotate: true,
          rotation: { functionArn: "arn:aws:lambda:eu-central-1:123456789012:function:rot", functionRoleArn: "arn:aws:iam::123456789012:role/rot" },
        }),
    );
    expect(p).toEqual([expect.stringMatching(/^rotation: this secret is marked neverRotate/)]);
  });

  test("a secret with no reader, or a reader that is not a role ARN, is refused", () => {
    const { stack, key } = scope();
    expect(problems(() => new ManagedSecret(stack, "S", { name: "t/x", description: "x", key, readers: [] }))).toEqual([expect.stringMatching(/^readers:/)]);
    expect(problems(() => new ManagedSecret(stack, "S2", { name: "t/x", description: "x", key, readers: ["*"] }))).toEqual([expect.stringMatching(/^readers: "\*" is not an IAM/)]);
  });

  test("a rotated secret gets a rotation schedule (default 30 days)", () => {
    const { stack, key } = scope();
    new ManagedSecret(stack, "S", {
      name: "t/db",
      description: "x",
      key,
      readers: ["arn:aws:iam::123456789012:role/host"],
      rotation: { functionArn: "arn:aws:lambda:eu-central-1:123456789012:function:rot", functionRoleArn: "arn:aws:iam::123456789012:role/rot" },
    });
    expect(Testing.synth(stack)).toHaveResourceWithProperties({ tfResourceType: "aws_secretsmanager_secret_rotation" }, { rotation_rules: { automatically_after_days: 30 } });
  });
});

describe("monitoring", () => {
  test("a retention CloudWatch does not accept is refused with the allowed list", () => {
    const { stack, key } = scope();
    expect(problems(() => new EncryptedLogGroup(stack, "L", { name: "/t/x", key, retentionInDays: 100 }))).toEqual([expect.stringMatching(/^retentionInDays: must be one of CloudWatch Logs' values: 1, 3, 5, .* got 100$/)]);
  });

  test("a bad alarm email is refused, naming it", () => {
    const { stack, key } = scope();
    expect(problems(() => new AlarmTopic(stack, "T", { name: "t-alarms", key, emails: ["ops@example.com", "not-an-email"] }))).toEqual(['emails.1: "not-an-email" is not an email address']);
  });

  test("the topic allows CloudWatch alarms of this account and denies non-TLS publishing; emails are subscribed", () => {
    const policy = JSON.parse(resources("aws_sns_topic_policy")[0].policy);
    expect(policy.Statement.map((s: any) => s.Sid)).toEqual(["CloudWatchAlarmsOfThisAccount", "DenyInsecureTransport"]);
    expect(resources("aws_sns_topic_subscription").map((s) => [s.protocol, s.endpoint])).toEqual([["email", "ops@example.com"]]);
  });

  test("metric filters for failed logins, 5xx and rotation failures default to 0", () => {
    const filters = resources("aws_cloudwatch_log_metric_filter");
    expect(filters.map((f) => f.metric_transformation.name).sort()).toEqual(["FailedLogins", "RotationFailures", "ServerErrors"]);
    for (const f of filters) expect(f.metric_transformation.default_value).toBe("0");
    expect(filters.find((f) => f.metric_transformation.name === "FailedLogins").pattern).toBe("{ ($.DownstreamStatus = 401) || ($.DownstreamStatus = 403) }");
  });

  test("a dashboard shows every alarm metric", () => {
    const body = JSON.parse(resources("aws_cloudwatch_dashboard")[0].dashboard_body);
    expect(body.widgets.map((w: any) => w.properties.metrics[0][1]).sort()).toEqual(["FailedLogins", "RotationFailures", "ServerErrors"]);
  });

  test("log retention is configurable on the stack and validated", () => {
    expect(() => synthProdCloud({ logRetentionDays: 42 })).toThrow(/retentionInDays: must be one of/);
    const { json: short } = synthProdCloud({ logRetentionDays: 400 });
    for (const g of Object.values<any>(short.resource.aws_cloudwatch_log_group)) expect(g.retention_in_days).toBe(400);
  });
});

describe("the host role", () => {
  test("reads only the project's secrets, writes only its log groups and its backup prefix", () => {
    const doc = JSON.parse(resources("aws_iam_role_policy")[0].policy);
    for (const s of doc.Statement) {
      const res = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      expect(res).not.toContain("*");
    }
    const secretsStmt = doc.Statement.find((s: any) => s.Sid === "ReadOwnSecrets");
    expect(secretsStmt.Resource).toHaveLength(8);
    expect(doc.Statement.find((s: any) => s.Sid === "WriteBackups0").Resource).toMatch(/\/backups\/\*$/);
  });

  test("the real stack never sets the test-only provider switches", () => {
    const provider = json.provider.aws[0];
    expect(provider.skip_credentials_validation).toBeUndefined();
    expect(provider.access_key).toBeUndefined();
    expect(provider.allowed_account_ids).toEqual(["123456789012"]);
    expect(prodCloudProps().providerOverrides).toBeUndefined();
  });
});
