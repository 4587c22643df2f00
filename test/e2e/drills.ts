/*
 * Resilience drills on the live stack: a component crashes (its process is killed from the host,
 * as the OOM killer would) or restarts, under a small bounded load, and the stack must fail closed
 * while it is down and recover by itself (restart policy, reconnects) — with its protections intact.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
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

/** Waits until Docker reports the container healthy again; returns the seconds it took. */
async function waitHealthy(ctx: AttackContext, name: string, timeoutSeconds: number): Promise<number> {
  const start = Date.now();
  while ((Date.now() - start) / 1000 < timeoutSeconds) {
    const status = run("docker", ["inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name], { env: ctx.env }).stdout.trim();
    if (status === "running healthy") return (Date.now() - start) / 1000;
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
  const waiting = waitHealthy(ctx, containers.sso, 120).then((s) => (healthyAfter = s));
  const probe = await probeWhile(ctx, [`https://${ctx.n8nHost}/`, `https://${ctx.n8nHost}/rest/workflows`, `https://${ctx.n8nHost}/home/workflows`], [BROWSER, BACKGROUND], () => healthyAfter !== undefined, 120);
  await waiting;
  const restarts = Number(docker(ctx, "inspect", "-f", "{{.RestartCount}}", containers.sso));
  const after = request(ctx, `https://${ctx.n8nHost}/`, BROWSER);
  return new Expect()
    .ok("no request got n8n content while the SSO proxy was down", probe.leaked.length === 0, probe.leaked.join(", "))
    .ok("the editor answered with refusals only (401, 403, 5xx, or the redirect to sign in)", Object.keys(probe.statuses).every((c) => /^(30[12]|401|403|5\d\d)$/.test(c)), JSON.stringify(probe.statuses))
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
  const waiting = waitHealthy(ctx, containers.n8n, 240).then((s) => (healthyAfter = s));
  const probe = await probeWhile(ctx, [hook, `https://${ctx.n8nHost}/rest/workflows`], [BACKGROUND], () => healthyAfter !== undefined, 240);
  await waiting;
  let again = request(ctx, hook);
  for (let i = 0; i < 20 && again.code !== "200"; i++) {
    await sleep(1000);
    again = request(ctx, hook);
  }
  const restarts = Number(docker(ctx, "inspect", "-f", "{{.RestartCount}}", containers.n8n));
  return new Expect()
    .ok("no editor content leaked while n8n was restarting", probe.leaked.length === 0, probe.leaked.join(", "))
    .ok("Docker restarted n8n (restart policy)", restarts > restartsBefore, `restart count ${restartsBefore} → ${restarts}`)
    .equal("the published workflow answers on its webhook after the restart (activation survived)", again.code, "200")
    .done({ probe, recoveredInSeconds: healthyAfter, restarts: `${restartsBefore} → ${restarts}`, webhookAfter: again.code });
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
