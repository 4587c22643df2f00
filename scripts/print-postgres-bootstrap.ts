/*
 * Prints the Postgres bootstrap for a DBA to review or apply by hand:
 *   npm run db:bootstrap:print                       # the SQL (psql script)
 *   npm run db:bootstrap:print -- --hba              # pg_hba.conf
 *   npm run db:bootstrap:print -- --init-script      # the container's init script
 *   npm run db:bootstrap:print -- --server-args      # postgres -c settings
 *   npm run db:bootstrap:print -- --config config/prod.example.json
 * --config takes a dev or a prod config (its "environment" field decides which schema checks it);
 * a prod config prints what prod-runtime deploys: the alternate login role and the rotator role,
 * whose pg_hba lines admit the private subnets. --alternate-login adds the alternate role to dev's.
 * Apply:  psql -v ON_ERROR_STOP=1 -v n8n_password_file=... -v reporting_password_file=... \
 *              -v agent_password_file=... -d postgres -f bootstrap.sql
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { devConfigSchema, loadConfigFile, prodConfigSchema } from "../config/schema";
import { ValidationError } from "../constructs/common/validation";
import { PostgresBootstrapProps, renderPostgresBootstrap } from "../constructs/data/postgres-bootstrap";
import { prodPostgresBootstrap } from "../stacks/prod-runtime-stack";
import { parseArgs, usageError } from "./lib/args.cjs";

const USAGE = "usage: npm run db:bootstrap:print -- [--config config/dev.json|config/prod.json] [--hba | --init-script | --server-args] [--alternate-login]";
const { options } = parseArgs(process.argv.slice(2), {
  usage: USAGE,
  options: {
    config: { type: "string" },
    hba: { type: "boolean" },
    "init-script": { type: "boolean" },
    "server-args": { type: "boolean" },
    "alternate-login": { type: "boolean" },
  },
});
const outputs = (["hba", "init-script", "server-args"] as const).filter((o) => options[o]);
if (outputs.length > 1) usageError(USAGE, `choose one of --hba, --init-script and --server-args (got ${outputs.map((o) => `--${o}`).join(" and ")})`);
const file = path.resolve(options.config ?? "config/dev.json");

/** The environment a config file declares; the schema then names every other problem. */
function environmentOf(f: string): unknown {
  try {
    return (JSON.parse(readFileSync(f, "utf8")) as { environment?: unknown } | null)?.environment;
  } catch {
    return undefined; // loadConfigFile reports an unreadable file or bad JSON
  }
}

try {
  let props: PostgresBootstrapProps;
  if (environmentOf(file) === "prod") {
    if (options["alternate-login"]) usageError(USAGE, "--alternate-login is for a dev config: prod always has the alternate login role");
    props = prodPostgresBootstrap(loadConfigFile(prodConfigSchema, file));
  } else {
    props = { ...loadConfigFile(devConfigSchema, file).postgres, alternateLoginRole: options["alternate-login"] === true };
  }
  const b = renderPostgresBootstrap(props);
  if (options.hba) process.stdout.write(b.hba);
  else if (options["init-script"]) process.stdout.write(b.initScript);
  else if (options["server-args"]) process.stdout.write(b.serverArgs.join(" ") + "\n");
  else process.stdout.write(b.sql);
} catch (e) {
  if (e instanceof ValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
