import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { synthProdEcsFromExampleConfigToDir } from "../helpers/prod-cloud";
import { AWS_PROVIDER_VERSION, planStack, PlanResult } from "../helpers/terraform";

/*
 * prod-ecs through the real terraform CLI and the real hashicorp/aws 5.100.0 provider from the
 * machine's filesystem mirror, offline, exactly as prod-cloud's plan is checked: one synth (from
 * config/prod-ecs.example.json, as main.ts builds it), init, validate, plan, show -json. Then
 * independent checks on the plan JSON: what a reviewer must be able to trust without reading the
 * constructs. Values known only after apply (ids, ARNs) are read from the plan's configuration
 * (the references), the rest from the planned values.
 */

let outdir: string;
let result: PlanResult;
let plan: any;
let stackJson: any;

const configured = (type: string): any[] => plan.configuration.root_module.resources.filter((r: any) => r.type === type);
const planned = (type: string): any[] => plan.resource_changes.filter((r: any) => r.type === type);
const refs = (expr: any): string[] => expr?.references ?? [];
const refersToKey = (expr: any) => refs(expr).some((a) => /^aws_kms_key\.[^.]+(\.(arn|key_id))?$/.test(a));
/** The security groups an inline rule list admits (their addresses). */
const groupsIn = (expr: any): string[] => [...new Set(refs(expr).filter((a) => /^aws_security_group\.[^.]+$/.test(a)))];
const byName = (type: string, name: string) => configured(type).find((r) => r.expressions.name?.constant_value === name);

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), "zt-prod-ecs-"));
  const stackDir = synthProdEcsFromExampleConfigToDir(outdir);
  stackJson = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  result = planStack(stackDir);
  plan = result.plan;
}, 300_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  if (result) rmSync(result.terraform.home, { recursive: true, force: true });
});

describe("terraform with the real hashicorp/aws provider", () => {
  test("terraform validate passes with no errors or warnings", () => {
    expect(result.validate.diagnostics.map((d: any) => `${d.severity}: ${d.summary} (${d.snippet?.context ?? ""})`)).toEqual([]);
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
});

/** The container definitions of every planned task definition (known at plan: only ARNs are unknown inside). */
const containerDefinitions = (): [string, any[]][] =>
  Object.entries<any>(stackJson.resource.aws_ecs_task_definition).map(([name, t]) => [name, JSON.parse(t.container_definitions)]);

describe("compute: no task is reachable from the internet or carries a secret", () => {
  test("every ECS service runs in the private subnets without a public IP, with ECS Exec off", () => {
    const services = configured("aws_ecs_service");
    expect(services.map((s) => s.expressions.name.constant_value).sort()).toEqual(["n8n-ecs-main", "n8n-ecs-webhook", "n8n-ecs-worker"]);
    for (const s of planned("aws_ecs_service")) {
      expect([s.address, s.change.after.network_configuration[0].assign_public_ip, s.change.after.enable_execute_command, s.change.after.launch_type]).toEqual([s.address, false, false, "FARGATE"]);
    }
    for (const s of services) {
      const subnets = refs(s.expressions.network_configuration[0].subnets).filter((a) => /^aws_subnet\.[^.]+$/.test(a));
      expect([s.address, subnets.length > 0 && subnets.every((a) => a.includes("_Private-"))]).toEqual([s.address, true]);
    }
    for (const s of planned("aws_subnet")) expect([s.address, s.change.after.map_public_ip_on_launch]).toEqual([s.address, false]);
  });

  test("every container is non-root (but the init container), on a read-only root, unprivileged, with no secret value in its environment", () => {
    const defs = containerDefinitions();
    expect(defs.length).toBe(4);
    for (const [task, containers] of defs) {
      for (const c of containers) {
        const where = `${task}/${c.name}`;
        expect([where, c.readonlyRootFilesystem, c.privileged]).toEqual([where, true, false]);
        if (c.name === "secrets-init") expect([where, c.essential, c.linuxParameters.capabilities.drop]).toEqual([where, false, expect.not.arrayContaining(["CHOWN"])]);
        else expect([where, /^[1-9]\d*:[1-9]\d*$/.test(c.user), c.linuxParameters.capabilities.drop]).toEqual([where, true, ["ALL"]]);
        for (const e of c.environment ?? []) expect([where, e.name]).not.toEqual([where, expect.stringMatching(/^(N8N_ENCRYPTION_KEY|DB_POSTGRESDB_PASSWORD|N8N_RUNNERS_AUTH_TOKEN|QUEUE_BULL_REDIS_PASSWORD|PGPASSWORD)$/)]);
        // Only the init container gets secrets (by ARN); n8n reads them as files.
        if (c.name !== "secrets-init") expect([where, c.secrets]).toEqual([where, undefined]);
        for (const s of c.secrets ?? []) expect([where, s.valueFrom]).toEqual([where, expect.stringMatching(/^\$\{(aws_secretsmanager_secret\.[^.]+\.arn|aws_db_instance\.[^}]+\.master_user_secret\[0\]\.secret_arn)\}(:[a-z]+::)?$/)]);
      }
    }
  });

  test("n8n reads every secret from a _FILE variable", () => {
    const [, main] = containerDefinitions().find(([name]) => name.includes("Task-main"))!;
    const env = Object.fromEntries(main.find((c) => c.name === "n8n").environment.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      N8N_ENCRYPTION_KEY_FILE: "/run/secrets/n8n-encryption-key",
      DB_POSTGRESDB_PASSWORD_FILE: "/run/secrets/n8n-db-password",
      DB_POSTGRESDB_USER_FILE: "/run/secrets/n8n-db-user",
      N8N_RUNNERS_AUTH_TOKEN_FILE: "/run/secrets/n8n-runners-auth-token",
      QUEUE_BULL_REDIS_PASSWORD_FILE: "/run/secrets/valkey-password",
      EXECUTIONS_MODE: "queue",
      QUEUE_BULL_REDIS_TLS: "true",
      DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED: "true",
    });
  });

  test("the cluster has Container Insights on and encrypts Fargate ephemeral storage with the customer key", () => {
    const [cluster] = configured("aws_ecs_cluster");
    expect(planned("aws_ecs_cluster")[0].change.after.setting).toEqual([{ name: "containerInsights", value: "enhanced" }]);
    expect(refersToKey(cluster.expressions.configuration[0].managed_storage_configuration[0].fargate_ephemeral_storage_kms_key_id)).toBe(true);
  });
});

describe("secrets: every secret on the customer key, no value in the plan", () => {
  test("every Secrets Manager secret and the RDS-managed master secret are on the customer key", () => {
    const secrets = configured("aws_secretsmanager_secret");
    expect(secrets.length).toBe(9);
    for (const s of secrets) expect([s.address, refersToKey(s.expressions.kms_key_id)]).toEqual([s.address, true]);
    const [db] = configured("aws_db_instance");
    expect(refersToKey(db.expressions.master_user_secret_kms_key_id)).toBe(true);
    expect(planned("aws_db_instance")[0].change.after.manage_master_user_password).toBe(true);
  });

  test("no secret value is planned: no secret version, no password, no auth token", () => {
    expect(planned("aws_secretsmanager_secret_version")).toEqual([]);
    const text = JSON.stringify(plan);
    expect(text).not.toMatch(/"secret_string(_wo)?"\s*:\s*"[^"]/);
    expect(text).not.toMatch(/"(password|auth_token)"\s*:\s*"[^"]/);
    for (const u of planned("aws_elasticache_user")) expect([u.address, u.change.after.authentication_mode[0].type, u.change.after.passwords ?? null]).toEqual([u.address, "iam", null]);
  });

  test("the listener's client secret is a placeholder Terraform ignores after creation", () => {
    const [https] = configured("aws_lb_listener").filter((l) => l.expressions.port.constant_value === 443);
    expect(https.expressions.default_action[0].authenticate_oidc[0].client_secret.constant_value).toBe("set-from-secrets-manager-by-the-secret-sync-function");
    expect(stackJson.resource.aws_lb_listener[https.name].lifecycle.ignore_changes).toEqual(["default_action[0].authenticate_oidc[0].client_secret"]);
  });
});

describe("edge: the ALB authenticates by default; only the public paths skip it", () => {
  test("HTTPS with the TLS 1.2+ policy; HTTP only redirects", () => {
    const listeners = planned("aws_lb_listener").map((l) => l.change.after);
    expect(listeners.map((l) => [l.port, l.protocol]).sort()).toEqual([[443, "HTTPS"], [80, "HTTP"]]);
    expect(listeners.find((l) => l.port === 443).ssl_policy).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    const http = listeners.find((l) => l.port === 80);
    expect(http.default_action.map((a: any) => [a.type, a.redirect[0].protocol, a.redirect[0].status_code])).toEqual([["redirect", "HTTPS", "HTTP_301"]]);
  });

  test("the HTTPS default action is authenticate-oidc, then forward to main", () => {
    const https = planned("aws_lb_listener").find((l) => l.change.after.port === 443).change.after;
    expect(https.default_action.map((a: any) => [a.order, a.type])).toEqual([[1, "authenticate-oidc"], [2, "forward"]]);
    expect(https.default_action[0].authenticate_oidc[0]).toMatchObject({ issuer: "https://login.example.com/realms/ops", session_timeout: 28800, on_unauthenticated_request: "authenticate" });
    const [cfg] = configured("aws_lb_listener").filter((l) => l.expressions.port.constant_value === 443);
    expect(refs(cfg.expressions.default_action[1].target_group_arn).some((a) => /^aws_lb_target_group\.Alb_MainTargets_[^.]+$/.test(a))).toBe(true);
  });

  test("exactly two listener rules: /metrics and /healthz answer 404; the public paths forward to the webhook service without authentication", () => {
    const rules = planned("aws_lb_listener_rule").map((r) => r.change.after).sort((a, b) => a.priority - b.priority);
    // path_pattern values are a set: compare them sorted.
    expect(rules.map((r) => [r.priority, r.action.map((a: any) => a.type), [...r.condition[0].path_pattern[0].values].sort()])).toEqual([
      [10, ["fixed-response"], ["/healthz", "/healthz/*", "/metrics", "/metrics/*"]],
      [20, ["forward"], ["/form-waiting/*", "/form/*", "/webhook-waiting/*", "/webhook/*"]],
    ]);
    expect(rules[0].action[0].fixed_response[0].status_code).toBe("404");
    const forward = configured("aws_lb_listener_rule").find((r) => r.expressions.priority.constant_value === 20);
    expect(refs(forward.expressions.action[0].target_group_arn).some((a) => a.includes("WebhookTargets"))).toBe(true);
    // No test path, no MCP path skips sign-in.
    expect(JSON.stringify(rules)).not.toMatch(/-test|\/mcp/);
  });

  test("the ALB drops invalid headers, is protected from deletion and logs to its SSE-S3 bucket", () => {
    const [lb] = planned("aws_lb").map((l) => l.change.after);
    expect(lb).toMatchObject({ internal: false, load_balancer_type: "application", drop_invalid_header_fields: true, enable_deletion_protection: true, desync_mitigation_mode: "defensive" });
    expect(lb.access_logs[0]).toMatchObject({ enabled: true, prefix: "alb" });
  });

  test("WAF: a rate-based rule on the public paths and the managed rule groups, associated with the ALB, logging to an encrypted aws-waf-logs- group", () => {
    const [acl] = planned("aws_wafv2_web_acl").map((a) => a.change.after);
    const rules = [...acl.rule].sort((a: any, b: any) => a.priority - b.priority);
    expect(rules.map((r: any) => r.name)).toEqual(["public-paths-rate", "aws-common", "aws-known-bad-inputs"]);
    const rate = rules[0].statement[0].rate_based_statement[0];
    expect(rate).toMatchObject({ limit: 3000, aggregate_key_type: "IP" });
    expect(rate.scope_down_statement[0].or_statement[0].statement.map((s: any) => s.byte_match_statement[0].search_string)).toEqual(["/webhook/", "/webhook-waiting/", "/form/", "/form-waiting/"]);
    expect(rules.slice(1).map((r: any) => r.statement[0].managed_rule_group_statement[0].name)).toEqual(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]);
    expect(planned("aws_wafv2_web_acl_association")).toHaveLength(1);
    const [logging] = configured("aws_wafv2_web_acl_logging_configuration");
    const group = refs(logging.expressions.log_destination_configs).find((a) => /^aws_cloudwatch_log_group\.[^.]+$/.test(a))!;
    const lg = configured("aws_cloudwatch_log_group").find((g) => g.address === group);
    expect(lg.expressions.name.constant_value).toMatch(/^aws-waf-logs-/);
    expect(refersToKey(lg.expressions.kms_key_id)).toBe(true);
  });
});

describe("data: RDS and Valkey reachable only from the project's tasks and functions", () => {
  const taskGroups = () => configured("aws_security_group").filter((g) => /^n8n-ecs-(main|webhook|worker)$/.test(g.expressions.name.constant_value)).map((g) => g.address);
  const allowed = () => new Set([...taskGroups(), ...["n8n-ecs-postgres-bootstrap", "n8n-ecs-rotation-egress", "n8n-ecs-queue-metrics-egress"].map((n) => byName("aws_security_group", n)?.address)]);

  test("the Postgres group admits 5432 only from the n8n task groups, the bootstrap task and the rotation function; no CIDR", () => {
    const pg = byName("aws_security_group", "n8n-ecs-postgres-postgres");
    const sources = groupsIn(pg.expressions.ingress);
    expect(taskGroups()).toHaveLength(3);
    for (const t of taskGroups()) expect(sources).toContain(t);
    for (const s of sources) expect(allowed().has(s)).toBe(true);
    const after = planned("aws_security_group").find((g) => g.change.after.name === "n8n-ecs-postgres-postgres").change.after;
    expect(after.ingress.map((r: any) => [r.from_port, r.to_port, r.cidr_blocks])).toEqual([[5432, 5432, []]]);
    expect(after.egress).toEqual([]);
  });

  test("the Valkey group admits 6379 only from the n8n task groups and the queue-metrics function; no CIDR", () => {
    const vk = byName("aws_security_group", "n8n-ecs-queue-valkey");
    const sources = groupsIn(vk.expressions.ingress);
    for (const t of taskGroups()) expect(sources).toContain(t);
    for (const s of sources) expect(allowed().has(s)).toBe(true);
    expect(sources).not.toContain(byName("aws_security_group", "n8n-ecs-postgres-bootstrap").address);
    const after = planned("aws_security_group").find((g) => g.change.after.name === "n8n-ecs-queue-valkey").change.after;
    expect(after.ingress.map((r: any) => [r.from_port, r.to_port, r.cidr_blocks])).toEqual([[6379, 6379, []]]);
  });

  test("only the ALB's group admits the internet, on 80 and 443; n8n's tasks admit only the ALB", () => {
    const open = planned("aws_security_group").flatMap((g) => g.change.after.ingress.filter((r: any) => r.cidr_blocks.includes("0.0.0.0/0")).map((r: any) => [g.change.after.name, r.from_port]));
    expect(open.sort()).toEqual([["n8n-ecs-alb", 443], ["n8n-ecs-alb", 80]]);
    const alb = byName("aws_security_group", "n8n-ecs-alb").address;
    for (const name of ["n8n-ecs-main", "n8n-ecs-webhook"]) expect(groupsIn(byName("aws_security_group", name).expressions.ingress)).toEqual([alb]);
    expect(planned("aws_security_group").find((g) => g.change.after.name === "n8n-ecs-worker").change.after.ingress).toEqual([]);
  });

  test("RDS: customer key, TLS forced, not public, backups, deletion protection, Performance Insights on the key, connection logging", () => {
    const [db] = planned("aws_db_instance").map((d) => d.change.after);
    expect(db).toMatchObject({ storage_encrypted: true, publicly_accessible: false, deletion_protection: true, backup_retention_period: 14, multi_az: true, performance_insights_enabled: true, skip_final_snapshot: false });
    const [cfg] = configured("aws_db_instance");
    expect([refersToKey(cfg.expressions.kms_key_id), refersToKey(cfg.expressions.performance_insights_kms_key_id)]).toEqual([true, true]);
    const params = Object.fromEntries(planned("aws_db_parameter_group")[0].change.after.parameter.map((p: any) => [p.name, p.value]));
    expect(params).toMatchObject({ "rds.force_ssl": "1", log_connections: "1", log_disconnections: "1" });
  });

  test("Valkey: TLS required in transit, at rest on the customer key, failover across zones, the default user off", () => {
    const [rg] = planned("aws_elasticache_replication_group").map((r) => r.change.after);
    expect(rg).toMatchObject({ engine: "valkey", transit_encryption_enabled: true, transit_encryption_mode: "required", at_rest_encryption_enabled: "true", automatic_failover_enabled: true, multi_az_enabled: true });
    expect(refersToKey(configured("aws_elasticache_replication_group")[0].expressions.kms_key_id)).toBe(true);
    const def = planned("aws_elasticache_user").find((u) => u.change.after.user_name === "default").change.after;
    expect(def.access_string).toBe("off -@all");
  });
});

describe("scaling, observability, rotation", () => {
  test("webhook processors scale on ALB requests per target; workers on waiting executions per task (metric math)", () => {
    const policies = planned("aws_appautoscaling_policy").map((p) => p.change.after);
    const webhook = policies.find((p) => p.name === "n8n-ecs-webhook-requests").target_tracking_scaling_policy_configuration[0];
    expect(webhook.predefined_metric_specification[0].predefined_metric_type).toBe("ALBRequestCountPerTarget");
    const worker = policies.find((p) => p.name === "n8n-ecs-worker-backlog").target_tracking_scaling_policy_configuration[0];
    expect(worker.target_value).toBe(20);
    expect(worker.customized_metric_specification[0].metrics.find((m: any) => m.return_data).expression).toBe("waiting / MAX([tasks, 1])");
    expect(planned("aws_appautoscaling_target").map((t) => [t.change.after.resource_id, t.change.after.min_capacity, t.change.after.max_capacity]).sort()).toEqual([
      ["service/n8n-ecs-cluster/n8n-ecs-webhook", 2, 6],
      ["service/n8n-ecs-cluster/n8n-ecs-worker", 2, 10],
    ]);
  });

  test("every log group is on the customer key; every alarm notifies the encrypted topic", () => {
    for (const g of configured("aws_cloudwatch_log_group")) expect([g.address, refersToKey(g.expressions.kms_key_id)]).toEqual([g.address, true]);
    const names = planned("aws_cloudwatch_metric_alarm").map((a) => a.change.after.alarm_name);
    expect(names).toEqual(expect.arrayContaining(["n8n-ecs-AlbTarget5xx", "n8n-ecs-UnhealthyTargetsMain", "n8n-ecs-RdsCpu", "n8n-ecs-RdsFreeStorage", "n8n-ecs-RdsConnections", "n8n-ecs-ValkeyMemory", "n8n-ecs-QueueBacklog", "n8n-ecs-WafBlocks", "n8n-ecs-RotationFailures", "n8n-ecs-rotation-errors"]));
    for (const a of configured("aws_cloudwatch_metric_alarm")) expect([a.address, refs(a.expressions.alarm_actions).some((x) => x.startsWith("aws_sns_topic."))]).toEqual([a.address, true]);
    expect(refersToKey(configured("aws_sns_topic")[0].expressions.kms_master_key_id)).toBe(true);
  });

  test("the login is rotated by the rotation function; a successful rotation triggers the secret-sync function that redeploys n8n", () => {
    const [rotation] = configured("aws_secretsmanager_secret_rotation");
    expect(refs(rotation.expressions.secret_id).join()).toMatch(/n8n-db-password/);
    const rule = planned("aws_cloudwatch_event_rule").find((r) => r.change.after.name === "n8n-ecs-redeploy-after-rotation").change.after;
    expect(JSON.parse(rule.event_pattern).detail.eventName).toEqual(["RotationSucceeded"]);
    const fn = planned("aws_lambda_function").find((f) => f.change.after.function_name === "n8n-ecs-secret-sync").change.after;
    expect(fn).toMatchObject({ runtime: "nodejs22.x", reserved_concurrent_executions: 1 });
    const policy = JSON.parse(Object.values<any>(stackJson.resource.aws_iam_role_policy).find((p) => p.role.includes("SecretSync")).policy);
    expect(policy.Statement.find((s: any) => s.Sid === "RedeployN8n")).toMatchObject({ Action: "ecs:UpdateService" });
  });
});
