import { ipCidrProblem } from "../aws/cidr";
import { boundMessage, CONNECTION_LIMIT, inBound } from "../common/bounds";
import { SQL_IDENTIFIER_PATTERN, SQL_IDENTIFIER_RULE, ValidationError, ValidationProblem, Validator } from "../common/validation";
import { SECRET_FILES, SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";

/**
 * The least-privilege role model for n8n's Postgres, as one pure function of the config. The
 * Postgres container runs exactly this output on first start, and `npm run db:bootstrap:print`
 * prints it for a DBA to review or apply by hand with `psql -v name=value -f bootstrap.sql`.
 */
export interface PostgresBootstrapProps {
  /** Database n8n uses. */
  readonly database: string;
  /** Schema n8n migrates into (owned by the owner role). */
  readonly schema: string;
  /** Login role n8n connects as. Its NOLOGIN owner role is `<n8nRole>_owner`. */
  readonly n8nRole: string;
  /** Read-only reporting role (SELECT on the n8n schema, including future tables). */
  readonly reportingRole: string;
  /** Schema for per-end-user AI-agent data, protected by row-level security. */
  readonly agentSchema: string;
  /** Role AI-agent workflows use; confined to the agent schema and its policies. */
  readonly agentRole: string;
  /** Connection limit of each n8n login role, within CONNECTION_LIMIT (common/bounds: 5 to 500). */
  readonly connectionLimit: number;
  /**
   * A second login role `<n8nRole>_b`, member of the same owner role, so credentials can be
   * rotated by alternating users (the previous login stays valid until the next rotation).
   * @default false
   */
  readonly alternateLoginRole?: boolean;
  /**
   * A login role for the rotation function: it may change the passwords of the n8n login roles
   * (CREATEROLE with ADMIN OPTION on exactly those roles, Postgres >= 16) and nothing else: it
   * neither inherits nor can switch to them. Requires `alternateLoginRole`.
   * @default - none
   */
  readonly rotatorRole?: string;
  /** Address ranges the rotation function connects from (pg_hba). @default - same as clientCidrs */
  readonly rotatorCidrs?: string[];
  /**
   * Client address ranges allowed to connect (pg_hba ADDRESS field: CIDRs or `samenet`).
   * Postgres sits only on the internal data network, so `samenet` means that network.
   * @default ["samenet"]
   */
  readonly clientCidrs?: string[];
  /** Server TLS certificate path in the container. @default "/run/secrets/tls/cert.pem" */
  readonly tlsCertFile?: string;
  /** Server TLS key path in the container. @default "/run/secrets/tls/key.pem" */
  readonly tlsKeyFile?: string;
  /** Where the container finds the hba file the bootstrap renders. @default "/etc/n8n-bootstrap/pg_hba.conf" */
  readonly hbaFile?: string;
}

export interface PostgresBootstrap {
  /** The bootstrap SQL (psql script). Idempotent; passwords come only from psql variables. */
  readonly sql: string;
  /** pg_hba.conf: SCRAM over TLS for the named roles from the allowed networks, reject everything else. */
  readonly hba: string;
  /** Arguments for `postgres` (`-c key=value` pairs). */
  readonly serverArgs: string[];
  /** POSIX sh for /docker-entrypoint-initdb.d/: runs psql with the password files as variables. */
  readonly initScript: string;
  /** psql variables the SQL reads: name → what it is. */
  readonly psqlVariables: Record<string, string>;
  /** Every role the bootstrap creates, by purpose. */
  readonly roles: { readonly owner: string; readonly logins: string[]; readonly reporting: string; readonly agent: string; readonly agentOwner: string; readonly rotator?: string };
}

/** Quotes an identifier for SQL (`"name"`, doubling any `"`). Names are also pattern-checked. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for SQL (`'text'`, doubling any `'`; no backslash escapes). */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error("NUL byte in SQL literal");
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Why `c` is not a pg_hba ADDRESS this bootstrap writes: samenet, samehost or a strict CIDR
 * (Postgres wants the bits right of the mask zero) narrower than the whole internet.
 */
function hbaAddressProblem(c: string): string | undefined {
  if (c === "samenet" || c === "samehost") return undefined;
  const problem = ipCidrProblem(c);
  if (problem) return `${problem}; or samenet, samehost`;
  return c === "0.0.0.0/0" || c === "::/0" ? `"${c}" is the whole internet: must be samenet, samehost or a narrower CIDR` : undefined;
}
const RESERVED_ROLES = new Set(["postgres", "public", "pg_signal_backend", "none", "current_user", "session_user", "current_role"]);

/**
 * Every problem of the props, each naming its prop; empty when the bootstrap can be rendered.
 * Names are checked against SQL_IDENTIFIER_PATTERN before any of them reaches SQL or pg_hba.
 */
export function postgresBootstrapProblems(props: PostgresBootstrapProps): readonly ValidationProblem[] {
  const v = new Validator("Invalid Postgres bootstrap props");
  const names: [keyof PostgresBootstrapProps, string][] = [
    ["database", props.database],
    ["schema", props.schema],
    ["n8nRole", props.n8nRole],
    ["reportingRole", props.reportingRole],
    ["agentSchema", props.agentSchema],
    ["agentRole", props.agentRole],
  ];
  for (const [field, value] of names) {
    v.check(typeof value === "string" && SQL_IDENTIFIER_PATTERN.test(value), field, `${SQL_IDENTIFIER_RULE}; got ${JSON.stringify(value)}`);
  }
  // Derived names (`_owner`, `_b`, `_agent_owner`) must also fit in 63 bytes.
  v.check(!SQL_IDENTIFIER_PATTERN.test(props.n8nRole) || props.n8nRole.length <= 63 - "_owner".length, "n8nRole", "must be at most 57 characters (the owner role appends _owner)");
  v.check(!SQL_IDENTIFIER_PATTERN.test(props.agentSchema) || props.agentSchema.length <= 63 - "_owner".length, "agentSchema", "must be at most 57 characters (its owner role appends _owner)");
  for (const [field, value] of names.filter(([f]) => String(f).endsWith("Role"))) {
    v.check(!RESERVED_ROLES.has(value) && !value.startsWith("pg_"), field, `"${value}" is reserved; choose a dedicated role name`);
  }
  if (props.rotatorRole !== undefined) {
    v.check(SQL_IDENTIFIER_PATTERN.test(props.rotatorRole) && !RESERVED_ROLES.has(props.rotatorRole) && !props.rotatorRole.startsWith("pg_"), "rotatorRole", SQL_IDENTIFIER_RULE);
    v.check(props.alternateLoginRole === true, "rotatorRole", "needs alternateLoginRole: true (rotation alternates between two login roles)");
  }
  for (const c of props.rotatorCidrs ?? []) {
    const problem = hbaAddressProblem(c);
    if (problem) v.add("rotatorCidrs", problem);
  }
  const roleNames = [props.n8nRole, `${props.n8nRole}_owner`, props.reportingRole, props.agentRole, `${props.agentSchema}_owner`];
  if (props.alternateLoginRole) roleNames.push(`${props.n8nRole}_b`);
  if (props.rotatorRole) roleNames.push(props.rotatorRole);
  v.check(new Set(roleNames).size === roleNames.length, "agentRole", `role names must all differ: ${roleNames.join(", ")}`);
  v.check(props.schema !== props.agentSchema, "agentSchema", "must differ from schema");
  for (const [field, value] of [["schema", props.schema], ["agentSchema", props.agentSchema]] as const) {
    v.check(!["public", "information_schema"].includes(value) && !value.startsWith("pg_"), field, "must be a dedicated schema, not public or a system schema");
  }
  v.check(!["postgres", "template0", "template1"].includes(props.database), "database", "must be a dedicated database, not postgres or a template");
  v.check(inBound(props.connectionLimit, CONNECTION_LIMIT), "connectionLimit", `${boundMessage(CONNECTION_LIMIT)}, got ${props.connectionLimit}`);
  const cidrs = props.clientCidrs ?? ["samenet"];
  v.check(cidrs.length > 0, "clientCidrs", "must list at least one address range");
  for (const c of cidrs) {
    const problem = hbaAddressProblem(c);
    if (problem) v.add("clientCidrs", problem);
  }
  for (const [field, value] of [["tlsCertFile", props.tlsCertFile], ["tlsKeyFile", props.tlsKeyFile], ["hbaFile", props.hbaFile]] as const) {
    v.check(value === undefined || /^\/[A-Za-z0-9._/-]+$/.test(value), field, "must be an absolute path of [A-Za-z0-9._/-]");
  }
  return v.recorded;
}

/** The names and helpers the SQL sections share, derived from validated props. */
interface SqlContext {
  readonly props: PostgresBootstrapProps;
  /** Quoted identifiers of the database and the two schemas. */
  readonly db: string;
  readonly schema: string;
  readonly agentSchema: string;
  /** The owner roles (unquoted) and n8n's login roles. */
  readonly owner: string;
  readonly agentOwner: string;
  readonly logins: string[];
  /** Quoted: the owner, reporting, agent and agent-owner roles. */
  readonly O: string;
  readonly R: string;
  readonly A: string;
  readonly AO: string;
  readonly lit: (value: string) => string;
  /** psql variables that carry passwords: name → whose password. */
  readonly passwordVars: [string, string][];
  readonly noLoginRole: (name: string) => string;
  readonly loginRole: (name: string, passwordVar: string, limit: number) => string;
}

function sqlContext(props: PostgresBootstrapProps): SqlContext {
  const db = quoteIdent(props.database);
  const schema = quoteIdent(props.schema);
  const agentSchema = quoteIdent(props.agentSchema);
  const owner = `${props.n8nRole}_owner`;
  const agentOwner = `${props.agentSchema}_owner`;
  const logins = props.alternateLoginRole ? [props.n8nRole, `${props.n8nRole}_b`] : [props.n8nRole];
  const O = quoteIdent(owner);
  const R = quoteIdent(props.reportingRole);
  const A = quoteIdent(props.agentRole);
  const AO = quoteIdent(agentOwner);
  const lit = quoteLiteral;

  // Password variables: `-v x_password=...` or `-v x_password_file=/path` (read with psql's
  // backquote expansion, so the value never passes through a command line).
  const passwordVars: [string, string][] = [
    ["n8n_password", `password of ${logins.join(" and ")}`],
    ["reporting_password", `password of ${props.reportingRole}`],
    ["agent_password", `password of ${props.agentRole}`],
    ...(props.rotatorRole ? ([["rotator_password", `password of ${props.rotatorRole}`]] as [string, string][]) : []),
  ];

  const noLoginRole = (name: string) => `
SELECT format('CREATE ROLE %I NOLOGIN', ${lit(name)})
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(name)}) \\gexec
ALTER ROLE ${quoteIdent(name)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 0;`;

  const loginRole = (name: string, passwordVar: string, limit: number) => `
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', ${lit(name)}, :'${passwordVar}')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(name)}) \\gexec
\\if :reset_passwords
SELECT format('ALTER ROLE %I PASSWORD %L', ${lit(name)}, :'${passwordVar}') \\gexec
\\endif
ALTER ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT ${limit};`;
  return { props, db, schema, agentSchema, owner, agentOwner, logins, O, R, A, AO, lit, passwordVars, noLoginRole, loginRole };
}

/** The psql preamble: password variables (a value or a file), reset_passwords, and no password in any log. */
function psqlPreambleSql({ passwordVars }: SqlContext): string {
  return `-- n8n zero-trust Postgres bootstrap (generated by renderPostgresBootstrap; do not edit by hand).
-- Apply as a superuser:  psql -v ON_ERROR_STOP=1 -v n8n_password_file=... -v reporting_password_file=... \\
--                             -v agent_password_file=... -d postgres -f bootstrap.sql
-- (or -v n8n_password=... etc.). Idempotent: running it again changes nothing. Passwords are set
-- when a role is created; pass -v reset_passwords=1 to set them again.
\\set ON_ERROR_STOP on
\\set ECHO none
\\set QUIET on
${passwordVars
  .map(
    ([name]) => `\\if :{?${name}}
\\elif :{?${name}_file}
\\set ${name} \`cat :'${name}_file'\`
\\else
DO $$ BEGIN RAISE EXCEPTION 'missing psql variable ${name} (or ${name}_file): nothing was changed'; END $$;
\\endif`,
  )
  .join("\n")}
\\if :{?reset_passwords}
\\else
\\set reset_passwords 0
\\endif

-- Keep every password out of the server log, even in an error report, and store SCRAM verifiers only.
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SET log_min_duration_statement = -1;
SET password_encryption = 'scram-sha-256';
`;
}

/** The owner, login, reporting, agent and rotator roles, each created once and then set to exactly its attributes. */
function rolesSql({ props, owner, agentOwner, logins, O, R, A, lit, noLoginRole, loginRole }: SqlContext): string {
  return `
-- Roles ---------------------------------------------------------------------------------------
-- ${owner}: owns the n8n schema and everything n8n creates in it; nobody logs in as it.
${noLoginRole(owner)}
-- ${logins.join(", ")}: what n8n logs in as; every session switches to ${owner} (ALTER ROLE ... SET role),
-- so objects created at run time belong to ${owner} and survive a switch of login role.
${logins.map((l) => loginRole(l, "n8n_password", props.connectionLimit)).join("\n")}
${logins.map((l) => `GRANT ${O} TO ${quoteIdent(l)};\nALTER ROLE ${quoteIdent(l)} SET role = ${lit(owner)};\nALTER ROLE ${quoteIdent(l)} SET search_path = ${lit(props.schema)};`).join("\n")}
-- ${props.reportingRole}: read-only reporting on the n8n schema.
${loginRole(props.reportingRole, "reporting_password", 5)}
ALTER ROLE ${R} SET default_transaction_read_only = on;
-- ${agentOwner}: owns the agent schema, its tables and policies; nobody logs in as it.
${noLoginRole(agentOwner)}
-- ${props.agentRole}: AI-agent workflows; rows are visible only for the end user bound to the transaction.
${loginRole(props.agentRole, "agent_password", 20)}
ALTER ROLE ${A} SET search_path = ${lit(props.agentSchema)};
${
  props.rotatorRole
    ? `-- ${props.rotatorRole}: the rotation function; may only set the passwords of ${logins.join(" and ")}.
${loginRole(props.rotatorRole, "rotator_password", 2)}
ALTER ROLE ${quoteIdent(props.rotatorRole)} CREATEROLE NOINHERIT;
${logins.map((l) => `GRANT ${quoteIdent(l)} TO ${quoteIdent(props.rotatorRole!)} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;`).join("\n")}`
    : ""
}
`;
}

/** n8n's database: created once, nothing for PUBLIC, CONNECT for the project's roles only. */
function databaseSql({ props, db, O, R, A, lit }: SqlContext): string {
  return `
-- Database ------------------------------------------------------------------------------------
SELECT format('CREATE DATABASE %I OWNER postgres ENCODING ''UTF8'' TEMPLATE template0', ${lit(props.database)})
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${lit(props.database)}) \\gexec
-- PUBLIC gets nothing on any database; each role gets CONNECT on n8n's database only.
REVOKE ALL ON DATABASE ${db} FROM PUBLIC;
REVOKE ALL ON DATABASE postgres FROM PUBLIC;
REVOKE ALL ON DATABASE template1 FROM PUBLIC;
-- CREATE: n8n runs CREATE SCHEMA IF NOT EXISTS at start. TEMPORARY: its migrations use temp tables.
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${db} TO ${O};
GRANT CONNECT ON DATABASE ${db} TO ${R}, ${A}${props.rotatorRole ? `, ${quoteIdent(props.rotatorRole)}` : ""};

\\connect ${props.database}
SET log_statement = 'none';
SET log_min_error_statement = 'panic';

-- The public schema: nobody may use it (n8n has its own schema).
REVOKE ALL ON SCHEMA public FROM PUBLIC;
`;
}

/** The n8n schema, owned by the owner role; reporting reads it, including tables created later. */
function n8nSchemaSql({ schema, logins, O, R }: SqlContext): string {
  return `
-- n8n schema ----------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${O};
ALTER SCHEMA ${schema} OWNER TO ${O};
REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${schema} TO ${R};
GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${R};
-- Tables n8n creates later (migrations, data tables) are readable by reporting too.
ALTER DEFAULT PRIVILEGES FOR ROLE ${O} IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${R};
${logins.map((l) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(l)} IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${R};`).join("\n")}
`;
}

/** The agent schema and the end-user binding (set_end_user, current_end_user) its row-level security keys on. */
function agentBindingSql({ agentSchema, A, AO }: SqlContext): string {
  return `
-- Agent schema: per-end-user rows under forced row-level security ------------------------------
CREATE SCHEMA IF NOT EXISTS ${agentSchema} AUTHORIZATION ${AO};
ALTER SCHEMA ${agentSchema} OWNER TO ${AO};
REVOKE ALL ON SCHEMA ${agentSchema} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${agentSchema} TO ${A};
SET ROLE ${AO};

-- Which end user the current transaction acts for. Written only through set_end_user(), which
-- refuses a second, different user in the same transaction; no role can write it directly.
CREATE UNLOGGED TABLE IF NOT EXISTS ${agentSchema}.end_user_binding (
  backend_pid integer NOT NULL,
  xact_id xid8 NOT NULL,
  end_user_id text NOT NULL,
  PRIMARY KEY (backend_pid, xact_id)
);
REVOKE ALL ON ${agentSchema}.end_user_binding FROM PUBLIC;

CREATE OR REPLACE FUNCTION ${agentSchema}.set_end_user(p_end_user_id text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  bound text;
BEGIN
  IF p_end_user_id IS NULL OR length(p_end_user_id) NOT BETWEEN 1 AND 256 THEN
    RAISE EXCEPTION 'end user id must be 1 to 256 characters' USING ERRCODE = '22023';
  END IF;
  SELECT end_user_id INTO bound FROM ${agentSchema}.end_user_binding
   WHERE backend_pid = pg_backend_pid() AND xact_id = pg_current_xact_id();
  IF bound IS NOT NULL AND bound <> p_end_user_id THEN
    RAISE EXCEPTION 'this transaction already acts for another end user' USING ERRCODE = '42501';
  END IF;
  -- Bindings of this backend's earlier transactions are dead: drop them.
  DELETE FROM ${agentSchema}.end_user_binding WHERE backend_pid = pg_backend_pid() AND xact_id <> pg_current_xact_id();
  INSERT INTO ${agentSchema}.end_user_binding VALUES (pg_backend_pid(), pg_current_xact_id(), p_end_user_id)
  ON CONFLICT DO NOTHING;
END
$fn$;

CREATE OR REPLACE FUNCTION ${agentSchema}.current_end_user() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT end_user_id FROM ${agentSchema}.end_user_binding
   WHERE backend_pid = pg_backend_pid() AND xact_id = pg_current_xact_id_if_assigned()
$fn$;
REVOKE ALL ON FUNCTION ${agentSchema}.set_end_user(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ${agentSchema}.current_end_user() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ${agentSchema}.set_end_user(text) TO ${A};
GRANT EXECUTE ON FUNCTION ${agentSchema}.current_end_user() TO ${A};
`;
}

/** The agent tables (memory, facts) under forced row-level security per end user. */
function agentTablesSql({ agentSchema, A }: SqlContext): string {
  return `
-- Agent memory: one row per message, keyed by end user.
CREATE TABLE IF NOT EXISTS ${agentSchema}.memory (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  end_user_id text NOT NULL CHECK (length(end_user_id) BETWEEN 1 AND 256),
  session_id text NOT NULL,
  message jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS memory_end_user_session_idx ON ${agentSchema}.memory (end_user_id, session_id, created_at);
-- Agent facts: key/value knowledge per end user.
CREATE TABLE IF NOT EXISTS ${agentSchema}.facts (
  end_user_id text NOT NULL CHECK (length(end_user_id) BETWEEN 1 AND 256),
  key text NOT NULL,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (end_user_id, key)
);
${["memory", "facts"]
  .map(
    (t) => `ALTER TABLE ${agentSchema}.${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${agentSchema}.${t} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS end_user_isolation ON ${agentSchema}.${t};
CREATE POLICY end_user_isolation ON ${agentSchema}.${t} AS PERMISSIVE FOR ALL TO ${A}
  USING (end_user_id = (SELECT ${agentSchema}.current_end_user()))
  WITH CHECK (end_user_id = (SELECT ${agentSchema}.current_end_user()));
REVOKE ALL ON ${agentSchema}.${t} FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ${agentSchema}.${t} TO ${A};`,
  )
  .join("\n")}
GRANT USAGE ON SEQUENCE ${agentSchema}.memory_id_seq TO ${A};
RESET ROLE;
`;
}

/** The bootstrap SQL: the sections above, in the order psql must run them. */
function bootstrapSql(props: PostgresBootstrapProps): string {
  const c = sqlContext(props);
  return [psqlPreambleSql, rolesSql, databaseSql, n8nSchemaSql, agentBindingSql, agentTablesSql].map((section) => section(c)).join("");
}

/** pg_hba.conf: SCRAM over TLS for the named roles from the allowed ranges, the superuser on the socket only, reject the rest. */
function pgHba(props: PostgresBootstrapProps): string {
  const cidrs = props.clientCidrs ?? ["samenet"];
  const logins = props.alternateLoginRole ? [props.n8nRole, `${props.n8nRole}_b`] : [props.n8nRole];
  const hostLines = (roles: string[]) =>
    cidrs.map((c) => `hostssl  ${props.database.padEnd(12)} ${roles.join(",").padEnd(40)} ${c.padEnd(18)} scram-sha-256`);
  // The rotation function connects from its own subnets: as the rotator (to set a password) and
  // as the pending login role (its testSecret step logs in with the new credentials).
  const rotationCidrs = props.rotatorRole ? (props.rotatorCidrs ?? cidrs) : [];
  const rotationLines = [
    ...(rotationCidrs.length > 0 ? ["# The rotation function, from its subnets: the rotator sets passwords; the login roles are tested."] : []),
    ...rotationCidrs.map((c) => `hostssl  ${props.database.padEnd(12)} ${props.rotatorRole!.padEnd(40)} ${c.padEnd(18)} scram-sha-256`),
    ...rotationCidrs.filter((c) => !cidrs.includes(c)).map((c) => `hostssl  ${props.database.padEnd(12)} ${logins.join(",").padEnd(40)} ${c.padEnd(18)} scram-sha-256`),
  ];
  return `# pg_hba.conf generated by renderPostgresBootstrap. First match wins; anything not listed is rejected.
# TYPE   DATABASE     USER                                     ADDRESS            METHOD
# Init scripts and DBAs on the container's own socket, as the bootstrap superuser only.
local    all          postgres                                                    scram-sha-256
# n8n, reporting and agent roles: TLS + SCRAM, n8n's database only, from the data network only.
${hostLines([...logins, props.reportingRole, props.agentRole]).join("\n")}
${rotationLines.map((l) => `${l}\n`).join("")}# Everything else, with or without TLS, over TCP or the socket: rejected.
host     all          all                                      all                reject
local    all          all                                                         reject
`;
}

/** `postgres -c key=value` arguments: TLS only, SCRAM, this hba file, connection logging. */
function serverArgs(props: PostgresBootstrapProps): string[] {
  const hbaFile = props.hbaFile ?? "/etc/n8n-bootstrap/pg_hba.conf";
  return [
    ["listen_addresses", "*"],
    ["password_encryption", "scram-sha-256"],
    ["ssl", "on"],
    ["ssl_cert_file", props.tlsCertFile ?? `${SECRETS_MOUNT_DIR}/${TLS_FILES.cert}`],
    ["ssl_key_file", props.tlsKeyFile ?? `${SECRETS_MOUNT_DIR}/${TLS_FILES.key}`],
    ["ssl_min_protocol_version", "TLSv1.2"],
    ["hba_file", hbaFile],
    ["log_connections", "on"],
    ["log_disconnections", "on"],
    ["log_line_prefix", "%m [%p] %q%u@%d %r "],
  ].flatMap(([k, val]) => ["-c", `${k}=${val}`]);
}

/**
 * The init script for /docker-entrypoint-initdb.d/. The official entrypoint sources a .sh init
 * file that is not executable for the server's uid (and every file the container gets is 0644 on
 * a noexec tmpfs): the script must therefore be safe to source. It runs psql in a subshell, never
 * `exec` (which would replace the entrypoint, kill its temporary server mid-init and leave a
 * half-initialised cluster).
 */
function initScript(props: PostgresBootstrapProps): string {
  return `#!/bin/sh
# Runs once, on the first start of an empty data directory (docker-entrypoint-initdb.d); the
# entrypoint may source it, so it changes nothing in the caller and fails by its exit status.
# Password files are handed to psql as file paths; psql reads them itself.
(
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \\
  -v n8n_password_file=${SECRETS_MOUNT_DIR}/${SECRET_FILES.n8nDbPassword} \\
  -v reporting_password_file=${SECRETS_MOUNT_DIR}/${SECRET_FILES.postgresReportingPassword} \\
  -v agent_password_file=${SECRETS_MOUNT_DIR}/${SECRET_FILES.postgresAgentPassword} \\${props.rotatorRole ? `\n  -v rotator_password_file=${SECRETS_MOUNT_DIR}/${SECRET_FILES.postgresRotatorPassword} \\` : ""}
  -f /etc/n8n-bootstrap/bootstrap.sql
)
`;
}

/** Renders the bootstrap. Throws one ValidationError naming every bad prop. */
export function renderPostgresBootstrap(props: PostgresBootstrapProps): PostgresBootstrap {
  const problems = postgresBootstrapProblems(props);
  if (problems.length > 0) throw new ValidationError("Invalid Postgres bootstrap props", problems);
  const { owner, agentOwner, logins, passwordVars } = sqlContext(props);
  return {
    sql: bootstrapSql(props),
    hba: pgHba(props),
    serverArgs: serverArgs(props),
    initScript: initScript(props),
    psqlVariables: Object.fromEntries([
      ...passwordVars.flatMap(([name, what]) => [
        [name, `${what} (value)`],
        [`${name}_file`, `${what} (path of a file holding it; used when ${name} is not set)`],
      ]),
      ["reset_passwords", "1 to set the passwords of existing roles again (default 0: only new roles get one)"],
    ]),
    roles: { owner, logins, reporting: props.reportingRole, agent: props.agentRole, agentOwner, rotator: props.rotatorRole },
  };
}
