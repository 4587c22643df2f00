import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App } from "cdktf";
import { parseConfig, prodConfigSchema, resolveRuntime } from "../../config/schema";
import { evaluateStack } from "../../constructs/policy/engine";
import { renderReport, reviewStacks } from "../../constructs/policy/report/report";
import { DockerModel, dockerModel, ModelContainer } from "../../constructs/policy/docker-model";
import { buildProdStacks } from "../../stacks/prod";
import { catalogFor } from "../../stacks/queue-mode";
import { containerNames, QUEUE_SERVICES, restartsOnRotation } from "../../constructs/app/service-catalog";
import { devConfig, rawDevConfig, REPO_ROOT, synthDev } from "../helpers/synth";

/*
 * Queue mode (issue 14, step 1) on the synthesized JSON of dev and prod-runtime, with 2 workers
 * and 1 webhook processor: Valkey's exposure and settings, each process's networks, routing,
 * environment and secrets. Regular mode's JSON is guarded by the byte-identity check and the
 * existing stack tests.
 */

const VALKEY_IMAGE = "valkey/valkey:8.1.1";

function queueRaw(raw: Record<string, any>): Record<string, any> {
  raw.n8n = { ...raw.n8n, mode: "queue", queue: { workers: 2, webhookProcessors: 1, concurrency: 8, dbPoolSize: 4 } };
  raw.images = { ...raw.images, valkey: VALKEY_IMAGE };
  return raw;
}

const prodFile = path.join(REPO_ROOT, "config", "prod.example.json");
const rawProd = () => JSON.parse(readFileSync(prodFile, "utf8"));
const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-queue-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const dev = synthDev(devConfig(queueRaw(rawDevConfig())));
const prodApp = new App({ outdir, stackTraces: false });
const prodConfig = parseConfig(prodConfigSchema, queueRaw(rawProd()), "prod (queue)");
buildProdStacks(prodApp, prodConfig, { s3Backend: false });
prodApp.synth();
const readStack = (id: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8"));
const prodRuntime = readStack("prod-runtime");
const prodCloud = readStack("prod-cloud");

const stacks: [string, string, DockerModel, any][] = [
  ["dev", "n8n", dev.model, dev.json],
  ["prod-runtime", prodConfig.name, dockerModel(prodRuntime), prodRuntime],
];

const byName = (m: DockerModel, name: string): ModelContainer => {
  const c = m.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}; have ${m.containers.map((x) => x.name).join(", ")}`);
  return c;
};
const netRoles = (c: ModelContainer, prefix: string) => c.networks.map((n) => n.name.slice(prefix.length + 1)).sort();
const everything = (c: ModelContainer) => JSON.stringify([c.command, c.env, c.labels, c.raw.entrypoint ?? null]);

describe.each(stacks)("queue mode in %s", (stack, p, model, json) => {
  const secretsMount = (c: ModelContainer, file: string) => c.mounts.find((m) => m.target === `/run/secrets/${file}`);
  const valkey = byName(model, `${p}-valkey`);
  const main = byName(model, `${p}-main`);
  const workers = [1, 2].map((i) => byName(model, `${p}-worker-${i}`));
  const workerRunners = [1, 2].map((i) => byName(model, `${p}-worker-runners-${i}`));
  const webhook = byName(model, `${p}-webhook-1`);
  const n8nProcesses = [main, ...workers, webhook];

  test("Valkey is only on the internal queue network, publishes no port, and is reached by n8n's processes only (not Postgres or the recovery agent)", () => {
    expect(netRoles(valkey, p)).toEqual(["queue"]);
    expect(valkey.ports).toEqual([]);
    const net = model.networks.find((n) => n.name === `${p}-queue`);
    expect([net?.internal, net?.labels["org.n8n-zero-trust.network-role"]]).toEqual([true, "queue"]);
    const onQueue = model.containers.filter((c) => c.networks.some((n) => n.name === `${p}-queue`)).map((c) => c.name).sort();
    expect(onQueue).toEqual([`${p}-main`, `${p}-valkey`, `${p}-webhook-1`, `${p}-worker-1`, `${p}-worker-2`].sort());
    // The data network: n8n's processes, Postgres and the execution recovery agent; Valkey not.
    const onData = model.containers.filter((c) => c.networks.some((n) => n.name === `${p}-data`)).map((c) => c.name).sort();
    expect(onData).toEqual([`${p}-main`, `${p}-postgres`, `${p}-recovery`, `${p}-webhook-1`, `${p}-worker-1`, `${p}-worker-2`].sort());
    expect(byName(model, `${p}-recovery`).mounts.some((m) => m.target.includes("valkey"))).toBe(false);
  });

  test("Valkey: ACL file read-only from the secrets folder, TLS with the stack's files, no plain port, noeviction, AOF every second, a memory limit", () => {
    const acl = secretsMount(valkey, "valkey-users.acl");
    expect(acl?.readOnly).toBe(true);
    expect(acl?.source).toMatch(/\/valkey-users\.acl$/);
    for (const f of ["tls/cert.pem", "tls/key.pem", "tls/ca.pem"]) expect(secretsMount(valkey, f)?.readOnly).toBe(true);
    const args = valkey.command.join(" ");
    expect(args).toContain("--port 0");
    expect(args).toContain("--tls-port 6379");
    expect(args).toContain("--tls-cert-file /run/secrets/tls/cert.pem");
    expect(args).toContain("--tls-ca-cert-file /run/secrets/tls/ca.pem");
    expect(args).toContain("--aclfile /run/secrets/valkey-users.acl");
    expect(args).toContain("--maxmemory-policy noeviction");
    expect(args).toContain("--appendonly yes");
    expect(args).toContain("--appendfsync everysec");
    expect(valkey.memoryMb).toBeGreaterThan(0);
    expect(args).toMatch(new RegExp(`--maxmemory ${Math.floor((valkey.memoryMb ?? 0) * 0.75)}mb`));
    expect(valkey.hasHealthcheck).toBe(true);
    expect(valkey.readOnlyRoot).toBe(true);
  });

  test("no container's command has an empty value (kreuzwerker/docker refuses the apply: found by queue.deploy)", () => {
    const empty = model.containers.filter((c) => c.command.some((a) => a === "")).map((c) => c.name);
    expect(empty).toEqual([]);
    expect(valkey.command).not.toContain("--logfile");
  });

  test("no Valkey password in any command, argument, environment value or label; n8n reads it from a file", () => {
    expect(valkey.mounts.some((m) => m.target.endsWith("valkey-password"))).toBe(false);
    for (const c of model.containers) {
      expect(everything(c)).not.toMatch(/requirepass|masterauth|QUEUE_BULL_REDIS_PASSWORD"|QUEUE_BULL_REDIS_PASSWORD=/);
      expect(c.env.QUEUE_BULL_REDIS_PASSWORD).toBeUndefined();
    }
    for (const c of n8nProcesses) {
      expect(c.env.QUEUE_BULL_REDIS_PASSWORD_FILE).toBe("/run/secrets/valkey-password");
      expect(secretsMount(c, "valkey-password")?.readOnly).toBe(true);
    }
    expect(JSON.stringify(json)).not.toMatch(/"#?[0-9a-f]{64}"/);
  });

  test("every n8n process: queue mode on Valkey over verified TLS (the CA through NODE_EXTRA_CA_CERTS), the same encryption key file, DB role and pool", () => {
    for (const c of n8nProcesses) {
      expect(c.env).toMatchObject({
        EXECUTIONS_MODE: "queue",
        QUEUE_BULL_REDIS_HOST: `${p}-valkey`,
        QUEUE_BULL_REDIS_PORT: "6379",
        QUEUE_BULL_REDIS_USERNAME: "n8n",
        QUEUE_BULL_REDIS_TLS: "true",
        QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: "true",
        NODE_EXTRA_CA_CERTS: "/run/secrets/tls/ca.pem",
        N8N_ENCRYPTION_KEY_FILE: "/run/secrets/n8n-encryption-key",
        DB_POSTGRESDB_PASSWORD_FILE: "/run/secrets/n8n-db-password",
        DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED: "true",
        DB_POSTGRESDB_POOL_SIZE: "4",
        N8N_WEBHOOK_URL: main.env.N8N_WEBHOOK_URL,
      });
      expect(c.env.DB_POSTGRESDB_USER ?? c.env.DB_POSTGRESDB_USER_FILE).toBe(main.env.DB_POSTGRESDB_USER ?? main.env.DB_POSTGRESDB_USER_FILE);
      expect(secretsMount(c, "n8n-encryption-key")?.source).toBe(secretsMount(main, "n8n-encryption-key")?.source);
      expect(c.hasHealthcheck).toBe(true);
      expect(c.readOnlyRoot).toBe(true);
    }
    expect(main.env.N8N_DISABLE_PRODUCTION_MAIN_PROCESS).toBe("true");
    for (const c of [...workers, webhook]) expect(c.env.N8N_DISABLE_PRODUCTION_MAIN_PROCESS).toBeUndefined();
  });

  test("workers: `n8n worker --concurrency`, the health server on, data + egress + queue + runners only (no app network: Traefik has no router to them), each with its own runners on a unique broker alias", () => {
    const aliases = new Set<string>();
    workers.forEach((w, i) => {
      expect(w.command).toEqual(["worker", "--concurrency=8"]);
      expect(w.raw.hostname).toBe(w.name);
      expect(w.env.QUEUE_HEALTH_CHECK_ACTIVE).toBe("true");
      expect(JSON.stringify(w.raw.healthcheck)).toContain("/healthz/readiness");
      expect(netRoles(w, p)).toEqual(["data", "egress", "queue", "runners"]);
      expect(Object.keys(w.labels).filter((l) => l.startsWith("traefik."))).toEqual([]);
      const r = workerRunners[i];
      expect(netRoles(r, p)).toEqual(["runners"]);
      const alias = `${p}-worker-${i + 1}-broker`;
      expect(r.env.N8N_RUNNERS_TASK_BROKER_URI).toBe(`http://${alias}:5679`);
      const withAlias = (w.raw.networks_advanced as { aliases?: string[] }[]).filter((n) => (n.aliases ?? []).length > 0);
      expect(withAlias.map((n) => n.aliases)).toEqual([[alias]]);
      aliases.add(alias);
    });
    expect(aliases.size).toBe(2);
    expect(main.env.N8N_RUNNERS_AUTH_TOKEN_FILE).toBe(workers[0].env.N8N_RUNNERS_AUTH_TOKEN_FILE);
  });

  test("the workers' runners (user code) share an internal network with the workers only: not Traefik, main, main's runners or the webhook processors", () => {
    const net = model.networks.find((n) => n.name === `${p}-runners`);
    expect(net?.internal).toBe(true);
    expect(net?.labels["org.n8n-zero-trust.network-role"]).toBe("runners");
    const members = model.containers.filter((c) => c.networks.some((n) => n.name === `${p}-runners`)).map((c) => c.name).sort();
    expect(members).toEqual([...workers, ...workerRunners].map((c) => c.name).sort());
    // Main's runners stay on the app network with main (regular mode's layout).
    expect(netRoles(model.containers.find((c) => c.name === `${p}-runners`)!, p)).toEqual(["app"]);
  });

  test("webhook processors: `n8n webhook` on app + data + queue only, no task broker", () => {
    expect(webhook.command).toEqual(["webhook"]);
    expect(netRoles(webhook, p)).toEqual(["app", "data", "queue"]);
    expect(Object.keys(webhook.env).filter((k) => k.startsWith("N8N_RUNNERS_"))).toEqual([]);
    expect(webhook.mounts.some((m) => m.target.endsWith("n8n-runners-auth-token"))).toBe(false);
  });

  test("Traefik: the public production paths go to the webhook processors without SSO; the editor and /webhook-test/ to main behind SSO", () => {
    const publicRouter = model.routers.find((r) => r.name === `${p}-public`);
    const editor = model.routers.find((r) => r.name === `${p}-editor`);
    expect(publicRouter?.container).toBe(`${p}-webhook-1`);
    expect(publicRouter?.service).toBe(`${p}-webhook`);
    for (const path of ["/webhook/", "/webhook-waiting/", "/form/", "/form-waiting/"]) expect(publicRouter?.rule).toContain(`PathPrefix(\`${path}\`)`);
    expect(publicRouter?.rule).not.toContain("-test/");
    expect(editor?.container).toBe(`${p}-main`);
    expect(editor?.middlewares.join(",")).toMatch(/oauth2|sso|auth/);
    expect(main.labels[`traefik.http.routers.${p}-public.rule`]).toBeUndefined();
    expect(webhook.labels[`traefik.http.services.${p}-webhook.loadbalancer.server.port`]).toBe("5678");
  });

  test("the review report shows who reaches Valkey and where its secret files live", () => {
    const report = renderReport(reviewStacks([{ name: stack, json }]), { generatedAt: "test" });
    const reach = report.split("\n").find((l) => l.startsWith(`- ${p}-valkey (on ${p}-queue)`));
    expect(reach).toBe(`- ${p}-valkey (on ${p}-queue): ${[`${p}-main`, `${p}-worker-1`, `${p}-worker-2`, `${p}-webhook-1`].sort((a, b) => model.containers.findIndex((c) => c.name === a) - model.containers.findIndex((c) => c.name === b)).join(", ")}`);
    const aclRow = report.split("\n").find((l) => l.startsWith("| /run/secrets/valkey-users.acl |"));
    expect(aclRow).toContain(`${p}-valkey (read-only)`);
    const pwRow = report.split("\n").find((l) => l.startsWith("| /run/secrets/valkey-password |"));
    for (const c of n8nProcesses) expect(pwRow).toContain(`${c.name} (read-only)`);
    expect(pwRow).not.toContain(`${p}-valkey (`);
  });

  test("every container is a service of the queue-mode catalog, on its entry's networks, mounting only its entry's secret files", () => {
    const config = stack === "dev" ? devConfig(queueRaw(rawDevConfig())) : prodConfig;
    const catalog = catalogFor(config);
    const names = containerNames(catalog, p);
    const secretsDir = stack === "dev" ? resolveRuntime(config, REPO_ROOT).secretsDir : prodConfig.secretsDir;
    const expected = catalog.services.filter((x) => stack === "dev" || x.id !== "devIdp").map((x) => names[x.id]);
    expect(model.containers.map((c) => c.name).sort()).toEqual(expected.sort());
    for (const svc of catalog.services) {
      const c = model.containers.find((x) => x.name === names[svc.id]);
      if (!c) continue;
      expect([svc.id, c.networks.map((n) => n.labels["org.n8n-zero-trust.network-role"]).sort()]).toEqual([svc.id, [...svc.networks].sort()]);
      const mounted = c.mounts.filter((m) => m.source?.startsWith(`${secretsDir}/`)).map((m) => m.source!.slice(secretsDir.length + 1));
      for (const f of mounted) expect([svc.id, f, svc.secretFiles.includes(f)]).toEqual([svc.id, f, true]);
    }
  });

  test("the zero-trust policy finds no error and no warning", () => {
    const r = evaluateStack(stack, json);
    expect([...r.errors, ...r.warnings].map((f) => `${f.ruleId} ${f.detail}`)).toEqual([]);
  });

  describe("the execution recovery agent", () => {
    const agent = byName(model, `${p}-recovery`);
    const upload = (file: string) => agent.uploads.find((u) => u.file === file)?.content ?? "";
    test("runs the n8n image's node on app + data only (main's API, Postgres), publishes nothing, hardened", () => {
      expect(agent.image).toBe(main.image);
      expect(netRoles(agent, p)).toEqual(["app", "data"]);
      expect(agent.ports).toEqual([]);
      expect(agent.readOnlyRoot).toBe(true);
      expect(agent.capDrop).toEqual(["ALL"]);
      expect(agent.hasHealthcheck).toBe(true);
      expect(agent.capAdd).toEqual([]);
      expect(agent.command).toEqual(["/etc/n8n-recovery/agent.js"]);
    });
    test("mounts n8n's database login, the CA and its API key read-only, and no Valkey password, encryption key or runners token", () => {
      for (const f of ["n8n-db-password", "tls/ca.pem", "n8n-recovery-api-key"]) expect([f, secretsMount(agent, f)?.readOnly]).toEqual([f, true]);
      for (const f of ["valkey-password", "n8n-encryption-key", "n8n-runners-auth-token"]) expect([f, secretsMount(agent, f)]).toEqual([f, undefined]);
      // prod reads the login role in use from its file (rotation alternates roles), like n8n.
      expect(secretsMount(agent, "n8n-db-user") !== undefined).toBe(stack === "prod-runtime");
    });
    test("its program compiles, calls main's public API on the app network, reads the key and password from files only", () => {
      const program = upload("/etc/n8n-recovery/agent.js");
      expect(() => new (require("node:vm").Script)(program)).not.toThrow();
      expect(program).toContain(`"url":"http://${p}-main:5678/api/v1"`);
      expect(program).toContain('"keyFile":"/run/secrets/n8n-recovery-api-key"');
      expect(program).toContain('"passwordFile":"/run/secrets/n8n-db-password"');
      expect(agent.env.NODE_PATH).toBe("/usr/local/lib/node_modules/n8n/node_modules");
      expect(Object.keys(agent.env).filter((k) => /KEY|PASSWORD|TOKEN|SECRET/.test(k) && !k.startsWith("N8NZT_FILE_"))).toEqual([]);
    });
    test("its SQL keeps a stalled execution's input with a trigger on n8n's execution_data, in its own schema", () => {
      const sql = upload("/etc/n8n-recovery/recovery.sql");
      const schema = stack === "dev" ? devConfig().postgres.schema : prodConfig.postgres.schema;
      expect(sql).toContain(`CREATE TRIGGER zt_keep_stalled_input BEFORE UPDATE OF data ON "${schema}".execution_data`);
      expect(sql).toContain("This execution failed to be processed too many times");
      expect(sql).toContain(`CREATE SCHEMA IF NOT EXISTS "${schema}_recovery"`);
    });
  });
});

describe("queue mode in prod-cloud", () => {
  test("the zero-trust policy finds no error and no warning", () => {
    const r = evaluateStack("prod-cloud", prodCloud);
    expect([...r.errors, ...r.warnings].map((f) => `${f.ruleId} ${f.detail}`)).toEqual([]);
  });

  test("Valkey's secret and a log group per new service (and their alarms' metric filters follow the log groups)", () => {
    const secrets = Object.values<any>(prodCloud.resource.aws_secretsmanager_secret).map((s) => s.name);
    expect(secrets).toContain(`${prodConfig.aws.namePrefix}/valkey`);
    expect(secrets).toContain(`${prodConfig.aws.namePrefix}/n8n-recovery-api-key`);
    const groups = Object.values<any>(prodCloud.resource.aws_cloudwatch_log_group).map((g) => g.name);
    for (const k of ["valkey", "n8n-worker-1", "n8n-worker-2", "n8n-worker-runners-1", "n8n-worker-runners-2", "n8n-webhook-1", "execution-recovery"]) {
      expect(groups).toContain(`/${prodConfig.aws.namePrefix}/${k}`);
    }
  });

  test("the host agent writes Valkey's two files from one secret and restarts Valkey, then every n8n process reading it, on a new version", () => {
    const catalog = catalogFor(prodConfig);
    const secret = catalog.secrets.find((s) => s.id === "valkey");
    expect(secret?.files?.map((f) => [f.name, f.jsonKey])).toEqual([
      ["valkey-password", "password"],
      ["valkey-users.acl", "acl"],
    ]);
    const p = prodConfig.name;
    expect(restartsOnRotation(catalog, p).valkey).toEqual([`${p}-valkey`, `${p}-main`, `${p}-worker-1`, `${p}-worker-2`, `${p}-webhook-1`]);
    // The runners token restarts every broker and every launcher; the database password every n8n process.
    expect(restartsOnRotation(catalog, p)["n8n-runners-auth-token"]).toEqual(expect.arrayContaining([`${p}-main`, `${p}-runners`, `${p}-worker-1`, `${p}-worker-runners-2`]));
    expect(restartsOnRotation(catalog, p)["n8n-db-password"]).toEqual(expect.arrayContaining([`${p}-main`, `${p}-worker-1`, `${p}-worker-2`, `${p}-webhook-1`]));
    const text = JSON.stringify(prodCloud);
    expect(text).toContain("valkey-users.acl");
    expect(text).toContain(`${p}-worker-2`);
  });

  test("an alarm per n8n process's log group on losing Valkey or a stalled execution", () => {
    const filters = Object.values<any>(prodCloud.resource.aws_cloudwatch_log_metric_filter).filter((f) => String(f.name).includes("QueueTrouble"));
    expect(filters.map((f) => f.name).sort()).toEqual(["N8n", "N8nWebhook1", "N8nWorker1", "N8nWorker2"].map((k) => `${prodConfig.aws.namePrefix}-QueueTrouble${k}`).sort());
  });
});

describe("queue mode in the config", () => {
  test("refuses processes × pool above the connection limit, naming the fields and the numbers", () => {
    const raw = queueRaw(rawDevConfig());
    raw.n8n.queue = { workers: 4, webhookProcessors: 2, dbPoolSize: 10 };
    raw.postgres.connectionLimit = 40;
    expect(() => devConfig(raw)).toThrow(
      /postgres\.connectionLimit.*is 40, but n8n's processes can open 71 connections: \(1 main \+ n8n\.queue\.workers 4 \+ n8n\.queue\.webhookProcessors 2\) × n8n\.queue\.dbPoolSize 10 \+ 1 \(the execution recovery agent\)/,
    );
    // Without the agent: its connection is not counted (70 of 70 fit).
    raw.n8n.queue = { workers: 4, webhookProcessors: 2, dbPoolSize: 10, recovery: { enabled: false } };
    raw.postgres.connectionLimit = 70;
    expect(() => devConfig(raw)).not.toThrow();
    raw.n8n.queue.recovery.enabled = true;
    expect(() => devConfig(raw)).toThrow(/can open 71 connections/);
  });

  test("n8n.queue.recovery: bounds named with the field; enabled: false drops the agent and its API key secret", () => {
    const raw = queueRaw(rawDevConfig());
    raw.n8n.queue.recovery = { maxAttempts: 0, pollSeconds: 1000 };
    expect(() => devConfig(raw)).toThrow(/n8n\.queue\.recovery\.maxAttempts[\s\S]*n8n\.queue\.recovery\.pollSeconds|n8n\.queue\.recovery\.pollSeconds[\s\S]*n8n\.queue\.recovery\.maxAttempts/);
    raw.n8n.queue.recovery = { enabled: false };
    const config = devConfig(raw);
    expect(synthDev(config).model.containers.some((c) => c.name === "n8n-recovery")).toBe(false);
    expect(catalogFor(config).secrets.some((x) => x.id === "n8n-recovery-api-key")).toBe(false);
    expect(catalogFor(devConfig(queueRaw(rawDevConfig()))).secrets.some((x) => x.id === "n8n-recovery-api-key")).toBe(true);
  });

  test("requires the Valkey image, refuses an unknown mode and a queue block without queue mode", () => {
    const noImage = queueRaw(rawDevConfig());
    delete noImage.images.valkey;
    expect(() => devConfig(noImage)).toThrow(/images\.valkey.*required when n8n\.mode is "queue"/);
    const badMode = rawDevConfig();
    badMode.n8n.mode = "cluster";
    expect(() => devConfig(badMode)).toThrow(/n8n\.mode.*must be one of "regular", "queue"/);
    const stray = rawDevConfig();
    stray.n8n.queue = { workers: 1 };
    expect(() => devConfig(stray)).toThrow(/n8n\.queue.*only read with n8n\.mode "queue"/);
  });

  test("refuses test paths on the public router when webhook processors serve it", () => {
    const raw = queueRaw(rawDevConfig());
    raw.n8n.publicPaths = ["webhook", "webhook-test"];
    expect(() => devConfig(raw)).toThrow(/n8n\.publicPaths.*must not list webhook-test in queue mode/);
  });

  test("the queue services' limits are read by catalog kind: resources.valkey, n8nWorker, n8nWorkerRunners, n8nWebhook", () => {
    const raw = queueRaw(rawDevConfig());
    raw.resources = { ...raw.resources, valkey: { memoryMb: 300 }, n8nWorker: { memoryMb: 1536, cpus: "2" }, n8nWorkerRunners: { memoryMb: 512 }, n8nWebhook: { memoryMb: 768 }, executionRecovery: { memoryMb: 128 } };
    const config = devConfig(raw);
    expect(Object.keys(QUEUE_SERVICES).every((k) => k in config.resources)).toBe(true);
    const m = synthDev(config).model;
    expect(byName(m, "n8n-valkey").memoryMb).toBe(300);
    expect(byName(m, "n8n-valkey").command.join(" ")).toContain("--maxmemory 225mb");
    expect(byName(m, "n8n-worker-2").memoryMb).toBe(1536);
    expect(byName(m, "n8n-worker-runners-1").memoryMb).toBe(512);
    expect(byName(m, "n8n-webhook-1").memoryMb).toBe(768);
    expect(byName(m, "n8n-recovery").memoryMb).toBe(128);
  });

  test("without webhook processors main keeps the public router and serves production webhooks", () => {
    const raw = queueRaw(rawDevConfig());
    raw.n8n.queue.webhookProcessors = 0;
    const m = synthDev(devConfig(raw)).model;
    expect(m.containers.some((c) => c.name.startsWith("n8n-webhook"))).toBe(false);
    expect(m.routers.find((r) => r.name === "n8n-public")?.container).toBe("n8n-main");
    expect(byName(m, "n8n-main").env.N8N_DISABLE_PRODUCTION_MAIN_PROCESS).toBeUndefined();
    expect(byName(m, "n8n-main").env.EXECUTIONS_MODE).toBe("queue");
  });

  test("regular mode is the default, and has no runners network", () => {
    expect(devConfig().n8n.mode).toBe("regular");
    expect(synthDev(devConfig()).model.networks.map((n) => n.name).sort()).toEqual(["n8n-app", "n8n-data", "n8n-edge", "n8n-egress", "n8n-socket"]);
  });
});
