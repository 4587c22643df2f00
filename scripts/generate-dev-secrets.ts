/*
 * npm run secrets:dev [-- --config config/dev.json] [--renew-certificate] [--check]
 * Generates the dev secrets once (existing files are kept) and prints what it created or kept —
 * never a secret value. With `tenants` in the config, each tenant also gets its own folder
 * (`<secretsDir>/tenants/<id>`) and the dev IdP one client per tenant.
 */
import path from "node:path";
import { devConfigSchema, loadConfigFile, resolveRuntime, resolveTenants } from "../config/schema";
import { checkDevSecrets, checkTenantSecrets, generateDevSecrets, generateTenantSecrets } from "../constructs/common/dev-secrets";
import { RUNTIME_SERVICES, serviceContainerName } from "../constructs/app/service-catalog";
import { SECRET_FILES } from "../constructs/common/secret-files";
import { ValidationError } from "../constructs/common/validation";
import { DEV_IDP_PORTS } from "../constructs/edge/dev-idp";
import { parseArgs, usageError } from "./lib/args.cjs";
import { catalogFor } from "../stacks/queue-mode";

const USAGE = "usage: npm run secrets:dev -- [--config config/dev.json] [--renew-certificate | --check]";
const { options } = parseArgs(process.argv.slice(2), {
  usage: USAGE,
  options: { config: { type: "string" }, "renew-certificate": { type: "boolean" }, check: { type: "boolean" } },
});
if (options.check && options["renew-certificate"]) usageError(USAGE, "--check only reads the folder: it cannot be combined with --renew-certificate");
const repoRoot = process.cwd();
const file = path.resolve(repoRoot, options.config ?? "config/dev.json");
try {
  const config = loadConfigFile(devConfigSchema, file);
  const rt = resolveRuntime(config, repoRoot);
  if (options.check) {
    const problems = [
      ...checkDevSecrets(rt.secretsDir, catalogFor(config).secrets),
      ...resolveTenants(config, repoRoot).flatMap((t) => checkTenantSecrets(t.secretsDir).map((p) => `tenants/${t.id}/${p}`)),
    ];
    for (const p of problems) console.error(`  - ${p}`);
    if (problems.length > 0) {
      console.error(`${rt.secretsDir} is incomplete: run npm run secrets:dev`);
      process.exit(1);
    }
    console.log(`${rt.secretsDir}: complete`);
    process.exit(0);
  }
  // The files are 0600 and every container that reads them runs as runAs: as root, hand them to
  // runAs; as anyone else, the files can only be the caller's, so runAs must be the caller.
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0 && uid !== -1 && (config.runAs.uid !== uid || config.runAs.gid !== process.getgid?.())) {
    throw new ValidationError(`Invalid config ${file}`, [
      { field: "runAs", message: `is ${config.runAs.uid}:${config.runAs.gid}, but the secret files will be owned by you (${uid}:${process.getgid?.()}) with mode 0600: set runAs to your \`id -u\`:\`id -g\`, or run as root to hand the files to runAs` },
    ]);
  }
  if (!config.devIdp) throw new ValidationError(`Invalid config ${file}`, [{ field: "devIdp", message: "is required to generate the dev IdP's config" }]);
  const shared = {
    dir: rt.secretsDir,
    domain: config.domain,
    n8nHost: rt.n8nHost,
    authHost: rt.authHost,
    issuerUrl: rt.issuerUrl,
    clientId: config.sso.clientId,
    redirectUrl: `https://${rt.n8nHost}/oauth2/callback`,
    demoUserEmail: config.devIdp.demoUserEmail,
    demoUserName: config.devIdp.demoUserName,
    idTokenLifetime: config.devIdp.idTokenLifetime,
    // n8n verifies Postgres' (and in queue mode Valkey's) certificate against these names.
    // Each tenant's host by name: OpenSSL and Chromium do not accept *.<domain> for a one-label domain such as localhost.
    extraSans: [`${config.name}-postgres`, ...(config.n8n.mode === "queue" ? [`${config.name}-valkey`] : []), ...resolveTenants(config, repoRoot).map((t) => t.host)],
    // Queue mode adds Valkey's login (the service catalog's secrets).
    secrets: catalogFor(config).secrets,
    renewCertificate: options["renew-certificate"] === true,
    idpPorts: DEV_IDP_PORTS,
    owner: uid === 0 ? config.runAs : undefined,
  };
  const result = generateDevSecrets(shared);
  const print = (dir: string, r: { created: string[]; kept: string[] }) => {
    for (const f of r.created) console.log(`created ${path.join(dir, f)}`);
    for (const f of r.kept) console.log(`kept    ${path.join(dir, f)}`);
  };
  print(rt.secretsDir, result);
  const tenants = resolveTenants(config, repoRoot);
  if (tenants.length > 0) {
    // Each tenant's own secrets and its Postgres' certificate (signed by the shared dev CA), then
    // the IdP's config again with one client per tenant.
    for (const t of tenants) {
      const postgresHost = serviceContainerName(RUNTIME_SERVICES.postgres, t.prefix);
      print(t.secretsDir, generateTenantSecrets({ dir: t.secretsDir, caDir: rt.secretsDir, postgresHost, renewCertificate: options["renew-certificate"] === true, owner: shared.owner }));
    }
    const clients = tenants.map((t) => ({ id: t.clientId, redirectUrl: `https://${t.host}/oauth2/callback`, secretFile: path.join(t.secretsDir, SECRET_FILES.oauth2ProxyClientSecret) }));
    const again = generateDevSecrets({ ...shared, renewCertificate: false, clients });
    for (const f of again.created) console.log(`created ${path.join(rt.secretsDir, f)} (one client per tenant)`);
  }
  const hosts = tenants.length > 0 ? tenants.map((t) => `https://${t.host}`).join(", ") : `https://${rt.n8nHost}`;
  console.log(`\nSign in at ${hosts} as ${config.devIdp.demoUserEmail}; the password is in ${path.join(rt.secretsDir, SECRET_FILES.devIdpDemoPassword)}.`);
  console.log(`Trust the dev CA to avoid browser warnings: ${path.join(rt.secretsDir, "tls/ca.pem")}`);
} catch (e) {
  if (e instanceof ValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  console.error((e as Error).message);
  process.exit(1);
}
