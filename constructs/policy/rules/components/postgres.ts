import { HbaRecord, postgresHba, postgresSettings } from "../../component-config";
import { ModelContainer } from "../../docker-model";
import { Rule } from "../../rule";
import { componentRule } from "./helpers";

/*
 * Postgres 17's own settings: server parameters (`-c name=value` on the command line, a
 * postgresql.conf the plan writes), the pg_hba.conf the plan writes (`hba_file`), and the official
 * image's entrypoint variables. Defaults are Postgres 17's.
 */

const LOOPBACK = /^(127\.\d+\.\d+\.\d+\/(8|9|[12]\d|3[0-2])|::1\/128|samehost|localhost)$/i;

/** Methods that admit without a password, with one sent in clear or hashed with MD5, or on the client's word (ident). */
const WEAK_METHODS = new Set(["trust", "password", "md5", "ident"]);

/** Records that let a login through (every method but reject), with where they are. */
const admitting = (hba: readonly HbaRecord[]) => hba.filter((r) => r.type !== "include" && r.method !== "reject");
const at = (r: HbaRecord) => `pg_hba.conf line ${r.line} (${r.type} ${r.databases.join(",")} ${r.users.join(",")}${r.address ? ` ${r.address}` : ""} ${r.method})`;

/** The superuser the official image creates (POSTGRES_USER, default postgres). */
const superuserOf = (c: ModelContainer) => c.env.POSTGRES_USER ?? "postgres";

export const PostgresHbaMethods = componentRule({
  id: "ZT-PG-001",
  level: "error",
  component: "postgres",
  cause: "Postgres admits logins without a password, with one sent in clear or hashed with MD5, or on the client's word (ident)",
  explanation:
    "In pg_hba.conf `trust` lets anyone who reaches the server in as any role; `password` sends the password in clear; " +
    "`md5` is replayable from a stolen hash and deprecated. The official image writes `trust` itself when " +
    "POSTGRES_HOST_AUTH_METHOD=trust. Use scram-sha-256 (or cert) on every line that admits, reject the rest.",
  settings: [
    ["pg_hba.conf method", "scram-sha-256, cert, peer (local) or reject; never trust, password, md5, ident"],
    ["POSTGRES_HOST_AUTH_METHOD (only without hba_file)", "unset or scram-sha-256"],
    ["POSTGRES_INITDB_ARGS --auth-host / --auth-local", "scram-sha-256"],
  ],
  check: (c) => {
    const hba = postgresHba(c) ?? [];
    // The image's variables only shape $PGDATA/pg_hba.conf: with hba_file elsewhere they have no effect.
    const ownHba = postgresSettings(c).has("hba_file");
    const initdb = c.env.POSTGRES_INITDB_ARGS ?? "";
    const weakInit = [...initdb.matchAll(/(?:--auth(?:-host|-local)?[= ]|-A\s*)(\S+)/g)].map((m) => m[1]).filter((m) => WEAK_METHODS.has(m.toLowerCase()));
    return [
      ...admitting(hba).filter((r) => WEAK_METHODS.has(r.method)).map((r) => `${at(r)} uses ${r.method}`),
      !ownHba && WEAK_METHODS.has((c.env.POSTGRES_HOST_AUTH_METHOD ?? "").toLowerCase()) && `POSTGRES_HOST_AUTH_METHOD=${c.env.POSTGRES_HOST_AUTH_METHOD}`,
      !ownHba && weakInit.length > 0 && `POSTGRES_INITDB_ARGS sets ${weakInit.join(", ")}`,
    ];
  },
});

export const PostgresPlainConnections = componentRule({
  id: "ZT-PG-002",
  level: "error",
  component: "postgres",
  cause: "Postgres accepts network logins without TLS",
  explanation:
    "A pg_hba.conf `host` line matches connections with and without TLS, and `hostnossl` only those without; either lets a " +
    "client (or anyone on the data network who can intercept) log in over plain TCP. Admit network logins only with " +
    "`hostssl` (or `hostgssenc`), and turn TLS on: ssl = on with ssl_min_protocol_version TLSv1.2 or later.",
  settings: [
    ["pg_hba.conf type for network lines", "hostssl (or hostgssenc); host and hostnossl only with reject"],
    ["ssl", "on (the default is off)"],
    ["ssl_min_protocol_version", "TLSv1.2 (the default) or TLSv1.3"],
  ],
  check: (c) => {
    const s = postgresSettings(c);
    const hba = postgresHba(c);
    const ssl = (s.get("ssl") ?? "off").toLowerCase();
    const min = s.get("ssl_min_protocol_version");
    return [
      ...(hba ? admitting(hba).filter((r) => (r.type === "host" || r.type === "hostnossl") && !LOOPBACK.test(r.address ?? "")).map((r) => `${at(r)} admits connections without TLS`) : []),
      hba !== undefined && !["on", "true", "yes", "1"].includes(ssl) && `ssl=${s.get("ssl") ?? "unset (off)"}`,
      min !== undefined && /^TLSv1(\.[01])?$/i.test(min) && `ssl_min_protocol_version=${min}`,
    ];
  },
});

export const PostgresSuperuserOverNetwork = componentRule({
  id: "ZT-PG-003",
  level: "error",
  component: "postgres",
  cause: "Postgres admits the superuser (or every role) from the network",
  explanation:
    "The superuser bypasses every privilege n8n's least-privilege roles are built on. Admit it only on the local socket " +
    "(operators use `docker exec`), and name the roles and databases each network line admits instead of `all`: a " +
    "line for `all` users also admits the superuser.",
  settings: [["pg_hba.conf network lines", "name n8n's roles and database; never all, the superuser (POSTGRES_USER), its +group, a /regex or an @file of users"]],
  check: (c) => {
    const hba = postgresHba(c);
    if (!hba) return undefined;
    const su = superuserOf(c);
    // `all`, the superuser, its group, a regular expression (Postgres 16+) or a file of names may include the superuser.
    const risky = (u: string) => u === "all" || u === su || u === `+${su}` || u.startsWith("/") || u.startsWith("@");
    return admitting(hba)
      .filter((r) => r.type !== "local" && !LOOPBACK.test(r.address ?? ""))
      .filter((r) => r.users.some(risky))
      .map((r) => `${at(r)} admits ${r.users.includes("all") ? "every role, the superuser included" : `${r.users.filter(risky).join(", ")} (may be the superuser ${su})`} from ${r.address}`);
  },
});

export const PostgresPasswordStorage = componentRule({
  id: "ZT-PG-004",
  level: "error",
  component: "postgres",
  cause: "Postgres stores new passwords as MD5 hashes",
  explanation:
    "password_encryption = md5 stores a hash that works as the password itself for MD5 logins and is cheap to brute-force; " +
    "roles whose passwords are set under it cannot use SCRAM. Keep scram-sha-256 (Postgres 17's default).",
  settings: [["password_encryption", "scram-sha-256 (the default)"]],
  check: (c) => {
    const v = postgresSettings(c).get("password_encryption");
    return v !== undefined && v.toLowerCase() !== "scram-sha-256" && `password_encryption=${v}`;
  },
});

export const PostgresStatementLogging = componentRule({
  id: "ZT-PG-005",
  level: "error",
  component: "postgres",
  cause: "Postgres logs statements, so passwords set with ALTER ROLE land in the log",
  explanation:
    "log_statement = ddl (or mod, all) writes CREATE/ALTER ROLE ... PASSWORD '...' to the server log in clear, and " +
    "log_min_duration_statement = 0 logs every statement with its literals. The rotation function and the bootstrap set " +
    "passwords that way. Keep log_statement = none and log slow statements only above a threshold, if at all.",
  settings: [
    ["log_statement", "none (the default)"],
    ["log_min_duration_statement", "-1 (the default) or a threshold above 0"],
  ],
  check: (c) => {
    const s = postgresSettings(c);
    const ls = s.get("log_statement");
    const md = s.get("log_min_duration_statement");
    return [ls !== undefined && ls.toLowerCase() !== "none" && `log_statement=${ls} (passwords in ALTER ROLE end up in the log)`, md !== undefined && /^0+(ms|s)?$/.test(md.trim()) && `log_min_duration_statement=${md} (every statement logged)`];
  },
});

export const PostgresConnectionLogging = componentRule({
  id: "ZT-PG-006",
  level: "warning",
  component: "postgres",
  cause: "Postgres does not log connections and disconnections",
  explanation:
    "Without log_connections and log_disconnections (both off by default) there is no record of who logged in from where, " +
    "which is what an investigation of a leaked database password starts from. Turn both on.",
  settings: [
    ["log_connections", "on (the default is off)"],
    ["log_disconnections", "on (the default is off)"],
  ],
  check: (c) => {
    const s = postgresSettings(c);
    const on = (k: string) => ["on", "true", "yes", "1", "all"].includes((s.get(k) ?? "off").toLowerCase());
    return ["log_connections", "log_disconnections"].map((k) => !on(k) && `${k}=${s.get(k) ?? "unset (off)"}`);
  },
});

export const POSTGRES_RULES: readonly Rule[] = [PostgresHbaMethods, PostgresPlainConnections, PostgresSuperuserOverNetwork, PostgresPasswordStorage, PostgresStatementLogging, PostgresConnectionLogging];
