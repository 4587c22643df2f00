import { isIP } from "node:net";
import { Client } from "pg";
import { Deps } from "./handler";

/** Opens a verified-TLS connection to Postgres (the CA is the server's, not a secret). */
export function pgConnect(caPem: string | undefined): Deps["connect"] {
  return async (s) => {
    if (!caPem) throw new Error("PG_CA_PEM is not set: the rotation function only talks to Postgres over verified TLS");
    const client = new Client({
      host: s.host,
      port: s.port,
      database: s.dbname,
      user: s.username,
      password: s.password,
      // SNI takes host names only; an IP address is still verified against the certificate's IP SANs.
      ssl: { ca: caPem, rejectUnauthorized: true, ...(isIP(s.host) ? {} : { servername: s.host }) },
      connectionTimeoutMillis: 5000,
      statement_timeout: 10000,
    });
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return { query: (sql, params) => client.query(sql, params) as never, end: () => client.end() };
  };
}
