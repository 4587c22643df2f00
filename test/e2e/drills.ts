/*
 * Resilience drills on the live stack: a component crashes (its process is killed from the host,
 * as the OOM killer would) or restarts, under a small bounded load, and the stack must fail closed
 * while it is down and recover by itself (restart policy, reconnects) — with its protections intact.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BACKUP_SCRIPT } from "../../constructs/host/backup-script";
import { FAKE_AWS, FAKE_SYSTEMCTL } from "../host/backup-harness";
import { AttackContext, N8N_CONTENT, request } from "./attacks";
import { CheckError, Expect, run } from "./harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function docker(ctx: AttackContext, ...args: string[]): string {
  const r = run("docker", args, { env: ctx.env });
  if (r.status !== 0) throw new CheckError(`docker ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Kills a container's main process from the host with SIGKILL: a crash, not a `docker stop`. */
function crash(ctx: AttackContext, name: string): { pid: string; restartsBefore: number } {
  const pid = docker(ctx, "inspect", "-f", "{{.State.Pid}}", name);
  const restartsBefore = Number(docker(ctx, "inspect", "-f", "{{.RestartCount}}", name));
  if (!/^[1-9]\d*$/.test(pid)) throw new CheckError(`${name} has no running process (pid ${pid})`);
  run("kill", ["-KILL", pid]);
  return { pid, restartsBefore };
}

/**
 * Waits until Docker reports the container healthy again — after a restart when `restartsBefore` is
 * given (right after a kill Docker still shows the old state for a moment); returns the seconds it took.
 */
async function waitHealthy(ctx: AttackContext, name: string, timeoutSeconds: number, restartsBefore?: number): Promise<number> {
  const start = Date.now();
  while ((Date.now() - start) / 1000 < timeoutSeconds) {
    const [status, health, restarts] = run("docker", ["inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}} {{.RestartCount}}", name], { env: ctx.env }).stdout.trim().split(" ");
    if (status === "running" && health === "healthy" && (restartsBefore === undefined || Number(restarts) > restartsBefore)) return (Date.now() - start) / 1000;
    await sleep(1000);
  }
  throw new CheckError(`${name} was not healthy again within ${timeoutSeconds} s`);
}

/** Requests during an outage, bounded in count and time: every answer is recorded, none may be n8n content without SSO. */
async function probeWhile(ctx: AttackContext, urls: string[], headers: string[][], until: () => boolean, maxSeconds: number): Promise<{ statuses: Record<string, number>; leaked: string[]; requests: number }> {
  const statuses: Record<string, number> = {};
  const leaked: string[] = [];
  const start = Date.now();
  let requests = 0;
  while (!until() && (Date.now() - start) / 1000 < maxSeconds && requests < 400) {
    for (const url of urls) {
      for (const h of headers) {
        const r = request(ctx, url, h);
        requests++;
        statuses[r.code] = (statuses[r.code] ?? 0) + 1;
        if (N8N_CONTENT.test(r.body)) leaked.push(`${url} → ${r.code}`);
      }
    }
    await sleep(250);
  }
  return { statuses, leaked, requests };
}

const BROWSER = ["-H", "Accept: text/html"];
const BACKGROUND = ["-H", "Accept: application/json", "-H", "X-Requested-With: XMLHttpRequest"];

/** oauth2-proxy crashes: while it is down the editor fails closed (no n8n content, never a pass-through), and it comes back by itself. */
export async function drillSsoDown(ctx: AttackContext, containers: { sso: string }): Promise<unknown> {
  const { restartsBefore } = crash(ctx, containers.sso);
  let healthyAfter: number | undefined;
  const waiting = waitHealthy(ctx, containers.sso, 120, restartsBefore).then((s) => (healthyAfter = s));
  const probe = await probeWhile(ctx, [`https://${ctx.n8nHost}/`, `https://${ctx.n8nHost}/rest/workflows`, `https://${ctx.n8nHost}/home/workflows`], [BROWSER, BACKGROUND], () => healthyAfter !== undefined, 120);
  await waiting;
  const restarts = Number(docker(ctx, "inspect", "-f", "{{.RestartCount}}", containers.sso));
  const after = request(ctx, `https://${ctx.n8nHost}/`, BROWSER);
  return new Expect()
    .ok("no request got n8n content while the SSO proxy was down", probe.leaked.length === 0, probe.leaked.join(", "))
    // Traefik drops the editor router while the container that declares its forwardAuth middleware
    // is gone, so most answers are its 404: closed, like 401/403/5xx and the redirect to sign in.
    .ok("the editor answered with refusals only (302 to sign in, 401, 403, 404, 5xx)", Object.keys(probe.statuses).every((c) => /^(30[12]|401|403|404|5\d\d)$/.test(c)), JSON.stringify(probe.statuses))
    .ok("Docker restarted it (restart policy)", restarts > restartsBefore, `restart count ${restartsBefore} → ${restarts}`)
    .ok("afterwards the editor sends browsers to sign in again", after.code === "302" && (after.headers.location ?? "").startsWith(`https://${ctx.authHost}/`), `${after.code} ${after.headers.location ?? ""}`)
    .done({ probe, recoveredInSeconds: healthyAfter, restarts: `${restartsBefore} → ${restarts}` });
}

/** n8n crashes under load on its public webhook: the webhook fails (never another path), n8n restarts, and the published workflow answers again. */
export async function drillN8nCrash(ctx: AttackContext, containers: { n8n: string }): Promise<unknown> {
  const hookPath = readFileSync(path.join(ctx.work, "public-webhook-path"), "utf8").trim();
  const hook = `https://${ctx.n8nHost}/webhook/${hookPath}`;
  const before = request(ctx, hook);
  if (before.code !== "200") throw new CheckError(`the public webhook did not answer before the drill (${before.code})`);
  const { restartsBefore } = crash(ctx, containers.n8n);
  let healthyAfter: number | undefined;
  const waiting = waitHealthy(ctx, containers.n8n, 240, restartsBefore).then((s) => (healthyAfter = s));
  const probe = await probeWhile(ctx, [hook, `https://${ctx.n8nHost}/rest/workflows`], [BACKGROUND], () => healthyAfter !== undefined, 240);
  await waiting;
  // n8n reports healthy (database connected) before it has registered the active workflows'
  // webhooks again; until then production webhooks answer 404. Measured, bounded at 120 s.
  const healthyAt = Date.now();
  let again = request(ctx, hook);
  while (again.code !== "200" && (Date.now() - healthyAt) / 1000 < 120) {
    await sleep(1000);
    again = request(ctx, hook);
  }
  const webhookBackAfterHealthy = (Date.now() - healthyAt) / 1000;
  const restarts = Number(docker(ctx, "inspect", "-f", "{{.RestartCount}}", containers.n8n));
  return new Expect()
    .ok("no editor content leaked while n8n was restarting", probe.leaked.length === 0, probe.leaked.join(", "))
    .ok("Docker restarted n8n (restart policy)", restarts > restartsBefore, `restart count ${restartsBefore} → ${restarts}`)
    .equal("the published workflow answers on its webhook after the restart (activation survived)", again.code, "200")
    .done({ probe, recoveredInSeconds: healthyAfter, webhookBackSecondsAfterHealthy: webhookBackAfterHealthy, restarts: `${restartsBefore} → ${restarts}`, webhookAfter: again.code });
}

/** Postgres restarts: n8n reconnects by itself (over TLS, as its login role) and serves the webhook again. */
export async function drillPostgresRestart(ctx: AttackContext, containers: { postgres: string }, sessionCheck: () => unknown): Promise<unknown> {
  const hookPath = readFileSync(path.join(ctx.work, "public-webhook-path"), "utf8").trim();
  const hook = `https://${ctx.n8nHost}/webhook/${hookPath}`;
  docker(ctx, "restart", "-t", "20", containers.postgres);
  const pgHealthy = await waitHealthy(ctx, containers.postgres, 120);
  let again = request(ctx, hook);
  const start = Date.now();
  while (again.code !== "200" && (Date.now() - start) / 1000 < 90) {
    await sleep(1000);
    again = request(ctx, hook);
  }
  if (again.code !== "200") throw new CheckError(`the public webhook did not answer within 90 s after Postgres restarted (last ${again.code})`);
  // The same questions postgres.least-privilege-tls asks of the live server, on the new sessions.
  const sessions = sessionCheck();
  return { postgresHealthyAfterSeconds: pgHealthy, webhookAfterSeconds: (Date.now() - start) / 1000, sessions };
}

/** Runs the host's real backup script against the live database (only `aws` and `systemctl` faked); returns the uploaded dump. */
export function runBackupScript(ctx: AttackContext, containers: { postgres: string }, name = "backup-drill"): { dump: Buffer; object: string; output: string; metrics: number } {
  const root = path.join(ctx.work, name);
  rmSync(root, { recursive: true, force: true });
  const bin = path.join(root, "bin");
  const fake = path.join(root, "fake");
  mkdirSync(bin, { recursive: true });
  mkdirSync(fake, { recursive: true });
  writeFileSync(path.join(fake, "docker-active"), "");
  for (const [file, text] of [["systemctl", FAKE_SYSTEMCTL], ["aws", FAKE_AWS]] as const) {
    writeFileSync(path.join(bin, file), text);
    chmodSync(path.join(bin, file), 0o755);
  }
  const script = path.join(root, "n8n-backup.sh");
  writeFileSync(script, BACKUP_SCRIPT, { mode: 0o700 });
  const r = run("sh", [script], {
    env: { ...ctx.env, PATH: `${bin}:${process.env.PATH}`, FAKE_ROOT: fake, AWS_REGION: "eu-central-1", BACKUP_BUCKET: "drill-backups", BACKUP_PREFIX: "backups/", BACKUP_CONTAINER: containers.postgres, BACKUP_DATABASE: ctx.postgres.database, BACKUP_DIR: path.join(root, "tmp", "backups"), BACKUP_METRIC_NAMESPACE: "n8n-zero-trust/drill" },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new CheckError(`the backup script exited ${r.status}:\n${r.stderr || r.stdout}`);
  const objects = existsSync(path.join(fake, "s3")) ? readdirSync(path.join(fake, "s3")) : [];
  if (objects.length !== 1) throw new CheckError(`expected one uploaded object, found ${objects.length}`);
  const metrics = existsSync(path.join(fake, "metrics")) ? readdirSync(path.join(fake, "metrics")).filter((f) => !f.endsWith(".objects")).length : 0;
  return { dump: readFileSync(path.join(fake, "s3", objects[0])), object: objects[0], output: r.stdout + r.stderr, metrics };
}

/**
 * Backup and restore: the real backup script (constructs/host/backup-script.ts) dumps the live
 * database through the real Docker CLI — AWS is the one boundary faked (`aws` on PATH keeps the
 * upload in a folder, as the host-agent tests do) — and the dump restores into an empty database
 * with n8n's tables, rows and ownership: the workflow published in edge.public-webhook is in it.
 */
export async function drillBackupRestore(ctx: AttackContext, containers: { postgres: string }, schema: string): Promise<unknown> {
  const db = ctx.postgres.database;
  const { dump, object, output, metrics } = runBackupScript(ctx, containers);
  const superPassword = readFileSync(path.join(ctx.secretsDir, "postgres-superuser-password"), "utf8").trim();
  // Restore into a scratch database next to the live one, as an operator would before swapping.
  const scratch = `${db}_restore_drill`;
  const psql = (dbName: string, sql: string) =>
    run("docker", ["exec", containers.postgres, "sh", "-c", `PGPASSWORD="$(cat /run/secrets/postgres-superuser-password)" exec psql -X -At -v ON_ERROR_STOP=1 -h /var/run/postgresql -U postgres -d "$1" -c "$2"`, "sh", dbName, sql], { env: ctx.env });
  psql("postgres", `drop database if exists ${scratch}`);
  const created = psql("postgres", `create database ${scratch}`);
  if (created.status !== 0) throw new CheckError(`create database failed: ${created.stderr}`);
  try {
    const restore = run("docker", ["exec", "-i", containers.postgres, "sh", "-c", `PGPASSWORD="$(cat /run/secrets/postgres-superuser-password)" exec pg_restore -h /var/run/postgresql -U postgres -d "$1" --exit-on-error`, "sh", scratch], { env: ctx.env, input: dump });
    if (restore.status !== 0) throw new CheckError(`pg_restore exited ${restore.status}: ${restore.stderr.slice(-800)}`);
    const facts = (dbName: string) =>
      psql(dbName, `select (select count(*) from pg_tables where schemaname = '${schema}') || '|' || (select count(*) from ${schema}.workflow_entity) || '|' || (select pg_get_userbyid(nspowner) from pg_namespace where nspname = '${schema}') || '|' || (select count(*) from pg_tables where tableowner = '${ctx.postgres.n8nRole}') || '|' || (select string_agg(name, ',' order by name) from ${schema}.workflow_entity where name like 'zero-trust e2e %')`).stdout.trim();
    const live = facts(db).split("|");
    const restored = facts(scratch).split("|");
    return new Expect()
      .ok("the dump is a custom-format dump (PGDMP)", dump.subarray(0, 5).toString("latin1") === "PGDMP", dump.subarray(0, 5).toString("hex"))
      .equal("the success metric was published once, after the upload", metrics, 1)
      .ok("the superuser password is in none of the script's output", !output.includes(superPassword))
      .equal("restored: tables in n8n's schema, workflows, schema owner, tables owned by the login role, e2e workflows", restored, live)
      .ok("the restored database holds the published e2e workflow", (restored[4] ?? "").includes("zero-trust e2e"), restored[4])
      .done({ object, bytes: dump.length, live, restored, log: output.trim().split("\n").slice(-3) });
  } finally {
    psql("postgres", `drop database if exists ${scratch}`);
  }
}

/**
 * The whole recovery, the way the README says it: with a credential stored in n8n, take a backup
 * with the host's script, destroy the stack AND its data volumes, deploy it again, restore the dump
 * (n8n and the runners stopped, pg_restore --clean --single-transaction), start n8n: the published
 * workflow answers again and the credential decrypts with the kept encryption key.
 */
export async function drillRebuildRestore(
  ctx: AttackContext,
  opts: {
    containers: { postgres: string; n8n: string; runners: string };
    demoEmail: string;
    destroy: () => Promise<void>;
    deploy: () => Promise<void>;
    /** Waits until every container of the stack is healthy (the suite's own check). */
    allHealthy: () => Promise<unknown>;
    volumePrefix: string;
    asOwner: (method: string, url: string, body?: unknown) => Promise<{ status: number; json: any }>;
  },
): Promise<unknown> {
  const hookPath = readFileSync(path.join(ctx.work, "public-webhook-path"), "utf8").trim();
  const hook = `https://${ctx.n8nHost}/webhook/${hookPath}`;
  const secretValue = `zt-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const created = await opts.asOwner("POST", "/rest/credentials", { name: "zero-trust e2e header", type: "httpHeaderAuth", data: { name: "X-Api-Key", value: secretValue } });
  const credId = created.json?.data?.id ?? created.json?.id;
  if (created.status !== 200 || !credId) throw new CheckError(`could not create a credential (${created.status}): ${JSON.stringify(created.json).slice(0, 300)}`);
  const backup = runBackupScript(ctx, { postgres: opts.containers.postgres }, "rebuild-drill");

  await opts.destroy();
  const volumes = run("docker", ["volume", "ls", "--format", "{{.Name}}"], { env: ctx.env }).stdout.split("\n").filter((v) => v.startsWith(opts.volumePrefix));
  for (const v of volumes) docker(ctx, "volume", "rm", v);
  await opts.deploy();
  // oauth2-proxy restarts until it reaches Dex through Traefik: wait for the whole stack, as after the first deploy.
  await opts.allHealthy();
  const emptyBefore = request(ctx, hook).code;

  docker(ctx, "stop", opts.containers.n8n, opts.containers.runners);
  const restore = run("docker", ["exec", "-i", opts.containers.postgres, "sh", "-c", `PGPASSWORD="$(cat /run/secrets/postgres-superuser-password)" exec pg_restore -U postgres -w -h /var/run/postgresql -d "$1" --clean --if-exists --single-transaction`, "sh", ctx.postgres.database], { env: ctx.env, input: backup.dump });
  docker(ctx, "start", opts.containers.n8n, opts.containers.runners);
  if (restore.status !== 0) throw new CheckError(`pg_restore exited ${restore.status}: ${restore.stderr.slice(-800)}`);
  await waitHealthy(ctx, opts.containers.n8n, 240);
  await opts.allHealthy();
  let after = request(ctx, hook);
  const start = Date.now();
  while (after.code !== "200" && (Date.now() - start) / 1000 < 90) {
    await sleep(1000);
    after = request(ctx, hook);
  }
  const read = await opts.asOwner("GET", `/rest/credentials/${credId}?includeData=true`);
  const data = read.json?.data?.data ?? read.json?.data;
  return new Expect()
    .ok("the data volumes were removed with the stack", volumes.length > 0, "no volume of the stack found")
    .ok("the rebuilt stack started empty (the webhook was unknown)", emptyBefore !== "200", emptyBefore)
    .equal("after the restore the published workflow answers its public webhook", after.code, "200")
    .equal("the restored owner logs in and reads the credential", read.status, 200)
    // The whole data blob is encrypted with the instance key: reading its fields back means n8n
    // decrypted it. Secret fields come back blanked (n8n never hands them to the browser).
    .equal("the credential decrypts (the encryption key was kept): its non-secret field is back", data?.name, "X-Api-Key")
    .ok("its secret field is blanked for the browser, never sent in clear", typeof data?.value === "string" && data.value !== secretValue && data.value.startsWith("__n8n_BLANK_VALUE"), typeof data?.value === "string" ? (data.value === secretValue ? "the plaintext secret" : data.value.slice(0, 20)) : "missing")
    .done({ volumesRemoved: volumes, dumpBytes: backup.dump.length, webhookBeforeRestore: emptyBefore, webhookAfterRestore: after.code, webhookBackSeconds: (Date.now() - start) / 1000, credential: credId });
}
