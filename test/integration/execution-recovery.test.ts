import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { Client } from "pg";
import { renderPostgresBootstrap } from "../../constructs/data/postgres-bootstrap";
import { renderExecutionRecoverySql, STALLED_EXECUTION_MARK } from "../../constructs/data/execution-recovery-sql";
import { devConfig } from "../helpers/synth";
import { startPostgres, TestPostgres } from "../helpers/postgres-server";

/*
 * The execution recovery schema (issue 14) on a real Postgres 17, run as the agent runs it: as
 * n8n's login role (its sessions are the owner role), first before n8n has migrated, then again.
 * n8n's two execution tables are created with the columns n8n 2.41.1's migrations give them
 * (execution_entity: id serial, status, finished, "retryOf", "retrySuccessId", "deletedAt";
 * execution_data: "executionId" integer, "workflowData" json, data text), as n8n's role would.
 */

const cfg = devConfig().postgres;
const RS = `${cfg.schema}_recovery`;
const PASSWORDS = { n8n: "n8n-pw-Ab12Cd34", reporting: "rep-pw-Ef56Gh78", agent: "agent-pw-Ij90Kl12" };
const MAX = 3;
const sql = renderExecutionRecoverySql({ schema: cfg.schema, recoverySchema: RS, maxAttempts: MAX });
let pg: TestPostgres;
let dir: string;
const clients: Client[] = [];

async function connect(user: string, password: string): Promise<Client> {
  const c = new Client({ host: "127.0.0.1", port: pg.port, user, password, database: cfg.database, ssl: { ca: readFileSync(path.join(pg.tlsDir, "ca.crt"), "utf8"), servername: "localhost" } });
  await c.connect();
  clients.push(c);
  return c;
}

let n8n: Client;
const S = cfg.schema;
/** An execution as n8n's webhook process creates it: a node stack with the request's payload. */
async function execution(payload: string, opts: { retryOf?: number; status?: string } = {}): Promise<number> {
  const r = await n8n.query(`INSERT INTO ${S}.execution_entity ("workflowId", status, finished, "retryOf", mode) VALUES ('wf1', $1, false, $2, $3) RETURNING id`, [opts.status ?? "running", opts.retryOf === undefined ? null : String(opts.retryOf), opts.retryOf === undefined ? "webhook" : "retry"]);
  const id = r.rows[0].id as number;
  await n8n.query(`INSERT INTO ${S}.execution_data ("executionId", "workflowData", data) VALUES ($1, '{}', $2)`, [id, JSON.stringify([{ executionData: "1" }, { nodeExecutionStack: [{ payload }] }])]);
  return id;
}
/** What n8n 2.41.1's enqueuer does when the job stalls: the data replaced by the error, status error. */
async function stall(id: number): Promise<void> {
  await n8n.query(`UPDATE ${S}.execution_data SET data = $2 WHERE "executionId" = $1`, [id, JSON.stringify([{ resultData: "1", executionData: "2" }, { error: "3", runData: "4" }, { message: STALLED_EXECUTION_MARK + " and will no longer retry." }])]);
  await n8n.query(`UPDATE ${S}.execution_entity SET status = 'error' WHERE id = $1`, [id]);
}
const pending = async () => (await n8n.query(`SELECT execution_id, attempts FROM ${RS}.pending(100)`)).rows.map((r) => [r.execution_id, r.attempts]);
const dataOf = async (id: number) => (await n8n.query(`SELECT data FROM ${S}.execution_data WHERE "executionId" = $1`, [id])).rows[0].data as string;

beforeAll(async () => {
  const bootstrap = renderPostgresBootstrap(cfg);
  pg = await startPostgres({ hba: bootstrap.hba, serverArgs: bootstrap.serverArgs });
  dir = mkdtempSync(path.join(os.tmpdir(), "zt-recovery-"));
  for (const [k, v] of Object.entries(PASSWORDS)) writeFileSync(path.join(dir, k), v);
  writeFileSync(path.join(dir, "bootstrap.sql"), bootstrap.sql);
  const r = pg.psqlSuper(["-v", "ON_ERROR_STOP=1", "-v", `n8n_password_file=${path.join(dir, "n8n")}`, "-v", `reporting_password_file=${path.join(dir, "reporting")}`, "-v", `agent_password_file=${path.join(dir, "agent")}`, "-d", "postgres", "-f", path.join(dir, "bootstrap.sql")]);
  if (r.status !== 0) throw new Error(r.stderr);
  n8n = await connect(cfg.n8nRole, PASSWORDS.n8n);
}, 90000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the execution recovery schema", () => {
  test("installs as n8n's login role before n8n has migrated; the trigger waits for n8n's table", async () => {
    await n8n.query(sql);
    expect((await n8n.query(`SELECT ${RS}.install() AS ok`)).rows[0].ok).toBe(false);
    const owner = await n8n.query(`SELECT pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname = $1`, [RS]);
    expect(owner.rows[0].o).toBe(`${cfg.n8nRole}_owner`);
  });

  test("after n8n's tables exist, install() adds exactly one trigger, also when run again", async () => {
    await n8n.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    await n8n.query(`CREATE TABLE ${S}.execution_entity (id serial PRIMARY KEY, "workflowId" varchar(36) NOT NULL, finished boolean NOT NULL, mode varchar NOT NULL, "retryOf" varchar, "retrySuccessId" varchar, status varchar NOT NULL, "createdAt" timestamptz NOT NULL DEFAULT now(), "deletedAt" timestamptz)`);
    await n8n.query(`CREATE TABLE ${S}.execution_data ("executionId" integer PRIMARY KEY REFERENCES ${S}.execution_entity(id) ON DELETE CASCADE, "workflowData" json NOT NULL, data text NOT NULL, "workflowVersionId" varchar(36))`);
    expect((await n8n.query(`SELECT ${RS}.install() AS ok`)).rows[0].ok).toBe(true);
    await n8n.query(sql);
    expect((await n8n.query(`SELECT ${RS}.install() AS ok`)).rows[0].ok).toBe(true);
    const t = await n8n.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = '${S}.execution_data'::regclass AND NOT tgisinternal`);
    expect(t.rows[0].n).toBe(1);
  });

  test("a stalled execution's input is kept when n8n overwrites it; an ordinary update keeps nothing", async () => {
    const ok = await execution("payload-ok");
    await n8n.query(`UPDATE ${S}.execution_data SET data = '[{"resultData":"1"},{"runData":"done"}]' WHERE "executionId" = $1`, [ok]);
    await n8n.query(`UPDATE ${S}.execution_entity SET status = 'success', finished = true WHERE id = $1`, [ok]);
    const stalled = await execution("payload-stalled");
    const before = await dataOf(stalled);
    await stall(stalled);
    expect(await dataOf(stalled)).toContain(STALLED_EXECUTION_MARK);
    const kept = await n8n.query(`SELECT execution_id, data FROM ${RS}.stalled_input ORDER BY 1`);
    expect(kept.rows).toEqual([{ execution_id: stalled, data: before }]);
    expect(await pending()).toEqual([[stalled, 0]]);
  });

  test("restore() writes the input back for a pending execution only; a retry in flight, then one that succeeded, end it", async () => {
    const [[id]] = await pending();
    expect((await n8n.query(`SELECT ${RS}.restore($1) AS ok`, [id])).rows[0].ok).toBe(true);
    expect(await dataOf(id)).toContain("payload-stalled");
    expect(await dataOf(id)).not.toContain(STALLED_EXECUTION_MARK);
    // n8n's retry: a new execution with retryOf, queued then running — not pending meanwhile.
    const retry = await execution("payload-stalled", { retryOf: id, status: "new" });
    expect(await pending()).toEqual([]);
    expect((await n8n.query(`SELECT ${RS}.restore($1) AS ok`, [id])).rows[0].ok).toBe(false);
    // The retry stalls too: its own input is kept, and the original is pending again (1 attempt).
    await stall(retry);
    expect(await pending()).toEqual([[id, 1]]);
    // A second retry succeeds; n8n sets retrySuccessId on the original.
    const second = await execution("payload-stalled", { retryOf: id, status: "success" });
    await n8n.query(`UPDATE ${S}.execution_entity SET "retrySuccessId" = $2 WHERE id = $1`, [id, String(second)]);
    expect(await pending()).toEqual([]);
    const summary = (await n8n.query(`SELECT ${RS}.summary() AS s`)).rows[0].s;
    expect(summary).toMatchObject({ pending: 0, recovered: 1, exhausted: 0, refused: 0, blocked: 0 });
    // Both kept inputs (the original's and its stalled retry's) are dropped.
    expect((await n8n.query(`SELECT ${RS}.prune() AS n`)).rows[0].n).toBe(2);
    expect((await n8n.query(`SELECT count(*)::int AS n FROM ${RS}.stalled_input`)).rows[0].n).toBe(0);
  });

  test(`after ${MAX} stalled retries an execution is no longer pending and counts as exhausted`, async () => {
    const id = await execution("payload-unlucky");
    await stall(id);
    for (let i = 0; i < MAX; i++) {
      expect(await pending()).toEqual([[id, i]]);
      const r = await execution("payload-unlucky", { retryOf: id });
      await stall(r);
    }
    expect(await pending()).toEqual([]);
    expect((await n8n.query(`SELECT ${RS}.summary() AS s`)).rows[0].s).toMatchObject({ exhausted: 1 });
  });

  const stateOf = async (id: number) => (await n8n.query(`SELECT state FROM ${RS}.state($1)`, [id])).rows[0]?.state;

  test("a retry that failed for a reason of its own (not a stall) is not retried again: blocked", async () => {
    const id = await execution("payload-bad");
    await stall(id);
    const r = await execution("payload-bad", { retryOf: id });
    await n8n.query(`UPDATE ${S}.execution_data SET data = '[{"error":"node failed"}]' WHERE "executionId" = $1`, [r]);
    await n8n.query(`UPDATE ${S}.execution_entity SET status = 'error' WHERE id = $1`, [r]);
    expect((await pending()).map(([x]) => x)).not.toContain(id);
    expect(await stateOf(id)).toBe("blocked");
  });

  test("a retry in flight is counted as such; a retry n8n refused for good is not tried again", async () => {
    const busy = await execution("payload-busy");
    await stall(busy);
    await execution("payload-busy", { retryOf: busy, status: "running" });
    expect(await stateOf(busy)).toBe("in-flight");
    const refused = await execution("payload-refused");
    await stall(refused);
    await n8n.query(`SELECT ${RS}.refuse($1, 404)`, [refused]);
    expect(await stateOf(refused)).toBe("refused");
    expect((await n8n.query(`SELECT ${RS}.restore($1) AS ok`, [refused])).rows[0].ok).toBe(false);
  });

  test("an execution whose data someone changed after the stall is never overwritten by restore()", async () => {
    const id = await execution("payload-changed");
    await stall(id);
    await n8n.query(`UPDATE ${S}.execution_data SET data = '[{"resultData":"1"},{"note":"edited by an operator"}]' WHERE "executionId" = $1`, [id]);
    expect(await stateOf(id)).toBe("blocked");
    expect((await n8n.query(`SELECT ${RS}.restore($1) AS ok`, [id])).rows[0].ok).toBe(false);
    expect(await dataOf(id)).toContain("edited by an operator");
  });

  test("large new data is not read by the trigger (the stall error is small): nothing kept", async () => {
    const id = await execution("payload-large");
    const big = JSON.stringify([{ runData: "x".repeat(70000) }, { message: STALLED_EXECUTION_MARK }]);
    await n8n.query(`UPDATE ${S}.execution_data SET data = $2 WHERE "executionId" = $1`, [id, big]);
    expect((await n8n.query(`SELECT 1 FROM ${RS}.stalled_input WHERE execution_id = $1`, [id])).rowCount).toBe(0);
  });

  test("install() waits at most 2 s for n8n's table: behind a lock it reports not installed, then installs", async () => {
    await n8n.query(`DROP TRIGGER zt_keep_stalled_input ON ${S}.execution_data`);
    const locker = await connect(cfg.n8nRole, PASSWORDS.n8n);
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE ${S}.execution_data IN ACCESS EXCLUSIVE MODE`);
    const start = Date.now();
    expect((await n8n.query(`SELECT ${RS}.install() AS ok`)).rows[0].ok).toBe(false);
    expect(Date.now() - start).toBeLessThan(5000);
    await locker.query("ROLLBACK");
    expect((await n8n.query(`SELECT ${RS}.install() AS ok`)).rows[0].ok).toBe(true);
  });

  test(`an execution that stalled more than a day ago, or was deleted, is not pending; deleted or week-old inputs are pruned`, async () => {
    const old = await execution("payload-old");
    await stall(old);
    await n8n.query(`UPDATE ${RS}.stalled_input SET saved_at = now() - interval '25 hours' WHERE execution_id = $1`, [old]);
    const deleted = await execution("payload-deleted");
    await stall(deleted);
    await n8n.query(`UPDATE ${S}.execution_entity SET "deletedAt" = now() WHERE id = $1`, [deleted]);
    const ids = (await pending()).map(([x]) => x);
    expect(ids).not.toContain(old);
    expect(ids).not.toContain(deleted);
    // Soft-deleted by n8n: its kept input goes; kept longer than 7 days: goes too.
    await n8n.query(`UPDATE ${RS}.stalled_input SET saved_at = now() - interval '8 days' WHERE execution_id = $1`, [old]);
    await n8n.query(`SELECT ${RS}.prune()`);
    const left = (await n8n.query(`SELECT execution_id FROM ${RS}.stalled_input WHERE execution_id = ANY($1)`, [[deleted, old]])).rows;
    expect(left).toEqual([]);
  });

  test("the reporting and agent roles cannot read the kept inputs (webhook payloads)", async () => {
    for (const [role, pw] of [[cfg.reportingRole, PASSWORDS.reporting], [cfg.agentRole, PASSWORDS.agent]]) {
      const c = await connect(role, pw);
      await expect(c.query(`SELECT * FROM ${RS}.stalled_input`)).rejects.toMatchObject({ code: "42501" });
      await expect(c.query(`SELECT ${RS}.summary()`)).rejects.toMatchObject({ code: "42501" });
    }
  });
});
