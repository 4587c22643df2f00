import { Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SECRET_FILES } from "../../constructs/common/secret-files";
import { ProdCloudStack, ProdCloudStackProps } from "../../stacks/prod-cloud-stack";
import { loggedServices, RUNTIME_CATALOG } from "../../constructs/app/service-catalog";
import { problemLines } from "../helpers/validation";

/** The catalog's logged services: one log group each. */
const RUNTIME_LOG_SERVICES = loggedServices(RUNTIME_CATALOG).map((s) => s.logKey);

/** The stack exactly as main.ts builds it from config (no test-only settings). */
function props(overrides: Partial<ProdCloudStackProps> = {}): ProdCloudStackProps {
  return {
    environment: { accountId: "123456789012", region: "eu-central-1" },
    namePrefix: "n8n-prod",
    alarmEmails: ["ops@example.com"],
    operatorRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"],
    backupBucketName: "example-n8n-prod-backups",
    ...overrides,
  };
}

function synth(overrides: Partial<ProdCloudStackProps> = {}) {
  const stack = new ProdCloudStack(Testing.app(), "prod-cloud", props(overrides));
  const text = Testing.synth(stack);
  const json = JSON.parse(text);
  return { stack, text, json, keyArn: `\${aws_kms_key.${Object.keys(json.resource.aws_kms_key)[0]}.arn}` };
}

const problems = problemLines;

const { stack, text, json, keyArn } = synth();
const resources = (type: string): any[] => Object.values(json.resource[type] ?? {});

describe("ProdCloudStack", () => {
  test("creates every secret the runtime needs, each on the customer key", () => {
    const names = resources("aws_secretsmanager_secret").map((s) => s.name);
    for (const file of [SECRET_FILES.n8nEncryptionKey, SECRET_FILES.n8nDbPassword, SECRET_FILES.oauth2ProxyCookieSecret, SECRET_FILES.oauth2ProxyClientSecret, SECRET_FILES.n8nRunnersAuthToken]) {
      expect(names).toContain(`n8n-prod/${file}`);
      expect(text).toHaveResourceWithProperties(SecretsmanagerSecret, { name: `n8n-prod/${file}`, kms_key_id: keyArn, recovery_window_in_days: 30 });
    }
    for (const s of resources("aws_secretsmanager_secret")) expect(s.kms_key_id).toBe(keyArn);
  });

  test("the n8n encryption key is never rotated and protected from deletion as far as AWS allows", () => {
    const key = stack.secrets[SECRET_FILES.n8nEncryptionKey];
    expect(key.neverRotate).toBe(true);
    expect(text).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: "n8n-prod/n8n-encryption-key",
      recovery_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
      tags: { "n8n-zero-trust:rotation": "never" },
    });
    expect(() => key.addRotation({ functionArn: "arn:aws:lambda:eu-central-1:123456789012:function:x", functionRoleArn: "arn:aws:iam::123456789012:role/x" })).toThrow(/rotation: this secret is marked neverRotate/);
  });

  test("has a log group per container and one for the rotation function, all encrypted with the customer key and kept a year", () => {
    const expected = [...RUNTIME_LOG_SERVICES.map((s) => `/n8n-prod/${s}`), "/aws/lambda/n8n-prod-rotation"];
    expect(resources("aws_cloudwatch_log_group").map((g) => g.name).sort()).toEqual(expected.sort());
    for (const name of expected) expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name, kms_key_id: keyArn, retention_in_days: 365 });
    expect(stack.logGroupNames).toEqual({ ...Object.fromEntries(RUNTIME_LOG_SERVICES.map((s) => [s, `/n8n-prod/${s}`])), rotation: "/aws/lambda/n8n-prod-rotation" });
    expect(stack.rotationFunctionName).toBe("n8n-prod-rotation");
  });

  test("log retention is configurable, and a value CloudWatch rejects fails at synth naming the prop", () => {
    const { json: long } = synth({ logRetentionDays: 731 });
    for (const g of Object.values<any>(long.resource.aws_cloudwatch_log_group)) expect(g.retention_in_days).toBe(731);
    expect(() => synth({ logRetentionDays: 42 })).toThrow(/retentionInDays: must be one of CloudWatch Logs' values: 1, 3, 5, .* got 42/);
  });

  test("a bad alarm email fails at synth, naming the prop", () => {
    expect(problems(() => synth({ alarmEmails: ["ops@example.com", "ops at example"] }))).toEqual(['emails.1: "ops at example" is not an email address']);
  });

  test("the backup bucket is on the customer key, and object lock is opt-in", () => {
    expect(resources("aws_s3_bucket_server_side_encryption_configuration").some((c) => c.rule[0].apply_server_side_encryption_by_default.kms_master_key_id === keyArn)).toBe(true);
    expect(json.resource.aws_s3_bucket_object_lock_configuration).toBeUndefined();
    const { json: locked } = synth({ backupRetentionLockDays: 30 });
    expect(Object.values<any>(locked.resource.aws_s3_bucket_object_lock_configuration)[0].rule).toEqual({ default_retention: { mode: "GOVERNANCE", days: 30 } });
  });

  test("exposes what later stacks reference: key ARN, secret ARNs by name, log group names, bucket and topic", () => {
    expect(stack.keyArn).toBe(stack.key.keyArn);
    expect(Object.keys(stack.secretArns).sort()).toEqual(Object.keys(stack.secrets).sort());
    expect(stack.secretArns[SECRET_FILES.n8nDbPassword]).toBe(stack.secrets[SECRET_FILES.n8nDbPassword].secretArn);
    expect(stack.backupBucketName).toBe("example-n8n-prod-backups");
    expect(stack.backupBucketArn).toBe(stack.backupBucket.bucketArn);
    expect(stack.alarmTopicArn).toBe(stack.alarmTopic.topicArn);
    expect(stack.hostRoleArn).toBe("arn:aws:iam::123456789012:role/n8n-prod-docker-host");
    expect(Object.keys(json.output).sort()).toEqual(["alarm_topic_arn", "backup_bucket", "backup_bucket_arn", "host_role_arn", "kms_key_arn", "log_groups", "secret_arns"]);
  });

  test("the host role reads only its secrets (decrypting only through Secrets Manager), writes only its log groups and its backup prefix", () => {
    const doc = JSON.parse(resources("aws_iam_role_policy")[0].policy);
    for (const s of doc.Statement) {
      expect(s.Effect).toBe("Allow");
      expect([s.Sid, [s.Resource].flat()]).not.toEqual([s.Sid, expect.arrayContaining(["*"])]);
      expect([s.Sid, [s.Action].flat().some((a: string) => a.endsWith("*"))]).toEqual([s.Sid, false]);
    }
    const sid = (id: string) => doc.Statement.find((s: any) => s.Sid === id);
    const secretRefs = Object.keys(json.resource.aws_secretsmanager_secret).map((k) => `\${aws_secretsmanager_secret.${k}.arn}`);
    expect([...sid("ReadOwnSecrets").Resource].sort()).toEqual(secretRefs.sort());
    expect([...sid("DecryptOwnSecretsViaSecretsManager").Condition.StringLike["kms:EncryptionContext:SecretARN"]].sort()).toEqual(secretRefs.sort());
    expect(sid("DecryptOwnSecretsViaSecretsManager").Condition.StringEquals).toEqual({ "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" });
    expect(sid("WriteOwnLogGroups").Resource).toHaveLength(RUNTIME_LOG_SERVICES.length * 2);
    expect(sid("BackupsWriteObjects").Resource).toMatch(/\/backups\/\*$/);
    // Every secret's resource policy lets the host read it.
    for (const p of resources("aws_secretsmanager_secret_policy")) {
      const read = JSON.parse(p.policy).Statement.find((s: any) => s.Sid === "OnlyNamedPrincipalsReadTheValue");
      expect(read.Condition.StringNotLike["aws:PrincipalArn"]).toContain("arn:aws:iam::123456789012:role/n8n-prod-docker-host");
    }
  });

  test("the key policy lets the account use the key through S3, Secrets Manager and SNS, in this region only", () => {
    const policy = JSON.parse(resources("aws_kms_key")[0].policy);
    const use = policy.Statement.find((s: any) => s.Sid === "AccountUsesTheKeyOnlyThroughServices");
    const via: string[] = use.Condition.StringEquals["kms:ViaService"];
    expect(via).toEqual(expect.arrayContaining(["s3.eu-central-1.amazonaws.com", "secretsmanager.eu-central-1.amazonaws.com", "sns.eu-central-1.amazonaws.com"]));
    for (const v of via) expect(v).toMatch(/^[a-z0-9-]+\.eu-central-1\.amazonaws\.com$/);
    expect(use.Condition.StringEquals["kms:CallerAccount"]).toBe("123456789012");
  });

  test("the real stack pins the account and carries no test-only provider settings", () => {
    expect(text).toHaveProviderWithProperties(AwsProvider, { region: "eu-central-1", allowed_account_ids: ["123456789012"] });
    const provider = json.provider.aws[0];
    for (const k of ["access_key", "secret_key", "skip_credentials_validation", "skip_requesting_account_id", "skip_metadata_api_check", "skip_region_validation"]) expect([k, provider[k]]).toEqual([k, undefined]);
    expect(json.data).toBeUndefined();
  });

  test("every AWS name derives from the prefix, so two tenants in one account do not collide", () => {
    const names = (j: any) =>
      [
        ...Object.values<any>(j.resource.aws_secretsmanager_secret).map((r) => r.name),
        ...Object.values<any>(j.resource.aws_cloudwatch_log_group).map((r) => r.name),
        ...Object.values<any>(j.resource.aws_kms_alias).map((r) => r.name),
        ...Object.values<any>(j.resource.aws_sns_topic).map((r) => r.name),
        ...Object.values<any>(j.resource.aws_cloudwatch_metric_alarm).map((r) => r.alarm_name),
        ...Object.values<any>(j.resource.aws_cloudwatch_dashboard).map((r) => r.dashboard_name),
        ...Object.values<any>(j.resource.aws_iam_role).map((r) => r.name),
      ];
    const a = names(synth({ namePrefix: "tenant-a", backupBucketName: "tenant-a-backups" }).json);
    const b = names(synth({ namePrefix: "tenant-b", backupBucketName: "tenant-b-backups" }).json);
    expect(a.length).toBeGreaterThan(15);
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });
});
