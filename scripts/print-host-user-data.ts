/*
 * Prints what prod-cloud gives the Docker host, from config/prod.json (else the example):
 *   npm run -s host:print                          # the #cloud-config user data (as the instance gets it)
 *   npm run -s host:print -- --install-script      # a sh script that installs the agent's files on a
 *                                                  # running host and restarts the agent
 *   npm run -s host:print -- --config other.json
 * cloud-init applies user data only when the host is created; after changing the secrets list,
 * the refresh interval or runAs, run the install script in a Session Manager shell (sudo sh).
 * Nothing printed is secret.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { loadConfigFile, prodConfigSchema } from "../config/schema";
import { ValidationError } from "../constructs/common/validation";
import { secretsAgentInstallScript } from "../constructs/host/secrets-agent";
import { hostUserData } from "../constructs/host/user-data";
import { prodAgentProps } from "../stacks/prod-cloud-stack";
import { prodHostProps } from "../stacks/prod";
import { parseArgs } from "./lib/args.cjs";

const { options } = parseArgs(process.argv.slice(2), {
  usage: "usage: npm run -s host:print -- [--config config/prod.json] [--install-script]",
  options: { config: { type: "string" }, "install-script": { type: "boolean" } },
});
const file = path.resolve(options.config ?? (existsSync("config/prod.json") ? "config/prod.json" : "config/prod.example.json"));
try {
  const prod = loadConfigFile(prodConfigSchema, file);
  const props = prodAgentProps(prod.aws.namePrefix, prod.aws.region, prodHostProps(prod).agent, prod.aws.backupBucketName);
  process.stdout.write(options["install-script"] ? secretsAgentInstallScript(props) : hostUserData(props));
} catch (e) {
  if (e instanceof ValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
