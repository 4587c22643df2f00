import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { renderPostgresBootstrap } from "../../constructs/data/postgres-bootstrap";
import { alternateUser, Deps, makeHandler, Step } from "../../lambda/rotation/handler";
import { pgConnect } from "../../lambda/rotation/pg-connect";
import { scramSha256Verifier } from "../../lambda/rotation/scram";
import { FakeSecretsManager } from "../helpers/fake-secrets-manager";
import { startPostgres, TestPostgres } from "../helpers/postgres-server";
import { devConfig } from "../helpers/synth";

/*
 * The rotation handler against a real Postgres 17 server with the project's bootstrap (alternate
 * login role and rotator role); Secrets Manager is faked at the SDK boundary.
 */

const cfg = devConfig().postgres;
const SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/n8n-db-password-AbCdEf";
const ROTATOR_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/postgres-rotator-password-XyZ";
const P0 = "initialPasswordAAAA1111";
const ROTATOR_PW = "rotatorPasswordBBBB2222";
let pg: TestPostgres;
let ca: string;
let dir: string;
const STEPS: Step[] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

async function canLogin(user: string, password: string): Promise<boolean> {
  const c = new Client({ host: "127.0.0.1", port: pg.port, user, password, database: cfg.database, ssl: { ca, rejectUnauthorized: true }, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function setup(opts: { unreachable?: () => boolean } = {}) {
  const sm = new FakeSecretsManager(SECRET_ARN, JSON.stringify({ engine: "postgres", host: "127.0.0.1", port: pg.port, dbname: cfg.database, username: cfg.n8nRole, password: P0, masterarn: ROTATOR_ARN }));
  sm.others.set(ROTATOR_ARN, JSON.stringify({ engine: "postgres", host: "127.0.0.1", port: pg.port, dbname: cfg.database, username: "n8n_rotator", password: ROTATOR_PW }));
  const logs: string[] = [];
  const real = pgConnect(ca);
  let deadPort: number | undefined;
  const deps: Deps = {
    secrets: sm,
    async connect(s) {
      if (opts.unreachable?.()) return real({ ...s, port: (deadPort ??= await closedPort()) });
      return real(s);
    },
    log: (e) => logs.push(JSON.stringify(e)),
  };
  const handler = makeHandler(deps);
  const run = (token: string, step: Step) => handler({ SecretId: SECRET_ARN, ClientRequestToken: token, Step: step });
  const rotate = async (token = sm.startRotation()) => {
    for (const step of STEPS) await run(token, step);
    return token;
  };
  return { sm, logs, run, rotate };
}

beforeAll(async () => {
  // As in prod: n8n's own network (here a range nothing connects from) differs from the rotation
  // function's subnet (here loopback), so both the rotator and the pending login must be admitted
  // from the function's range.
  const bootstrap = renderPostgresBootstrap({ ...cfg, alternateLoginRole: true, rotatorRole: "n8n_rotator", clientCidrs: ["192.0.2.0/24"], rotatorCidrs: ["127.0.0.1/32"] });
  pg = await startPostgres({ hba: bootstrap.hba, serverArgs: bootstrap.serverArgs });
  ca = readFileSync(path.join(pg.tlsDir, "ca.crt"), "utf8");
  dir = mkdtempSync(path.join(os.tmpdir(), "zt-rot-"));
  for (const [f, v] of [["n8n", P0], ["rep", "reportingPasswordCCCC3333"], ["agent", "agentPasswordDDDD4444"], ["rot", ROTATOR_PW]]) writeFileSync(path.join(dir, f), v, { mode: 0o644 });
  writeFileSync(path.join(dir, "bootstrap.sql"), bootstrap.sql);
  const r = pg.psqlSuper(["-v", "ON_ERROR_STOP=1", "-v", `n8n_password_file=${dir}/n8n`, "-v", `reporting_password_file=${dir}/rep`, "-v", `agent_password_file=${dir}/agent`, "-v", `rotator_password_file=${dir}/rot`, "-d", "postgres", "-f", path.join(dir, "bootstrap.sql")]);
  if (r.status !== 0) throw new Error(r.stderr);
}, 90000);

/** Puts both login roles back to P0 so each test starts from the same state. */
beforeEach(() => {
  for (const user of [cfg.n8nRole, `${cfg.n8nRole}_b`]) {
    const r = pg.psqlSuper(["-d", "postgres", "-c", `ALTER ROLE ${user} PASSWORD '${scramSha256Verifier(P0)}'`]);
    if (r.status !== 0) throw new Error(r.stderr);
  }
});

afterAll(async () => {
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("rotation by alternating users", () => {
  test("a full rotation makes AWSCURRENT the other user with a new password, and the previous credentials still log in", async () => {
    const { sm, rotate } = setup();
    const before = sm.valueOf("AWSCURRENT");
    await rotate();
    const after = sm.valueOf("AWSCURRENT");
    expect(after.username).toBe(`${cfg.n8nRole}_b`);
    expect(after.password).not.toBe(before.password);
    expect(await canLogin(after.username, after.password)).toBe(true);
    expect(await canLogin(before.username, before.password)).toBe(true);
    expect(sm.valueOf("AWSPREVIOUS")).toEqual(before);
  });

  test("the next rotation switches back and only then retires the first credentials", async () => {
    const { sm, rotate } = setup();
    const first = sm.valueOf("AWSCURRENT");
    await rotate();
    const second = sm.valueOf("AWSCURRENT");
    await rotate();
    const third = sm.valueOf("AWSCURRENT");
    expect(third.username).toBe(cfg.n8nRole);
    expect(await canLogin(third.username, third.password)).toBe(true);
    expect(await canLogin(second.username, second.password)).toBe(true);
    expect(await canLogin(first.username, first.password)).toBe(false);
  });

  test("n8n's objects stay usable by whichever login role is current", async () => {
    const { sm, rotate } = setup();
    await rotate();
    const cur = sm.valueOf("AWSCURRENT");
    const c = new Client({ host: "127.0.0.1", port: pg.port, user: cur.username, password: cur.password, database: cfg.database, ssl: { ca } });
    await c.connect();
    const r = await c.query("SELECT current_user");
    expect(r.rows[0].current_user).toBe(`${cfg.n8nRole}_owner`);
    await c.end();
  });

  test("the password is drawn from GetRandomPassword and is connection-string safe", async () => {
    const { sm, rotate } = setup();
    await rotate();
    expect(sm.calls).toContain("getRandomPassword");
    expect(sm.valueOf("AWSCURRENT").password).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  test("no log line carries a password", async () => {
    const { sm, logs, rotate } = setup();
    await rotate();
    const all = logs.join("\n");
    for (const pw of [P0, ROTATOR_PW, sm.valueOf("AWSCURRENT").password]) expect(all).not.toContain(pw);
    expect(logs.map((l) => JSON.parse(l).event)).toEqual(["pending_created", "password_set", "pending_tested", "rotation_finished"]);
  });

  test("the plaintext password never reaches Postgres: the server stores the verifier the function sent", async () => {
    const { sm, rotate } = setup();
    await rotate();
    expect(pg.log()).not.toContain(sm.valueOf("AWSCURRENT").password);
  });
});

describe("idempotence", () => {
  test.each(STEPS)("replaying %s leaves a consistent secret", async (replayed) => {
    const { sm, run } = setup();
    const token = sm.startRotation();
    for (const step of STEPS) {
      await run(token, step);
      if (step === replayed) await run(token, step);
    }
    const cur = sm.valueOf("AWSCURRENT");
    expect(sm.stageOf("AWSCURRENT")).toBe(token);
    expect(await canLogin(cur.username, cur.password)).toBe(true);
  });

  test("replaying the whole sequence with the same token changes nothing", async () => {
    const { sm, rotate } = setup();
    const token = await rotate();
    const cur = sm.valueOf("AWSCURRENT");
    const versions = sm.versions.size;
    await rotate(token);
    expect(sm.valueOf("AWSCURRENT")).toEqual(cur);
    expect(sm.versions.size).toBe(versions);
    expect(await canLogin(cur.username, cur.password)).toBe(true);
  });
});

describe("faults: AWSCURRENT always still logs in and no credential is lost", () => {
  test("Postgres unreachable during setSecret", async () => {
    let down = false;
    const { sm, run } = setup({ unreachable: () => down });
    const token = sm.startRotation();
    await run(token, "createSecret");
    down = true;
    await expect(run(token, "setSecret")).rejects.toThrow(/ECONNREFUSED|connect/);
    const cur = sm.valueOf("AWSCURRENT");
    expect(cur.password).toBe(P0);
    expect(await canLogin(cur.username, cur.password)).toBe(true);
    down = false; // Secrets Manager retries the step
    await run(token, "setSecret");
    await run(token, "testSecret");
    await run(token, "finishSecret");
    expect(await canLogin(sm.valueOf("AWSCURRENT").username, sm.valueOf("AWSCURRENT").password)).toBe(true);
  });

  test("Postgres unreachable during testSecret", async () => {
    let down = false;
    const { sm, run } = setup({ unreachable: () => down });
    const token = sm.startRotation();
    await run(token, "createSecret");
    await run(token, "setSecret");
    down = true;
    await expect(run(token, "testSecret")).rejects.toThrow();
    expect(sm.stageOf("AWSCURRENT")).not.toBe(token);
    const cur = sm.valueOf("AWSCURRENT");
    expect(await canLogin(cur.username, cur.password)).toBe(true);
    // The pending credentials work too: nothing was half-applied.
    const p = JSON.parse(await sm.getSecretString(SECRET_ARN, { versionId: token, versionStage: "AWSPENDING" }));
    expect(await canLogin(p.username, p.password)).toBe(true);
  });

  test("a crash between steps: a new invocation resumes the same rotation", async () => {
    const first = setup();
    const token = first.sm.startRotation();
    await first.run(token, "createSecret");
    await first.run(token, "setSecret");
    // A fresh handler (new Lambda container) with the same Secrets Manager state.
    const resumed = makeHandler({ secrets: first.sm, connect: pgConnect(ca), log: () => undefined });
    for (const step of STEPS) await resumed({ SecretId: SECRET_ARN, ClientRequestToken: token, Step: step });
    const cur = first.sm.valueOf("AWSCURRENT");
    expect(first.sm.stageOf("AWSCURRENT")).toBe(token);
    expect(await canLogin(cur.username, cur.password)).toBe(true);
    expect(await canLogin(cfg.n8nRole, P0)).toBe(true);
  });

  test("a wrong token is refused and changes nothing", async () => {
    const { sm, run, logs } = setup();
    const before = JSON.stringify([...sm.versions]);
    await expect(run("00000000-0000-0000-0000-000000000000", "createSecret")).rejects.toThrow(/not a version of this secret/);
    expect(JSON.stringify([...sm.versions])).toBe(before);
    expect(JSON.parse(logs[0])).toMatchObject({ event: "rotation_failed", step: "createSecret" });
  });

  test("rotation disabled: every step refuses and AWSCURRENT is untouched", async () => {
    const { sm, run } = setup();
    const token = sm.startRotation();
    sm.rotationEnabled = false;
    for (const step of STEPS) await expect(run(token, step)).rejects.toThrow(/rotation is not enabled/);
    expect(sm.valueOf("AWSCURRENT").password).toBe(P0);
    expect(await canLogin(cfg.n8nRole, P0)).toBe(true);
  });

  test("a tampered pending version (another user or server) is refused before any password change", async () => {
    const { sm, run } = setup();
    const token = sm.startRotation();
    await sm.putPendingSecret(SECRET_ARN, token, JSON.stringify({ engine: "postgres", host: "127.0.0.1", port: pg.port, dbname: cfg.database, username: "postgres", password: "x".repeat(32) }));
    await expect(run(token, "setSecret")).rejects.toThrow(/AWSPENDING user postgres is not one of n8n, n8n_b/);
    expect(await canLogin(cfg.n8nRole, P0)).toBe(true);
  });
});

describe("the rotator role", () => {
  test("may set the n8n login passwords but not the superuser's, and cannot read n8n data", async () => {
    const c = new Client({ host: "127.0.0.1", port: pg.port, user: "n8n_rotator", password: ROTATOR_PW, database: cfg.database, ssl: { ca } });
    await c.connect();
    await expect(c.query(`ALTER ROLE postgres PASSWORD '${scramSha256Verifier("x".repeat(20))}'`)).rejects.toThrow(/permission denied to alter role/);
    await expect(c.query(`ALTER ROLE ${cfg.reportingRole} PASSWORD '${scramSha256Verifier("x".repeat(20))}'`)).rejects.toThrow(/permission denied to alter role/);
    await expect(c.query(`SET ROLE ${cfg.n8nRole}`)).rejects.toThrow(/permission denied to set role/);
    await expect(c.query(`SELECT * FROM ${cfg.schema}.workflow_entity`)).rejects.toThrow(/permission denied for schema|does not exist/);
    await c.end();
  });

  test("alternateUser switches between the two login roles", () => {
    expect(alternateUser("n8n")).toBe("n8n_b");
    expect(alternateUser("n8n_b")).toBe("n8n");
  });
});
