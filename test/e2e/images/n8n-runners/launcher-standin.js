#!/usr/local/bin/node
/*
 * Stand-in for n8n's task-runner launcher (github.com/n8n-io/task-runner-launcher, Go), used by
 * the deploy suite's local runners image because the Go module proxy reachable here serves no
 * version of the launcher. It is our own code and keeps the part of the launcher's contract the
 * stack relies on:
 *
 * - `task-runner-launcher <runner-type...>` (default: javascript), runners described in
 *   /etc/n8n-task-runners.json (command, args, workdir, allowed-env, env-overrides,
 *   health-check-server-port);
 * - N8N_RUNNERS_AUTH_TOKEN or N8N_RUNNERS_AUTH_TOKEN_FILE (read as is: secret files have no
 *   trailing newline), N8N_RUNNERS_TASK_BROKER_URI (default http://127.0.0.1:5679),
 *   N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT (default 5680, GET /healthz answers 200);
 * - for each runner: wait for the broker (GET /healthz), exchange the auth token for a one-time
 *   grant token (POST /runners/auth), start the runner with only the allowed environment plus the
 *   grant token, and start it again when it exits (idle auto-shutdown, crash).
 *
 * What differs from the Go launcher: it starts a runner at once instead of waiting for the broker
 * to offer a task, and it does not pass the launcher's own idle-timeout logic; the runner's own
 * N8N_RUNNERS_AUTO_SHUTDOWN_TIMEOUT still applies (it is in allowed-env), after which it is
 * started again. The auth token never reaches the runner; only the grant token does.
 */
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const { spawn } = require("node:child_process");

const env = process.env;
const log = (msg) => process.stdout.write(`${new Date().toISOString()} [launcher] ${msg}\n`);
const configFile = env.N8N_RUNNERS_CONFIG_PATH || "/etc/n8n-task-runners.json";
const runners = JSON.parse(fs.readFileSync(configFile, "utf8"))["task-runners"];
const types = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["javascript"];
const authToken = env.N8N_RUNNERS_AUTH_TOKEN || (env.N8N_RUNNERS_AUTH_TOKEN_FILE ? fs.readFileSync(env.N8N_RUNNERS_AUTH_TOKEN_FILE, "utf8") : "");
if (!authToken) {
  log("N8N_RUNNERS_AUTH_TOKEN or N8N_RUNNERS_AUTH_TOKEN_FILE is required");
  process.exit(1);
}
const broker = (env.N8N_RUNNERS_TASK_BROKER_URI || "http://127.0.0.1:5679").replace(/\/$/, "");
const healthPort = Number(env.N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT || 5680);
const children = new Set();
let stopping = false;

http
  .createServer((req, res) => {
    const ok = req.method === "GET" && req.url === "/healthz";
    res.writeHead(ok ? 200 : 404, { "content-type": "application/json" });
    res.end(ok ? '{"status":"ok"}' : '{"status":"not found"}');
  })
  .listen(healthPort, "0.0.0.0", () => log(`health check on :${healthPort}/healthz`));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForBroker() {
  for (let i = 0; !stopping; i++) {
    try {
      const r = await fetch(`${broker}/healthz`, { signal: AbortSignal.timeout(3000) });
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (i % 10 === 0) log(`waiting for the task broker at ${broker}`);
    await sleep(1000);
  }
}

async function grantToken() {
  const r = await fetch(`${broker}/runners/auth`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: authToken }),
    signal: AbortSignal.timeout(5000),
  });
  if (!r.ok) throw new Error(`broker refused the auth token: HTTP ${r.status}`);
  const body = await r.json();
  const token = body?.data?.token ?? body?.token;
  if (typeof token !== "string") throw new Error("broker answered without a grant token");
  return token;
}

async function supervise(type) {
  const cfg = runners.find((r) => r["runner-type"] === type);
  if (!cfg) throw new Error(`runner type "${type}" is not in ${configFile}`);
  while (!stopping) {
    await waitForBroker();
    if (stopping) return;
    let token;
    try {
      token = await grantToken();
    } catch (e) {
      log(`${type}: ${e.message}; retrying`);
      await sleep(2000);
      continue;
    }
    const childEnv = {};
    for (const k of cfg["allowed-env"] ?? []) if (env[k] !== undefined) childEnv[k] = env[k];
    Object.assign(childEnv, cfg["env-overrides"] ?? {}, {
      N8N_RUNNERS_GRANT_TOKEN: token,
      N8N_RUNNERS_TASK_BROKER_URI: broker,
      ...(cfg["health-check-server-port"] ? { N8N_RUNNERS_HEALTH_CHECK_SERVER_PORT: String(cfg["health-check-server-port"]) } : {}),
    });
    const child = spawn(cfg.command, cfg.args ?? [], { cwd: cfg.workdir, env: childEnv, stdio: "inherit" });
    children.add(child);
    log(`${type}: runner started (pid ${child.pid})`);
    const code = await new Promise((resolve) => child.on("exit", (c, s) => resolve(s ?? c)));
    children.delete(child);
    log(`${type}: runner exited (${code})`);
    if (!stopping) await sleep(1000);
  }
}

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    stopping = true;
    for (const c of children) c.kill("SIGTERM");
    setTimeout(() => process.exit(0), children.size > 0 ? 5000 : 0).unref();
    if (children.size === 0) process.exit(0);
  });
}

Promise.all(types.map(supervise)).catch((e) => {
  log(e.message);
  process.exit(1);
});
