/*
 * The deploy suite's tenant mode (issue 16): `bash test/e2e/run.sh --tenants` deploys
 * config/dev.tenants.json (tenants acme and globex on one host, written into the suite's dev config
 * the way queue mode writes its own) and proves on the running stack that the tenants cannot reach
 * each other. .ci/run runs it after the regular deploy suite.
 *
 * The pure helpers (names, the reachability matrix, verdicts) are unit-tested in tenants.test.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DevConfig } from "../../config/schema";
import { resolveTenants } from "../../config/schema";
import { RUNTIME_SERVICES, serviceContainerName } from "../../constructs/app/service-catalog";
import { SECRET_FILES } from "../../constructs/common/secret-files";
import { AttackContext, ipOf, N8N_CONTENT, probe, request } from "./attacks";
import { openBrowser, signInAs } from "./browser";
import { CheckError, Expect, run, runLogged, runOk, Suite } from "./harness";

/** What one tenant's cases need to know about it (derived from the config, like the stack). */
export interface E2eTenant {
  readonly id: string;
  readonly prefix: string;
  readonly host: string;
  readonly secretsDir: string;
  readonly cookieName: string;
  readonly containers: { readonly main: string; readonly runners: string; readonly postgres: string; readonly sso: string };
  readonly networks: { readonly edge: string; readonly app: string; readonly data: string; readonly egress: string };
  readonly postgres: { readonly database: string; readonly n8nRole: string };
  readonly allowedEmailDomains: readonly string[];
  readonly rate: { readonly average: number; readonly burst: number; readonly periodSeconds: number };
}

/** The tenants of a config as the suite addresses them. */
export function e2eTenants(config: DevConfig, repoRoot: string): E2eTenant[] {
  return resolveTenants(config, repoRoot).map((t) => ({
    id: t.id,
    prefix: t.prefix,
    host: t.host,
    secretsDir: t.secretsDir,
    cookieName: `__Host-${t.prefix}-sso`,
    containers: {
      main: serviceContainerName(RUNTIME_SERVICES.n8n, t.prefix),
      runners: serviceContainerName(RUNTIME_SERVICES.n8nRunners, t.prefix),
      postgres: serviceContainerName(RUNTIME_SERVICES.postgres, t.prefix),
      sso: serviceContainerName(RUNTIME_SERVICES.oauth2Proxy, t.prefix),
    },
    networks: { edge: `${t.prefix}-edge`, app: `${t.prefix}-app`, data: `${t.prefix}-data`, egress: `${t.prefix}-egress` },
    postgres: { database: t.postgres.database, n8nRole: t.postgres.n8nRole },
    allowedEmailDomains: t.allowedEmailDomains,
    rate: t.webhookRateLimit,
  }));
}

/** One connection attempt of the isolation matrix: from a network of `from`, to a service of `to`. */
export interface ReachAttempt {
  readonly label: string;
  readonly fromNetwork: string;
  readonly target: { readonly container: string; readonly network: string; readonly port: number };
  /** true: must connect (a positive control within one tenant); false: must not. */
  readonly expectOpen: boolean;
}

/**
 * From each of `a`'s networks: `b`'s n8n (5678), runners (5680) and Postgres (5432) must be
 * unreachable (by name and by address); and, as positive controls, `a`'s own n8n from its app
 * network and `a`'s own Postgres from its data network must answer.
 */
export function isolationMatrix(a: E2eTenant, b: E2eTenant): ReachAttempt[] {
  const denied = [
    { what: "n8n", container: b.containers.main, network: b.networks.app, port: 5678 },
    { what: "runners", container: b.containers.runners, network: b.networks.app, port: 5680 },
    { what: "postgres", container: b.containers.postgres, network: b.networks.data, port: 5432 },
  ];
  const out: ReachAttempt[] = [];
  for (const [role, net] of Object.entries(a.networks)) {
    for (const d of denied) out.push({ label: `${a.id}_${role}_to_${b.id}_${d.what}`, fromNetwork: net, target: { container: d.container, network: d.network, port: d.port }, expectOpen: false });
  }
  out.push({ label: `${a.id}_app_to_own_n8n`, fromNetwork: a.networks.app, target: { container: a.containers.main, network: a.networks.app, port: 5678 }, expectOpen: true });
  out.push({ label: `${a.id}_data_to_own_postgres`, fromNetwork: a.networks.data, target: { container: a.containers.postgres, network: a.networks.data, port: 5432 }, expectOpen: true });
  return out;
}

/** The verdict on independent rate limits: A's burst was limited, B was served right after, from the same client. */
export function rateLimitVerdict(aCodes: readonly string[], aBurst: number, bCode: string): string[] {
  const problems: string[] = [];
  const limited = aCodes.filter((c) => c === "429").length;
  if (limited === 0) problems.push(`no 429 in ${aCodes.length} requests to the first tenant's webhook`);
  if (aCodes.slice(0, aBurst).some((c) => c === "429")) problems.push(`429 within the first tenant's burst of ${aBurst}`);
  if (bCode === "429" || !/^\d{3}$/.test(bCode)) problems.push(`the second tenant's webhook answered ${bCode} right after: its bucket is not its own`);
  return problems;
}

/** What the suite gives the tenant cases. */
export interface TenantSuiteDeps {
  readonly suite: Suite;
  readonly work: string;
  readonly repoRoot: string;
  readonly out: string;
  readonly stack: string;
  readonly stateFile: string;
  readonly configFile: string;
  readonly config: DevConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly probeImage: string;
  readonly keep: boolean;
  readonly waitHealthy: (timeoutSeconds: number, names: string[]) => Promise<unknown>;
  readonly planIdempotent: (env: NodeJS.ProcessEnv) => unknown;
}

const tcp = (label: string, host: string, port: number) => `if timeout 4 nc -z -w 3 ${host} ${port} 2>/dev/null; then echo ${label}=open; else echo ${label}=closed; fi`;

/** Runs the tenant cases in order on one deployment of config/dev.tenants.json. */
export async function runTenantSuite(d: TenantSuiteDeps): Promise<void> {
  const { suite, env, config } = d;
  const tenants = e2eTenants(config, d.repoRoot);
  if (tenants.length < 2) throw new Error("the tenant suite needs at least two tenants in config/dev.tenants.json");
  const [A, B] = tenants;
  const P = config.name;
  const shared = [`${P}-traefik`, `${P}-socket-proxy`, `${P}-idp`];
  const all = [...shared, ...tenants.flatMap((t) => Object.values(t.containers))];
  const authHost = `${config.hosts.auth}.${config.domain}`;
  const ctxOf = (t: E2eTenant): AttackContext => ({
    work: d.work,
    prefix: t.prefix,
    n8nHost: t.host,
    authHost,
    probeImage: d.probeImage,
    env,
    secretsDir: path.join(d.work, "secrets"),
    stateFile: d.stateFile,
    containers: all,
    postgres: t.postgres,
  });
  const docker = (...a: string[]) => runOk("docker", a, { env });
  const demo = config.devIdp!.demoUserEmail;
  const demoPassword = () => readFileSync(path.join(d.work, "secrets", SECRET_FILES.devIdpDemoPassword), "utf8").trim();

  await suite.case("tenants.secrets", "npm run secrets:dev with tenants writes each tenant's own folder (every secret its own, its Postgres certificate from the shared CA) and one dev IdP client per tenant", () => {
    runOk("node", ["scripts/run-ts.cjs", "scripts/generate-dev-secrets.ts", "--config", d.configFile], { cwd: d.repoRoot, env });
    const e = new Expect();
    for (const f of [SECRET_FILES.oauth2ProxyCookieSecret, SECRET_FILES.oauth2ProxyClientSecret, SECRET_FILES.n8nEncryptionKey, SECRET_FILES.n8nDbPassword]) {
      const values = tenants.map((t) => readFileSync(path.join(t.secretsDir, f), "utf8"));
      e.equal(`${f} differs between tenants`, new Set(values).size, tenants.length);
    }
    const dex = JSON.parse(readFileSync(path.join(d.work, "secrets", SECRET_FILES.devIdpConfig), "utf8"));
    e.equal("the dev IdP's clients", dex.staticClients.map((c: { redirectURIs: string[] }) => c.redirectURIs[0]), tenants.map((t) => `https://${t.host}/oauth2/callback`));
    return e.done({ tenants: tenants.map((t) => t.secretsDir) });
  });

  await suite.case("tenants.deploy", `npx cdktf deploy dev applies the two-tenant host (${tenants.map((t) => t.id).join(", ")}): one Traefik, socket proxy and dev IdP, and per tenant oauth2-proxy, n8n, runners and Postgres`, async () => {
    runOk("node", ["scripts/run-ts.cjs", "main.ts"], { cwd: d.repoRoot, env: { ...env, CDKTF_OUTDIR: d.out } });
    const log = path.join(d.work, "tenants-deploy.log");
    const r = await runLogged("npx", ["cdktf", "deploy", d.stack, "--auto-approve", "--skip-provider-lock", "--output", d.out], log, { cwd: d.repoRoot, env, timeoutSeconds: 1200 });
    if (r.status !== 0) throw new CheckError(`cdktf deploy exited ${r.status} (log ${log}):\n${r.tail}`);
    return { log, state: existsSync(d.stateFile) ? d.stateFile : "not found" };
  }, { needs: ["tenants.secrets"] });

  await suite.case("tenants.healthy", "every container of the shared edge and of both tenants is running and healthy", () => d.waitHealthy(600, all), { needs: ["tenants.deploy"] });

  await suite.case("tenants.networks", "each tenant's containers are only on its own networks; Traefik joins each tenant's edge and app network and nothing else of a tenant's", () => {
    const e = new Expect();
    const seen: Record<string, string[]> = {};
    const netsOf = (c: string) => Object.keys(JSON.parse(docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", c))).sort();
    for (const t of tenants) {
      for (const c of Object.values(t.containers)) {
        seen[c] = netsOf(c);
        e.ok(`${c} on its tenant's networks only`, seen[c].every((n) => Object.values(t.networks).includes(n)), seen[c].join(", "));
      }
    }
    seen[`${P}-traefik`] = netsOf(`${P}-traefik`);
    e.equal("Traefik's networks", seen[`${P}-traefik`], [`${P}-edge`, `${P}-socket`, ...tenants.flatMap((t) => [t.networks.edge, t.networks.app])].sort());
    return e.done(seen);
  }, { needs: ["tenants.deploy"] });

  const ctxA = ctxOf(A);
  const ctxB = ctxOf(B);

  await suite.case("tenants.session-isolation", `a browser signed in at ${A.id} (${demo}) does not open ${B.id}'s editor: ${B.id} sends it to the IdP; ${A.id}'s session cookie sent as ${B.id}'s cookie is refused`, async () => {
    const b = await openBrowser(ctxA, "tenant-a", [B.host]);
    try {
      const page = await b.context.newPage();
      const r = await signInAs(page, ctxA, demo, demoPassword());
      const aCookie = (await b.context.cookies(`https://${A.host}/`)).find((c) => c.name === A.cookieName);
      await page.goto(`https://${B.host}/`).catch(() => undefined);
      const landed = new URL(page.url());
      const body = (await page.content().catch(() => "")) ?? "";
      const bCookies = await b.context.cookies(`https://${B.host}/`);
      const e = new Expect()
        .ok(`signed in at ${A.id}`, new URL(r.landed).host === A.host && !!aCookie, `${r.landed}, cookie ${aCookie ? "set" : "missing"}`)
        .equal(`${B.id}'s editor sends the browser to the IdP`, landed.host, authHost)
        .ok(`no n8n content of ${B.id}`, !N8N_CONTENT.test(body), body.slice(0, 200))
        .ok(`the browser holds no session of ${B.id}`, !bCookies.some((c) => c.name === B.cookieName), bCookies.map((c) => c.name).join(", "));
      // The same session under B's cookie name: B's oauth2-proxy cannot decrypt it (its own secret).
      const forged = aCookie ? request(ctxB, `https://${B.host}/rest/settings`, ["-H", `Cookie: ${B.cookieName}=${aCookie.value}`, "-H", "Accept: application/json", "-H", "X-Requested-With: XMLHttpRequest"]) : { code: "no-cookie", body: "" };
      e.ok(`${A.id}'s session as ${B.id}'s cookie is refused`, forged.code === "401" || forged.code === "302" || forged.code === "403", `got ${forged.code}`);
      e.ok(`no n8n content for ${A.id}'s session at ${B.id}`, !N8N_CONTENT.test(forged.body), forged.body.slice(0, 200));
      return e.done({ signedIn: r.landed, atB: page.url(), forged: forged.code });
    } finally {
      await b.close();
    }
  }, { needs: ["tenants.healthy"] });

  await suite.case("tenants.refused-by-allow-list", `${demo} (allowed at ${A.id}) signs in at the IdP for ${B.id}, whose allow-list (${B.allowedEmailDomains.join(", ")}) does not name it: ${B.id}'s oauth2-proxy answers 403 and sets no session`, async () => {
    const b = await openBrowser(ctxB, "tenant-b-refused");
    try {
      const page = await b.context.newPage();
      const r = await signInAs(page, ctxB, demo, demoPassword());
      const body = (await page.textContent("body").catch(() => "")) ?? "";
      const cookies = await b.context.cookies(`https://${B.host}/`);
      return new Expect()
        .ok("the IdP accepted the password (the refusal is the tenant's)", new URL(r.landed).host === B.host, r.landed)
        .equal(`${B.id}'s oauth2-proxy on the callback`, r.status, 403)
        .ok("not n8n", !N8N_CONTENT.test(body), body.slice(0, 200))
        .ok(`no session cookie of ${B.id}`, !cookies.some((c) => c.name === B.cookieName), cookies.map((c) => c.name).join(", "))
        .done({ landed: r.landed, status: r.status });
    } finally {
      await b.close();
    }
  }, { needs: ["tenants.healthy"] });

  await suite.case("tenants.segmentation", `from ${A.id}'s networks and from inside ${A.id}'s n8n and runners, ${B.id}'s n8n, runners and Postgres are unreachable by name and by address (and the other way round); each tenant reaches its own n8n and Postgres`, () => {
    const e = new Expect();
    const seen: Record<string, Record<string, string>> = {};
    for (const [x, y] of [[A, B], [B, A]] as const) {
      const byNet = new Map<string, ReachAttempt[]>();
      for (const a of isolationMatrix(x, y)) byNet.set(a.fromNetwork, [...(byNet.get(a.fromNetwork) ?? []), a]);
      for (const [net, attempts] of byNet) {
        const lines = attempts.flatMap((a) => [tcp(`${a.label}_name`, a.target.container, a.target.port), tcp(`${a.label}_ip`, ipOf(ctxOf(x), a.target.container, a.target.network), a.target.port)]);
        const out = probe(ctxOf(x), net, lines.join("; "));
        seen[net] = out;
        for (const a of attempts) {
          e.equal(`${a.label} by name`, out[`${a.label}_name`], a.expectOpen ? "open" : "closed");
          if (!a.expectOpen) e.equal(`${a.label} by address`, out[`${a.label}_ip`], "closed");
        }
      }
      // From inside the tenant's own n8n and runners (node is in both images): the other tenant's addresses and names.
      const targets = isolationMatrix(x, y).filter((a) => !a.expectOpen && a.fromNetwork === x.networks.app).flatMap((a) => [[`${a.target.container}`, a.target.container, a.target.port], [`${a.target.container}@ip`, ipOf(ctxOf(x), a.target.container, a.target.network), a.target.port]]);
      const script = `const net=require("net");const t=JSON.parse(process.argv[1]);const o={};let n=t.length;for(const [k,h,p] of t){const s=net.connect({host:h,port:p,timeout:3000});const f=(v)=>{if(o[k])return;o[k]=v;s.destroy();if(--n===0)console.log(JSON.stringify(o))};s.on("connect",()=>f("open"));s.on("timeout",()=>f("closed"));s.on("error",()=>f("closed"))}`;
      for (const c of [x.containers.main, x.containers.runners]) {
        const r = run("docker", ["exec", c, "node", "-e", script, JSON.stringify(targets)], { env, timeout: 60000 });
        const out = JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as Record<string, string>;
        seen[`inside ${c}`] = out;
        for (const [k] of targets) e.equal(`inside ${c} → ${k}`, out[k as string], "closed");
      }
    }
    return e.done(seen);
  }, { needs: ["tenants.healthy"] });

  await suite.case("tenants.database-roles", `${A.id}'s database role, with its real password, cannot log in to ${B.id}'s server (neither to ${B.id}'s database nor to one named like its own); ${B.id}'s role can (positive control)`, () => {
    const pw = (t: E2eTenant) => readFileSync(path.join(t.secretsDir, SECRET_FILES.n8nDbPassword), "utf8");
    const attempt = (label: string, user: string, db: string, pwVar: string) =>
      `if PGPASSWORD="$${pwVar}" PGCONNECT_TIMEOUT=5 psql -X -At "host=${B.containers.postgres} user=${user} dbname=${db} sslmode=require" -c 'select 1' >/dev/null 2>/tmp/${label}.err; then echo ${label}=accepted; else echo ${label}=refused:$(grep -o 'no pg_hba.conf entry\\|password authentication failed\\|does not exist\\|permission denied[a-z ]*' /tmp/${label}.err | head -1 | tr ' ' '_'); fi`;
    const script = [
      attempt("a_role_b_db", A.postgres.n8nRole, B.postgres.database, "A_PW"),
      attempt("a_role_a_db", A.postgres.n8nRole, A.postgres.database, "A_PW"),
      attempt("b_role_a_password", B.postgres.n8nRole, B.postgres.database, "A_PW"),
      attempt("b_role_b_db", B.postgres.n8nRole, B.postgres.database, "B_PW"),
    ].join("; ");
    // On B's data network: the only place B's server can be reached from at all (tenants.segmentation).
    const r = run("docker", ["run", "--rm", "--network", B.networks.data, "-e", "A_PW", "-e", "B_PW", d.probeImage, "sh", "-c", script], { env: { ...env, A_PW: pw(A), B_PW: pw(B) }, timeout: 60000 });
    const out = Object.fromEntries(r.stdout.trim().split(/\s+/).filter((t) => t.includes("=")).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]));
    return new Expect()
      .ok(`${A.id}'s role on ${B.id}'s database`, (out.a_role_b_db ?? "").startsWith("refused"), out.a_role_b_db)
      .ok(`${A.id}'s role on ${B.id}'s server, its own database name`, (out.a_role_a_db ?? "").startsWith("refused"), out.a_role_a_db)
      .ok(`${B.id}'s role with ${A.id}'s password`, (out.b_role_a_password ?? "").startsWith("refused"), out.b_role_a_password)
      .equal(`${B.id}'s role on its own database (control)`, out.b_role_b_db, "accepted")
      .done(out);
  }, { needs: ["tenants.healthy"] });

  await suite.case("tenants.rate-limits", `${A.id}'s public webhook limit (${A.rate.average}/s, burst ${A.rate.burst}) is its own: a burst above it gets 429 at ${A.id} while the same client is served by ${B.id} right after (and the other way round)`, () => {
    const e = new Expect();
    const seen: Record<string, unknown> = {};
    const ca = path.join(d.work, "secrets", "tls", "ca.pem");
    for (const [x, y] of [[A, B], [B, A]] as const) {
      run("sleep", [String(Math.ceil(Math.max(x.rate.burst / x.rate.average, y.rate.burst / y.rate.average)) + 1)]);
      const n = x.rate.burst + x.rate.average * 3;
      const xUrl = `https://${x.host}/webhook/e2e-no-such-hook`;
      const urls = Array.from({ length: n }, () => ["-o", "/dev/null", xUrl]).flat();
      const burst = run("curl", ["-s", "-w", "%{http_code}\n", "-m", "30", "--cacert", ca, "--resolve", `${x.host}:443:127.0.0.1`, ...urls]);
      const other = run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", "--cacert", ca, "--resolve", `${y.host}:443:127.0.0.1`, `https://${y.host}/webhook/e2e-no-such-hook`]);
      const codes = burst.stdout.trim().split("\n");
      for (const p of rateLimitVerdict(codes, x.rate.burst, other.stdout.trim())) e.ok(`${x.id} then ${y.id}`, false, p);
      seen[`${x.id} then ${y.id}`] = { sent: n, limited: codes.filter((c) => c === "429").length, other: other.stdout.trim() };
    }
    return e.done(seen);
  }, { needs: ["tenants.healthy"] });

  await suite.case("tenants.plan-idempotent", "terraform plan after the two-tenant deploy has no changes (-detailed-exitcode 0)", () => d.planIdempotent(env), { needs: ["tenants.deploy"] });

  if (!d.keep) {
    await suite.case("tenants.destroy", "npx cdktf destroy dev leaves no container and no network of the shared edge or of any tenant", async () => {
      const log = path.join(d.work, "tenants-destroy.log");
      const r = await runLogged("npx", ["cdktf", "destroy", d.stack, "--auto-approve", "--skip-provider-lock", "--output", d.out], log, { cwd: d.repoRoot, env, timeoutSeconds: 900 });
      if (r.status !== 0) throw new CheckError(`cdktf destroy exited ${r.status} (log ${log}):\n${r.tail}`);
      const containers = docker("ps", "-a", "--format", "{{.Names}}").split("\n").filter((n) => all.includes(n));
      const nets = [`${P}-edge`, `${P}-socket`, ...tenants.flatMap((t) => Object.values(t.networks))];
      const networks = docker("network", "ls", "--format", "{{.Name}}").split("\n").filter((n) => nets.includes(n));
      return new Expect().equal("containers left", containers, []).equal("networks left", networks, []).done({ containers, networks });
    }, { needs: ["tenants.deploy"] });
  }
}
