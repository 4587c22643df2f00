import { Testing } from "cdktf";
import { evaluateStack } from "../../constructs/policy/engine";
import { ALL_RULES, AWS_PACK, DOCKER_PACK } from "../../constructs/policy/packs";
import { makeContext, Rule } from "../../constructs/policy/rule";
import { DevStack } from "../../stacks/dev-stack";
import { ProdCloudStack } from "../../stacks/prod-cloud-stack";
import { devConfig, REPO_ROOT } from "../helpers/synth";
import { prodCloudProps } from "../helpers/prod-cloud";

/*
 * cdk-nag style: for every rule a compliant fixture (the project's own stacks) and at least one
 * non-compliant fixture (the same JSON with one thing broken).
 */

const fresh = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const devJson = fresh(new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT }).toTerraform());
const cloudJson = fresh(new ProdCloudStack(Testing.app(), "prod-cloud", prodCloudProps()).toTerraform());
const dev = () => fresh(devJson);
const cloud = () => fresh(cloudJson);

const find = (json: any, type: string, pred: (b: any) => boolean): any => Object.values(json.resource[type]).find(pred);
const container = (json: any, name: string) => find(json, "docker_container", (c) => c.name === `n8n-${name}`);
const label = (c: any, key: string) => c.labels.find((l: any) => l.label === key);
const setLabel = (c: any, key: string, value: string) => (label(c, key) ? (label(c, key).value = value) : c.labels.push({ label: key, value }));
const bucketOf = (json: any, type: string, bucketKeyPart: string) => find(json, type, (b) => String(b.bucket).includes(bucketKeyPart) && !String(b.bucket).includes("AccessLogs"));
const policyDoc = (b: any) => JSON.parse(b.policy);

function findingsOf(rule: Rule, json: any) {
  return rule.evaluate(makeContext("fixture", json));
}

const NONCOMPLIANT: Record<string, [string, () => any][]> = {
  "ZT-NET-001": [["postgres publishes 5432", () => { const j = dev(); container(j, "postgres").ports = [{ internal: 5432, external: 5432 }]; return j; }]],
  "ZT-NET-002": [["traefik publishes its dashboard port", () => { const j = dev(); container(j, "traefik").ports.push({ internal: 8080, external: 8080 }); return j; }]],
  "ZT-NET-003": [["oauth2-proxy joins the data network", () => { const j = dev(); const data = container(j, "postgres").networks_advanced[0].name; container(j, "oauth2-proxy").networks_advanced.push({ name: data }); return j; }]],
  "ZT-NET-004": [["the data network is not internal", () => { const j = dev(); find(j, "docker_network", (n) => n.name === "n8n-data").internal = false; return j; }]],
  "ZT-EDGE-001": [
    ["the editor router lost its SSO middleware", () => { const j = dev(); const c = container(j, "main"); label(c, "traefik.http.routers.n8n-editor.middlewares").value = "security-headers@file"; return j; }],
    ["the public router matches the whole host", () => { const j = dev(); label(container(j, "main"), "traefik.http.routers.n8n-public.rule").value = "Host(`n8n.localhost`)"; return j; }],
    ["an IdP on the whole host with a public reason shorter than 10 characters", () => { const j = dev(); const c = container(j, "idp"); label(c, "traefik.http.routers.n8n-idp.rule").value = "Host(`auth.localhost`)"; setLabel(c, "org.n8n-zero-trust.public-reason", "idp"); return j; }],
  ],
  "ZT-EDGE-002": [
    ["the editor rule no longer excludes /metrics", () => { const j = dev(); label(container(j, "main"), "traefik.http.routers.n8n-editor.rule").value = "Host(`n8n.localhost`)"; return j; }],
    ["a router to Traefik's API", () => { const j = dev(); const c = container(j, "oauth2-proxy"); c.labels.push({ label: "traefik.http.routers.api.rule", value: "Host(`n8n.localhost`) && PathPrefix(`/api`)" }, { label: "traefik.http.routers.api.service", value: "api@internal" }, { label: "traefik.http.routers.api.tls", value: "true" }); return j; }],
  ],
  "ZT-EDGE-003": [["a router without TLS", () => { const j = dev(); const c = container(j, "main"); c.labels = c.labels.filter((l: any) => l.label !== "traefik.http.routers.n8n-public.tls"); return j; }]],
  "ZT-CTR-001": [
    ["n8n mounts the docker socket", () => { const j = dev(); container(j, "main").mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", read_only: true }); return j; }],
    ["the socket proxy mounts it writable", () => { const j = dev(); container(j, "socket-proxy").mounts.find((m: any) => m.source.endsWith("docker.sock")).read_only = false; return j; }],
  ],
  "ZT-CTR-002": [["n8n is privileged", () => { const j = dev(); container(j, "main").privileged = true; return j; }], ["runners add SYS_ADMIN", () => { const j = dev(); container(j, "runners").capabilities.add = ["SYS_ADMIN"]; return j; }]],
  "ZT-CTR-003": [["postgres lost no-new-privileges", () => { const j = dev(); container(j, "postgres").security_opts = []; return j; }], ["traefik keeps capabilities", () => { const j = dev(); container(j, "traefik").capabilities.drop = []; return j; }]],
  "ZT-CTR-004": [["an image tagged latest", () => { const j = dev(); find(j, "docker_image", (i) => i.name.startsWith("traefik:")).name = "traefik:latest"; return j; }]],
  "ZT-CTR-005": [["no memory limit", () => { const j = dev(); delete container(j, "runners").memory; return j; }]],
  "ZT-SEC-001": [["a password in n8n's environment", () => { const j = dev(); container(j, "main").env.push("DB_POSTGRESDB_PASSWORD=hunter2hunter2"); return j; }]],
  "ZT-AWS-S3-001": [
    ["the backup bucket has no encryption configuration", () => { const j = cloud(); const key = Object.keys(j.resource.aws_s3_bucket_server_side_encryption_configuration).find((k) => !k.includes("AccessLogs"))!; delete j.resource.aws_s3_bucket_server_side_encryption_configuration[key]; return j; }],
    ["the backup bucket uses SSE-S3", () => { const j = cloud(); const s = bucketOf(j, "aws_s3_bucket_server_side_encryption_configuration", "Backups"); s.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" }; return j; }],
  ],
  "ZT-AWS-S3-002": [["a public-access flag is off", () => { const j = cloud(); bucketOf(j, "aws_s3_bucket_public_access_block", "Backups").restrict_public_buckets = false; return j; }]],
  "ZT-AWS-S3-003": [["the bucket policy allows plain HTTP", () => { const j = cloud(); const p = bucketOf(j, "aws_s3_bucket_policy", "Backups"); const doc = policyDoc(p); doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport"); p.policy = JSON.stringify(doc); return j; }]],
  "ZT-AWS-S3-004": [["versioning suspended", () => { const j = cloud(); bucketOf(j, "aws_s3_bucket_versioning", "Backups").versioning_configuration.status = "Suspended"; return j; }]],
  "ZT-AWS-KMS-001": [["rotation off", () => { const j = cloud(); find(j, "aws_kms_key", () => true).enable_key_rotation = false; return j; }]],
  "ZT-AWS-SM-001": [["a secret on the AWS-managed key", () => { const j = cloud(); delete find(j, "aws_secretsmanager_secret", () => true).kms_key_id; return j; }]],
  "ZT-AWS-SM-002": [["a secret value in Terraform", () => { const j = cloud(); j.resource.aws_secretsmanager_secret_version = { v: { secret_id: "x", secret_string: "hunter2" } }; return j; }]],
  "ZT-AWS-SM-003": [["a secret with no rotation and no decision", () => { const j = cloud(); delete find(j, "aws_secretsmanager_secret", (s) => s.name.endsWith("n8n-db-password")).tags; return j; }]],
  "ZT-AWS-LOG-001": [["a log group without key", () => { const j = cloud(); delete find(j, "aws_cloudwatch_log_group", () => true).kms_key_id; return j; }], ["a log group without retention", () => { const j = cloud(); delete find(j, "aws_cloudwatch_log_group", () => true).retention_in_days; return j; }]],
  "ZT-AWS-SNS-001": [["the topic on alias/aws/sns", () => { const j = cloud(); find(j, "aws_sns_topic", () => true).kms_master_key_id = "alias/aws/sns"; return j; }]],
  "ZT-AWS-CW-001": [["an alarm without actions", () => { const j = cloud(); find(j, "aws_cloudwatch_metric_alarm", () => true).alarm_actions = []; return j; }]],
  "ZT-AWS-LMB-001": [["a function without DLQ or reserved concurrency", () => { const j = cloud(); j.resource.aws_lambda_function = { f: { function_name: "rotation", role: "r", runtime: "nodejs22.x" } }; return j; }]],
  "ZT-AWS-IAM-001": [
    ["the host may read every secret", () => { const j = cloud(); const p = find(j, "aws_iam_role_policy", () => true); const doc = policyDoc(p); doc.Statement[0].Resource = "*"; p.policy = JSON.stringify(doc); return j; }],
    ["an action wildcard", () => { const j = cloud(); const p = find(j, "aws_iam_role_policy", () => true); const doc = policyDoc(p); doc.Statement[0].Action = "secretsmanager:*"; p.policy = JSON.stringify(doc); return j; }],
  ],
};

describe.each(ALL_RULES.map((r) => [r.id, r] as const))("%s", (id, rule) => {
  const compliant = DOCKER_PACK.includes(rule) ? devJson : cloudJson;

  test("has a cause, an explanation and a level", () => {
    expect(rule.cause.length).toBeGreaterThan(10);
    expect(rule.explanation.length).toBeGreaterThan(30);
    expect(["error", "warning"]).toContain(rule.level);
  });

  test("Compliance: the project's own stack", () => {
    expect(findingsOf(rule, compliant)).toEqual([]);
  });

  test.each(NONCOMPLIANT[id] ?? [])("Noncompliance: %s", (_name, make) => {
    const findings = findingsOf(rule, make());
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f.detail.length).toBeGreaterThan(0);
  });

  test("has at least one non-compliant fixture", () => {
    expect((NONCOMPLIANT[id] ?? []).length).toBeGreaterThan(0);
  });
});

describe("engine", () => {
  test("the project's dev and prod-cloud stacks have zero error findings", () => {
    expect(evaluateStack("dev", devJson).errors).toEqual([]);
    expect(evaluateStack("prod-cloud", cloudJson).errors).toEqual([]);
  });

  test("a suppression with a reason silences exactly that rule on that resource, and is reported", () => {
    const j = dev();
    container(j, "postgres").ports = [{ internal: 5432, external: 5432 }];
    container(j, "postgres")["//"].n8n_zero_trust_suppressions = [{ rule: "ZT-NET-001", reason: "temporary DBA access during migration" }];
    const r = evaluateStack("dev", j, DOCKER_PACK);
    expect(r.errors).toEqual([]);
    expect(r.suppressed.map((f) => [f.ruleId, f.suppressedBecause])).toEqual([["ZT-NET-001", "temporary DBA access during migration"]]);
  });

  test("a suppression without a real reason does not count and is itself an error", () => {
    const j = dev();
    container(j, "postgres").ports = [{ internal: 5432, external: 5432 }];
    container(j, "postgres")["//"].n8n_zero_trust_suppressions = [{ rule: "ZT-NET-001", reason: "ok" }];
    const r = evaluateStack("dev", j, DOCKER_PACK);
    expect(r.errors.map((f) => f.ruleId).sort()).toEqual(["ZT-META-001", "ZT-NET-001"]);
  });

  test("the AWS pack does not look at Docker resources and vice versa", () => {
    expect(evaluateStack("dev", devJson, AWS_PACK).findings).toEqual([]);
    expect(evaluateStack("prod-cloud", cloudJson, DOCKER_PACK).findings).toEqual([]);
  });
});
