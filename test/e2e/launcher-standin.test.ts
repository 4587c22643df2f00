import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

/*
 * The runners image's stand-in for n8n's Go launcher (the module proxy serves no version of it):
 * against a fake task broker on loopback, it trades the auth token for a grant token, starts the
 * runner with only the allowed environment, serves its health check, and starts the runner again
 * when it exits.
 */
const LAUNCHER = path.join(__dirname, "images", "n8n-runners", "launcher-standin.js");

test("trades the auth token for a grant token, passes only allowed env, restarts the runner, answers /healthz", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zt-launcher-"));
  const authRequests: unknown[] = [];
  let grants = 0;
  const broker = http.createServer((req, res) => {
    if (req.url === "/healthz") {
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method === "POST" && req.url === "/runners/auth") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        authRequests.push(JSON.parse(body));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ data: { token: `grant-${++grants}` } }));
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => broker.listen(0, "127.0.0.1", r));
  const brokerPort = (broker.address() as AddressInfo).port;
  // The "runner" records its environment and exits, so the launcher must start it again.
  const runner = path.join(dir, "runner.js");
  writeFileSync(runner, `require("fs").appendFileSync(${JSON.stringify(path.join(dir, "runs"))}, JSON.stringify(process.env) + "\\n");`);
  writeFileSync(path.join(dir, "config.json"), JSON.stringify({ "task-runners": [{ "runner-type": "javascript", workdir: dir, command: process.execPath, args: [runner], "health-check-server-port": "5681", "allowed-env": ["PATH", "GENERIC_TIMEZONE"], "env-overrides": { NODE_FUNCTION_ALLOW_BUILTIN: "crypto" } }] }));
  writeFileSync(path.join(dir, "token"), "s3cret-auth-token");
  const healthPort = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [LAUNCHER, "javascript"], {
    env: {
      PATH: process.env.PATH,
      GENERIC_TIMEZONE: "UTC",
      NOT_ALLOWED: "must-not-pass",
      N8N_RUNNERS_CONFIG_PATH: path.join(dir, "config.json"),
      N8N_RUNNERS_AUTH_TOKEN_FILE: path.join(dir, "token"),
      N8N_RUNNERS_TASK_BROKER_URI: `http://127.0.0.1:${brokerPort}`,
      N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT: String(healthPort),
    },
    stdio: "ignore",
  });
  try {
    const deadline = Date.now() + 15000;
    const runs = () => (existsSync(path.join(dir, "runs")) ? readFileSync(path.join(dir, "runs"), "utf8").trim().split("\n").map((l) => JSON.parse(l)) : []);
    while (runs().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const [first, second] = runs();
    expect(first).toMatchObject({ N8N_RUNNERS_GRANT_TOKEN: "grant-1", N8N_RUNNERS_TASK_BROKER_URI: `http://127.0.0.1:${brokerPort}`, GENERIC_TIMEZONE: "UTC", NODE_FUNCTION_ALLOW_BUILTIN: "crypto", N8N_RUNNERS_HEALTH_CHECK_SERVER_PORT: "5681" });
    expect(second.N8N_RUNNERS_GRANT_TOKEN).toBe("grant-2");
    for (const env of [first, second]) {
      expect(env.NOT_ALLOWED).toBeUndefined();
      expect(JSON.stringify(env)).not.toContain("s3cret-auth-token");
      expect(env.N8N_RUNNERS_AUTH_TOKEN_FILE).toBeUndefined();
    }
    expect(authRequests[0]).toEqual({ token: "s3cret-auth-token" });
    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    child.kill("SIGTERM");
    broker.close();
  }
}, 30000);
