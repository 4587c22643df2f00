/*
 * Prints the Postgres bootstrap for a DBA to review or apply by hand:
 *   npm run db:bootstrap:print                       # the SQL (psql script)
 *   npm run db:bootstrap:print -- --hba              # pg_hba.conf
 *   npm run db:bootstrap:print -- --init-script      # the container's init script
 *   npm run db:bootstrap:print -- --server-args      # postgres -c settings
 *   npm run db:bootstrap:print -- --config config/dev.json
 * Apply:  psql -v ON_ERROR_STOP=1 -v n8n_password_file=... -v reporting_password_file=... \
 *              -v agent_password_file=... -d postgres -f bootstrap.sql
 */
import path from "node:path";
import { devConfigSchema, loadConfigFile } from "../config/schema";
import { ValidationError } from "../constructs/common/validation";
import { renderPostgresBootstrap } from "../constructs/data/postgres-bootstrap";

const args = process.argv.slice(2);
const i = args.indexOf("--config");
const file = path.resolve(i >= 0 ? args[i + 1] : "config/dev.json");
try {
  const config = loadConfigFile(devConfigSchema, file);
  const b = renderPostgresBootstrap({ ...config.postgres, alternateLoginRole: args.includes("--alternate-login") });
  if (args.includes("--hba")) process.stdout.write(b.hba);
  else if (args.includes("--init-script")) process.stdout.write(b.initScript);
  else if (args.includes("--server-args")) process.stdout.write(b.serverArgs.join(" ") + "\n");
  else process.stdout.write(b.sql);
} catch (e) {
  if (e instanceof ValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
