import { scramSha256Verifier } from "./scram";

/*
 * Secrets Manager rotation for n8n's Postgres login, by alternating users: the secret holds
 * {engine, host, port, dbname, username, password, masterarn}; each rotation switches `username`
 * between <role> and <role>_b (both members of the NOLOGIN owner role, see the Postgres
 * bootstrap) and sets a new password on the one not in use. The previous credentials keep
 * working until the rotation after, so a running n8n is never locked out.
 *
 * The password change is made by the rotator role named in `masterarn`'s secret, which may only
 * set those two roles' passwords, and it is sent as a SCRAM verifier: the plaintext password never
 * reaches Postgres. Every step is idempotent, because Secrets Manager retries steps.
 */

export type Step = "createSecret" | "setSecret" | "testSecret" | "finishSecret";

export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: Step;
}

export interface DbSecret {
  readonly engine: "postgres";
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
  /** ARN of the rotator's secret (same shape, without masterarn). */
  readonly masterarn?: string;
}

/** The Secrets Manager calls the handler makes (the AWS SDK client, or a fake in tests). */
export interface SecretsApi {
  describeSecret(secretId: string): Promise<{ RotationEnabled?: boolean; VersionIdsToStages?: Record<string, string[]> }>;
  getSecretString(secretId: string, opts: { versionId?: string; versionStage?: string }): Promise<string>;
  putPendingSecret(secretId: string, token: string, secretString: string): Promise<void>;
  moveCurrent(secretId: string, toVersionId: string, fromVersionId: string): Promise<void>;
  randomPassword(): Promise<string>;
}

export interface PgSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  end(): Promise<void>;
}

export interface Deps {
  readonly secrets: SecretsApi;
  /** Opens a TLS connection with the given credentials (certificate verified). */
  readonly connect: (s: Pick<DbSecret, "host" | "port" | "dbname" | "username" | "password">) => Promise<PgSession>;
  /** Structured log sink; receives no secret values. */
  readonly log: (entry: Record<string, unknown>) => void;
}

const ROLE = /^[a-z][a-z0-9_]{0,62}$/;

export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationError";
  }
}

/** The login role a rotation switches to: <role> ↔ <role>_b. */
export function alternateUser(username: string): string {
  return username.endsWith("_b") ? username.slice(0, -2) : `${username}_b`;
}

function parseSecret(text: string, what: string): DbSecret {
  let s: DbSecret;
  try {
    s = JSON.parse(text);
  } catch {
    throw new RotationError(`${what} is not JSON`);
  }
  const problems = [];
  if (s.engine !== "postgres") problems.push("engine must be postgres");
  if (typeof s.host !== "string" || !/^[A-Za-z0-9.-]{1,253}$/.test(s.host)) problems.push("host");
  if (!Number.isInteger(s.port)) problems.push("port");
  if (typeof s.dbname !== "string" || !ROLE.test(s.dbname)) problems.push("dbname");
  if (typeof s.username !== "string" || !ROLE.test(s.username)) problems.push("username");
  if (typeof s.password !== "string" || s.password.length < 16) problems.push("password");
  if (problems.length) throw new RotationError(`${what} is malformed: ${problems.join(", ")}`);
  return s;
}

export function makeHandler(deps: Deps) {
  const { secrets, log } = deps;
  /** Every password seen in this invocation, so no error text can carry one into the logs. */
  const seen = new Set<string>();
  const scrub = (text: string) => [...seen].reduce((t, p) => t.split(p).join("***"), text);

  async function tryLogin(s: DbSecret): Promise<boolean> {
    let session: PgSession | undefined;
    try {
      session = await deps.connect(s);
      await session.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await session?.end().catch(() => undefined);
    }
  }

  async function current(secretId: string): Promise<DbSecret> {
    const s = parseSecret(await secrets.getSecretString(secretId, { versionStage: "AWSCURRENT" }), "AWSCURRENT");
    seen.add(s.password);
    return s;
  }

  async function pending(secretId: string, token: string): Promise<DbSecret> {
    const s = parseSecret(await secrets.getSecretString(secretId, { versionId: token, versionStage: "AWSPENDING" }), "AWSPENDING");
    seen.add(s.password);
    return s;
  }

  /** The pending credentials must target the same server and database and the alternate user. */
  function checkPendingAgainstCurrent(p: DbSecret, c: DbSecret): void {
    const base = c.username.endsWith("_b") ? c.username.slice(0, -2) : c.username;
    if (p.host !== c.host || p.port !== c.port || p.dbname !== c.dbname) throw new RotationError("AWSPENDING points at another server or database than AWSCURRENT");
    if (![base, `${base}_b`].includes(p.username)) throw new RotationError(`AWSPENDING user ${p.username} is not one of ${base}, ${base}_b`);
  }

  const steps: Record<Step, (e: RotationEvent) => Promise<void>> = {
    async createSecret(e) {
      const c = await current(e.SecretId);
      try {
        await pending(e.SecretId, e.ClientRequestToken);
        log({ event: "pending_exists", step: e.Step });
        return;
      } catch (err) {
        if (err instanceof RotationError) throw err;
        // No pending version yet: create it.
      }
      const password = await secrets.randomPassword();
      seen.add(password);
      const next: DbSecret = { ...c, username: alternateUser(c.username), password };
      await secrets.putPendingSecret(e.SecretId, e.ClientRequestToken, JSON.stringify(next));
      log({ event: "pending_created", step: e.Step, username: next.username });
    },

    async setSecret(e) {
      const c = await current(e.SecretId);
      const p = await pending(e.SecretId, e.ClientRequestToken);
      checkPendingAgainstCurrent(p, c);
      if (await tryLogin(p)) {
        log({ event: "pending_already_set", step: e.Step, username: p.username });
        return;
      }
      if (!c.masterarn) throw new RotationError("AWSCURRENT has no masterarn: the rotator's secret is needed to change passwords");
      const master = parseSecret(await secrets.getSecretString(c.masterarn, { versionStage: "AWSCURRENT" }), "the rotator secret");
      seen.add(master.password);
      const session = await deps.connect({ ...master, host: c.host, port: c.port, dbname: c.dbname });
      try {
        // Identifier checked against ROLE above and quoted; the value is a SCRAM verifier, not the password.
        await session.query(`ALTER ROLE "${p.username}" WITH PASSWORD '${scramSha256Verifier(p.password)}'`);
      } finally {
        await session.end().catch(() => undefined);
      }
      log({ event: "password_set", step: e.Step, username: p.username });
    },

    async testSecret(e) {
      const p = await pending(e.SecretId, e.ClientRequestToken);
      const session = await deps.connect(p);
      try {
        const r = await session.query<{ session_user: string }>("SELECT session_user");
        if (r.rows[0]?.session_user !== p.username) throw new RotationError(`logged in as ${r.rows[0]?.session_user}, expected ${p.username}`);
      } finally {
        await session.end().catch(() => undefined);
      }
      log({ event: "pending_tested", step: e.Step, username: p.username });
    },

    async finishSecret(e) {
      const d = await secrets.describeSecret(e.SecretId);
      const currentVersion = Object.entries(d.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
      if (currentVersion === e.ClientRequestToken) {
        log({ event: "already_current", step: e.Step });
        return;
      }
      if (!currentVersion) throw new RotationError("no version is AWSCURRENT");
      await secrets.moveCurrent(e.SecretId, e.ClientRequestToken, currentVersion);
      log({ event: "rotation_finished", step: e.Step });
    },
  };

  return async function handler(event: RotationEvent): Promise<void> {
    const { SecretId, ClientRequestToken: token, Step: step } = event;
    try {
      if (!(step in steps)) throw new RotationError(`unknown step ${JSON.stringify(step)}`);
      const d = await secrets.describeSecret(SecretId);
      if (!d.RotationEnabled) throw new RotationError("rotation is not enabled for this secret");
      const stages = d.VersionIdsToStages?.[token];
      if (!stages) throw new RotationError("the token is not a version of this secret");
      if (stages.includes("AWSCURRENT")) {
        log({ event: "already_current", step });
        return;
      }
      if (!stages.includes("AWSPENDING")) throw new RotationError("the token's version is not staged AWSPENDING");
      await steps[step](event);
    } catch (err) {
      log({ event: "rotation_failed", step, error: scrub(String((err as Error).message ?? err)) });
      throw err instanceof RotationError ? err : new RotationError(scrub(String((err as Error).message ?? err)));
    }
  };
}
