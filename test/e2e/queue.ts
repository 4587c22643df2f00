/*
 * Queue mode on the running stack (issue 14, step 2): which process runs an execution, who reaches
 * Valkey and how, and what happens to executions under load when a worker is killed or Valkey
 * restarts. Counts come from the HTTP answers and from n8n's execution records in Postgres
 * (`execution_entity.status`); which process ran an execution comes from n8n's own log lines (n8n
 * keeps no worker column: `Worker started execution <id>` on the worker, `Enqueued execution <id>`
 * on the process that took the request).
 */
import { spawn } from "node:child_process";
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { QUEUE_SECRET_FILES, TLS_FILES } from "../../constructs/common/secret-files";
import { VALKEY_HEALTH_USER, VALKEY_N8N_USER } from "../../constructs/common/valkey-acl";
import { AttackContext, ipOf, probe } from "./attacks";
import { CheckError, Expect, run, sleep } from "./harness";

/** The queue-mode containers of the deployed stack (names from the service catalog). */
export interface QueueContainers {
  readonly main: string;
  readonly postgres: string;
  readonly valkey: string;
  readonly workers: readonly string[];
  readonly workerRunners: readonly string[];
  readonly webhooks: readonly string[];
  /** Every n8n container that runs on Valkey (main, workers, webhook processors). */
  readonly n8nProcesses: readonly string[];
  /** The other containers of the stack (Traefik, the socket proxy, oauth2-proxy, the IdP, runners). */
  readonly others: readonly string[];
  /** The execution recovery agent. @default - none */
  readonly recovery?: string;
}

/** The workflows the queue cases publish: paths and workflow ids. */
export interface QueueHooks {
  /** Webhook answering at once ("Respond: Immediately"), then a 2 s Wait. */
  readonly ack: { readonly path: string; readonly id: string };
  /** Webhook answering when the last node (a Code node after a 2 s Wait) finishes: the caller learns of a failure. */
  readonly last: { readonly path: string; readonly id: string };
  /** A Form Trigger (answers on submission). */
  readonly form: { readonly path: string; readonly id: string };
}

/** The field the answering workflow's Code node adds (proof that the worker's runners ran it). */
const CODE_MARK = "zt_ran_in_code_node";

const TERMINAL = new Set(["success", "error", "crashed", "canceled"]);

function docker(ctx: AttackContext, ...args: string[]): string {
  const r = run("docker", args, { env: ctx.env });
  if (r.status !== 0) throw new CheckError(`docker ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function logsOf(ctx: AttackContext, name: string): string {
  const r = run("docker", ["logs", name], { env: ctx.env });
  return r.stdout + r.stderr;
}

/** One SQL query as the superuser over Postgres' local socket; the query returns one JSON value. */
export function sqlJson(ctx: AttackContext, postgres: string, sql: string): any {
  const out = docker(ctx, "exec", postgres, "sh", "-c", `PGPASSWORD="$(cat /run/secrets/postgres-superuser-password)" exec psql -X -At -v ON_ERROR_STOP=1 -h /var/run/postgresql -U postgres -d "$1" -c "$2"`, "sh", ctx.postgres.database, sql);
  return JSON.parse(out);
}

export interface ExecutionRow {
  readonly id: string;
  readonly status: string;
  readonly wf: string;
  readonly retryOf: string | null;
  /** The retry of it that succeeded (n8n sets it on the original). */
  readonly retrySuccessId: string | null;
  /** When the execution record was created (enqueued), ISO 8601 from Postgres. */
  readonly createdAt: string;
}

function executionsSince(ctx: AttackContext, postgres: string, schema: string, workflowIds: string[], since: string): ExecutionRow[] {
  const ids = workflowIds.map((w) => `'${w.replace(/[^A-Za-z0-9_-]/g, "")}'`).join(",");
  return sqlJson(ctx, postgres, `select coalesce(json_agg(json_build_object('id', id::text, 'status', status, 'wf', "workflowId", 'retryOf', "retryOf", 'retrySuccessId', "retrySuccessId", 'createdAt', "createdAt") order by id), '[]'::json) from ${schema}.execution_entity where "workflowId" in (${ids}) and "createdAt" >= '${since}'::timestamptz`);
}

function dbNow(ctx: AttackContext, postgres: string): string {
  return sqlJson(ctx, postgres, "select to_json(now())");
}

export interface Answer {
  readonly code: string;
  readonly body: string;
  readonly ms: number;
}

/** One request from the host through Traefik, asynchronous (the load generators run many at once). */
export function requestAsync(ctx: AttackContext, url: string, extra: string[] = [], timeoutSeconds = 30): Promise<Answer> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn("curl", ["-sS", "-o", "-", "-w", "\n__ZT_CODE__%{http_code}", "-m", String(timeoutSeconds), "--cacert", path.join(ctx.secretsDir, "tls", "ca.pem"), "--resolve", `${ctx.n8nHost}:443:127.0.0.1`, ...extra, url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on("close", (status) => {
      const i = out.lastIndexOf("\n__ZT_CODE__");
      const code = i >= 0 ? out.slice(i + "\n__ZT_CODE__".length).trim() : "";
      resolve({ code: status === 0 ? code : `curl-exit-${status}${code && code !== "000" ? `/${code}` : ""}`, body: i >= 0 ? out.slice(0, i) : err.trim(), ms: Date.now() - start });
    });
  });
}

/** Publishes the three workflows of the queue cases (through n8n's REST API, behind SSO). */
export async function publishQueueWorkflows(
  publish: (name: string, def: { nodes: Record<string, unknown>[]; connections: Record<string, unknown> }) => Promise<{ owner: number; created: number; activated: number; id?: string; problems: string }>,
  suffix: string,
): Promise<QueueHooks> {
  const wait = { name: "Wait", type: "n8n-nodes-base.wait", typeVersion: 1.1, parameters: { resume: "timeInterval", amount: 2, unit: "seconds" } };
  const toWait = { Webhook: { main: [[{ node: "Wait", type: "main", index: 0 }]] } };
  const hook = (p: string, responseMode: string) => ({ name: "Webhook", type: "n8n-nodes-base.webhook", typeVersion: 2, parameters: { httpMethod: "GET", path: p, responseMode, ...(responseMode === "lastNode" ? { responseData: "firstEntryJson" } : {}), options: {} } });
  const paths = { ack: `zt-q-ack-${suffix}`, last: `zt-q-last-${suffix}`, form: `zt-q-form-${suffix}` };
  // The answering workflow ends in a Code node: on a worker it runs in that worker's task runners.
  const code = { name: "Code", type: "n8n-nodes-base.code", typeVersion: 2, parameters: { jsCode: `return $input.all().map((i) => ({ json: { ...i.json, ${CODE_MARK}: true } }));` } };
  const ack = await publish(`zero-trust e2e queue ${paths.ack}`, { nodes: [hook(paths.ack, "onReceived"), wait], connections: toWait });
  const last = await publish(`zero-trust e2e queue ${paths.last}`, { nodes: [hook(paths.last, "lastNode"), wait, code], connections: { ...toWait, Wait: { main: [[{ node: "Code", type: "main", index: 0 }]] } } });
  const form = await publish(`zero-trust e2e queue ${paths.form}`, {
    nodes: [{ name: "Form", type: "n8n-nodes-base.formTrigger", typeVersion: 2.2, parameters: { formTitle: "Zero-trust e2e queue form", formFields: { values: [{ fieldLabel: "Name" }] }, responseMode: "onReceived", options: { path: paths.form } } }],
    connections: {},
  });
  const bad = Object.entries({ ack, last, form }).filter(([, r]) => !r.id || r.activated !== 200);
  if (bad.length > 0) throw new CheckError(`could not publish ${bad.map(([k, r]) => `${k} (${r.owner}/${r.created}/${r.activated}: ${r.problems.slice(0, 300)})`).join(", ")}`);
  return { ack: { path: paths.ack, id: ack.id! }, last: { path: paths.last, id: last.id! }, form: { path: paths.form, id: form.id! } };
}

/** Started/finished execution ids in a worker's log (n8n's INFO lines). */
function workerExecutions(logs: string): { started: Set<string>; finished: Set<string> } {
  return {
    started: new Set([...logs.matchAll(/Worker started execution (\d+)\b/g)].map((m) => m[1])),
    finished: new Set([...logs.matchAll(/Worker finished execution (\d+)\b/g)].map((m) => m[1])),
  };
}

/**
 * The executions lost in a worker-kill drill that the killed worker cannot account for. A lost
 * execution is the killed worker's when it was enqueued before the kill and no other worker (nor
 * the killed one after its restart) ever started it: Bull fails a job as stalled only when the worker
 * holding its lock dies. The killed worker's own log is only a lower bound of what it held: a worker
 * takes a job and loads the execution before it logs "Worker started execution".
 */
export function lossesNotOnKilledWorker(lost: readonly ExecutionRow[], killedAt: string, startedElsewhere: ReadonlySet<string>): string[] {
  const kill = Date.parse(killedAt);
  if (Number.isNaN(kill)) throw new CheckError(`kill time ${JSON.stringify(killedAt)} is not a timestamp`);
  return lost
    .filter((r) => {
      const created = Date.parse(r.createdAt);
      return Number.isNaN(created) || created > kill || startedElsewhere.has(r.id);
    })
    .map((r) => r.id);
}

/** Polls the execution records until `enough` holds and none is pending (bounded). */
async function untilTerminal(ctx: AttackContext, postgres: string, schema: string, wfs: string[], since: string, enough: (rows: ExecutionRow[]) => boolean, seconds: number): Promise<{ rows: ExecutionRow[]; waited: number }> {
  const start = Date.now();
  let rows = executionsSince(ctx, postgres, schema, wfs, since);
  while ((!enough(rows) || rows.some((r) => !TERMINAL.has(r.status))) && (Date.now() - start) / 1000 < seconds) {
    await sleep(3000);
    rows = executionsSince(ctx, postgres, schema, wfs, since);
  }
  return { rows, waited: (Date.now() - start) / 1000 };
}

/**
 * Production webhooks and forms are executed by the workers: each execution's id is in exactly one
 * worker's "Worker started/finished execution" lines, in no such line of main or the webhook
 * processor, and the webhook processor (not main) enqueued it.
 */
export async function executedByWorkers(ctx: AttackContext, c: QueueContainers, schema: string, hooks: QueueHooks): Promise<unknown> {
  const base = `https://${ctx.n8nHost}`;
  // Registered on the webhook processors (they read main's activations from the database).
  let first = await requestAsync(ctx, `${base}/webhook/${hooks.last.path}?n=probe`);
  for (let i = 0; i < 20 && first.code !== "200"; i++) {
    await sleep(1000);
    first = await requestAsync(ctx, `${base}/webhook/${hooks.last.path}?n=probe`);
  }
  if (first.code !== "200") throw new CheckError(`the queue workflow's webhook did not answer (${first.code}: ${first.body.slice(0, 200)})`);
  const since = dbNow(ctx, c.postgres);
  const calls = await Promise.all([
    ...Array.from({ length: 8 }, (_, i) => requestAsync(ctx, `${base}/webhook/${hooks.last.path}?n=${i}`)),
    ...Array.from({ length: 2 }, (_, i) => requestAsync(ctx, `${base}/form/${hooks.form.path}`, ["-F", `field-0=queue-${i}`])),
  ]);
  const { rows } = await untilTerminal(ctx, c.postgres, schema, [hooks.last.id, hooks.form.id], since, (rs) => rs.length >= 10, 60);
  const logs = Object.fromEntries([...c.workers, c.main, ...c.webhooks].map((n) => [n, logsOf(ctx, n)]));
  const perWorker = Object.fromEntries(c.workers.map((w) => [w, workerExecutions(logs[w])]));
  const e = new Expect();
  e.equal("webhook answers (8 × respond when the last node finishes, 2 form submissions)", calls.map((r) => r.code), Array(10).fill("200"));
  e.ok("the last-node answers carry the request (the Wait node's output)", calls.slice(0, 8).every((r, i) => r.body.includes(`"n":"${i}"`)), calls.slice(0, 8).map((r) => r.body.slice(0, 80)).join(" | "));
  e.ok("the last-node answers went through the Code node (the worker's task runners ran user code)", calls.slice(0, 8).every((r) => r.body.includes(`"${CODE_MARK}":true`)), calls.slice(0, 8).map((r) => r.body.slice(-80)).join(" | "));
  e.equal("executions recorded (8 webhook, 2 form)", [rows.filter((r) => r.wf === hooks.last.id).length, rows.filter((r) => r.wf === hooks.form.id).length], [8, 2]);
  e.equal("every execution succeeded", rows.filter((r) => r.status !== "success").map((r) => `${r.id}:${r.status}`), []);
  const where: Record<string, string[]> = {};
  for (const r of rows) {
    where[r.id] = c.workers.filter((w) => perWorker[w].started.has(r.id) && perWorker[w].finished.has(r.id));
    e.equal(`execution ${r.id} (${r.wf === hooks.form.id ? "form" : "webhook"}) started and finished on exactly one worker`, where[r.id].length, 1);
    for (const other of [c.main, ...c.webhooks]) e.ok(`execution ${r.id} not run by ${other}`, !new RegExp(`started execution ${r.id}\\b`).test(logs[other]));
    e.ok(`execution ${r.id} enqueued by a webhook processor`, c.webhooks.some((w) => new RegExp(`Enqueued execution ${r.id}\\b`).test(logs[w])));
    e.ok(`execution ${r.id} not enqueued by main`, !new RegExp(`Enqueued execution ${r.id}\\b`).test(logs[c.main]));
  }
  const byWorker = Object.fromEntries(c.workers.map((w) => [w, Object.values(where).filter((ws) => ws[0] === w).length]));
  return e.done({ executions: rows.length, byWorker, statuses: countBy(rows.map((r) => r.status)), answerMs: calls.map((r) => r.ms) });
}

/** A TCP connect from inside a container (its own node), bounded: "open" or "closed". */
function tcpFrom(ctx: AttackContext, container: string, host: string, port: number): string {
  const js = `const s=require('net').connect({host:${JSON.stringify(host)},port:${port},timeout:3000});s.on('connect',()=>{console.log('open');process.exit(0)});s.on('timeout',()=>{console.log('closed');process.exit(0)});s.on('error',()=>{console.log('closed');process.exit(0)})`;
  return run("docker", ["exec", container, "node", "-e", js], { env: ctx.env, timeout: 20000 }).stdout.trim() || "closed";
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/**
 * Who reaches Valkey, and how: from the edge, app, egress and data networks it is unreachable (by
 * name and by address); the runners and the recovery agent cannot reach it either; on the queue network the live
 * server refuses plain TCP, an unauthenticated TLS connection, the `default` user, a wrong password
 * and everything but PING for the health user, while n8n's user (the password from its file, via
 * the environment of the probe process) works and is still refused admin commands and other keys.
 * The password is in no container's inspect output or logs, nor in the Terraform state.
 */
export function queueSegmentation(ctx: AttackContext, c: QueueContainers, valkeyImage: string): unknown {
  const P = ctx.prefix;
  const vk = { name: c.valkey, ip: ipOf(ctx, c.valkey, `${P}-queue`), port: 6379 };
  const tcp = (label: string, host: string) => `if timeout 4 nc -z -w 3 ${host} ${vk.port} 2>/dev/null; then echo ${label}=open; else echo ${label}=closed; fi`;
  const e = new Expect();
  const seen: Record<string, unknown> = {};
  // Not even from the data network (Postgres' and the recovery agent's): Valkey is on the queue network alone with n8n's processes.
  for (const net of ["edge", "app", "egress", "data"]) {
    const out = probe(ctx, `${P}-${net}`, `${tcp("valkey_ip", vk.ip)}; ${tcp("valkey_name", vk.name)}`);
    seen[net] = out;
    e.equal(`${net} ↛ Valkey (by address)`, out.valkey_ip, "closed");
    e.equal(`${net} ↛ Valkey (by name)`, out.valkey_name, "closed");
  }
  // The runners run user code: no route to the queue (main's are on the app network, the workers'
  // on the runners network with their workers only).
  for (const r of [...c.workerRunners, `${P}-runners`]) {
    const out = tcpFrom(ctx, r, vk.ip, vk.port);
    seen[`${r} → valkey`] = out;
    e.equal(`${r} ↛ Valkey`, out, "closed");
  }
  // The workers' runners reach their worker's task broker and nothing of the app network: not
  // Traefik, main's API or broker, nor a webhook processor (by address: their names do not resolve there).
  const appTargets: [string, string, number][] = [
    ["main's API", c.main, 5678],
    ["main's task broker", c.main, 5679],
    ...c.webhooks.map((w): [string, string, number] => [`${w}'s API`, w, 5678]),
    ["Traefik", `${P}-traefik`, 443],
  ];
  c.workerRunners.forEach((r, i) => {
    const own = `${c.workers[i]}-broker`;
    const mine = tcpFrom(ctx, r, own, 5679);
    seen[`${r} → ${own}`] = mine;
    e.equal(`${r} → its worker's broker ${own}:5679 (positive control)`, mine, "open");
    for (const [label, target, port] of appTargets) {
      const ip = ipOf(ctx, target, `${P}-app`);
      const out = tcpFrom(ctx, r, ip, port);
      seen[`${r} → ${label}`] = out;
      e.equal(`${r} ↛ ${label} (${ip}:${port})`, out, "closed");
      const byName = tcpFrom(ctx, r, target, port);
      e.equal(`${r} ↛ ${label} (by name ${target})`, byName, "closed");
    }
  });
  if (c.recovery) {
    const out = tcpFrom(ctx, c.recovery, vk.ip, vk.port);
    seen[`${c.recovery} → valkey`] = out;
    e.equal(`${c.recovery} (the recovery agent) ↛ Valkey`, out, "closed");
  }
  // The queue network's members: n8n's processes and Valkey, nothing else; the data network's:
  // n8n's processes, Postgres and the recovery agent.
  const membersOf = (net: string) => Object.values(JSON.parse(docker(ctx, "network", "inspect", `${P}-${net}`))[0].Containers ?? {}).map((m: any) => m.Name).sort();
  seen.queueMembers = membersOf("queue");
  seen.dataMembers = membersOf("data");
  e.equal("members of the queue network", seen.queueMembers, [...c.n8nProcesses, c.valkey].sort());
  e.equal("members of the data network", seen.dataMembers, [...c.n8nProcesses, c.postgres, ...(c.recovery ? [c.recovery] : [])].sort());

  // The live server, from a probe on the queue network (Valkey's own image: its valkey-cli).
  const pw = readFileSync(path.join(ctx.secretsDir, QUEUE_SECRET_FILES.valkeyPassword), "utf8");
  const cli = (label: string, args: string, auth = false) =>
    `echo ${label}=$( ${auth ? 'REDISCLI_AUTH="$VK_PW" ' : ""}timeout 8 valkey-cli --no-auth-warning -h ${vk.name} -p ${vk.port} ${args} 2>&1 | head -1 | cut -c1-60 | tr -c 'A-Za-z0-9:\\n-' '_' )`;
  const tls = `--tls --cacert /ca.pem`;
  const script = [
    cli("plain_ping", "PING"),
    cli("tls_anonymous_ping", `${tls} PING`),
    cli("tls_anonymous_get", `${tls} GET bull:jobs:id`),
    cli("tls_default_user", `${tls} --user default --pass anything PING`),
    cli("tls_n8n_wrong_password", `${tls} --user ${VALKEY_N8N_USER} --pass not-the-password PING`),
    cli("tls_health_ping", `${tls} --user ${VALKEY_HEALTH_USER} --pass x PING`),
    cli("tls_health_get", `${tls} --user ${VALKEY_HEALTH_USER} --pass x GET bull:jobs:id`),
    cli("n8n_ping", `${tls} --user ${VALKEY_N8N_USER} PING`, true),
    cli("n8n_queue_key", `${tls} --user ${VALKEY_N8N_USER} EXISTS bull:jobs:id`, true),
    cli("n8n_other_key", `${tls} --user ${VALKEY_N8N_USER} SET zt-e2e-other 1`, true),
    cli("n8n_config", `${tls} --user ${VALKEY_N8N_USER} CONFIG GET maxmemory-policy`, true),
    cli("n8n_flushall", `${tls} --user ${VALKEY_N8N_USER} FLUSHALL`, true),
    cli("n8n_acl", `${tls} --user ${VALKEY_N8N_USER} ACL LIST`, true),
    cli("n8n_keys", `${tls} --user ${VALKEY_N8N_USER} KEYS '*'`, true),
    // TLS below 1.2 is refused by the server (openssl from the same image, if present).
    `if command -v openssl >/dev/null; then if echo | timeout 8 openssl s_client -connect ${vk.name}:${vk.port} -tls1_1 -cipher DEFAULT@SECLEVEL=0 >/dev/null 2>&1; then echo tls11=accepted; else echo tls11=refused; fi; else echo tls11=no-openssl; fi`,
  ].join("; ");
  const ca = path.join(ctx.secretsDir, TLS_FILES.caCert);
  const r = run("docker", ["run", "--rm", "--network", `${P}-queue`, "--user", "65534:65534", "-e", "VK_PW", "-v", `${ca}:/ca.pem:ro`, "--entrypoint", "sh", valkeyImage, "-c", script], { env: { ...ctx.env, VK_PW: pw }, timeout: 180000 });
  if (r.status !== 0) throw new CheckError(`the Valkey probe failed (${r.status}): ${r.stderr.slice(-500)}`);
  const out = Object.fromEntries(r.stdout.trim().split("\n").filter((t) => t.includes("=")).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]));
  seen.server = out;
  const answered = (v: string | undefined) => /PONG|NOAUTH|NOPERM|WRONGPASS|ERR|^[0-9]+$|OK/.test(v ?? "");
  e.ok("a plain (non-TLS) connection gets no answer of the server", !answered(out.plain_ping), out.plain_ping);
  e.ok("TLS without authentication: PING refused (NOAUTH)", /NOAUTH/.test(out.tls_anonymous_ping ?? ""), out.tls_anonymous_ping);
  e.ok("TLS without authentication: GET refused (NOAUTH)", /NOAUTH/.test(out.tls_anonymous_get ?? ""), out.tls_anonymous_get);
  e.ok("the default user is refused", /WRONGPASS/.test(out.tls_default_user ?? ""), out.tls_default_user);
  e.ok("n8n's user with a wrong password is refused", /WRONGPASS/.test(out.tls_n8n_wrong_password ?? ""), out.tls_n8n_wrong_password);
  e.equal("the health user may PING", out.tls_health_ping, "PONG");
  e.ok("the health user may do nothing else", /NOPERM/.test(out.tls_health_get ?? ""), out.tls_health_get);
  e.equal("n8n's user over TLS with its password (positive control)", out.n8n_ping, "PONG");
  e.ok("n8n's user reaches the queue's keys", /^[01]$/.test(out.n8n_queue_key ?? ""), out.n8n_queue_key);
  for (const k of ["n8n_other_key", "n8n_config", "n8n_flushall", "n8n_acl", "n8n_keys"]) e.ok(`n8n's user is refused ${k.slice(4)}`, /NOPERM/.test(out[k] ?? ""), out[k]);
  e.ok("TLS 1.1 is refused", out.tls11 !== "accepted", out.tls11);

  // The password: in no inspect output, log or the state.
  const places: Record<string, string> = { "terraform state": readFileSync(ctx.stateFile, "utf8") };
  for (const n of [...c.n8nProcesses, c.valkey, ...c.workerRunners, ...c.others, c.postgres, ...(c.recovery ? [c.recovery] : [])]) {
    const i = JSON.parse(run("docker", ["inspect", n], { env: ctx.env }).stdout)[0];
    places[`${n} inspect`] = JSON.stringify([i.Config.Env, i.Config.Labels, i.Config.Cmd, i.Config.Entrypoint, i.Args]);
    places[`${n} logs`] = logsOf(ctx, n);
  }
  for (const [where, text] of Object.entries(places)) e.ok(`Valkey's password in ${where}`, pw.length >= 16 && !text.includes(pw), "found");
  return e.done(seen);
}

/**
 * The negative control of `executedByWorkers`: with every worker stopped, requests to the webhook
 * that answers at once are still accepted (the webhook processor enqueues them) but nothing runs
 * them — their execution records stay unfinished, and neither main nor the webhook processor
 * starts one. Once the workers start again, they run every one of them: none lost.
 */
export async function workersStopped(ctx: AttackContext, c: QueueContainers, schema: string, hooks: QueueHooks): Promise<unknown> {
  const base = `https://${ctx.n8nHost}/webhook`;
  const e = new Expect();
  const stopStart = Date.now();
  docker(ctx, "stop", "-t", "45", ...c.workers);
  const stopSeconds = (Date.now() - stopStart) / 1000;
  let rows: ExecutionRow[] = [];
  let held: ExecutionRow[] = [];
  let answers: Answer[] = [];
  try {
    const since = dbNow(ctx, c.postgres);
    answers = await Promise.all(Array.from({ length: 10 }, (_, i) => requestAsync(ctx, `${base}/${hooks.ack.path}?held=${i}`)));
    e.equal("requests accepted while no worker runs (enqueued by the webhook processor)", answers.map((a) => a.code), Array(10).fill("200"));
    // Long enough for main or the webhook processor to have run them, were they going to.
    await sleep(15000);
    held = executionsSince(ctx, c.postgres, schema, [hooks.ack.id], since);
    e.equal("execution records while no worker runs", held.length, 10);
    e.equal("none of them finished (nothing but a worker runs them)", held.filter((r) => TERMINAL.has(r.status)).map((r) => `${r.id}:${r.status}`), []);
    const logs = [c.main, ...c.webhooks].map((n) => logsOf(ctx, n)).join("\n");
    e.equal("started by main or the webhook processor", held.filter((r) => new RegExp(`started execution ${r.id}\\b`).test(logs)).map((r) => r.id), []);
    docker(ctx, "start", ...c.workers);
    await allHealthy(ctx, [...c.workers, ...c.workerRunners], 180);
    ({ rows } = await untilTerminal(ctx, c.postgres, schema, [hooks.ack.id], since, (rs) => rs.length >= 10, 120));
  } finally {
    // Whatever failed above, the workers run again for the cases after this one.
    run("docker", ["start", ...c.workers], { env: ctx.env });
  }
  const workerLogs = c.workers.map((w) => workerExecutions(logsOf(ctx, w)));
  e.equal("after the workers started: every held execution succeeded (none lost)", rows.filter((r) => r.status !== "success").map((r) => `${r.id}:${r.status}`), []);
  e.equal("after the workers started: held executions", rows.length, 10);
  e.equal("each held execution finished on a worker", rows.filter((r) => !workerLogs.some((w) => w.finished.has(r.id))).map((r) => r.id), []);
  return e.done({ stopSeconds, heldStatuses: countBy(held.map((r) => r.status)), after: countBy(rows.map((r) => r.status)) });
}

export interface LoadCounts {
  /**
   * Requests sent to the webhook that answers at once. Counted on the original executions (no
   * `retryOf`): `stalled` failed as stalled (their worker died), `recovered` of them have a retry
   * that succeeded (the recovery agent's, through n8n's API); `completed` succeeded themselves or
   * were recovered; `lost` were accepted (200) but never completed.
   */
  readonly ack: { sent: number; accepted: number; recorded: number; completed: number; stalled: number; recovered: number; failed: number; pending: number; lost: number; lostIds: string[]; stalledIds: string[] };
  /** Requests to the webhook that answers when the execution finishes; the client resends after an error answer. */
  readonly last: { sent: number; completedFirstTry: number; retried: number; completedAfterRetry: number; lost: number; executions: Record<string, number> };
  /** Executions n8n re-ran (`retryOf` set: the recovery agent's retries), by status. */
  readonly n8nRetries: Record<string, number>;
  readonly settledAfterSeconds: number;
}

/** Originals (no `retryOf`) that did not succeed themselves but have a retry (or a retry of a retry) that did. */
export function recoveredOriginals(rows: readonly ExecutionRow[]): Set<string> {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const rootOf = (r: ExecutionRow): string => {
    let cur = r;
    for (let depth = 0; cur.retryOf !== null && depth < 20; depth++) {
      const up = byId.get(cur.retryOf);
      if (!up) return cur.retryOf;
      cur = up;
    }
    return cur.id;
  };
  const out = new Set<string>();
  for (const r of rows) if (r.retryOf !== null && r.status === "success") out.add(rootOf(r));
  return new Set([...out].filter((id) => byId.get(id)?.status !== "success"));
}

/**
 * A bounded load on the two queue webhooks (one request to each every `intervalMs`, `perHook` each),
 * with `disrupt` run once after `disruptAfterMs`; then waits until every execution is terminal.
 */
async function loadWhile(ctx: AttackContext, c: QueueContainers, schema: string, hooks: QueueHooks, opts: { perHook: number; intervalMs: number; disruptAfterMs: number; disrupt: () => Promise<unknown>; settleSeconds: number }): Promise<{ counts: LoadCounts; disrupted: unknown; rows: ExecutionRow[] }> {
  const base = `https://${ctx.n8nHost}/webhook`;
  const since = dbNow(ctx, c.postgres);
  const start = Date.now();
  const ack: Promise<Answer>[] = [];
  const last: Promise<{ attempts: Answer[] }>[] = [];
  let disrupted: Promise<unknown> | undefined;
  const withRetry = async (i: number) => {
    const attempts: Answer[] = [];
    for (let k = 0; k < 3; k++) {
      const a = await requestAsync(ctx, `${base}/${hooks.last.path}?n=${i}`, [], 150);
      attempts.push(a);
      if (a.code === "200" && a.body.includes(`"n":"${i}"`)) break;
      await sleep(1000);
    }
    return { attempts };
  };
  for (let i = 0; i < opts.perHook; i++) {
    if (!disrupted && Date.now() - start >= opts.disruptAfterMs) disrupted = opts.disrupt();
    ack.push(requestAsync(ctx, `${base}/${hooks.ack.path}?n=${i}`, [], 60));
    last.push(withRetry(i));
    await sleep(opts.intervalMs);
  }
  if (!disrupted) disrupted = opts.disrupt();
  const disruptedResult = await disrupted;
  const ackAnswers = await Promise.all(ack);
  const lastAnswers = await Promise.all(last);
  const accepted = ackAnswers.filter((a) => a.code === "200").length;
  const settleStart = Date.now();
  const originals = (rs: ExecutionRow[]) => rs.filter((r) => r.wf === hooks.ack.id && r.retryOf === null);
  // Enough: every accepted request recorded, and every original that failed recovered (bounded by settleSeconds).
  const { rows } = await untilTerminal(ctx, c.postgres, schema, [hooks.ack.id, hooks.last.id], since, (rs) => {
    const o = originals(rs);
    const rec = recoveredOriginals(rs);
    return o.length >= accepted && o.every((r) => r.status === "success" || rec.has(r.id));
  }, opts.settleSeconds);
  const ackRows = originals(rows);
  const lastRows = rows.filter((r) => r.wf === hooks.last.id && r.retryOf === null);
  const recovered = recoveredOriginals(rows);
  const ok = (a: Answer, i: number) => a.code === "200" && a.body.includes(`"n":"${i}"`);
  const completedFirstTry = lastAnswers.filter((l, i) => ok(l.attempts[0], i)).length;
  const completedAfterRetry = lastAnswers.filter((l, i) => !ok(l.attempts[0], i) && ok(l.attempts[l.attempts.length - 1], i)).length;
  const done = (r: ExecutionRow) => r.status === "success" || recovered.has(r.id);
  const completed = ackRows.filter(done).length;
  const stalled = ackRows.filter((r) => r.status !== "success" && TERMINAL.has(r.status));
  const counts: LoadCounts = {
    ack: {
      sent: opts.perHook,
      accepted,
      recorded: ackRows.length,
      completed,
      stalled: stalled.length,
      recovered: ackRows.filter((r) => recovered.has(r.id)).length,
      failed: stalled.filter((r) => !recovered.has(r.id)).length,
      pending: ackRows.filter((r) => !TERMINAL.has(r.status)).length,
      // Accepted (200) but never completed: the caller was told yes and the work did not happen.
      lost: Math.max(0, accepted - completed),
      lostIds: ackRows.filter((r) => !done(r)).map((r) => r.id),
      stalledIds: stalled.map((r) => r.id),
    },
    last: {
      sent: opts.perHook,
      completedFirstTry,
      retried: lastAnswers.filter((l) => l.attempts.length > 1).length,
      completedAfterRetry,
      lost: opts.perHook - completedFirstTry - completedAfterRetry,
      executions: countBy(lastRows.map((r) => r.status)),
    },
    n8nRetries: countBy(rows.filter((r) => r.retryOf !== null).map((r) => r.status)),
    settledAfterSeconds: (Date.now() - settleStart) / 1000,
  };
  const firstCodes = countBy(lastAnswers.map((l) => l.attempts[0].code));
  return { counts, disrupted: { ...(disruptedResult as object), lastFirstAnswers: firstCodes, ackAnswers: countBy(ackAnswers.map((a) => a.code)) }, rows };
}

function restartCount(ctx: AttackContext, name: string): number {
  return Number(docker(ctx, "inspect", "-f", "{{.RestartCount}}", name));
}

async function allHealthy(ctx: AttackContext, names: readonly string[], seconds: number): Promise<Record<string, string>> {
  const start = Date.now();
  let states: Record<string, string> = {};
  while ((Date.now() - start) / 1000 < seconds) {
    states = Object.fromEntries(names.map((n) => [n, run("docker", ["inspect", "-f", "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}", n], { env: ctx.env }).stdout.trim()]));
    if (Object.values(states).every((s) => s === "running/healthy")) return states;
    await sleep(2000);
  }
  throw new CheckError(`not every queue-mode container was healthy again within ${seconds} s: ${JSON.stringify(states)}`, states);
}

/**
 * Waits until `worker` runs an execution of `workflowId` (started in its log, not finished, and of
 * that workflow in Postgres), at most `ms`. `held` says whether it does; `logs` is the worker's log
 * as last read, just before the caller acts on it.
 */
async function victimHolds(ctx: AttackContext, postgres: string, schema: string, worker: string, workflowId: string, ms: number): Promise<{ held: boolean; logs: ReturnType<typeof workerExecutions> }> {
  const until = Date.now() + ms;
  const wf = workflowId.replace(/[^A-Za-z0-9_-]/g, "");
  for (;;) {
    const logs = workerExecutions(logsOf(ctx, worker));
    const running = [...logs.started].filter((id) => !logs.finished.has(id) && /^\d+$/.test(id));
    if (running.length > 0) {
      const held = sqlJson(ctx, postgres, `select count(*) from ${schema}.execution_entity where id in (${running.join(",")}) and "workflowId" = '${wf}' and status in ('new', 'running')`);
      if (Number(held) > 0) return { held: true, logs };
    }
    if (Date.now() >= until) return { held: false, logs };
    await sleep(150);
  }
}

/**
 * A worker's process is killed (SIGKILL from the host, as the OOM killer would) in the middle of a
 * bounded load. Counted: requests sent, executions completed, stalled, recovered, retried (by the
 * caller after an error answer; by n8n: `retryOf`) and lost (accepted but never completed). n8n 2.x
 * hard-codes Bull's `maxStalledCount: 0`, so a job whose worker died is failed once its lock
 * expires, never re-run, and its data (the payload) is overwritten by the stall error: the
 * execution recovery agent kept the input (its trigger), writes it back and retries the execution
 * through n8n's public API. The goal, asserted: 0 lost — every stalled execution is one the killed
 * worker held, and each has a successful retry that n8n records on it (`retrySuccessId`).
 */
export async function drillWorkerKill(ctx: AttackContext, c: QueueContainers, schema: string, hooks: QueueHooks): Promise<unknown> {
  const victim = c.workers[0];
  const restartsBefore = restartCount(ctx, victim);
  let inFlightAtKill: string[] = [];
  let startedAtKill = new Set<string>();
  let killedAt = "";
  let heldAck = false;
  const { counts, disrupted, rows } = await loadWhile(ctx, c, schema, hooks, {
    perHook: 60,
    intervalMs: 333,
    disruptAfterMs: 8000,
    disrupt: async () => {
      const pid = docker(ctx, "inspect", "-f", "{{.State.Pid}}", victim);
      // Bull hands each job to whichever worker asks first: a kill at a fixed moment found the
      // victim holding only the other webhook's executions (CI: 3 in flight, none of the
      // acknowledging webhook), and the recovery of an accepted request went unexercised. The kill
      // waits (up to 8 s, within the load) until the victim runs one of the acknowledging webhook.
      // Its log as read for that check is the one before the kill: no second read delays the kill.
      const { held, logs: before } = await victimHolds(ctx, c.postgres, schema, victim, hooks.ack.id, 8000);
      heldAck = held;
      run("kill", ["-KILL", pid]);
      // Read after the kill: an execution created while this read or the kill was under way may be
      // one the worker took in its last milliseconds, so the bound is the moment the kill had landed.
      killedAt = dbNow(ctx, c.postgres);
      await sleep(500);
      // What the worker had started and not finished when it died (its log survives the restart).
      const logs = workerExecutions(logsOf(ctx, victim));
      inFlightAtKill = [...logs.started].filter((id) => !logs.finished.has(id));
      startedAtKill = logs.started;
      return { killed: victim, pid, heldAckExecutionAtKill: held, startedBeforeKill: before.started.size, inFlightAtKill: inFlightAtKill.length };
    },
    // The lock (60 s) expires, the stalled check (30 s) fails the job, the enqueuer records it,
    // the agent's next poll (10 s) retries it: about two minutes after the kill.
    settleSeconds: 360,
  });
  const healthy = await allHealthy(ctx, [...c.n8nProcesses, ...c.workerRunners, c.valkey, ...(c.recovery ? [c.recovery] : [])], 180);
  const restarts = restartCount(ctx, victim);
  const ackInFlight = new Set(inFlightAtKill);
  // Started by any other worker, or by the killed one after Docker restarted it.
  const startedElsewhere = new Set([
    ...c.workers.filter((w) => w !== victim).flatMap((w) => [...workerExecutions(logsOf(ctx, w)).started]),
    ...[...workerExecutions(logsOf(ctx, victim)).started].filter((id) => !startedAtKill.has(id)),
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const stalled = counts.ack.stalledIds.map((id) => byId.get(id)!);
  const agentLog = c.recovery ? logsOf(ctx, c.recovery) : "";
  const retriedByAgent = new Set([...agentLog.matchAll(/"msg":"stalled execution retried","executionId":"(\d+)"/g)].map((m) => m[1]));
  const e = new Expect()
    .ok("the killed worker had executions running", inFlightAtKill.length > 0, "nothing was running on it when it was killed: the drill proved nothing")
    .ok("the kill landed while the killed worker ran an execution of the acknowledging webhook", heldAck, "within 8 s of load the worker ran none (Postgres and its log)")
    .ok("Docker restarted the worker (restart policy)", restarts > restartsBefore, `restart count ${restartsBefore} → ${restarts}`)
    .equal("no execution left pending (every one completed or recorded as failed)", counts.ack.pending, 0)
    .equal("every accepted request has an execution record", counts.ack.recorded >= counts.ack.accepted, true)
    .equal("every request to the webhook that answers at once was accepted", counts.ack.accepted, counts.ack.sent)
    .ok("the kill stalled executions (n8n failed them: the recovery was exercised)", stalled.length > 0, "no execution stalled")
    .equal("what stalled is what the killed worker held (enqueued before the kill, started by no other worker nor by it after its restart)", lossesNotOnKilledWorker(stalled, killedAt, startedElsewhere), [])
    .equal("each stalled execution has a successful retry recorded by n8n (retrySuccessId)", stalled.filter((r) => !r.retrySuccessId || byId.get(r.retrySuccessId)?.status !== "success").map((r) => `${r.id}:${r.retrySuccessId}`), [])
    .equal("each stalled execution was retried by the recovery agent (its log)", stalled.filter((r) => !retriedByAgent.has(r.id)).map((r) => r.id), [])
    .equal("lost (accepted, never completed)", counts.ack.lost, 0)
    .equal("respond-when-finished: lost after the caller's resend", counts.last.lost, 0);
  return e.done({ counts, disrupted, stalledLoggedAsStartedOnKilledWorker: counts.ack.stalledIds.filter((id) => ackInFlight.has(id)).length, restarts: `${restartsBefore} → ${restarts}`, healthyAfter: Object.keys(healthy).length });
}

/**
 * Valkey restarts (`docker restart`: SIGTERM, AOF flushed, loaded again) in the middle of a bounded
 * load: n8n's processes ride it out (QUEUE_BULL_REDIS_TIMEOUT_THRESHOLD), queued jobs survive
 * (AOF), and no execution is lost; no n8n process restarts.
 */
export async function drillValkeyRestart(ctx: AttackContext, c: QueueContainers, schema: string, hooks: QueueHooks): Promise<unknown> {
  const before = Object.fromEntries(c.n8nProcesses.map((n) => [n, restartCount(ctx, n)]));
  const { counts, disrupted } = await loadWhile(ctx, c, schema, hooks, {
    perHook: 40,
    intervalMs: 333,
    disruptAfterMs: 4000,
    disrupt: () =>
      new Promise((resolve) => {
        const start = Date.now();
        const child = spawn("docker", ["restart", "-t", "10", c.valkey], { env: ctx.env, stdio: "ignore" });
        child.on("close", (status) => resolve({ restarted: c.valkey, status, seconds: (Date.now() - start) / 1000 }));
      }),
    settleSeconds: 180,
  });
  await allHealthy(ctx, [...c.n8nProcesses, c.valkey], 120);
  const after = Object.fromEntries(c.n8nProcesses.map((n) => [n, restartCount(ctx, n)]));
  return new Expect()
    .equal("requests to the webhook that answers at once: accepted", counts.ack.accepted, counts.ack.sent)
    .equal("no execution left pending", counts.ack.pending, 0)
    .equal("lost (accepted, never completed)", counts.ack.lost, 0)
    .equal("respond-when-finished: lost", counts.last.lost, 0)
    .equal("no n8n process restarted (each rode out the outage)", after, before)
    .done({ counts, disrupted, n8nRestarts: { before, after } });
}

/**
 * The execution recovery agent's n8n API key, as an operator makes it: created by the owner (n8n's
 * REST API, as Settings → n8n API does) with the `execution:retry` scope only, and written in place
 * into the empty file the agent mounts (it reads the file at each poll). Then, from a probe on the
 * app network (where a stolen key would be used): the key may retry (an unknown execution: 404, not
 * 403) but not list workflows or executions, nor read one (403); without the key: 401. The key is
 * in no container's inspect output or logs, nor in the Terraform state.
 */
export async function recoveryKey(ctx: AttackContext, c: QueueContainers, asOwner: (method: string, url: string, body?: unknown) => Promise<{ status: number; json: any }>): Promise<unknown> {
  if (!c.recovery) throw new CheckError("the queue-mode stack has no execution recovery agent");
  const created = await asOwner("POST", "/rest/api-keys", { label: `zero-trust e2e recovery ${Date.now()}`, scopes: ["execution:retry"], expiresAt: null });
  const key = created.json?.data?.rawApiKey as string | undefined;
  if (created.status !== 200 || !key) throw new CheckError(`could not create the recovery API key (${created.status}): ${JSON.stringify(created.json).slice(0, 300)}`);
  const file = path.join(ctx.secretsDir, QUEUE_SECRET_FILES.recoveryApiKey);
  // In place (same inode): the container's bind mount of the file sees the new content.
  writeFileSync(file, key, { flag: "r+" });
  truncateSync(file, Buffer.byteLength(key));
  const main = `http://${c.main}:5678/api/v1`;
  const call = (label: string, method: string, url: string, withKey = true) =>
    `echo ${label}=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -X ${method} ${withKey ? `-H "X-N8N-API-KEY: $ZT_KEY"` : ""} -H 'Content-Type: application/json' ${method === "POST" ? "--data '{}'" : ""} '${url}')`;
  const script = [
    call("retry_unknown", "POST", `${main}/executions/999999999/retry`),
    call("list_workflows", "GET", `${main}/workflows`),
    call("list_executions", "GET", `${main}/executions`),
    call("read_execution", "GET", `${main}/executions/1`),
    call("no_key_retry", "POST", `${main}/executions/999999999/retry`, false),
  ].join("; ");
  const r = run("docker", ["run", "--rm", "--network", `${ctx.prefix}-app`, "-e", "ZT_KEY", ctx.probeImage, "sh", "-c", script], { env: { ...ctx.env, ZT_KEY: key }, timeout: 120000 });
  if (r.status !== 0) throw new CheckError(`the API probe failed (${r.status}): ${r.stderr.slice(-500)}`);
  const out = Object.fromEntries(r.stdout.trim().split(/\s+/).filter((t) => t.includes("=")).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]));
  const e = new Expect()
    .equal("the key may retry (an unknown execution: not found, not forbidden)", out.retry_unknown, "404")
    .equal("the key may not list workflows", out.list_workflows, "403")
    .equal("the key may not list executions", out.list_executions, "403")
    .equal("the key may not read an execution", out.read_execution, "403")
    .equal("without the key: unauthorized", out.no_key_retry, "401");
  // The agent picks the key up and watches n8n's execution data.
  const start = Date.now();
  let logs = logsOf(ctx, c.recovery);
  while (!/watching n8n's execution data for stalled executions/.test(logs) && Date.now() - start < 60000) {
    await sleep(2000);
    logs = logsOf(ctx, c.recovery);
  }
  e.ok("the agent installed its trigger and watches n8n's execution data", /watching n8n's execution data for stalled executions/.test(logs), logs.slice(-500));
  const places: Record<string, string> = { "terraform state": readFileSync(ctx.stateFile, "utf8") };
  for (const n of [...c.n8nProcesses, c.recovery, c.valkey, ...c.workerRunners, ...c.others, c.postgres]) {
    const i = JSON.parse(run("docker", ["inspect", n], { env: ctx.env }).stdout)[0];
    places[`${n} inspect`] = JSON.stringify([i.Config.Env, i.Config.Labels, i.Config.Cmd, i.Config.Entrypoint, i.Args]);
    places[`${n} logs`] = logsOf(ctx, n);
  }
  for (const [where, text] of Object.entries(places)) e.ok(`the API key in ${where}`, key.length >= 20 && !text.includes(key), "found");
  return e.done({ probe: out, keyLength: key.length });
}
