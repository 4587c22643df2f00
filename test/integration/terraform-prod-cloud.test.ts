import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { synthProdCloudToDir } from "../helpers/prod-cloud";
import { AWS_PROVIDER_VERSION, terraformIn, terraformVersion } from "../helpers/terraform";

/*
 * The synthesized prod-cloud stack through the real terraform CLI and the real hashicorp/aws
 * 5.100.0 provider from the local mirror: init, validate, plan, show -json. Offline: test-only
 * provider settings skip the credential checks; nothing here reaches AWS.
 */

let dir: string;
let plan: any;
let validate: any;
let providerLine: string;

/** Resources of a type in the plan's configuration, with their expressions. */
const configured = (type: string): any[] => plan.configuration.root_module.resources.filter((r: any) => r.type === type);
/** Terraform addresses an expression refers to. */
const refs = (expr: any): string[] => expr?.references ?? [];
const planned = (type: string): any[] => plan.resource_changes.filter((r: any) => r.type === type);

beforeAll(() => {
  terraformVersion();
  dir = synthProdCloudToDir(mkdtempSync(path.join(os.tmpdir(), "zt-prod-cloud-")));
  const tf = terraformIn(dir);
  tf.ok(["init", "-input=false", "-no-color"]);
  providerLine = tf.ok(["version"]);
  validate = tf.json(["validate", "-json", "-no-color"]);
  tf.ok(["plan", "-input=false", "-no-color", "-lock=false", "-out=plan.bin"]);
  plan = tf.json(["show", "-json", "plan.bin"]);
}, 180000);

test("terraform validate passes with the real AWS provider", () => {
  expect(validate.valid).toBe(true);
  expect(validate.error_count).toBe(0);
  expect(providerLine).toContain(`provider registry.terraform.io/hashicorp/aws v${AWS_PROVIDER_VERSION}`);
});

test("terraform plan creates the stack and changes nothing else", () => {
  const actions = new Set(plan.resource_changes.flatMap((r: any) => r.change.actions));
  expect([...actions]).toEqual(["create"]);
  expect(plan.resource_changes.length).toBeGreaterThan(40);
});

test("the KMS key rotates automatically and has a deletion window", () => {
  const [key] = planned("aws_kms_key");
  expect(key.change.after).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
});

test("every data bucket is encrypted with the customer key (SSE-KMS, bucket key on); the access-log bucket uses SSE-S3", () => {
  const sse = configured("aws_s3_bucket_server_side_encryption_configuration");
  expect(sse.length).toBe(2);
  for (const r of sse) {
    const rule = r.expressions.rule[0];
    const byDefault = rule.apply_server_side_encryption_by_default[0];
    if (refs(r.expressions.bucket).some((a) => a.includes("AccessLogs"))) {
      expect(byDefault.sse_algorithm.constant_value).toBe("AES256");
    } else {
      expect(byDefault.sse_algorithm.constant_value).toBe("aws:kms");
      expect(refs(byDefault.kms_master_key_id).some((a) => a.startsWith("aws_kms_key."))).toBe(true);
      expect(rule.bucket_key_enabled.constant_value).toBe(true);
    }
  }
  // Every bucket has an encryption configuration.
  expect(planned("aws_s3_bucket").length).toBe(sse.length);
});

test("every bucket blocks public access, enforces bucket-owner ownership and is versioned", () => {
  const n = planned("aws_s3_bucket").length;
  const pab = planned("aws_s3_bucket_public_access_block");
  expect(pab.length).toBe(n);
  for (const p of pab) expect(p.change.after).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  expect(planned("aws_s3_bucket_ownership_controls").map((o: any) => o.change.after.rule[0].object_ownership)).toEqual(Array(n).fill("BucketOwnerEnforced"));
  expect(planned("aws_s3_bucket_versioning").map((v: any) => v.change.after.versioning_configuration[0].status)).toEqual(Array(n).fill("Enabled"));
});

test("every bucket policy denies plain HTTP and TLS below 1.2, and waits for the public-access block", () => {
  for (const p of configured("aws_s3_bucket_policy")) {
    expect(p.depends_on.some((d: string) => d.startsWith("aws_s3_bucket_public_access_block."))).toBe(true);
  }
  // The policies refer to bucket ARNs, unknown until apply: read the documents from the plan's input.
  const json = JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  for (const p of Object.values<any>(json.resource.aws_s3_bucket_policy)) {
    const doc = JSON.parse(p.policy);
    const sids = doc.Statement.map((s: any) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(["DenyInsecureTransport", "DenyTlsBelow12"]));
    expect(doc.Statement.find((s: any) => s.Sid === "DenyTlsBelow12").Condition).toEqual({ NumericLessThan: { "s3:TlsVersion": "1.2" } });
  }
});

test("every secret is on the customer key, and no secret value is planned into state", () => {
  const secrets = configured("aws_secretsmanager_secret");
  expect(secrets.length).toBe(8);
  for (const s of secrets) expect(refs(s.expressions.kms_key_id).some((a) => a.startsWith("aws_kms_key."))).toBe(true);
  expect(planned("aws_secretsmanager_secret_version")).toEqual([]);
  expect(JSON.stringify(plan)).not.toMatch(/"secret_string"\s*:\s*"[^"]/);
});

test("the never-rotate encryption key is protected from destroy and has no rotation", () => {
  const json = JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8"));
  const key = Object.values<any>(json.resource.aws_secretsmanager_secret).find((s) => s.name.endsWith("/n8n-encryption-key"));
  expect(key.lifecycle).toEqual({ prevent_destroy: true });
  expect(key.tags["n8n-zero-trust:rotation"]).toBe("never");
});

test("every log group is encrypted with the customer key and has a retention", () => {
  const groups = configured("aws_cloudwatch_log_group");
  expect(groups.length).toBe(7);
  for (const g of groups) {
    expect(refs(g.expressions.kms_key_id).some((a) => a.startsWith("aws_kms_key."))).toBe(true);
    expect(g.expressions.retention_in_days.constant_value).toBe(365);
  }
});

test("every alarm has alarm and OK actions to the topic, and treats missing data as not breaching", () => {
  const alarms = configured("aws_cloudwatch_metric_alarm");
  expect(alarms.length).toBe(3);
  for (const a of alarms) {
    expect(refs(a.expressions.alarm_actions).some((x) => x.startsWith("aws_sns_topic."))).toBe(true);
    expect(refs(a.expressions.ok_actions).some((x) => x.startsWith("aws_sns_topic."))).toBe(true);
    expect(a.expressions.treat_missing_data.constant_value).toBe("notBreaching");
  }
  for (const f of planned("aws_cloudwatch_log_metric_filter")) expect(f.change.after.metric_transformation[0].default_value).toBe("0");
});

test("the alarm topic is on the customer key, not alias/aws/sns", () => {
  const [topic] = configured("aws_sns_topic");
  expect(refs(topic.expressions.kms_master_key_id).some((a) => a.startsWith("aws_kms_key."))).toBe(true);
  expect(JSON.stringify(plan)).not.toContain("alias/aws/sns");
});
