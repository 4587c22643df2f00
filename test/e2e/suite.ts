/*
 * The deploy suite's checks (run by test/e2e/run.sh once the daemon, binaries and images exist):
 * the real `cdktf deploy dev` on the suite's own Docker engine, then what the README claims,
 * checked on the running containers, then a plan with no changes and a clean destroy.
 *
 *   node scripts/run-ts.cjs test/e2e/suite.ts --work <dir> [--images local|upstream] [--keep]
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { devConfigSchema, parseConfig } from "../../config/schema";
import { ATTACK_CASES, AttackContext, N8N_CONTENT, publicLimits, request } from "./attacks";
import { drillBackupRestore, drillN8nCrash, drillPostgresRestart, drillRebuildRestore, drillSsoDown } from "./drills";
import { addTestAccounts, browserRefusedUser, browserSignIn, browserSignOut, OUTSIDER, SECOND_USER, asOwner, ownerCookies, publicForm, publicWebhook, publishWorkflow, sessionLifetime, startLongSession, waitingWebhook } from "./browser";
import { benchQueue, queueBenchTable, queueBenchWorkflow } from "./bench-queue";
import { recoveryKey, drillValkeyRestart, drillWorkerKill, executedByWorkers, publishQueueWorkflows, QueueContainers, QueueHooks, queueSegmentation, requestAsync, workersStopped } from "./queue";
import { catalogFor } from "../../stacks/queue-mode";
import { instancesOf, QUEUE_SERVICES, serviceContainerName } from "../../constructs/app/service-catalog";
import { randomBytes } from "node:crypto";
import { benchEdge, benchTable } from "./bench-edge";
import { goDurationSeconds } from "../../constructs/policy/rules/components/helpers";
import { cliConfigText } from "../helpers/terraform";
import { LOCAL_STATE_FOLDER, localStatePath } from "../../stacks/local-state";
import { CheckError, Expect, run, runLogged, runOk, sleep, Suite } from "./harness";
import { runTenantSuite } from "./tenants";

// Bundled by scripts/run-ts.cjs into .cache/, so __dirname is not the source folder: run from the repository root.
const REPO_ROOT = process.cwd();

interface Args {
  work: string;
  images: "local" | "upstream";
  keep: boolean;
  /**
   * A benchmark instead of the suite: "edge" (deploy with the public rate limit raised, publish,
   * measure Traefik's cost) or "queue" (the same, then queue mode: one worker vs two).
   */
  bench?: "edge" | "queue";
  /** The tenant suite (issue 16) instead: config/dev.tenants.json deployed, the tenant isolation cases. */
  tenants?: boolean;
}

function parseArgs(argv: string[]): Args {
  const usage = "usage: suite.ts --work <dir> [--images local|upstream] [--keep] [--bench | --bench-queue | --tenants]";
  const out: Partial<Args> = { images: "local", keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) fail(`${a} needs a value\n${usage}`);
      return v;
    };
    if (a === "--work") out.work = path.resolve(value());
    else if (a === "--images") {
      const v = value();
      if (v !== "local" && v !== "upstream") fail(`--images must be "local" or "upstream", got "${v}"\n${usage}`);
      out.images = v;
    } else if (a === "--keep") out.keep = true;
    else if (a === "--tenants") out.tenants = true;
    else if (a === "--bench" || a === "--bench-queue") {
      if (out.bench) fail(`--bench and --bench-queue are two benchmarks: choose one\n${usage}`);
      out.bench = a === "--bench" ? "edge" : "queue";
    }
    else fail(`unknown argument "${a}"\n${usage}`);
  }
  if (!out.work) fail(`--work is required\n${usage}`);
  if (out.tenants && out.bench) fail(`--tenants runs the tenant suite, not a benchmark: choose one\n${usage}`);
  return out as Args;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const args = parseArgs(process.argv.slice(2));
const W = args.work;
const CACHE = process.env.N8N_ZT_E2E_CACHE ?? "/var/cache/n8n-zt-e2e";
const DOCKER_HOST = process.env.DOCKER_HOST ?? fail("DOCKER_HOST must point at the suite's dockerd (run.sh sets it)");
const SOCKET_PATH = DOCKER_HOST.replace(/^unix:\/\//, "");
const STACK = "dev";
const OUT = path.join(W, "cdktf.out");
const STACK_DIR = path.join(OUT, "stacks", STACK);
/** dev's local state: beside the output folder (stacks/local-state.ts), so <work>/state/terraform.dev.tfstate. */
const STATE_FILE = path.resolve(STACK_DIR, localStatePath(STACK));
/** The cases each benchmark needs: a deployed stack with a signed-in owner (and, for the queue, queue mode). */
const BENCH_CASES = {
  edge: new Set(["secrets.generate", "synth", "deploy", "healthy", "sso.sign-in", "edge.public-webhook", "bench.edge", "destroy"]),
  queue: new Set(["secrets.generate", "synth", "deploy", "healthy", "sso.sign-in", "queue.deploy", "queue.healthy", "bench.queue", "destroy"]),
};
/**
 * A developer's narrower run: E2E_ONLY=<case>,<case>,... runs those cases only (each still needs
 * what it depends on in the list). CI never sets it: `.ci/run` runs every case.
 */
const ONLY = process.env.E2E_ONLY ? new Set(process.env.E2E_ONLY.split(",").map((x) => x.trim()).filter(Boolean)) : undefined;
if (ONLY) console.log(`E2E_ONLY: running ${[...ONLY].join(", ")} only`);
const suite = new Suite(path.join(W, args.bench ? `bench-${args.bench}-results.json` : args.tenants ? "tenants-results.json" : "results.json"), args.bench ? BENCH_CASES[args.bench] : ONLY);

/** Environment of every docker / terraform / cdktf call: the suite's daemon and CLI config only. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TF_|AWS_)/.test(k)) env[k] = v;
  return {
    ...env,
    DOCKER_HOST,
    N8N_ZT_CONFIG_DIR: path.join(W, "config"),
    TF_CLI_CONFIG_FILE: path.join(W, "terraformrc"),
    TF_DATA_DIR: undefined,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
    HOME: process.env.HOME,
  };
}

const docker = (...a: string[]) => runOk("docker", a, { env: childEnv() });
function inspect<T = any>(kind: "container" | "network" | "volume", names: string[]): T[] {
  return JSON.parse(docker(kind, "inspect", ...names)) as T[];
}

// ---------------------------------------------------------------------------------------------
// Test config: the committed dev config with the suite's images, secrets folder and socket.

// The tenant suite deploys the two-tenant config instead (written to the same place, as queue mode does).
const devRaw = JSON.parse(readFileSync(path.join(REPO_ROOT, "config", args.tenants ? "dev.tenants.json" : "dev.json"), "utf8"));
/** What test/e2e/images/build.sh built: config image key (and "probe") → local reference. */
const localImages: Record<string, string> = args.images === "local" ? JSON.parse(readFileSync(path.join(CACHE, "images", "current.json"), "utf8")) : {};
if (args.images === "local") {
  const local = { ...localImages, ...JSON.parse(process.env.E2E_IMAGE_OVERRIDES ?? "{}") } as Record<string, string>;
  for (const key of Object.keys(devRaw.images)) {
    if (!local[key]) fail(`no local image for images.${key} in ${CACHE}/images/current.json (run test/e2e/images/build.sh)`);
    devRaw.images[key] = local[key];
  }
}
devRaw.secretsDir = path.join(W, "secrets");
devRaw.dockerSocket = SOCKET_PATH;
devRaw.network = { ...(devRaw.network ?? {}), bindAddress: "127.0.0.1" };
// The benchmark measures the edge, not the limit: the public router's rate limit is raised to the
// schema's maximum (still in the path, still evaluated per request).
if (args.bench) devRaw.n8n = { ...(devRaw.n8n ?? {}), webhookRateLimit: { average: 10000, burst: 100000 } };
// Short session durations, so sso.session-refresh sees a refresh within the run (the benchmark's
// load generator keeps one cookie and must not be refreshed under it).
const REFRESH_SECONDS = 60;
if (!args.bench) {
  devRaw.sso = { ...devRaw.sso, cookieRefresh: `${REFRESH_SECONDS}s` };
  devRaw.devIdp = { ...devRaw.devIdp, idTokenLifetime: `${REFRESH_SECONDS}s` };
}
const config = parseConfig(devConfigSchema, devRaw, "e2e test config");
const P = config.name;
const images = config.images as Record<string, string>;
const localProbeImage = args.images === "local" ? localImages.probe : process.env.E2E_PROBE_IMAGE ?? "debian:bookworm-slim";

/** What the README says about each container, stated here independently of the constructs. */
const SERVICES = {
  traefik: { name: `${P}-traefik`, networks: ["edge", "socket", "app"], caps: [] as string[], user: "runAs", resources: "traefik" },
  socketProxy: { name: `${P}-socket-proxy`, networks: ["socket"], caps: ["CAP_SYS_CHROOT"], user: "image", resources: "socketProxy" },
  oauth2Proxy: { name: `${P}-oauth2-proxy`, networks: ["edge"], caps: [], user: "runAs", resources: "oauth2Proxy" },
  idp: { name: `${P}-idp`, networks: ["edge"], caps: [], user: "runAs", resources: "dex" },
  postgres: { name: `${P}-postgres`, networks: ["data"], caps: [], user: "runAs", resources: "postgres" },
  n8n: { name: `${P}-main`, networks: ["app", "data", "egress"], caps: [], user: "runAs", resources: "n8n" },
  runners: { name: `${P}-runners`, networks: ["app"], caps: [], user: "runAs", resources: "n8nRunners" },
} as const;
const NETWORKS = { edge: false, socket: true, app: true, data: true, egress: false } as const;
const containerNames: string[] = Object.values(SERVICES).map((s) => s.name);
const networkNames = Object.keys(NETWORKS).map((n) => `${P}-${n}`);

// ---------------------------------------------------------------------------------------------
// Queue mode (issue 14): after the regular cases the same stack is deployed again with
// n8n.mode "queue" (2 workers, 1 webhook processor), in place, and the queue cases run on it.
const QUEUE = { workers: 2, webhookProcessors: 1, concurrency: 10, dbPoolSize: 2 } as const;
const VALKEY_UPSTREAM = "valkey/valkey:8.1.1";
const queueRaw = JSON.parse(JSON.stringify(devRaw));
// Queue mode with tenants is refused by the schema; the tenant suite runs no queue case.
delete queueRaw.tenants;
queueRaw.n8n = { ...queueRaw.n8n, mode: "queue", queue: { ...QUEUE } };
queueRaw.images = { ...queueRaw.images, valkey: args.images === "local" ? localImages.valkey ?? VALKEY_UPSTREAM : VALKEY_UPSTREAM };
// Limits of their own (not the constructs' defaults), so queue.healthy sees the config applied.
queueRaw.resources = {
  ...queueRaw.resources,
  valkey: { memoryMb: 256, cpus: "0.5" },
  n8nWorker: { memoryMb: 1536, cpus: "1" },
  n8nWorkerRunners: { memoryMb: 512, cpus: "0.5" },
  n8nWebhook: { memoryMb: 1024, cpus: "0.5" },
  executionRecovery: { memoryMb: 160, cpus: "0.25" },
};
const queueConfig = parseConfig(devConfigSchema, queueRaw, "e2e queue-mode config");
/** What the README says about queue mode's containers, by catalog kind (networks stated here). */
const QUEUE_KINDS = {
  valkey: { networks: ["queue"], resources: "valkey", image: "valkey" },
  n8nWorker: { networks: ["runners", "queue", "data", "egress"], resources: "n8nWorker", image: "n8n" },
  n8nWorkerRunners: { networks: ["runners"], resources: "n8nWorkerRunners", image: "n8nRunners" },
  n8nWebhook: { networks: ["app", "queue", "data"], resources: "n8nWebhook", image: "n8n" },
  executionRecovery: { networks: ["app", "data"], resources: "executionRecovery", image: "n8n" },
} as const;
const queueCatalog = catalogFor(queueConfig);
const namesOf = (kind: string) => instancesOf(queueCatalog, kind).map((s) => serviceContainerName(s, P));
const QC: QueueContainers = {
  main: SERVICES.n8n.name,
  postgres: SERVICES.postgres.name,
  valkey: serviceContainerName(QUEUE_SERVICES.valkey, P),
  workers: namesOf(QUEUE_SERVICES.n8nWorker.id),
  workerRunners: namesOf(QUEUE_SERVICES.n8nWorkerRunners.id),
  webhooks: namesOf(QUEUE_SERVICES.n8nWebhook.id),
  n8nProcesses: [SERVICES.n8n.name, ...namesOf(QUEUE_SERVICES.n8nWorker.id), ...namesOf(QUEUE_SERVICES.n8nWebhook.id)],
  others: [SERVICES.traefik.name, SERVICES.socketProxy.name, SERVICES.oauth2Proxy.name, SERVICES.idp.name, SERVICES.runners.name],
  recovery: serviceContainerName(QUEUE_SERVICES.executionRecovery, P),
};
/** Queue mode's own containers, with what the README says about each. */
const queueOnly: { name: string; kind: keyof typeof QUEUE_KINDS }[] = [
  { name: QC.valkey, kind: "valkey" },
  ...QC.workers.map((name) => ({ name, kind: "n8nWorker" as const })),
  ...QC.workerRunners.map((name) => ({ name, kind: "n8nWorkerRunners" as const })),
  ...QC.webhooks.map((name) => ({ name, kind: "n8nWebhook" as const })),
  { name: QC.recovery!, kind: "executionRecovery" },
];
const queueContainerNames = [...containerNames, ...queueOnly.map((q) => q.name)];

function cliConfig(): string {
  if (args.images === "upstream") return "disable_checkpoint = true\n";
  const bins = Object.fromEntries(
    readFileSync(path.join(CACHE, "bin", "current.env"), "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const mirror = process.env.E2E_TF_DOCKER_MIRROR || bins.TF_DOCKER_PROVIDER_MIRROR;
  if (!mirror || !existsSync(mirror)) fail(`no kreuzwerker/docker provider mirror (TF_DOCKER_PROVIDER_MIRROR in ${CACHE}/bin/current.env)`);
  return cliConfigText(mirror, ["registry.terraform.io/kreuzwerker/docker"]);
}

async function main(): Promise<void> {
  mkdirSync(W, { recursive: true });
  // The state goes too: every run deploys from nothing, on a daemon of its own.
  for (const d of ["config", "cdktf.out", LOCAL_STATE_FOLDER, "secrets", "validate"]) rmSync(path.join(W, d), { recursive: true, force: true });
  mkdirSync(path.join(W, "config"));
  writeFileSync(path.join(W, "config", "dev.json"), `${JSON.stringify(devRaw, null, 2)}\n`);
  // main.ts builds every stack; the prod stacks (prod-cloud, prod-runtime, prod-ecs) come from the
  // example configs, as in CI: every config/*.example.json goes along.
  for (const f of readdirSync(path.join(REPO_ROOT, "config")).filter((n) => n.endsWith(".example.json"))) copyFileSync(path.join(REPO_ROOT, "config", f), path.join(W, "config", f));
  writeFileSync(path.join(W, "terraformrc"), cliConfig());
  const env = childEnv();

  if (args.tenants) {
    await suite.case("isolation.no-route-out", "a container on a non-internal network reaches the local stand-in and nothing beyond the machine", () => isolationCheck());
    await runTenantSuite({
      suite, work: W, repoRoot: REPO_ROOT, out: OUT, stack: STACK, stateFile: STATE_FILE, configFile: path.join(W, "config", "dev.json"),
      config, env, probeImage: localProbeImage, keep: args.keep, waitHealthy, planIdempotent,
    });
    const { passed, failed } = suite.summary();
    console.log(`\nresults: ${path.join(W, "tenants-results.json")}`);
    console.log(`${passed} passed, ${failed} failed`);
    writeFileSync(path.join(W, "summary.txt"), `${passed} passed, ${failed} failed\n`);
    process.exit(failed === 0 ? 0 : 1);
  }

  await suite.case("isolation.no-route-out", "a container on a non-internal network reaches the local stand-in and nothing beyond the machine", () => isolationCheck());

  await suite.case("secrets.generate", "npm run secrets:dev writes the secret files, owned by runAs and mode 0600", () => {
    runOk("node", ["scripts/run-ts.cjs", "scripts/generate-dev-secrets.ts", "--config", path.join(W, "config", "dev.json")], { cwd: REPO_ROOT, env });
    const out = runOk("find", [path.join(W, "secrets"), "-type", "f", "-printf", "%u:%g %m %P\n"]).trim().split("\n");
    const e = new Expect();
    for (const line of out) {
      const [owner, mode, file] = line.split(" ");
      if (file.endsWith(".pem") && !file.endsWith("key.pem")) continue; // certificates are public
      e.ok(`${file}`, owner === `${config.runAs.uid}:${config.runAs.gid}` || owner === `${uidName(config.runAs.uid)}:${gidName(config.runAs.gid)}`, `owned by ${owner}, expected ${config.runAs.uid}:${config.runAs.gid}`);
      e.ok(`${file}`, mode === "600" || mode === "400", `mode ${mode}, expected 600`);
    }
    return e.done(out);
  });

  await suite.case("idp.test-accounts", `the dev IdP gets two test accounts: ${OUTSIDER.email}, outside sso.allowedEmailDomains (for sso.refused-user), and a second allowed user, ${SECOND_USER.email} (for sso.session-refresh)`, () => addTestAccounts(path.join(W, "secrets"), W), { needs: ["secrets.generate"] });

  await suite.case("synth", "the app synthesizes every stack from the test config", () => {
    runOk("node", ["scripts/run-ts.cjs", "main.ts"], { cwd: REPO_ROOT, env: { ...env, CDKTF_OUTDIR: OUT } });
    return ["dev", "prod-cloud", "prod-runtime"].map((s) => path.join("stacks", s, "cdk.tf.json")).filter((f) => existsSync(path.join(OUT, f)));
  });

  for (const stack of ["dev", "prod-runtime"]) {
    await suite.case(`validate.${stack}`, `terraform validate of ${stack} with the real kreuzwerker/docker provider`, () => validateStack(stack), { needs: ["synth"] });
  }

  await suite.case("deploy", "npx cdktf deploy dev applies the stack on the real Docker engine", async () => {
    const log = path.join(W, "deploy.log");
    const r = await runLogged("npx", ["cdktf", "deploy", STACK, "--auto-approve", "--skip-provider-lock", "--output", OUT], log, { cwd: REPO_ROOT, env, timeoutSeconds: 900 });
    if (r.status !== 0) throw new CheckError(`cdktf deploy exited ${r.status} (log ${log}):\n${r.tail}`);
    // attack.no-secret-values reads the state there: a state anywhere else fails that case.
    return { log, state: existsSync(STATE_FILE) ? STATE_FILE : "not found" };
  }, { needs: ["secrets.generate"] });

  await suite.case("healthy", "every container is running and healthy per Docker", () => waitHealthy(420), { needs: ["deploy"] });

  for (const [key, svc] of Object.entries(SERVICES)) {
    await suite.case(`container.${key}`, `${svc.name}: read-only root, no-new-privileges, capabilities, user, limits, networks, ports as the README says`, () => containerCheck(key as keyof typeof SERVICES), { needs: ["deploy"] });
  }
  await suite.case("networks", "networks exist with the README's internal flags and members, nothing else joined", () => networksCheck(), { needs: ["deploy"] });
  await suite.case("ports", "only Traefik publishes host ports: 443 and 80, on loopback", () => portsCheck(), { needs: ["deploy"] });
  await suite.case("n8n.ready", "n8n answers /healthz/readiness (database connected and migrated)", () => n8nReady(), { needs: ["healthy"] });
  await suite.case("postgres.least-privilege-tls", "n8n is connected to Postgres as its login role, over TLS, and that role has no privileged attribute", () => postgresSessionCheck(), { needs: ["n8n.ready"] });
  await suite.case("runners.registered", "the task runner connects to n8n's broker on the internal app network (n8n logs the registration)", () => runnersRegistered(), { needs: ["healthy"] });
  await suite.case("egress.stand-in", "n8n reaches the local stand-in for the internet on its egress network, and no public address", () => egressCheck(), { needs: ["healthy"] });

  // Requests and probes from real clients against the live stack (the edge checks and the attacks).
  const attack: AttackContext = {
    work: W,
    prefix: P,
    n8nHost: N8N_HOST,
    authHost: AUTH_HOST,
    probeImage: localProbeImage,
    env: childEnv(),
    secretsDir: path.join(W, "secrets"),
    stateFile: STATE_FILE,
    containers: containerNames,
    postgres: { database: config.postgres.database, n8nRole: config.postgres.n8nRole },
  };
  await suite.case("edge.redirect", "http:// on the published port 80 redirects to https:// on the published port 443", () => redirectCheck(attack), { needs: ["healthy"] });
  await suite.case("edge.sso", "the editor answers a browser with a redirect to sign in at the dev IdP, whose discovery document is served through Traefik", () => ssoSmokeCheck(attack), { needs: ["healthy"] });
  const demo = config.devIdp!.demoUserEmail;
  await suite.case("sso.sign-in", `a real browser (Chromium) signs in as ${demo} at Dex and reaches n8n; the session cookie is host-only, Secure, HttpOnly, SameSite=Lax and lasts sso.cookieExpire; n8n's REST API still wants n8n's own login`, () => browserSignIn(attack, demo), { needs: ["healthy"] });
  await suite.case("sso.refused-user", "an account the IdP signs in but the allow-list does not name gets oauth2-proxy's 403 and no session", () => browserRefusedUser(attack), { needs: ["healthy", "idp.test-accounts"] });
  await suite.case("sso.sign-out", "after /oauth2/sign_out the session cookie is gone and the editor sends the browser back to the IdP", () => browserSignOut(attack, demo), { needs: ["healthy"] });
  const anonymous = (url: string, extra: string[] = []) => request(attack, url, extra);
  // Signed in now, checked after the attack cases (minutes later): see sso.session-refresh.
  const longSession = args.bench ? undefined : await startLongSession(attack).catch((e: Error) => e);
  await suite.case("sso.session-lifetime", `oauth2-proxy enforces sso.cookieExpire (${config.sso.cookieExpire}) itself: the real session re-signed with the real secret opens the editor when fresh and is refused when older, or dated in the future`, () => sessionLifetime(attack, demo, goSeconds(config.sso.cookieExpire), anonymous), { needs: ["sso.sign-in"] });
  await suite.case("edge.public-webhook", "a workflow published through n8n's REST API (behind SSO) answers an anonymous client on /webhook/<path>; /webhook-test/<path> still needs SSO", () => publicWebhook(attack, demo, anonymous), { needs: ["sso.sign-in"] });
  await suite.case("edge.waiting-webhook", "a waiting execution's resume URL is a capability: without its token or with a tampered one n8n refuses; as handed out it resumes the execution", () => waitingWebhook(attack, demo, anonymous), { needs: ["edge.public-webhook"] });
  await suite.case("edge.public-form", "a published form is served to an anonymous client on /form/<path> inside n8n's HTML sandbox (CSP sandbox) and accepts a submission; /form-test/<path> still needs SSO", () => publicForm(attack, demo, anonymous), { needs: ["edge.public-webhook"] });

  // The first slice of the attack suite: each case is an attack that must fail on the live stack.
  for (const [id, title, fn] of ATTACK_CASES) await suite.case(id, title, () => fn(attack), { needs: ["healthy"] });
  const rate = config.n8n.webhookRateLimit;
  await suite.case("attack.public-limits", `the public paths' limits hold: a body above ${16} MiB gets 413; one client above ${rate.average}/s (burst ${rate.burst}) gets 429 while a second client is served`, () => publicLimits(attack, { average: rate.average, burst: rate.burst, maxBodyMb: 16 }), { needs: ["healthy"] });

  await suite.case("sso.session-refresh", `a browser signed in before the attack cases is still signed in after them — past sso.cookieRefresh and the IdP's ID-token lifetime (${REFRESH_SECONDS} s each in this run) — without going back to the IdP: oauth2-proxy refreshed the session with its refresh token`, async () => {
    if (longSession instanceof Error || !longSession) throw longSession ?? new CheckError("no long session");
    return longSession.finish(REFRESH_SECONDS * 2 + 15);
  }, { needs: ["sso.sign-in"] });

  // Resilience drills: crashes and restarts under a bounded load; the stack fails closed and recovers by itself.
  await suite.case("drill.sso-crash", "oauth2-proxy's process is killed: while it is down the editor answers only refusals (never n8n content), Docker restarts it, and sign-in redirects work again", () => drillSsoDown(attack, { sso: SERVICES.oauth2Proxy.name }), { needs: ["healthy"] });
  await suite.case("drill.n8n-crash", "n8n's process is killed under requests to its public webhook: no editor content leaks, Docker restarts it, and the published workflow answers again", () => drillN8nCrash(attack, { n8n: SERVICES.n8n.name }), { needs: ["edge.public-webhook"] });
  await suite.case("drill.postgres-restart", "Postgres restarts: n8n reconnects by itself as its login role over TLS and the public webhook answers again", () => drillPostgresRestart(attack, { postgres: SERVICES.postgres.name }, postgresSessionCheck), { needs: ["edge.public-webhook"] });

  await suite.case("drill.backup-restore", "the host's backup script dumps the live database through the real Docker CLI (only AWS faked); the dump restores into an empty database with the same tables, rows, owners and the published workflow", () => drillBackupRestore(attack, { postgres: SERVICES.postgres.name }, config.postgres.schema), { needs: ["edge.public-webhook"] });

  await suite.case("drill.rebuild-restore", "with a credential stored, a backup is taken, the stack and its data volumes are destroyed and deployed again, and the README's restore brings back the published workflow and a credential that decrypts with the kept key", () =>
    drillRebuildRestore(attack, {
      containers: { postgres: SERVICES.postgres.name, n8n: SERVICES.n8n.name, runners: SERVICES.runners.name },
      demoEmail: demo,
      volumePrefix: `${P}-`,
      allHealthy: () => waitHealthy(420),
      asOwner: (method, url, body) => asOwner(attack, demo, method, url, body),
      destroy: async () => {
        const r = await runLogged("npx", ["cdktf", "destroy", STACK, "--auto-approve", "--skip-provider-lock", "--output", OUT], path.join(W, "drill-destroy.log"), { cwd: REPO_ROOT, env, timeoutSeconds: 600 });
        if (r.status !== 0) throw new CheckError(`cdktf destroy exited ${r.status}:\n${r.tail}`);
      },
      deploy: async () => {
        const r = await runLogged("npx", ["cdktf", "deploy", STACK, "--auto-approve", "--skip-provider-lock", "--output", OUT], path.join(W, "drill-deploy.log"), { cwd: REPO_ROOT, env, timeoutSeconds: 900 });
        if (r.status !== 0) throw new CheckError(`cdktf deploy exited ${r.status}:\n${r.tail}`);
      },
    }), { needs: ["edge.public-webhook", "drill.backup-restore"] });

  if (args.bench === "edge") await suite.case("bench.edge", "npm run bench:edge: webhook and signed-in REST requests through Traefik (and forwardAuth) vs. straight to n8n, side by side in alternating rounds; requests/s, p50/p99 and their ratios", async () => {
    const cookies = await ownerCookies(attack, demo);
    const edgeIp = inspect("container", [SERVICES.traefik.name])[0].NetworkSettings.Networks[`${P}-edge`].IPAddress as string;
    const r = benchEdge(attack, { webhookPath: readFileSync(path.join(W, "public-webhook-path"), "utf8").trim(), n8nAuth: cookies.n8nAuth, ssoCookie: cookies.sso, traefikEdgeIp: edgeIp, n8nContainer: SERVICES.n8n.name });
    console.log(`\n${benchTable(r.scenarios, r.options)}\n(${r.options.rounds} rounds, ABBA order: ${r.options.seconds} s with ${r.options.concurrency} connections and ${r.options.latencySeconds} s with one, per path; median round; ${r.file})\n`);
    return r;
  }, { needs: ["edge.public-webhook"] });

  await suite.case("plan.idempotent", "terraform plan after the deploy has no changes (-detailed-exitcode 0)", () => planIdempotent(env), { needs: ["deploy"] });

  if (args.bench !== "edge") {
    await suite.case("queue.deploy", `the same stack deployed again with n8n.mode "queue" (${QUEUE.workers} workers, ${QUEUE.webhookProcessors} webhook processor): npm run secrets:dev adds Valkey's secrets (the certificate renewed to name Valkey), npx cdktf deploy dev applies the change in place`, () => queueDeploy(env), { needs: ["deploy"] });
    await suite.case("queue.healthy", "Valkey, the workers with their runners and the webhook processor run healthy beside the rest, hardened like every container (read-only root, no-new-privileges, no capability, runAs, the config's limits, the README's networks, no port), and each worker's runners registered with it", () => queueHealthy(), { needs: ["queue.deploy"] });
    let hooks: QueueHooks | undefined;
    await suite.case("queue.executed-by-workers", "a published webhook's and a form's executions run on the workers: each execution id is started and finished by exactly one worker (n8n's log lines), enqueued by the webhook processor, and run by neither main nor the webhook processor", async () => {
      hooks = await publishQueueWorkflows((name, def) => publishWorkflow(attack, demo, name, def), randomBytes(3).toString("hex"));
      return executedByWorkers(attack, QC, config.postgres.schema, hooks);
    }, { needs: ["queue.healthy"] });
    await suite.case("queue.workers-stopped", "the negative control: with both workers stopped, 10 requests to the webhook that answers at once are accepted and recorded, but none runs within 15 s (neither main nor the webhook processor starts one); once the workers start again every one succeeds on a worker: none lost", () => workersStopped(attack, QC, config.postgres.schema, hooks!), { needs: ["queue.executed-by-workers"] });
    await suite.case("attack.queue-segmentation", "Valkey is unreachable from the edge, app, egress and data networks, from the runners and from the recovery agent; the workers' runners reach their worker's broker and nothing on the app network (Traefik, main's API and broker, the webhook processor); the queue network holds only n8n's processes and Valkey, the data network n8n's processes, Postgres and the recovery agent; the live server refuses plain TCP, unauthenticated TLS, the default user, a wrong password, and all but PING for the health user; n8n's user has no admin command; its password is in no inspect output, log or the state", () => queueSegmentation(attack, QC, queueConfig.images.valkey!), { needs: ["queue.healthy"] });
    await suite.case("queue.recovery-key", "the execution recovery agent's n8n API key, made as an operator makes it (scope execution:retry only) and written into its file: the agent picks it up and watches n8n's execution data; from the app network the key may retry but not list or read workflows and executions, and without it the API answers 401; the key is in no inspect output, log or the state", () => recoveryKey(attack, QC, (method, url, body) => asOwner(attack, demo, method, url, body)), { needs: ["queue.executed-by-workers"] });
    await suite.case("drill.worker-kill", "a worker is killed (SIGKILL) under a bounded load (60 requests to each of two webhooks over 20 s): sent, completed, stalled, recovered, retried and lost counted from the HTTP answers and n8n's execution records; nothing pending, what stalled is what the killed worker held, the recovery agent retried each with its kept input and n8n records the retry's success on it: 0 lost, also for the webhook that answers when the execution finishes (its caller resends)", () => drillWorkerKill(attack, QC, config.postgres.schema, hooks!), { needs: ["queue.recovery-key"] });
    await suite.case("drill.valkey-restart", "Valkey restarts under a bounded load (40 requests to each webhook over 13 s): no execution is lost or left pending, and no n8n process restarts", () => drillValkeyRestart(attack, QC, config.postgres.schema, hooks!), { needs: ["queue.executed-by-workers"] });
    const benchPath = `zt-bench-queue-${randomBytes(3).toString("hex")}`;
    if (args.bench === "queue") await suite.case("bench.queue", `npm run bench:queue: a webhook answering when its Code node finishes, through Traefik, with 1 and with ${QUEUE.workers} workers (the second stopped for the one-worker rounds), side by side in alternating rounds; executions/s, p50/p99 and the ratio`, async () => {
      const published = await publishWorkflow(attack, demo, `zero-trust bench queue ${randomBytes(3).toString("hex")}`, queueBenchWorkflow(benchPath));
      if (!published.id || published.activated !== 200) throw new CheckError(`could not publish the bench workflow (${published.owner}/${published.created}/${published.activated}: ${published.problems.slice(0, 300)})`);
      const edgeIp = inspect("container", [SERVICES.traefik.name])[0].NetworkSettings.Networks[`${P}-edge`].IPAddress as string;
      // Registered on the webhook processor once it has read the activation.
      for (let i = 0; i < 30 && (await requestAsync(attack, `https://${N8N_HOST}/webhook/${benchPath}`)).code !== "200"; i++) await sleep(1000);
      const limits = queueConfig.resources as Record<string, unknown>;
      const r = await benchQueue(attack, {
        webhookPath: benchPath,
        traefikEdgeIp: edgeIp,
        workers: QC.workers,
        healthy: (names) => waitHealthy(240, [...names]),
        setup: { workers: QUEUE.workers, concurrencyPerWorker: QUEUE.concurrency, webhookProcessors: QUEUE.webhookProcessors, limits: { n8nWorker: limits.n8nWorker, n8nWorkerRunners: limits.n8nWorkerRunners, n8nWebhook: limits.n8nWebhook, n8n: limits.n8n, valkey: limits.valkey, postgres: limits.postgres } },
      });
      console.log(`\n${queueBenchTable(r)}\n(${r.options.rounds} rounds, ABBA order, ${r.options.seconds} s each with ${r.options.concurrency} connections; median round; machine: ${r.machine.cpus} CPUs, ${r.machine.memoryGiB} GiB; ${r.file})\n`);
      return r;
    }, { needs: ["queue.healthy"] });
    await suite.case("queue.plan-idempotent", "terraform plan after the queue-mode deploy has no changes (-detailed-exitcode 0)", () => planIdempotent(env), { needs: ["queue.deploy"] });
  }

  if (args.keep) {
    console.log(`--keep: the stack stays up (DOCKER_HOST=${DOCKER_HOST}); destroy it with: (cd ${REPO_ROOT} && N8N_ZT_CONFIG_DIR=${path.join(W, "config")} TF_CLI_CONFIG_FILE=${path.join(W, "terraformrc")} npx cdktf destroy dev --auto-approve --output ${OUT})`);
  } else {
    await suite.case("destroy", "npx cdktf destroy dev leaves no container and no network of the stack behind", async () => {
      const log = path.join(W, "destroy.log");
      const r = await runLogged("npx", ["cdktf", "destroy", STACK, "--auto-approve", "--skip-provider-lock", "--output", OUT], log, { cwd: REPO_ROOT, env, timeoutSeconds: 600 });
      if (r.status !== 0) throw new CheckError(`cdktf destroy exited ${r.status} (log ${log}):\n${r.tail}`);
      const containers = docker("ps", "-a", "--format", "{{.Names}}").split("\n").filter((n) => queueContainerNames.includes(n));
      const networks = docker("network", "ls", "--format", "{{.Name}}").split("\n").filter((n) => [...networkNames, `${P}-runners`, `${P}-queue`].includes(n));
      const volumes = docker("volume", "ls", "--format", "{{.Name}}").split("\n").filter((n) => n.startsWith(`${P}-`));
      return new Expect().equal("containers left", containers, []).equal("networks left", networks, []).done({ containers, networks, volumesKept: volumes });
    }, { needs: ["deploy"] });
  }

  const { passed, failed } = suite.summary();
  console.log(`\nresults: ${path.join(W, "results.json")}`);
  console.log(`${passed} passed, ${failed} failed`);
  writeFileSync(path.join(W, "summary.txt"), `${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

function planIdempotent(env: NodeJS.ProcessEnv): unknown {
  const r = run("terraform", ["plan", "-input=false", "-lock=false", "-detailed-exitcode", "-no-color"], { cwd: STACK_DIR, env });
  if (r.status !== 0) throw new CheckError(`terraform plan -detailed-exitcode exited ${r.status} (2 = changes pending)\n${r.stdout.split("\n").filter((l) => /^\s*[~+-]|must be replaced|forces replacement|Plan:/.test(l)).slice(0, 60).join("\n")}\n${r.stderr.slice(-2000)}`);
  return "No changes.";
}

/** Writes the queue-mode config where the app reads it, adds Valkey's secrets, and deploys in place. */
async function queueDeploy(env: NodeJS.ProcessEnv): Promise<unknown> {
  if (args.images === "local" && !localImages.valkey) throw new CheckError(`no local image for valkey in ${CACHE}/images/current.json (test/e2e/images/build.sh valkey)`);
  const file = path.join(W, "config", "dev.json");
  writeFileSync(file, `${JSON.stringify(queueRaw, null, 2)}\n`);
  // The certificate must now also name <name>-valkey (n8n verifies Valkey's certificate); the CA stays.
  const secrets = runOk("node", ["scripts/run-ts.cjs", "scripts/generate-dev-secrets.ts", "--config", file, "--renew-certificate"], { cwd: REPO_ROOT, env });
  const ids = () => Object.fromEntries(inspectExisting(containerNames).map((c) => [c.Name.slice(1), c.Id as string]));
  const before = ids();
  const log = path.join(W, "queue-deploy.log");
  const r = await runLogged("npx", ["cdktf", "deploy", STACK, "--auto-approve", "--skip-provider-lock", "--output", OUT], log, { cwd: REPO_ROOT, env, timeoutSeconds: 900 });
  if (r.status !== 0) throw new CheckError(`cdktf deploy (queue mode) exited ${r.status} (log ${log}):\n${r.tail}`);
  const after = ids();
  const created = secrets.split("\n").filter((l) => l.startsWith("created")).map((l) => path.relative(path.join(W, "secrets"), l.replace(/^created\s+/, "")));
  return {
    log,
    secretsCreated: created,
    replaced: Object.keys(before).filter((n) => after[n] && after[n] !== before[n]),
    kept: Object.keys(before).filter((n) => after[n] === before[n]),
    added: queueOnly.map((q) => q.name).filter((n) => inspectExisting([n]).length === 1),
  };
}

/** Every container healthy; queue mode's own containers hardened as the README says; runners registered with their worker. */
async function queueHealthy(): Promise<unknown> {
  const states = await waitHealthy(420, queueContainerNames);
  const e = new Expect();
  const seen: Record<string, unknown> = {};
  const limits = queueConfig.resources as Record<string, { memoryMb: number; cpus?: string }>;
  const imgs = queueConfig.images as Record<string, string>;
  for (const { name, kind } of queueOnly) {
    const k = QUEUE_KINDS[kind];
    const [c] = inspect("container", [name]);
    const hc = c.HostConfig;
    const l = limits[k.resources];
    e.equal(`${name} image`, c.Image, JSON.parse(docker("image", "inspect", imgs[k.image]))[0].Id);
    e.equal(`${name} ReadonlyRootfs`, hc.ReadonlyRootfs, true);
    e.equal(`${name} Privileged`, hc.Privileged, false);
    e.ok(`${name} SecurityOpt`, (hc.SecurityOpt ?? []).some((o: string) => /^no-new-privileges(:true)?$/.test(o)), JSON.stringify(hc.SecurityOpt));
    e.equal(`${name} CapDrop`, (hc.CapDrop ?? []).map(capName), ["CAP_ALL"]);
    e.equal(`${name} CapAdd`, (hc.CapAdd ?? []).map(capName), []);
    e.equal(`${name} User`, c.Config.User, `${config.runAs.uid}:${config.runAs.gid}`);
    e.equal(`${name} Memory`, [hc.Memory, hc.MemorySwap], [l.memoryMb * 1024 * 1024, l.memoryMb * 1024 * 1024]);
    if (l.cpus) e.equal(`${name} NanoCpus`, hc.NanoCpus, Math.round(Number(l.cpus) * 1e9));
    e.equal(`${name} networks`, Object.keys(c.NetworkSettings.Networks).sort(), k.networks.map((n) => `${P}-${n}`).sort());
    e.equal(`${name} restart policy`, hc.RestartPolicy?.Name, "unless-stopped");
    e.equal(`${name} published ports`, Object.values(hc.PortBindings ?? {}).flat().length, 0);
    e.ok(`${name} secret mounts read-only`, (c.Mounts ?? []).filter((m: any) => String(m.Destination).startsWith("/run/secrets")).every((m: any) => m.RW === false));
    seen[name] = { networks: Object.keys(c.NetworkSettings.Networks), memory: hc.Memory, health: c.State.Health?.Status };
  }
  // Each worker is its own task broker: its runners registered with it (n8n logs the registration).
  const deadline = Date.now() + 90_000;
  let pending = [...QC.workers];
  while (pending.length > 0 && Date.now() < deadline) {
    pending = pending.filter((w) => {
      const logs = run("docker", ["logs", w], { env: childEnv() });
      return !/Registered runner/.test(logs.stdout + logs.stderr);
    });
    if (pending.length > 0) await sleep(3000);
  }
  e.equal("workers whose runners did not register", pending, []);
  return e.done({ states, queue: seen });
}

function uidName(uid: number): string {
  return run("id", ["-nu", String(uid)]).stdout.trim() || String(uid);
}
function gidName(gid: number): string {
  return run("getent", ["group", String(gid)]).stdout.split(":")[0] || String(gid);
}

const STAND_IN = "e2e-internet";
/** A local stand-in for "the internet": an HTTP server on :8080 under the given DNS alias. */
function startStandIn(network: string, alias: string): void {
  stopStandIn();
  docker("run", "-d", "--name", STAND_IN, "--network", network, "--network-alias", alias, localProbeImage, "python3", "-m", "http.server", "8080", "--bind", "0.0.0.0");
}
function stopStandIn(): void {
  run("docker", ["rm", "-f", STAND_IN], { env: childEnv() });
}

/** Probes on a scratch network (not internal, like egress): the stand-in answers, the world does not. */
function isolationCheck(): unknown {
  const net = "e2e-isolation";
  stopStandIn();
  run("docker", ["network", "rm", net], { env: childEnv() });
  docker("network", "create", net);
  try {
    startStandIn(net, "internet.test");
    const before = rejectCount();
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): reserved for documentation, routed nowhere.
    const script = [
      "for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null -m 2 http://internet.test:8080/ && break; sleep 0.5; done",
      "curl -s -o /dev/null -w 'standin=%{http_code}\\n' -m 5 http://internet.test:8080/",
      "s=$(date +%s%N); curl -s -o /dev/null -m 10 http://192.0.2.1/; echo public_rc=$? public_ms=$(( ($(date +%s%N)-s)/1000000 ))",
      "getent hosts example.org >/dev/null; echo dns_rc=$?",
    ].join("; ");
    const out = docker("run", "--rm", "--network", net, localProbeImage, "sh", "-c", script);
    const kv = Object.fromEntries(out.trim().split(/\s+/).map((t) => t.split("=")));
    const after = rejectCount();
    return new Expect()
      .equal("stand-in status", kv.standin, "200")
      .ok("public address", kv.public_rc !== "0", "a public address answered")
      .ok("fails fast", Number(kv.public_ms) < 3000, `took ${kv.public_ms} ms (a reject answers at once; a timeout means packets were dropped silently or sent)`)
      .ok("rejected by the suite's firewall", after > before, `reject counter ${before} → ${after}`)
      .ok("outside names do not resolve", kv.dns_rc !== "0", "example.org resolved")
      .done({ ...kv, rejectedPackets: after - before });
  } finally {
    stopStandIn();
    run("docker", ["network", "rm", net], { env: childEnv() });
  }
}

function rejectCount(): number {
  const chain = process.env.E2E_FW_CHAIN ?? "N8NZT-SUITE";
  const out = runOk("iptables", ["-w", "-L", chain, "-v", "-n", "-x"]);
  const line = out.split("\n").find((l) => /\bREJECT\b/.test(l));
  return line ? Number(line.trim().split(/\s+/)[0]) : 0;
}

function validateStack(stack: string): unknown {
  const dir = path.join(W, "validate", stack);
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(OUT, "stacks", stack, "cdk.tf.json"), path.join(dir, "cdk.tf.json"));
  const env = { ...childEnv(), TF_DATA_DIR: path.join(dir, ".terraform") };
  runOk("terraform", ["init", "-backend=false", "-input=false", "-no-color"], { cwd: dir, env });
  const r = run("terraform", ["validate", "-json", "-no-color"], { cwd: dir, env });
  const v = JSON.parse(r.stdout) as { valid: boolean; error_count: number; warning_count: number; diagnostics: { severity: string; summary: string; detail?: string }[] };
  const version = JSON.parse(runOk("terraform", ["version", "-json"], { cwd: dir, env })) as { terraform_version: string; provider_selections: Record<string, string> };
  return new Expect()
    .equal("valid", v.valid, true)
    .equal("errors", v.error_count, 0)
    .equal("warnings", v.diagnostics.map((d) => `${d.severity}: ${d.summary}`), [])
    .done({ terraform: version.terraform_version, providers: version.provider_selections });
}

async function waitHealthy(timeoutSeconds: number, names: string[] = containerNames): Promise<unknown> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let states: Record<string, string> = {};
  while (Date.now() < deadline) {
    const found = inspectExisting(names);
    states = Object.fromEntries(names.map((n) => {
      const c = found.find((x) => x.Name === `/${n}`);
      return [n, c ? `${c.State.Status}/${c.State.Health?.Status ?? "no-healthcheck"}` : "missing"];
    }));
    if (Object.values(states).every((s) => s === "running/healthy")) return states;
    if (Object.values(states).some((s) => s.startsWith("exited") || s.startsWith("dead"))) break;
    await sleep(3000);
  }
  const detail = names
    .filter((n) => states[n] !== "running/healthy")
    .map((n) => {
      const logs = run("docker", ["logs", "--tail", "15", n], { env: childEnv() });
      const health = run("docker", ["inspect", "-f", "{{json .State.Health}}", n], { env: childEnv() });
      return `--- ${n}: ${states[n]}\n${(logs.stdout + logs.stderr).trim()}\nhealth: ${health.stdout.trim().slice(0, 800)}`;
    })
    .join("\n");
  throw new CheckError(`not every container became healthy within ${timeoutSeconds} s:\n${detail}`, states);
}

function inspectExisting(names: string[]): any[] {
  const ids = docker("ps", "-aq", ...names.flatMap((n) => ["--filter", `name=^/${n}$`])).split("\n").filter(Boolean);
  return ids.length > 0 ? inspect("container", ids) : [];
}

function containerCheck(key: keyof typeof SERVICES): unknown {
  const svc = SERVICES[key];
  const [c] = inspect("container", [svc.name]);
  const hc = c.HostConfig;
  const limits = (config.resources as Record<string, { memoryMb: number; cpus?: string }>)[svc.resources];
  const e = new Expect();
  const ref = images[key === "idp" ? "dex" : key === "runners" ? "n8nRunners" : key];
  // The provider creates containers from the image id; the id must be the configured tag's.
  e.equal("image", c.Image, JSON.parse(docker("image", "inspect", ref))[0].Id);
  e.equal("ReadonlyRootfs", hc.ReadonlyRootfs, true);
  e.equal("Privileged", hc.Privileged, false);
  e.ok("SecurityOpt", (hc.SecurityOpt ?? []).includes("no-new-privileges:true") || (hc.SecurityOpt ?? []).includes("no-new-privileges"), `got ${JSON.stringify(hc.SecurityOpt)}`);
  e.equal("CapDrop", (hc.CapDrop ?? []).map(capName), ["CAP_ALL"]);
  e.equal("CapAdd", (hc.CapAdd ?? []).map(capName).sort(), svc.caps);
  if (svc.user === "runAs") e.equal("User", c.Config.User, `${config.runAs.uid}:${config.runAs.gid}`);
  e.equal("Memory (bytes)", hc.Memory, limits.memoryMb * 1024 * 1024);
  e.equal("MemorySwap (no swap beyond the limit)", hc.MemorySwap, limits.memoryMb * 1024 * 1024);
  if (limits.cpus) e.equal("NanoCpus", hc.NanoCpus, Math.round(Number(limits.cpus) * 1e9));
  e.equal("networks", Object.keys(c.NetworkSettings.Networks).sort(), svc.networks.map((n) => `${P}-${n}`).sort());
  e.ok("healthcheck", (c.Config.Healthcheck?.Test ?? []).length > 0, "no healthcheck");
  e.equal("restart policy", hc.RestartPolicy?.Name, "unless-stopped");
  const socketMounts = (c.Mounts ?? []).filter((m: any) => m.Source === SOCKET_PATH || /docker\.sock$/.test(m.Destination));
  if (key === "socketProxy") e.equal("docker socket mount", socketMounts.map((m: any) => ({ dest: m.Destination, rw: m.RW })), [{ dest: "/var/run/docker.sock", rw: false }]);
  else e.equal("docker socket mount", socketMounts.length, 0);
  const secretMounts = (c.Mounts ?? []).filter((m: any) => String(m.Destination).startsWith("/run/secrets"));
  e.ok("secret mounts read-only", secretMounts.every((m: any) => m.RW === false), JSON.stringify(secretMounts.map((m: any) => [m.Destination, m.RW])));
  if (key !== "traefik") e.equal("published ports", Object.values(hc.PortBindings ?? {}).flat().length, 0);
  return e.done({
    user: c.Config.User,
    readOnly: hc.ReadonlyRootfs,
    securityOpt: hc.SecurityOpt,
    capAdd: hc.CapAdd,
    memory: hc.Memory,
    nanoCpus: hc.NanoCpus,
    networks: Object.keys(c.NetworkSettings.Networks),
    health: c.State.Health?.Status,
  });
}

function capName(c: string): string {
  return c.startsWith("CAP_") ? c : `CAP_${c}`;
}

function networksCheck(): unknown {
  const nets = inspect("network", networkNames);
  const e = new Expect();
  const observed: Record<string, unknown> = {};
  for (const [role, internal] of Object.entries(NETWORKS)) {
    const n = nets.find((x) => x.Name === `${P}-${role}`);
    if (!n) {
      e.ok(`${P}-${role}`, false, "missing");
      continue;
    }
    const members = Object.values(n.Containers ?? {}).map((m: any) => m.Name).sort();
    const expected = Object.values(SERVICES).filter((s) => (s.networks as readonly string[]).includes(role)).map((s) => s.name).sort();
    e.equal(`${n.Name} internal`, n.Internal, internal);
    e.equal(`${n.Name} members`, members, expected);
    e.equal(`${n.Name} driver`, n.Driver, "bridge");
    observed[n.Name] = { internal: n.Internal, members, subnet: n.IPAM?.Config?.[0]?.Subnet };
  }
  // The README: nothing on the edge network also reaches the data network.
  const edge = new Set(Object.values(SERVICES).filter((s) => (s.networks as readonly string[]).includes("edge")).map((s) => s.name));
  const both = Object.values(SERVICES).filter((s) => edge.has(s.name) && (s.networks as readonly string[]).includes("data"));
  e.equal("members of both edge and data", both.map((s) => s.name), []);
  return e.done(observed);
}

function portsCheck(): unknown {
  const all = inspect("container", containerNames);
  const published = all.flatMap((c) =>
    Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([port, binds]) => ((binds as any[]) ?? []).map((b) => `${c.Name.slice(1)} ${b.HostIp || "0.0.0.0"}:${b.HostPort}->${port}`)),
  );
  return new Expect().equal("published", published.sort(), [`${P}-traefik 127.0.0.1:443->443/tcp`, `${P}-traefik 127.0.0.1:80->80/tcp`].sort()).done(published);
}

function n8nReady(): unknown {
  const out = docker("exec", SERVICES.n8n.name, "node", "-e", "fetch('http://127.0.0.1:5678/healthz/readiness').then(async r=>{console.log(r.status, await r.text())},e=>{console.log('error', e.message);process.exit(1)})").trim();
  return new Expect().ok("readiness", out.startsWith("200"), out).done(out);
}

/** Asks the live server, as the superuser over the container's local socket. */
function postgresSessionCheck(): unknown {
  const pg = config.postgres;
  const sql = `
    select json_build_object(
      'sessions', (select coalesce(json_agg(json_build_object('user', a.usename, 'db', a.datname, 'ssl', s.ssl, 'version', s.version, 'client', host(a.client_addr))), '[]'::json)
                   from pg_stat_activity a join pg_stat_ssl s using (pid) where a.backend_type = 'client backend' and a.usename <> 'postgres'),
      'role', (select json_build_object('super', rolsuper, 'createrole', rolcreaterole, 'createdb', rolcreatedb, 'replication', rolreplication, 'bypassrls', rolbypassrls) from pg_roles where rolname = '${pg.n8nRole}'),
      'dbOwner', (select pg_get_userbyid(datdba) from pg_database where datname = '${pg.database}')
    )`;
  // Schema and tables live in n8n's database: asked there.
  const sqlInDb = `
    select json_build_object(
      'schemaOwner', (select pg_get_userbyid(nspowner) from pg_namespace where nspname = '${pg.schema}'),
      'tablesOwnedByLogin', (select count(*) from pg_tables where tableowner = '${pg.n8nRole}'),
      'tablesInSchema', (select count(*) from pg_tables where schemaname = '${pg.schema}')
    )`;
  const ask = (db: string, q: string) =>
    JSON.parse(docker("exec", SERVICES.postgres.name, "sh", "-c", `PGPASSWORD="$(cat /run/secrets/postgres-superuser-password)" exec psql -X -At -h /var/run/postgresql -U postgres -d "$1" -c "$2"`, "sh", db, q).trim());
  const o = { ...ask("postgres", sql), ...ask(pg.database, sqlInDb) };
  const n8nSessions = (o.sessions as any[]).filter((s) => s.db === pg.database);
  return new Expect()
    .ok("n8n has sessions", n8nSessions.length > 0, `no client session on database ${pg.database}`)
    .equal("session users", [...new Set(n8nSessions.map((s) => s.user))], [pg.n8nRole])
    .ok("every session uses TLS", n8nSessions.every((s) => s.ssl === true), JSON.stringify(n8nSessions))
    .equal("role attributes", o.role, { super: false, createrole: false, createdb: false, replication: false, bypassrls: false })
    .ok("database not owned by the login role", o.dbOwner !== pg.n8nRole, `owner ${o.dbOwner}`)
    .ok("schema owned by the NOLOGIN owner role", o.schemaOwner === `${pg.n8nRole}_owner`, `owner ${o.schemaOwner}`)
    .equal("tables owned by the login role", Number(o.tablesOwnedByLogin), 0)
    .ok("n8n migrated its schema", Number(o.tablesInSchema) > 10, `${o.tablesInSchema} tables`)
    .done(o);
}

const N8N_HOST = `${config.hosts.n8n}.${config.domain}`;
/** A Go duration from the config in seconds (the config schema validated its form). */
function goSeconds(d: string): number {
  const s = goDurationSeconds(d);
  if (s === undefined) throw new Error(`not a Go duration: ${d}`);
  return s;
}
const AUTH_HOST = `${config.hosts.auth}.${config.domain}`;
function redirectCheck(ctx: AttackContext): unknown {
  const r = request(ctx, `http://${N8N_HOST}/some/path`);
  return new Expect()
    .ok("permanent redirect", r.code === "301" || r.code === "308", `status ${r.code}`)
    .equal("location", r.headers.location, `https://${N8N_HOST}/some/path`)
    .done({ code: r.code, location: r.headers.location, body: r.body });
}

function ssoSmokeCheck(ctx: AttackContext): unknown {
  const editor = request(ctx, `https://${N8N_HOST}/`, ["-H", "Accept: text/html"]);
  const location = editor.headers.location ?? "";
  const discovery = request(ctx, `https://${AUTH_HOST}/dex/.well-known/openid-configuration`);
  let issuer = "";
  try {
    issuer = JSON.parse(discovery.body).issuer;
  } catch {
    /* reported below */
  }
  return new Expect()
    .equal("editor status", editor.code, "302")
    .ok("editor redirects to the IdP", location.startsWith(`https://${AUTH_HOST}/dex/auth?`) || location.startsWith(`https://${N8N_HOST}/oauth2/`), `location ${location}`)
    // The redirect's own body names the OIDC client; n8n's editor would bring its page shell.
    .ok("no n8n content without a session", !N8N_CONTENT.test(editor.body), editor.body.slice(0, 300))
    .equal("discovery status", discovery.code, "200")
    .equal("issuer", issuer, `https://${AUTH_HOST}/dex`)
    .done({ editor: { code: editor.code, location: location.replace(/state=[^&]+/, "state=…") }, discovery: { code: discovery.code, issuer } });
}

async function runnersRegistered(): Promise<unknown> {
  const deadline = Date.now() + 90_000;
  let logs = "";
  while (Date.now() < deadline) {
    const r = run("docker", ["logs", SERVICES.n8n.name], { env: childEnv() });
    logs = r.stdout + r.stderr;
    const line = logs.split("\n").find((l) => /Registered runner/.test(l));
    if (line) return line.trim();
    await sleep(3000);
  }
  throw new CheckError(`n8n did not log a runner registration within 90 s; last log lines:\n${logs.split("\n").slice(-15).join("\n")}`);
}

/** Attaches a stand-in "internet" to the stack's egress network; n8n reaches it and nothing else. */
function egressCheck(): unknown {
  startStandIn(`${P}-egress`, "api.example.test");
  try {
    const js = (url: string) => `const s=Date.now();fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(8000)}).then(r=>console.log(r.status,Date.now()-s),e=>console.log('error',Date.now()-s))`;
    let standInOut = "";
    for (let i = 0; i < 10 && !standInOut.startsWith("200"); i++) {
      standInOut = docker("exec", SERVICES.n8n.name, "node", "-e", js("http://api.example.test:8080/")).trim();
      if (!standInOut.startsWith("200")) runOk("sleep", ["0.5"]);
    }
    const publicOut = docker("exec", SERVICES.n8n.name, "node", "-e", js("http://192.0.2.1/")).trim();
    const runnersOut = run("docker", ["exec", SERVICES.runners.name, "node", "-e", js("http://api.example.test:8080/")], { env: childEnv() }).stdout.trim();
    return new Expect()
      .ok("stand-in", standInOut.startsWith("200"), standInOut)
      .ok("public address refused", publicOut.startsWith("error"), publicOut)
      .ok("runners have no route to the stand-in", runnersOut.startsWith("error"), runnersOut)
      .done({ standIn: standInOut, publicAddress: publicOut, runners: runnersOut });
  } finally {
    stopStandIn();
  }
}

main().catch((e) => {
  console.error(e);
  const { passed, failed } = suite.summary();
  writeFileSync(path.join(W, "summary.txt"), `${passed} passed, ${failed + 1} failed\n`);
  process.exit(1);
});
