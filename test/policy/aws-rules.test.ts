import { AWS_PACK, TENANT_AWS_RULES } from "../../constructs/policy/packs";
import { makeContext } from "../../constructs/policy/rule";
import { policyDocument } from "../../constructs/policy/rules/aws/helpers";
import { awsBaseline, editPolicy, variant } from "./fixtures";
import { describeRules } from "./harness";

const base = awsBaseline();
const R = (j: any, type: string) => j.resource[type];
const DATA = "aws_s3_bucket.data";
const KEY = "aws_kms_key.key";
const DB = "aws_secretsmanager_secret.db";
const LOGS = "aws_cloudwatch_log_group.app";
const FN = "aws_lambda_function.rotation";
const HOST_POLICY = "aws_iam_role_policy.host";
const HOST = "aws_instance.host";
const HOST_SG = "aws_security_group.host";
const VPC = "aws_vpc.main";
const LT = "aws_launch_template.lt";
const KEY_ARN = "${aws_kms_key.key.arn}";
/** A launch template with IMDSv2 and its root volume on the customer key (launch templates type `encrypted` as a string). */
const launchTemplate = (edit: (t: any) => void = () => undefined) =>
  variant(base, (j) => {
    const t = {
      name: "shop-workers",
      image_id: "ami-0123456789abcdef0",
      metadata_options: { http_endpoint: "enabled", http_tokens: "required" },
      block_device_mappings: [{ device_name: "/dev/xvda", ebs: { volume_type: "gp3", encrypted: "true", kms_key_id: KEY_ARN } }],
    };
    edit(t);
    j.resource.aws_launch_template = { lt: t };
  });
const hostIngress = (rule: any) => variant(base, (j) => R(j, "aws_security_group").host.ingress.push(rule));

/** The baseline plus an ECS service behind an ALB with WAF, RDS and ElastiCache, as prod-ecs configures them. */
const CONTAINERS = [
  { name: "init", image: "n8n:2", essential: false, user: "0", readonlyRootFilesystem: true, privileged: false, secrets: [{ name: "S", valueFrom: "${aws_secretsmanager_secret.db.arn}" }] },
  { name: "n8n", image: "n8n:2", essential: true, user: "1000:1000", readonlyRootFilesystem: true, privileged: false, environment: [{ name: "N8N_ENCRYPTION_KEY_FILE", value: "/run/secrets/k" }] },
];
const ecsBase = variant(base, (j) => {
  j.resource.aws_ecs_task_definition = { n8n: { family: "shop-n8n", requires_compatibilities: ["FARGATE"], network_mode: "awsvpc", cpu: "1024", memory: "2048", container_definitions: JSON.stringify(CONTAINERS) } };
  j.resource.aws_ecs_service = { n8n: { name: "shop-n8n", task_definition: "${aws_ecs_task_definition.n8n.arn}", launch_type: "FARGATE", enable_execute_command: false, network_configuration: { subnets: ["subnet-0123456789abcdef0"], assign_public_ip: false } } };
  j.resource.aws_lb = { web: { name: "shop-alb", load_balancer_type: "application", internal: false, drop_invalid_header_fields: true, enable_deletion_protection: true, subnets: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], access_logs: { bucket: "${aws_s3_bucket.logs.id}", enabled: true } } };
  j.resource.aws_lb_listener = {
    http: { load_balancer_arn: "${aws_lb.web.arn}", port: 80, protocol: "HTTP", default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }] },
    https: { load_balancer_arn: "${aws_lb.web.arn}", port: 443, protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificate_arn: "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-4000-8000-000000000000", default_action: [{ type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "404" } }] },
  };
  j.resource.aws_wafv2_web_acl = { web: { name: "shop-acl", scope: "REGIONAL", default_action: { allow: {} }, visibility_config: { cloudwatch_metrics_enabled: true, metric_name: "shop", sampled_requests_enabled: true } } };
  j.resource.aws_wafv2_web_acl_association = { web: { resource_arn: "${aws_lb.web.arn}", web_acl_arn: "${aws_wafv2_web_acl.web.arn}" } };
  j.resource.aws_wafv2_web_acl_logging_configuration = { web: { resource_arn: "${aws_wafv2_web_acl.web.arn}", log_destination_configs: ["${aws_cloudwatch_log_group.app.arn}"] } };
  j.resource.aws_db_instance = { db: { identifier: "shop-db", engine: "postgres", instance_class: "db.t4g.medium", allocated_storage: 20, storage_encrypted: true, kms_key_id: KEY_ARN, publicly_accessible: false, backup_retention_period: 14, deletion_protection: true, manage_master_user_password: true, master_user_secret_kms_key_id: KEY_ARN, username: "master" } };
  j.resource.aws_elasticache_replication_group = { queue: { replication_group_id: "shop-queue", description: "queue", engine: "valkey", node_type: "cache.t4g.small", transit_encryption_enabled: true, transit_encryption_mode: "required", at_rest_encryption_enabled: "true", kms_key_id: KEY_ARN, user_group_ids: ["shop-users"] } };
});
const withContainers = (edit: (c: any[]) => void) =>
  variant(ecsBase, (j) => {
    const c = JSON.parse(JSON.stringify(CONTAINERS));
    edit(c);
    R(j, "aws_ecs_task_definition").n8n.container_definitions = JSON.stringify(c);
  });
const TASK = "aws_ecs_task_definition.n8n";
const SERVICE = "aws_ecs_service.n8n";
const LB = "aws_lb.web";

describeRules(AWS_PACK.filter((r) => !TENANT_AWS_RULES.includes(r)), awsBaseline, {
  "ZT-AWS-ECS-001": {
    compliant: [["a root init container that is not essential, secrets by ARN", ecsBase]],
    noncompliant: [
      ["a writable root filesystem", withContainers((c) => (c[1].readonlyRootFilesystem = false)), TASK],
      ["a privileged container", withContainers((c) => (c[1].privileged = true)), TASK],
      ["an essential container as root", withContainers((c) => (c[1].user = "0")), TASK],
      ["an essential container with no user", withContainers((c) => delete c[1].user), TASK],
      ["a password in the environment", withContainers((c) => c[1].environment.push({ name: "DB_POSTGRESDB_PASSWORD", value: "hunter2hunter2" })), TASK],
    ],
  },
  "ZT-AWS-ECS-002": {
    compliant: [["private tasks, ECS Exec off", ecsBase]],
    noncompliant: [
      ["public IPs on the tasks", variant(ecsBase, (j) => (R(j, "aws_ecs_service").n8n.network_configuration.assign_public_ip = true)), SERVICE],
      ["ECS Exec on", variant(ecsBase, (j) => (R(j, "aws_ecs_service").n8n.enable_execute_command = true)), SERVICE],
    ],
  },
  "ZT-AWS-ALB-001": {
    compliant: [["HTTP redirects, HTTPS on TLS 1.2+", ecsBase]],
    noncompliant: [
      ["an HTTP listener that forwards", variant(ecsBase, (j) => (R(j, "aws_lb_listener").http.default_action = [{ type: "fixed-response", fixed_response: { content_type: "text/plain", status_code: "200" } }])), "aws_lb_listener.http"],
      ["the default TLS policy", variant(ecsBase, (j) => delete R(j, "aws_lb_listener").https.ssl_policy), "aws_lb_listener.https"],
      ["a TLS 1.0 policy", variant(ecsBase, (j) => (R(j, "aws_lb_listener").https.ssl_policy = "ELBSecurityPolicy-2016-08")), "aws_lb_listener.https"],
    ],
  },
  "ZT-AWS-ALB-002": {
    compliant: [["headers dropped, logs, deletion protection", ecsBase]],
    noncompliant: [
      ["invalid headers kept", variant(ecsBase, (j) => (R(j, "aws_lb").web.drop_invalid_header_fields = false)), LB],
      ["no access logs", variant(ecsBase, (j) => delete R(j, "aws_lb").web.access_logs), LB],
      ["no deletion protection", variant(ecsBase, (j) => delete R(j, "aws_lb").web.enable_deletion_protection), LB],
    ],
  },
  "ZT-AWS-RDS-001": {
    compliant: [["private, on the key, backed up, protected, RDS-managed password", ecsBase]],
    noncompliant: [
      ["publicly accessible", variant(ecsBase, (j) => (R(j, "aws_db_instance").db.publicly_accessible = true)), "aws_db_instance.db"],
      ["unencrypted", variant(ecsBase, (j) => (R(j, "aws_db_instance").db.storage_encrypted = false)), "aws_db_instance.db"],
      ["no backups", variant(ecsBase, (j) => (R(j, "aws_db_instance").db.backup_retention_period = 0)), "aws_db_instance.db"],
      ["no deletion protection", variant(ecsBase, (j) => (R(j, "aws_db_instance").db.deletion_protection = false)), "aws_db_instance.db"],
      ["a master password in Terraform", variant(ecsBase, (j) => Object.assign(R(j, "aws_db_instance").db, { manage_master_user_password: undefined, password: "hunter2hunter2" })), "aws_db_instance.db"],
    ],
  },
  "ZT-AWS-ECC-001": {
    compliant: [["TLS, at rest on the key, RBAC", ecsBase]],
    noncompliant: [
      ["no TLS in transit", variant(ecsBase, (j) => (R(j, "aws_elasticache_replication_group").queue.transit_encryption_enabled = false)), "aws_elasticache_replication_group.queue"],
      ["not encrypted at rest", variant(ecsBase, (j) => (R(j, "aws_elasticache_replication_group").queue.at_rest_encryption_enabled = "false")), "aws_elasticache_replication_group.queue"],
      ["an auth token", variant(ecsBase, (j) => (R(j, "aws_elasticache_replication_group").queue.auth_token = "hunter2hunter2hunter2")), "aws_elasticache_replication_group.queue"],
      ["a user whose password Terraform sets", variant(ecsBase, (j) => (j.resource.aws_elasticache_user = { n8n: { user_id: "shop-n8n", user_name: "shop-n8n", engine: "valkey", access_string: "on ~bull:* +@all", authentication_mode: { type: "password", passwords: ["hunter2hunter2hunter2"] } } })), "aws_elasticache_user.n8n"],
    ],
  },
  "ZT-AWS-WAF-001": {
    compliant: [["a logged web ACL", ecsBase], ["an internal ALB without one", variant(ecsBase, (j) => { R(j, "aws_lb").web.internal = true; delete j.resource.aws_wafv2_web_acl_association; })]],
    noncompliant: [
      ["no web ACL", variant(ecsBase, (j) => delete j.resource.aws_wafv2_web_acl_association), LB],
      ["a web ACL without logs", variant(ecsBase, (j) => delete j.resource.aws_wafv2_web_acl_logging_configuration), LB],
    ],
  },
  "ZT-AWS-S3-001": {
    compliant: [
      ["the log-target bucket on SSE-S3", base],
      ["the ALB's access-log bucket on SSE-S3 (ALB delivers only there)", variant(ecsBase, (j) => {
        R(j, "aws_s3_bucket_server_side_encryption_configuration").data.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" };
        R(j, "aws_lb").web.access_logs.bucket = "${aws_s3_bucket.data.id}";
      })],
      ["the bucket named literally instead of by reference", variant(base, (j) => (R(j, "aws_s3_bucket_server_side_encryption_configuration").data.bucket = "shop-data"))],
      ["the deprecated inline encryption block", variant(base, (j) => {
        delete R(j, "aws_s3_bucket_server_side_encryption_configuration").data;
        R(j, "aws_s3_bucket").data.server_side_encryption_configuration = [{ rule: [{ apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.key.arn}" }] }] }];
      })],
    ],
    noncompliant: [
      ["no encryption configuration", variant(base, (j) => delete R(j, "aws_s3_bucket_server_side_encryption_configuration").data), DATA],
      ["SSE-S3 on a data bucket", variant(base, (j) => (R(j, "aws_s3_bucket_server_side_encryption_configuration").data.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" })), DATA],
      ["SSE-KMS with the AWS-managed key", variant(base, (j) => (R(j, "aws_s3_bucket_server_side_encryption_configuration").data.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "aws:kms" })), DATA],
    ],
  },
  "ZT-AWS-S3-002": {
    compliant: [["an account-wide public access block", variant(base, (j) => {
      delete j.resource.aws_s3_bucket_public_access_block;
      j.resource.aws_s3_account_public_access_block = { all: { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true } };
    })]],
    noncompliant: [
      ["restrict_public_buckets off", variant(base, (j) => (R(j, "aws_s3_bucket_public_access_block").data.restrict_public_buckets = false)), DATA],
      ["no public access block", variant(base, (j) => delete R(j, "aws_s3_bucket_public_access_block").data), DATA],
    ],
  },
  "ZT-AWS-S3-003": {
    noncompliant: [["the policy allows plain HTTP", variant(base, (j) => editPolicy(R(j, "aws_s3_bucket_policy").data, "policy", (d) => (d.Statement = []))), DATA]],
  },
  "ZT-AWS-S3-004": {
    noncompliant: [["versioning suspended", variant(base, (j) => (R(j, "aws_s3_bucket_versioning").data.versioning_configuration.status = "Suspended")), DATA]],
  },
  "ZT-AWS-S3-005": {
    noncompliant: [["ACLs still allowed", variant(base, (j) => (R(j, "aws_s3_bucket_ownership_controls").data.rule.object_ownership = "BucketOwnerPreferred")), DATA]],
  },
  "ZT-AWS-S3-006": {
    compliant: [["the log bucket itself is not logged", base]],
    noncompliant: [["no access logging", variant(base, (j) => delete j.resource.aws_s3_bucket_logging), DATA]],
  },
  "ZT-AWS-KMS-001": {
    compliant: [["an asymmetric signing key (cannot rotate)", variant(base, (j) => Object.assign(R(j, "aws_kms_key").key, { enable_key_rotation: false, customer_master_key_spec: "ECC_NIST_P256", key_usage: "SIGN_VERIFY" }))]],
    noncompliant: [
      ["rotation off", variant(base, (j) => (R(j, "aws_kms_key").key.enable_key_rotation = false)), KEY],
      ["rotation unset", variant(base, (j) => delete R(j, "aws_kms_key").key.enable_key_rotation), KEY],
    ],
  },
  "ZT-AWS-KMS-002": {
    compliant: [["Principal * narrowed by a condition", variant(base, (j) => editPolicy(R(j, "aws_kms_key").key, "policy", (d) => d.Statement.push({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-123" } } })))]],
    noncompliant: [["a key policy open to everyone", variant(base, (j) => editPolicy(R(j, "aws_kms_key").key, "policy", (d) => d.Statement.push({ Sid: "Oops", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" }))), KEY]],
  },
  "ZT-AWS-KMS-003": {
    compliant: [["deletion window unset (30 days)", variant(base, (j) => delete R(j, "aws_kms_key").key.deletion_window_in_days)]],
    noncompliant: [["a 7-day deletion window", variant(base, (j) => (R(j, "aws_kms_key").key.deletion_window_in_days = 7)), KEY]],
  },
  "ZT-AWS-KMS-004": {
    compliant: [["the policy in a separate aws_kms_key_policy", variant(base, (j) => {
      j.resource.aws_kms_key_policy = { key: { key_id: "${aws_kms_key.key.id}", policy: R(j, "aws_kms_key").key.policy } };
      delete R(j, "aws_kms_key").key.policy;
    })]],
    noncompliant: [["no policy (AWS's default: the whole account may use the key)", variant(base, (j) => delete R(j, "aws_kms_key").key.policy), KEY]],
  },
  "ZT-AWS-SM-001": {
    compliant: [["the key named by its alias", base]],
    noncompliant: [
      ["no kms_key_id", variant(base, (j) => delete R(j, "aws_secretsmanager_secret").db.kms_key_id), DB],
      ["alias/aws/secretsmanager", variant(base, (j) => (R(j, "aws_secretsmanager_secret").db.kms_key_id = "alias/aws/secretsmanager")), DB],
    ],
  },
  "ZT-AWS-SM-002": {
    compliant: [["the write-only secret_string_wo", base]],
    noncompliant: [
      ["secret_string in the plan", variant(base, (j) => (R(j, "aws_secretsmanager_secret_version").enc = { secret_id: "${aws_secretsmanager_secret.enc.id}", secret_string: "hunter2" })), "aws_secretsmanager_secret_version.enc"],
      ["a SecureString parameter with a value", variant(base, (j) => (j.resource.aws_ssm_parameter = { token: { name: "/shop/token", type: "SecureString", value: "abc" } })), "aws_ssm_parameter.token"],
    ],
  },
  "ZT-AWS-SM-003": {
    compliant: [["rotation found through a literal secret name", variant(base, (j) => (R(j, "aws_secretsmanager_secret_rotation").db.secret_id = "shop/db-password"))]],
    noncompliant: [
      ["no rotation and no decision", variant(base, (j) => delete j.resource.aws_secretsmanager_secret_rotation), DB],
      ["an unknown decision value", variant(base, (j) => (R(j, "aws_secretsmanager_secret").enc.tags["n8n-zero-trust:rotation"] = "later")), "aws_secretsmanager_secret.enc"],
    ],
  },
  "ZT-AWS-SM-004": {
    noncompliant: [["force delete without recovery", variant(base, (j) => (R(j, "aws_secretsmanager_secret").enc.recovery_window_in_days = 0)), "aws_secretsmanager_secret.enc"]],
  },
  "ZT-AWS-LOG-001": {
    noncompliant: [["a log group without a key", variant(base, (j) => delete R(j, "aws_cloudwatch_log_group").app.kms_key_id), LOGS]],
  },
  "ZT-AWS-LOG-002": {
    noncompliant: [["logs kept forever", variant(base, (j) => delete R(j, "aws_cloudwatch_log_group").app.retention_in_days), LOGS]],
  },
  "ZT-AWS-LOG-003": {
    noncompliant: [["90 days", variant(base, (j) => (R(j, "aws_cloudwatch_log_group").app.retention_in_days = 90)), LOGS]],
  },
  "ZT-AWS-LOG-004": {
    compliant: [["the key named through its alias resource", variant(base, (j) => (R(j, "aws_cloudwatch_log_group").app.kms_key_id = "${aws_kms_alias.alias.arn}"))]],
    noncompliant: [
      ["the key policy has no logs statement", variant(base, (j) => editPolicy(R(j, "aws_kms_key").key, "policy", (d) => (d.Statement = d.Statement.filter((s: any) => s.Sid !== "Logs")))), LOGS],
      ["the key has KMS's default policy", variant(base, (j) => delete R(j, "aws_kms_key").key.policy), LOGS],
    ],
  },
  "ZT-AWS-SNS-001": {
    noncompliant: [
      ["alias/aws/sns", variant(base, (j) => (R(j, "aws_sns_topic").alarms.kms_master_key_id = "alias/aws/sns")), "aws_sns_topic.alarms"],
      ["unencrypted", variant(base, (j) => delete R(j, "aws_sns_topic").alarms.kms_master_key_id), "aws_sns_topic.alarms"],
    ],
  },
  "ZT-AWS-CW-001": {
    noncompliant: [
      ["no alarm actions", variant(base, (j) => (R(j, "aws_cloudwatch_metric_alarm").errors.alarm_actions = [])), "aws_cloudwatch_metric_alarm.errors"],
      ["actions disabled", variant(base, (j) => (R(j, "aws_cloudwatch_metric_alarm").errors.actions_enabled = false)), "aws_cloudwatch_metric_alarm.errors"],
    ],
  },
  "ZT-AWS-CW-002": {
    noncompliant: [
      ["the topic's key does not admit CloudWatch", variant(base, (j) => editPolicy(R(j, "aws_kms_key").key, "policy", (d) => (d.Statement = d.Statement.filter((s: any) => s.Sid !== "Alarms")))), "aws_cloudwatch_metric_alarm.errors"],
      ["the topic is on alias/aws/sns", variant(base, (j) => (R(j, "aws_sns_topic").alarms.kms_master_key_id = "alias/aws/sns")), "aws_cloudwatch_metric_alarm.errors"],
    ],
  },
  "ZT-AWS-LMB-001": { noncompliant: [["no reserved concurrency", variant(base, (j) => delete R(j, "aws_lambda_function").rotation.reserved_concurrent_executions), FN]] },
  "ZT-AWS-LMB-002": {
    compliant: [["an on-failure destination instead of a DLQ", variant(base, (j) => {
      delete R(j, "aws_lambda_function").rotation.dead_letter_config;
      j.resource.aws_lambda_function_event_invoke_config = { rotation: { function_name: "${aws_lambda_function.rotation.function_name}", destination_config: { on_failure: { destination: "${aws_sqs_queue.dlq.arn}" } } } };
    })]],
    noncompliant: [["no dead-letter queue", variant(base, (j) => delete R(j, "aws_lambda_function").rotation.dead_letter_config), FN]],
  },
  "ZT-AWS-LMB-003": { noncompliant: [["no tracing", variant(base, (j) => delete R(j, "aws_lambda_function").rotation.tracing_config), FN]] },
  "ZT-AWS-LMB-004": {
    noncompliant: [["a database password in the environment", variant(base, (j) => (R(j, "aws_lambda_function").rotation.environment.variables.DB_PASSWORD = "hunter2")), FN]],
  },
  "ZT-AWS-LMB-005": {
    compliant: [["no environment at all", variant(base, (j) => {
      delete R(j, "aws_lambda_function").rotation.environment;
      delete R(j, "aws_lambda_function").rotation.kms_key_arn;
    })]],
    noncompliant: [["environment on the AWS-managed key", variant(base, (j) => delete R(j, "aws_lambda_function").rotation.kms_key_arn), FN]],
  },
  "ZT-AWS-IAM-001": {
    noncompliant: [
      ["secretsmanager:*", variant(base, (j) => editPolicy(R(j, "aws_iam_role_policy").host, "policy", (d) => (d.Statement[0].Action = "secretsmanager:*"))), HOST_POLICY],
      ["Action * in an aws_iam_policy_document", variant(base, (j) => (j.data.aws_iam_policy_document.exports.statement[0].actions = ["*"])), "aws_iam_policy.exports"],
      ["NotAction", variant(base, (j) => editPolicy(R(j, "aws_iam_role_policy").host, "policy", (d) => d.Statement.push({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }))), HOST_POLICY],
      ["AdministratorAccess attached", variant(base, (j) => (R(j, "aws_iam_role_policy_attachment").admin = { role: "${aws_iam_role.host.name}", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" })), "aws_iam_role_policy_attachment.admin"],
    ],
  },
  "ZT-AWS-IAM-002": {
    compliant: [["actions granted on * alone, in their own statement", base]],
    noncompliant: [
      ["the host may read every secret", variant(base, (j) => editPolicy(R(j, "aws_iam_role_policy").host, "policy", (d) => (d.Statement[0].Resource = "*"))), HOST_POLICY],
      ["an inline policy on the role", variant(base, (j) => (R(j, "aws_iam_role").host.inline_policy = [{ name: "x", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }) }])), "aws_iam_role.host"],
      ["s3:ListBucket on * (lists every bucket's keys)", variant(base, (j) => (j.data.aws_iam_policy_document.exports.statement[0] = { actions: ["s3:ListBucket"], resources: ["*"] })), "aws_iam_policy.exports"],
    ],
  },
  "ZT-AWS-IAM-003": {
    compliant: [["Deny for Principal * (TLS only)", base]],
    noncompliant: [
      ["a public-read bucket policy", variant(base, (j) => editPolicy(R(j, "aws_s3_bucket_policy").data, "policy", (d) => d.Statement.push({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "${aws_s3_bucket.data.arn}/*" }))), "aws_s3_bucket_policy.data"],
      ["a secret readable by anyone", variant(base, (j) => editPolicy(R(j, "aws_secretsmanager_secret_policy").db, "policy", (d) => d.Statement.push({ Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:GetSecretValue", Resource: "*" }))), "aws_secretsmanager_secret_policy.db"],
      ["a Lambda anyone may invoke", variant(base, (j) => (R(j, "aws_lambda_permission").rotation = { action: "lambda:InvokeFunction", function_name: "shop-rotation", principal: "*" })), "aws_lambda_permission.rotation"],
    ],
  },
  "ZT-AWS-IAM-004": {
    noncompliant: [
      ["any principal may assume the host role", variant(base, (j) => editPolicy(R(j, "aws_iam_role").host, "assume_role_policy", (d) => (d.Statement[0].Principal = { AWS: "*" }))), "aws_iam_role.host"],
      ["GitHub OIDC without a subject condition", variant(base, (j) => editPolicy(R(j, "aws_iam_role").host, "assume_role_policy", (d) => (d.Statement[0] = { Effect: "Allow", Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }, Action: "sts:AssumeRoleWithWebIdentity" }))), "aws_iam_role.host"],
    ],
  },
  "ZT-AWS-IAM-005": {
    noncompliant: [
      ["a jsonencode() policy", variant(base, (j) => (R(j, "aws_iam_role_policy").host.policy = "${jsonencode({Statement = []})}")), HOST_POLICY],
      ["a data source from another stack", variant(base, (j) => (R(j, "aws_iam_policy").exports.policy = "${data.aws_iam_policy_document.missing.json}")), "aws_iam_policy.exports"],
    ],
  },
  "ZT-AWS-EC2-001": {
    compliant: [
      ["a launch template requiring IMDSv2", launchTemplate()],
      ["the metadata endpoint disabled", variant(base, (j) => (R(j, "aws_instance").host.metadata_options = { http_endpoint: "disabled" }))],
      ["no metadata_options, but the account default requires IMDSv2", variant(base, (j) => {
        delete R(j, "aws_instance").host.metadata_options;
        j.resource.aws_ec2_instance_metadata_defaults = { this: { http_tokens: "required", http_put_response_hop_limit: 1 } };
      })],
    ],
    noncompliant: [
      ["http_tokens optional", variant(base, (j) => (R(j, "aws_instance").host.metadata_options.http_tokens = "optional")), HOST],
      ["no metadata_options (IMDSv1 allowed)", variant(base, (j) => delete R(j, "aws_instance").host.metadata_options), HOST],
      ["an account default that does not require IMDSv2", variant(base, (j) => {
        delete R(j, "aws_instance").host.metadata_options;
        j.resource.aws_ec2_instance_metadata_defaults = { this: { http_tokens: "no-preference" } };
      }), HOST],
      ["a launch template with http_tokens optional", launchTemplate((t) => (t.metadata_options.http_tokens = "optional")), LT],
    ],
  },
  "ZT-AWS-EC2-002": {
    compliant: [
      ["a launch template's volume on the customer key", launchTemplate()],
      ["an aws_ebs_volume on the customer key", variant(base, (j) => (j.resource.aws_ebs_volume = { data: { availability_zone: "eu-central-1a", size: 100, encrypted: true, kms_key_id: KEY_ARN } }))],
      ["no root_block_device, but account-wide encryption by default on a customer key", variant(base, (j) => {
        delete R(j, "aws_instance").host.root_block_device;
        j.resource.aws_ebs_encryption_by_default = { this: { enabled: true } };
        j.resource.aws_ebs_default_kms_key = { this: { key_arn: KEY_ARN } };
      })],
    ],
    noncompliant: [
      ["an unencrypted root volume", variant(base, (j) => (R(j, "aws_instance").host.root_block_device.encrypted = false)), HOST],
      ["a root volume on the AWS-managed aws/ebs key (kms_key_id unset)", variant(base, (j) => delete R(j, "aws_instance").host.root_block_device.kms_key_id), HOST],
      ["a root volume on alias/aws/ebs", variant(base, (j) => (R(j, "aws_instance").host.root_block_device.kms_key_id = "alias/aws/ebs")), HOST],
      ["no root_block_device and no account default", variant(base, (j) => delete R(j, "aws_instance").host.root_block_device), HOST],
      ["an unencrypted ebs_block_device", variant(base, (j) => (R(j, "aws_instance").host.ebs_block_device[0] = { device_name: "/dev/sdf", volume_size: 100 })), HOST],
      ["alias/aws/ebs despite a customer account default", variant(base, (j) => {
        R(j, "aws_instance").host.root_block_device.kms_key_id = "alias/aws/ebs";
        j.resource.aws_ebs_encryption_by_default = { this: { enabled: true } };
        j.resource.aws_ebs_default_kms_key = { this: { key_arn: KEY_ARN } };
      }), HOST],
      ["an aws_ebs_volume encrypted with no key", variant(base, (j) => (j.resource.aws_ebs_volume = { data: { availability_zone: "eu-central-1a", size: 100, encrypted: true } })), "aws_ebs_volume.data"],
      ["a launch template volume with encrypted \"false\"", launchTemplate((t) => (t.block_device_mappings[0].ebs.encrypted = "false")), LT],
      ["a launch template without block device mappings", launchTemplate((t) => delete t.block_device_mappings), LT],
    ],
  },
  "ZT-AWS-EC2-003": {
    compliant: [
      ["80/443 from the internet, Postgres from a group, SSH from a narrow range, ICMP", base],
      ["HTTP/3 (udp 443) from ::/0", hostIngress({ protocol: "udp", from_port: 443, to_port: 443, ipv6_cidr_blocks: ["::/0"] })],
      ["a separate ingress rule for 443 from ::/0", variant(base, (j) => (j.resource.aws_security_group_rule = { https6: { type: "ingress", security_group_id: "${aws_security_group.host.id}", protocol: "tcp", from_port: 443, to_port: 443, ipv6_cidr_blocks: ["::/0"] } }))],
      ["egress to anywhere is not ingress", variant(base, (j) => (j.resource.aws_security_group_rule = { out: { type: "egress", security_group_id: "${aws_security_group.host.id}", protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] } }))],
      ["all traffic from another security group", hostIngress({ protocol: "-1", from_port: 0, to_port: 0, security_groups: ["${aws_security_group.rotation.id}"] })],
    ],
    noncompliant: [
      ["SSH from 0.0.0.0/0", hostIngress({ protocol: "tcp", from_port: 22, to_port: 22, cidr_blocks: ["0.0.0.0/0"] }), HOST_SG],
      ["all traffic (protocol -1) from ::/0", hostIngress({ protocol: "-1", from_port: 0, to_port: 0, ipv6_cidr_blocks: ["::/0"] }), HOST_SG],
      ["the range 80-443", variant(base, (j) => (R(j, "aws_security_group").host.ingress[0].to_port = 443)), HOST_SG],
      ["a port the plan does not resolve", hostIngress({ protocol: "tcp", from_port: "${var.port}", to_port: "${var.port}", cidr_blocks: ["0.0.0.0/0"] }), HOST_SG],
      ["a protocol without ports (ESP)", hostIngress({ protocol: "50", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] }), HOST_SG],
      ["Postgres from the internet in a separate rule", variant(base, (j) => (j.resource.aws_security_group_rule = { pg: { type: "ingress", security_group_id: "${aws_security_group.host.id}", protocol: "tcp", from_port: 5432, to_port: 5432, cidr_blocks: ["0.0.0.0/0"] } })), "aws_security_group_rule.pg"],
      ["aws_vpc_security_group_ingress_rule: SSH from 0.0.0.0/0", variant(base, (j) => (R(j, "aws_vpc_security_group_ingress_rule").ssh.cidr_ipv4 = "0.0.0.0/0")), "aws_vpc_security_group_ingress_rule.ssh"],
      ["aws_vpc_security_group_ingress_rule: everything from ::/0", variant(base, (j) => (R(j, "aws_vpc_security_group_ingress_rule").all = { security_group_id: "${aws_security_group.host.id}", ip_protocol: "-1", cidr_ipv6: "::/0" })), "aws_vpc_security_group_ingress_rule.all"],
      ["the default security group open to the internet", variant(base, (j) => (R(j, "aws_default_security_group").main.ingress = [{ protocol: "tcp", from_port: 3389, to_port: 3389, cidr_blocks: ["0.0.0.0/0"] }])), "aws_default_security_group.main"],
    ],
  },
  "ZT-AWS-EC2-004": {
    compliant: [["a launch template without key_name", launchTemplate()]],
    noncompliant: [
      ["an instance with a key pair", variant(base, (j) => (R(j, "aws_instance").host.key_name = "ops")), HOST],
      ["a launch template with a key pair", launchTemplate((t) => (t.key_name = "ops")), LT],
    ],
  },
  "ZT-AWS-VPC-001": {
    compliant: [["a default group with ingress and egress unset (Terraform removes AWS's rules)", variant(base, (j) => {
      delete R(j, "aws_default_security_group").main.ingress;
      delete R(j, "aws_default_security_group").main.egress;
    })]],
    noncompliant: [
      ["no aws_default_security_group", variant(base, (j) => delete j.resource.aws_default_security_group), VPC],
      ["the default group of another VPC only", variant(base, (j) => (R(j, "aws_default_security_group").main.vpc_id = "vpc-0123456789abcdef0")), VPC],
      ["the default group keeps all egress", variant(base, (j) => (R(j, "aws_default_security_group").main.egress = [{ protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] }])), VPC],
      ["a separate rule on the default group", variant(base, (j) => (j.resource.aws_vpc_security_group_egress_rule = { out: { security_group_id: "${aws_default_security_group.main.id}", ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" } })), VPC],
    ],
  },
  "ZT-AWS-VPC-002": {
    noncompliant: [
      ["no flow log", variant(base, (j) => delete j.resource.aws_flow_log), VPC],
      ["a flow log of another VPC only", variant(base, (j) => (R(j, "aws_flow_log").main.vpc_id = "vpc-0123456789abcdef0")), VPC],
    ],
  },
  "ZT-AWS-VPC-003": {
    compliant: [["map_public_ip_on_launch unset (AWS's default is false)", variant(base, (j) => delete R(j, "aws_subnet").public.map_public_ip_on_launch)]],
    noncompliant: [["map_public_ip_on_launch on the public subnet", variant(base, (j) => (R(j, "aws_subnet").public.map_public_ip_on_launch = true)), "aws_subnet.public"]],
  },
  "ZT-AWS-SQS-001": {
    noncompliant: [
      ["no encryption", variant(base, (j) => delete R(j, "aws_sqs_queue").dlq.kms_master_key_id), "aws_sqs_queue.dlq"],
      ["only SQS-managed SSE", variant(base, (j) => {
        delete R(j, "aws_sqs_queue").dlq.kms_master_key_id;
        R(j, "aws_sqs_queue").dlq.sqs_managed_sse_enabled = true;
      }), "aws_sqs_queue.dlq"],
      ["the AWS-managed alias/aws/sqs key", variant(base, (j) => (R(j, "aws_sqs_queue").dlq.kms_master_key_id = "alias/aws/sqs")), "aws_sqs_queue.dlq"],
    ],
  },
  "ZT-AWS-LMB-006": {
    compliant: [["bounded by source_arn only", variant(base, (j) => {
      const p = R(j, "aws_lambda_permission").rotation;
      delete p.source_account;
      p.source_arn = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:shop/db-AbCdEf";
    })]],
    noncompliant: [
      ["an S3 notification permission without source_arn", variant(base, (j) => (R(j, "aws_lambda_permission").s3 = { action: "lambda:InvokeFunction", function_name: "${aws_lambda_function.rotation.function_name}", principal: "s3.amazonaws.com" })), "aws_lambda_permission.s3"],
      ["a service without source_arn or source_account", variant(base, (j) => delete R(j, "aws_lambda_permission").rotation.source_account), "aws_lambda_permission.rotation"],
    ],
  },
  "ZT-AWS-EC2-005": {
    compliant: [["gzip-compressed user data with references only", variant(base, (j) => (R(j, "aws_instance").host.user_data_base64 = require("node:zlib").gzipSync("#!/bin/sh\necho shop/db-password\n").toString("base64")))]],
    noncompliant: [
      ["an AWS access key in plain user_data", variant(base, (j) => {
        delete R(j, "aws_instance").host.user_data_base64;
        R(j, "aws_instance").host.user_data = "#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n";
      }), HOST],
      ["a private key in gzipped user_data_base64", variant(base, (j) => (R(j, "aws_instance").host.user_data_base64 = require("node:zlib").gzipSync("#!/bin/sh\ncat > /etc/tls.key <<EOF\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\nEOF\n").toString("base64"))), HOST],
      ["a password URL in a launch template", launchTemplate((t) => (t.user_data = Buffer.from("#!/bin/sh\npsql postgres://n8n:hunter2hunter2@db/n8n\n").toString("base64"))), LT],
    ],
  },
});

describe("policy documents", () => {
  test("an aws_iam_policy_document data source is read like JSON, with principals and conditions", () => {
    const j = variant(base, (x) => {
      x.data.aws_iam_policy_document.exports.statement[0].principals = [{ type: "AWS", identifiers: ["*"] }];
      x.data.aws_iam_policy_document.exports.statement[0].condition = [{ test: "StringEquals", variable: "aws:PrincipalOrgID", values: ["o-1"] }];
    });
    const doc = policyDocument(makeContext("t", j), "${data.aws_iam_policy_document.exports.json}");
    expect(doc).toEqual({
      ok: true,
      statements: [
        {
          sid: "WriteExports",
          effect: "Allow",
          actions: ["s3:PutObject"],
          notActions: [],
          resources: ["${aws_s3_bucket.data.arn}/exports/*"],
          notResources: [],
          principals: { anyone: true, aws: ["*"], service: [], federated: [] },
          notPrincipals: undefined,
          condition: { StringEquals: { "aws:PrincipalOrgID": ["o-1"] } },
        },
      ],
    });
  });
});
