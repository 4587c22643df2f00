import { postgresBootstrapProblems, renderPostgresBootstrap, PostgresBootstrapProps, quoteIdent } from "../../constructs/data/postgres-bootstrap";
import { ValidationError } from "../../constructs/common/validation";
import { devConfig, synthDev } from "../helpers/synth";

const base: PostgresBootstrapProps = devConfig().postgres;

function problemsOf(props: Partial<PostgresBootstrapProps>): { field: string; message: string }[] {
  try {
    renderPostgresBootstrap({ ...base, ...props });
    return [];
  } catch (e) {
    if (e instanceof ValidationError) return [...e.problems];
    throw e;
  }
}

describe("renderPostgresBootstrap", () => {
  test("an injection attempt in a role name is rejected, naming the prop", () => {
    const p = problemsOf({ n8nRole: 'n8n"; DROP ROLE postgres; --' });
    expect(p).toEqual([{ field: "n8nRole", message: expect.stringMatching(/must match \^\[a-z\]/) }]);
  });

  test("every bad identifier is named in one error", () => {
    const p = problemsOf({ database: "N8N", schema: "public", agentSchema: "x-y", reportingRole: "pg_monitor", connectionLimit: 0 });
    expect(p.map((x) => x.field).sort()).toEqual(["agentSchema", "connectionLimit", "database", "reportingRole", "schema"]);
  });

  test("postgresBootstrapProblems reports what renderPostgresBootstrap refuses, without throwing", () => {
    const bad = { ...base, database: "postgres", connectionLimit: 501, clientCidrs: ["0.0.0.0/0"] };
    expect(postgresBootstrapProblems(base)).toEqual([]);
    expect(postgresBootstrapProblems(bad).map((p) => p.field)).toEqual(["database", "connectionLimit", "clientCidrs"]);
    expect(problemsOf(bad)).toEqual(postgresBootstrapProblems(bad));
  });

  test("the whole internet is not an allowed client range", () => {
    expect(problemsOf({ clientCidrs: ["0.0.0.0/0"] }).map((x) => x.field)).toEqual(["clientCidrs"]);
    expect(problemsOf({ clientCidrs: ["10.0.0.0/8; host all all all trust"] }).map((x) => x.field)).toEqual(["clientCidrs"]);
  });

  test("identifiers are quoted wherever they appear in DDL", () => {
    const { sql } = renderPostgresBootstrap(base);
    expect(sql).toContain(`CREATE SCHEMA IF NOT EXISTS "n8n" AUTHORIZATION "n8n_owner"`);
    expect(sql).toContain(`GRANT CONNECT, CREATE, TEMPORARY ON DATABASE "n8n" TO "n8n_owner"`);
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });

  test("no password literal is in the SQL: passwords come only from psql variables", () => {
    const { sql, psqlVariables } = renderPostgresBootstrap(base);
    expect(sql).not.toMatch(/PASSWORD\s+'/i);
    expect(sql).toContain("format('CREATE ROLE %I LOGIN PASSWORD %L', 'n8n', :'n8n_password')");
    expect(Object.keys(psqlVariables)).toEqual(expect.arrayContaining(["n8n_password", "n8n_password_file", "reporting_password", "agent_password"]));
  });

  test("pg_hba: SCRAM over TLS for the named roles only, and it ends by rejecting everything else", () => {
    const { hba } = renderPostgresBootstrap({ ...base, clientCidrs: ["10.20.0.0/24"] });
    const rules = hba.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(rules.at(-2)).toMatch(/^host\s+all\s+all\s+all\s+reject$/);
    expect(rules.at(-1)).toMatch(/^local\s+all\s+all\s+reject$/);
    for (const r of rules.slice(0, -2)) expect(r).toMatch(/scram-sha-256$/);
    expect(rules).toContainEqual(expect.stringMatching(/^hostssl\s+n8n\s+n8n,n8n_reporting,n8n_agent\s+10\.20\.0\.0\/24\s+scram-sha-256$/));
    expect(hba).not.toMatch(/\b(trust|md5|password)\b/);
  });

  test("server settings: SCRAM, TLS 1.2+, our hba file, connection logging", () => {
    const { serverArgs } = renderPostgresBootstrap(base);
    const settings = Object.fromEntries(serverArgs.filter((_, i) => i % 2 === 1).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
    expect(settings).toMatchObject({
      password_encryption: "scram-sha-256",
      ssl: "on",
      ssl_min_protocol_version: "TLSv1.2",
      hba_file: "/etc/n8n-bootstrap/pg_hba.conf",
      log_connections: "on",
    });
  });

  test("the init script hands psql the password files, not the passwords", () => {
    const { initScript } = renderPostgresBootstrap(base);
    expect(initScript).toContain("-v n8n_password_file=/run/secrets/n8n-db-password");
    expect(initScript).not.toMatch(/\$\(cat /);
  });
});

describe("the dev stack's Postgres runs exactly the rendered bootstrap", () => {
  test("uploads the SQL, hba and init script and starts postgres with the server args", () => {
    const { model } = synthDev();
    const pg = model.containers.find((c) => c.name === "n8n-postgres")!;
    const expected = renderPostgresBootstrap(devConfig().postgres);
    const upload = (file: string) => pg.uploads.find((u) => u.file === file)?.content;
    expect(upload("/etc/n8n-bootstrap/bootstrap.sql")).toBe(expected.sql);
    expect(upload("/etc/n8n-bootstrap/pg_hba.conf")).toBe(expected.hba);
    expect(upload("/docker-entrypoint-initdb.d/10-n8n-bootstrap.sh")).toBe(expected.initScript);
    expect(pg.command).toEqual(["postgres", ...expected.serverArgs]);
  });
});
