import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loggedServices, RUNTIME_CATALOG } from "../../constructs/app/service-catalog";
import { synthProdFromExampleConfigToDir } from "../helpers/prod-cloud";
import { REPO_ROOT } from "../helpers/synth";
import { AWS_PROVIDER_VERSION, planStack, PlanResult } from "../helpers/terraform";

/** The catalog's logged services: one log group each. */
const RUNTIME_LOG_SERVICES = loggedServices(RUNTIME_CATALOG).map((s) => s.logKey);

/*
 * The synthesized prod-cloud stack through the real terraform CLI and the real hashicorp/aws
 * 5.100.0 provider from the machine's filesystem mirror: one synth, one init, then validate, plan
 * and show -json. Offline: the test (and only the test) gives the provider fake static credentials
 * and the skip_* switches; nothing here reaches AWS. A missing terraform or mirror fails the file.
 *
 * Values that depend on other resources (ARNs, ids) are unknown in a plan, so "encrypted with the
 * customer key" is read from the plan's configuration: the attribute must reference the aws_kms_key.
 */

let outdir: string;
let result: PlanResult;
let plan: any;
let stackJson: any;

/** Resources of a type in the plan's configuration (with their expressions and references). */
const configured = (type: string): any[] => plan.configuration.root_module.resources.filter((r: any) => r.type === type);
/** Planned changes of a type. */
const planned = (type: string): any[] => plan.resource_changes.filter((r: any) => r.type === type);
/** Addresses an expression refers to. */
const refs = (expr: any): string[] => expr?.references ?? [];
const refersToKey = (expr: any) => refs(expr).some((a) => /^aws_kms_key\.[^.]+(\.arn)?$/.test(a));
/** The bucket a bucket-level resource belongs to (its `bucket` reference). */
const bucketOf = (r: any): string => refs(r.expressions.bucket).find((a) => /^aws_s3_bucket\.[^.]+$/.test(a)) ?? "";

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), "zt-prod-cloud-"));
  // What main.ts deploys, from the example config (with prod-runtime in the same app, as main.ts does).
  const stackDir = synthProdFromExampleConfigToDir(outdir);
  stackJson = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  result = planStack(stackDir);
  plan = result.plan;
}, 240_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  if (result) rmSync(result.terraform.home, { recursive: true, force: true });
});

describe("terraform with the real hashicorp/aws provider", () => {
  test("terraform validate passes with no errors or warnings", () => {
    expect(result.validate).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
  });

  test(`the provider is hashicorp/aws ${AWS_PROVIDER_VERSION} from the local mirror, on terraform >= 1.11`, () => {
    expect(result.versions.providers["registry.terraform.io/hashicorp/aws"]).toBe(AWS_PROVIDER_VERSION);
    expect(result.versions.terraform).toMatch(/^1\.(1[1-9]|[2-9]\d)\./);
  });

  test("terraform plan only creates resources", () => {
    expect(result.summary).toMatch(/^Plan: \d+ to add, 0 to change, 0 to destroy\.$/);
    expect(new Set(plan.resource_changes.flatMap((r: any) => r.change.actions))).toEqual(new Set(["create"]));
  });

  test("the test-only provider settings are in this plan's provider and nowhere else", () => {
    // They come from the test's providerOverrides: the stack's own config has none (see the unit tests).
    const provider = plan.configuration.provider_config.aws.expressions;
    expect(provider.skip_credentials_validation.constant_value).toBe(true);
    expect(provider.allowed_account_ids).toBeUndefined();
  });
});

describe("the Docker host and its network", () => {
  test("the instance requires IMDSv2 (hop limit 1), has no key pair and a CMK-encrypted gp3 root volume", () => {
    const [inst] = planned("aws_instance");
    expect(inst.change.after.metadata_options[0]).toMatchObject({ http_tokens: "required", http_endpoint: "enabled", http_put_response_hop_limit: 1 });
    expect(inst.change.after.key_name).toBeUndefined();
    expect(inst.change.after.root_block_device[0]).toMatchObject({ encrypted: true, volume_type: "gp3", volume_size: 40 });
    const [cfg] = configured("aws_instance");
    expect(refersToKey(cfg.expressions.root_block_device[0].kms_key_id)).toBe(true);
    expect(refs(cfg.expressions.iam_instance_profile).some((a) => a.startsWith("aws_iam_instance_profile."))).toBe(true);
  });

  test("terraform hands the host the cloud-init document as npm run host:print shows it (gzip, base64, within 16 KiB)", () => {
    const [inst] = planned("aws_instance");
    const planned64: string = inst.change.after.user_data_base64;
    expect(planned64.length).toBeLessThanOrEqual(16384);
    const doc = gunzipSync(Buffer.from(planned64, "base64")).toString("utf8");
    const printed = spawnSync(process.execPath, ["scripts/run-ts.cjs", "scripts/print-host-user-data.ts", "--config", "config/prod.example.json"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(printed.status).toBe(0);
    expect(doc).toBe(printed.stdout);
    expect(doc).toMatch(/^#cloud-config\n/);
  });

  test("only 80/443 are open to the internet; Postgres only from the rotation function's security group", () => {
    const groups = planned("aws_security_group").map((g) => g.change.after);
    const open = groups.flatMap((g) => g.ingress.filter((r: any) => r.cidr_blocks.includes("0.0.0.0/0")).map((r: any) => [g.name, r.from_port, r.to_port]));
    expect(open).toEqual([
      ["n8n-prod-docker-host", 80, 80],
      ["n8n-prod-docker-host", 443, 443],
    ]);
    const hostSg = configured("aws_security_group").find((g) => g.expressions.name.constant_value === "n8n-prod-docker-host")!;
    const rotationSg = configured("aws_security_group").find((g) => g.expressions.name.constant_value === "n8n-prod-rotation-egress")!;
    expect(JSON.stringify(hostSg.expressions.ingress)).toContain(`aws_security_group.${rotationSg.name}`);
  });

  test("a Secrets Manager interface endpoint with private DNS in the private subnets; no NAT gateway", () => {
    const endpoints = planned("aws_vpc_endpoint").map((e) => e.change.after);
    expect(endpoints.map((e) => `${e.service_name} ${e.vpc_endpoint_type}`).sort()).toEqual(["com.amazonaws.eu-central-1.s3 Gateway", "com.amazonaws.eu-central-1.secretsmanager Interface"]);
    expect(endpoints.find((e) => e.vpc_endpoint_type === "Interface").private_dns_enabled).toBe(true);
    expect(planned("aws_nat_gateway")).toEqual([]);
  });

  test("the rotation function runs in the VPC's private subnets", () => {
    const [fn] = configured("aws_lambda_function");
    expect(refs(fn.expressions.vpc_config[0].subnet_ids).filter((a) => /^aws_subnet\.[^.]+$/.test(a))).toHaveLength(2);
  });
});

describe("KMS", () => {
  test("the customer key rotates automatically, is enabled and has a 30-day deletion window and an alias", () => {
    const keys = planned("aws_kms_key");
    expect(keys).toHaveLength(1);
    expect(keys[0].change.after).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: 365, is_enabled: true, deletion_window_in_days: 30, key_usage: "ENCRYPT_DECRYPT" });
    expect(planned("aws_kms_alias").map((a) => a.change.after.name)).toEqual(["alias/n8n-prod"]);
  });

  test("the planned key policy names no wildcard principal and scopes CloudWatch Logs by encryption context", () => {
    const policy = JSON.parse(planned("aws_kms_key")[0].change.after.policy);
    for (const s of policy.Statement) expect(JSON.stringify(s.Principal)).not.toMatch(/"\*"|^"\*"$/);
    const logs = policy.Statement.find((s: any) => s.Principal?.Service === "logs.eu-central-1.amazonaws.com");
    expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe("arn:aws:logs:eu-central-1:123456789012:log-group:*");
  });
});

describe("S3", () => {
  test("every data bucket is encrypted with the customer key (SSE-KMS, bucket key on); the access-log bucket uses SSE-S3", () => {
    const buckets = configured("aws_s3_bucket").map((b) => `aws_s3_bucket.${b.name}`);
    const sse = configured("aws_s3_bucket_server_side_encryption_configuration");
    expect(sse.map(bucketOf).sort()).toEqual([...buckets].sort());
    const logTargets = new Set(configured("aws_s3_bucket_logging").flatMap((l) => refs(l.expressions.target_bucket)));
    let kmsBuckets = 0;
    for (const r of sse) {
      const rule = r.expressions.rule[0];
      const byDefault = rule.apply_server_side_encryption_by_default[0];
      if (logTargets.has(bucketOf(r))) {
        expect(byDefault.sse_algorithm.constant_value).toBe("AES256");
      } else {
        kmsBuckets++;
        expect(byDefault.sse_algorithm.constant_value).toBe("aws:kms");
        expect(refersToKey(byDefault.kms_master_key_id)).toBe(true);
        expect(rule.bucket_key_enabled.constant_value).toBe(true);
      }
    }
    expect(kmsBuckets).toBeGreaterThanOrEqual(1);
  });

  test("every bucket blocks public access (all four flags), has ACLs off, is versioned and has lifecycle rules", () => {
    const buckets = configured("aws_s3_bucket").map((b) => `aws_s3_bucket.${b.name}`).sort();
    for (const type of ["aws_s3_bucket_public_access_block", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_versioning", "aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_policy"]) {
      expect([type, configured(type).map(bucketOf).sort()]).toEqual([type, buckets]);
    }
    for (const p of planned("aws_s3_bucket_public_access_block")) expect(p.change.after).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    for (const o of planned("aws_s3_bucket_ownership_controls")) expect(o.change.after.rule[0].object_ownership).toBe("BucketOwnerEnforced");
    for (const v of planned("aws_s3_bucket_versioning")) expect(v.change.after.versioning_configuration[0].status).toBe("Enabled");
    for (const l of planned("aws_s3_bucket_lifecycle_configuration")) {
      const rules = l.change.after.rule;
      expect(rules.some((r: any) => r.noncurrent_version_expiration.length > 0)).toBe(true);
      expect(rules.some((r: any) => r.abort_incomplete_multipart_upload.length > 0)).toBe(true);
    }
  });

  test("backups expire 35 days after they are written (current objects under backups/ only)", () => {
    const rules = planned("aws_s3_bucket_lifecycle_configuration").flatMap((l) => l.change.after.rule);
    expect(rules.filter((r: any) => r.id === "expire-current-objects").map((r: any) => [r.filter[0].prefix, r.expiration[0].days])).toEqual([["backups/", 35]]);
  });

  test("every data bucket sends server access logs to a separate bucket", () => {
    const logging = configured("aws_s3_bucket_logging");
    const targets = new Set(logging.flatMap((l) => refs(l.expressions.target_bucket).filter((a) => /^aws_s3_bucket\.[^.]+$/.test(a))));
    const sources = configured("aws_s3_bucket").map((b) => `aws_s3_bucket.${b.name}`).filter((b) => !targets.has(b));
    expect(logging.map(bucketOf).sort()).toEqual(sources.sort());
    for (const l of logging) expect(targets.has(bucketOf(l))).toBe(false);
  });

  test("bucket-level writes are ordered: ownership controls, then the public-access block, then the policy", () => {
    for (const p of configured("aws_s3_bucket_public_access_block")) expect(p.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_ownership_controls\./)]);
    for (const p of configured("aws_s3_bucket_policy")) expect(p.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
  });

  test("every bucket policy denies plain HTTP and TLS below 1.2", () => {
    // Policies embed bucket ARNs, unknown until apply: read the documents from the plan's input.
    const policies = Object.values<any>(stackJson.resource.aws_s3_bucket_policy).map((p) => JSON.parse(p.policy));
    expect(policies.length).toBe(configured("aws_s3_bucket").length);
    for (const doc of policies) {
      expect(doc.Statement.find((s: any) => s.Sid === "DenyInsecureTransport")).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
      expect(doc.Statement.find((s: any) => s.Sid === "DenyTlsBelow12")).toMatchObject({ Effect: "Deny", Principal: "*", Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } });
    }
  });
});

describe("Secrets Manager", () => {
  test("every secret is on the customer key with a 30-day recovery window", () => {
    const secrets = configured("aws_secretsmanager_secret");
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const s of secrets) expect([s.name, refersToKey(s.expressions.kms_key_id)]).toEqual([s.name, true]);
    for (const s of planned("aws_secretsmanager_secret")) expect(s.change.after.recovery_window_in_days).toBe(30);
  });

  test("no secret value is planned: no secret version, no secret_string anywhere in the plan", () => {
    expect(planned("aws_secretsmanager_secret_version")).toEqual([]);
    expect(JSON.stringify(plan)).not.toMatch(/"secret_string(_wo)?"\s*:\s*"[^"]/);
  });

  test("every secret has a resource policy that blocks public policies", () => {
    const secrets = configured("aws_secretsmanager_secret").map((s) => `aws_secretsmanager_secret.${s.name}`).sort();
    const policies = configured("aws_secretsmanager_secret_policy");
    expect(policies.map((p) => refs(p.expressions.secret_arn).find((a) => /^aws_secretsmanager_secret\.[^.]+$/.test(a))).sort()).toEqual(secrets);
    for (const p of planned("aws_secretsmanager_secret_policy")) expect(p.change.after.block_public_policy).toBe(true);
  });

  test("the never-rotate n8n encryption key has no rotation, prevent_destroy and a policy nobody may delete it through", () => {
    const [key] = Object.entries<any>(stackJson.resource.aws_secretsmanager_secret).filter(([, s]) => s.name.endsWith("/n8n-encryption-key"));
    expect(key[1].lifecycle).toEqual({ prevent_destroy: true });
    expect(planned("aws_secretsmanager_secret_rotation").filter((r) => JSON.stringify(r).includes(key[0]))).toEqual([]);
    const policy = Object.values<any>(stackJson.resource.aws_secretsmanager_secret_policy).find((p) => p.secret_arn.includes(key[0]));
    expect(JSON.parse(policy.policy).Statement).toContainEqual({ Sid: "NobodyDeletesThisSecret", Effect: "Deny", Principal: "*", Action: "secretsmanager:DeleteSecret", Resource: "*" });
  });
});

describe("CloudWatch and SNS", () => {
  test("every log group is encrypted with the customer key and keeps events for 365 days", () => {
    const groups = configured("aws_cloudwatch_log_group");
    for (const g of groups) expect([g.name, refersToKey(g.expressions.kms_key_id)]).toEqual([g.name, true]);
    for (const g of planned("aws_cloudwatch_log_group")) expect([g.change.after.name, g.change.after.retention_in_days]).toEqual([g.change.after.name, 365]);
    const names = planned("aws_cloudwatch_log_group").map((g) => g.change.after.name);
    expect(names).toEqual(expect.arrayContaining([...RUNTIME_LOG_SERVICES.map((s) => `/n8n-prod/${s}`), "/aws/lambda/n8n-prod-rotation"]));
  });

  test("every alarm has enabled alarm and OK actions to the alarm topic; missing data breaches only the backup heartbeat", () => {
    const alarms = configured("aws_cloudwatch_metric_alarm");
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const a of alarms) {
      expect([a.name, refs(a.expressions.alarm_actions).some((x) => x.startsWith("aws_sns_topic."))]).toEqual([a.name, true]);
      expect([a.name, refs(a.expressions.ok_actions).some((x) => x.startsWith("aws_sns_topic."))]).toEqual([a.name, true]);
    }
    for (const a of planned("aws_cloudwatch_metric_alarm")) {
      const heartbeat = a.change.after.alarm_name === "n8n-prod-BackupMissing";
      expect([a.change.after.alarm_name, a.change.after]).toEqual([a.change.after.alarm_name, expect.objectContaining({ treat_missing_data: heartbeat ? "breaching" : "notBreaching", actions_enabled: true })]);
    }
    expect(planned("aws_cloudwatch_metric_alarm").map((a) => a.change.after.alarm_name)).toContain("n8n-prod-BackupMissing");
  });

  test("metric filters for failed logins, 5xx and rotation failures default to 0", () => {
    const filters = planned("aws_cloudwatch_log_metric_filter").map((f) => f.change.after);
    expect(filters.map((f) => f.metric_transformation[0].name)).toEqual(expect.arrayContaining(["FailedLogins", "ServerErrors", "RotationFailures"]));
    for (const f of filters) expect(f.metric_transformation[0].default_value).toBe("0");
  });

  test("the alarm topic is on the customer key (never alias/aws/sns) and has an email subscription", () => {
    const topics = configured("aws_sns_topic");
    expect(topics).toHaveLength(1);
    expect(refersToKey(topics[0].expressions.kms_master_key_id)).toBe(true);
    expect(JSON.stringify(plan)).not.toContain("alias/aws/sns");
    expect(planned("aws_sns_topic_subscription").map((s) => [s.change.after.protocol, s.change.after.endpoint])).toEqual([["email", "ops@example.com"]]);
  });

  test("a security dashboard is planned", () => {
    expect(planned("aws_cloudwatch_dashboard").map((d) => d.change.after.dashboard_name)).toEqual(["n8n-prod-security"]);
  });
});

describe("rotation of the database login", () => {
  test("the rotation function is planned on nodejs22.x with its zip, reserved concurrency and a dead-letter queue", () => {
    const [fn] = planned("aws_lambda_function");
    expect(fn.change.after).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", reserved_concurrent_executions: 1, function_name: "n8n-prod-rotation" });
    expect(fn.change.after.filename).toMatch(/^assets\/.+\.zip$/);
    expect(fn.change.after.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(refs(configured("aws_lambda_function")[0].expressions.dead_letter_config[0].target_arn).some((a) => a.startsWith("aws_sqs_queue."))).toBe(true);
  });

  test("exactly the n8n database secret is rotated, every 30 days, by that function; the encryption key is not", () => {
    const rotations = configured("aws_secretsmanager_secret_rotation");
    expect(rotations).toHaveLength(1);
    expect(refs(rotations[0].expressions.rotation_lambda_arn).some((a) => a.startsWith("aws_lambda_function."))).toBe(true);
    expect(refs(rotations[0].expressions.secret_id).join()).toMatch(/n8n-db-password/);
    expect(planned("aws_secretsmanager_secret_rotation")[0].change.after.rotation_rules[0].automatically_after_days).toBe(30);
  });

  test("Secrets Manager may invoke the function only for that secret", () => {
    const [perm] = planned("aws_lambda_permission");
    expect(perm.change.after).toMatchObject({ principal: "secretsmanager.amazonaws.com", source_arn: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/n8n-db-password-??????" });
  });
});
