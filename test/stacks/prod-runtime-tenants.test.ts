import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { parseConfig, ProdConfig, prodConfigSchema } from "../../config/schema";
import { MultiTenantRuntime, MultiTenantRuntimeProps, TenantProps } from "../../constructs/app/multi-tenant-runtime";
import { extendCatalog, loggedServices, queueModeCatalog, RUNTIME_CATALOG, RuntimeCatalog } from "../../constructs/app/service-catalog";
import { TENANT_SERVICE_IDS, tenantAwsPrefix } from "../../constructs/app/tenants";
import { TENANT_LABEL } from "../../constructs/common/labels";
import { dockerModel, StackJson } from "../../constructs/policy/docker-model";
import { evaluateStack } from "../../constructs/policy/engine";
import { prodMultiTenantProps, ProdRuntimeStack, ProdRuntimeStackProps, RuntimeLogGroups } from "../../stacks/prod-runtime-stack";
import { REPO_ROOT } from "../helpers/synth";

/*
 * prod-runtime with two tenants (issue 16): config/prod.example.json plus `tenants`, built on its
 * own with literal log group names in prod-cloud's naming (`/<aws prefix>[/<tenant>]/<logKey>`).
 */
const rawProd = (): Record<string, any> => JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8"));
const TENANTS = [
  { id: "acme", host: "n8n-acme", sso: { allowedEmailDomains: ["acme.example"] }, limits: { connectionLimit: 30 } },
  { id: "globex", host: "n8n-globex", sso: { allowedEmailDomains: ["globex.example"], allowedGroups: ["globex-n8n"] } },
];
function tenantConfig(edit: (raw: Record<string, any>) => void = () => {}): ProdConfig {
  const raw = rawProd();
  raw.tenants = JSON.parse(JSON.stringify(TENANTS));
  edit(raw);
  return parseConfig(prodConfigSchema, raw, "prod with tenants");
}
const config = tenantConfig();
const AWS_PREFIX = config.aws.namePrefix;
const SHARED_LOGGED = loggedServices(RUNTIME_CATALOG).filter((s) => !TENANT_SERVICE_IDS.includes(s.id));
const TENANT_LOGGED = loggedServices(RUNTIME_CATALOG).filter((s) => TENANT_SERVICE_IDS.includes(s.id));
const sharedGroups: RuntimeLogGroups = Object.fromEntries(SHARED_LOGGED.map((s) => [s.logKey, `/${AWS_PREFIX}/${s.logKey}`]));
const tenantGroups = (ids: readonly string[]): Record<string, RuntimeLogGroups> =>
  Object.fromEntries(ids.map((id) => [id, Object.fromEntries(TENANT_LOGGED.map((s) => [s.logKey, `/${tenantAwsPrefix(AWS_PREFIX, id)}/${s.logKey}`]))]));

function props(overrides: Partial<ProdRuntimeStackProps> = {}): ProdRuntimeStackProps {
  return { config, logGroups: sharedGroups, tenantLogGroups: tenantGroups(["acme", "globex"]), region: "eu-central-1", ...overrides };
}
/** A full synthesis (Testing.synth drops the "//" metadata the policy's suppressions live in). */
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function synth(p: ProdRuntimeStackProps = props()): { stack: ProdRuntimeStack; json: StackJson } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-prod-runtime-tenants-"));
  outdirs.push(outdir);
  const app = new App({ outdir, stackTraces: false });
  const stack = new ProdRuntimeStack(app, "prod-runtime", p);
  app.synth();
  return { stack, json: JSON.parse(readFileSync(path.join(outdir, "stacks", "prod-runtime", "cdk.tf.json"), "utf8")) as StackJson };
}
/** What the stack throws, and that it left no resource behind (nothing half-built). */
function refusal(p: ProdRuntimeStackProps): string {
  const app = Testing.app();
  let message = "";
  try {
    new ProdRuntimeStack(app, "prod-runtime", p);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).not.toBe("");
  const stack = app.node.tryFindChild("prod-runtime");
  expect(stack?.node.children ?? []).toEqual([]);
  return message;
}

const { stack, json } = synth();
const model = dockerModel(json);
const byName = (n: string) => {
  const c = model.containers.find((x) => x.name === n);
  if (!c) throw new Error(`no container ${n}; have ${model.containers.map((x) => x.name).join(", ")}`);
  return c;
};
const TENANT_CONTAINERS = (id: string) => ["oauth2-proxy", "main", "runners", "postgres"].map((s) => `n8n-${id}-${s}`);

describe("prod-runtime with tenants", () => {
  test("builds the shared edge and one runtime per tenant, nothing else; `runtime` points at `multiTenant`", () => {
    expect(model.containers.map((c) => c.name).sort()).toEqual(["n8n-socket-proxy", "n8n-traefik", ...TENANT_CONTAINERS("acme"), ...TENANT_CONTAINERS("globex")].sort());
    expect(stack.multiTenant).toBeInstanceOf(MultiTenantRuntime);
    expect(stack.multiTenant!.tenants.map((t) => t.id)).toEqual(["acme", "globex"]);
    expect(() => stack.runtime).toThrow(/has tenants: its runtime is ProdRuntimeStack.multiTenant/);
    expect((json as any).provider.docker[0].host).toBe("ssh://n8n@10.20.1.10");
  });

  test("every tenant container logs with awslogs to its own tenant's group and stream; the shared edge to the shared groups", () => {
    const expected: Record<string, [string, string]> = {
      "n8n-traefik": ["/n8n-prod/traefik", "n8n-traefik"],
      "n8n-socket-proxy": ["/n8n-prod/socket-proxy", "n8n-socket-proxy"],
    };
    for (const id of ["acme", "globex"]) {
      expected[`n8n-${id}-oauth2-proxy`] = [`/n8n-prod/${id}/oauth2-proxy`, `n8n-${id}-oauth2-proxy`];
      expected[`n8n-${id}-main`] = [`/n8n-prod/${id}/n8n`, `n8n-${id}-n8n`];
      expected[`n8n-${id}-runners`] = [`/n8n-prod/${id}/n8n-runners`, `n8n-${id}-n8n-runners`];
      expected[`n8n-${id}-postgres`] = [`/n8n-prod/${id}/postgres`, `n8n-${id}-postgres`];
    }
    const actual = Object.fromEntries(
      model.containers.map((c) => {
        const opts = c.raw.log_opts as Record<string, string>;
        expect([c.name, c.raw.log_driver, opts["awslogs-region"], opts.mode]).toEqual([c.name, "awslogs", "eu-central-1", "non-blocking"]);
        return [c.name, [opts["awslogs-group"], opts["awslogs-stream"]]];
      }),
    );
    expect(actual).toEqual(expected);
    // A tenant's containers carry its label, so the label and the group name agree.
    for (const id of ["acme", "globex"]) for (const n of TENANT_CONTAINERS(id)) expect(byName(n).labels[TENANT_LABEL]).toBe(id);
  });

  test("each tenant's Postgres publishes only on the host's private address, at its own port; nothing else but Traefik publishes", () => {
    expect(byName("n8n-acme-postgres").ports).toEqual([{ internal: 5432, external: 5432, ip: "10.20.1.10" }]);
    expect(byName("n8n-globex-postgres").ports).toEqual([{ internal: 5432, external: 5433, ip: "10.20.1.10" }]);
    expect(model.containers.filter((c) => c.ports.length > 0).map((c) => c.name).sort()).toEqual(["n8n-acme-postgres", "n8n-globex-postgres", "n8n-traefik"]);
  });

  test("each n8n reads its database login role and every secret from its own tenant's folder", () => {
    for (const id of ["acme", "globex"]) {
      const main = byName(`n8n-${id}-main`);
      expect(main.env.DB_POSTGRESDB_USER_FILE).toBe("/run/secrets/n8n-db-user");
      expect(main.env.DB_POSTGRESDB_USER).toBeUndefined();
      expect(main.env.DB_POSTGRESDB_HOST).toBe(`n8n-${id}-postgres`);
      expect(main.env.DB_POSTGRESDB_DATABASE).toBe(`n8n_${id}`);
      expect(main.mounts).toContainEqual({ type: "bind", source: `/run/n8n-secrets/tenants/${id}/n8n-db-user`, target: "/run/secrets/n8n-db-user", readOnly: true });
      for (const n of TENANT_CONTAINERS(id)) {
        const secrets = byName(n).mounts.filter((m) => m.target.startsWith("/run/secrets/"));
        expect(secrets.length).toBeGreaterThan(0);
        for (const m of secrets) expect([n, m.source, m.readOnly]).toEqual([n, expect.stringMatching(new RegExp(`^/run/n8n-secrets/tenants/${id}/`)), true]);
      }
    }
  });

  test("each tenant's bootstrap: its own roles (alternate login and rotator suffixed), its connection limit, the rotator from the private subnets only", () => {
    const hba = (id: string) => byName(`n8n-${id}-postgres`).uploads.find((u) => u.file === "/etc/n8n-bootstrap/pg_hba.conf")!.content!;
    expect(hba("acme")).toMatch(/hostssl\s+n8n_acme\s+n8n_acme,n8n_acme_b,n8n_reporting_acme,n8n_agent_acme\s+samenet\s+scram-sha-256/);
    for (const cidr of ["10\\.20\\.2\\.0\\/24", "10\\.20\\.3\\.0\\/24"]) {
      expect(hba("acme")).toMatch(new RegExp(`hostssl\\s+n8n_acme\\s+n8n_rotator_acme\\s+${cidr}\\s+scram-sha-256`));
      expect(hba("globex")).toMatch(new RegExp(`hostssl\\s+n8n_globex\\s+n8n_rotator_globex\\s+${cidr}\\s+scram-sha-256`));
    }
    expect(hba("globex")).not.toMatch(/acme/);
    const sql = (id: string) => byName(`n8n-${id}-postgres`).uploads.map((u) => u.content ?? "").join("\n");
    expect(sql("acme")).toMatch(/CONNECTION LIMIT 30\b/);
    expect(sql("globex")).toMatch(/CONNECTION LIMIT 40\b/);
    expect(sql("globex")).not.toMatch(/CONNECTION LIMIT 30\b/);
  });

  test("no container joins two tenants' networks; Traefik joins only each tenant's edge and app network", () => {
    const tenantsOf = (c: (typeof model.containers)[number]) => [...new Set(c.networks.map((n) => n.labels[TENANT_LABEL]).filter((t) => t !== undefined))].sort();
    for (const c of model.containers.filter((x) => x.name !== "n8n-traefik")) {
      const own = c.labels[TENANT_LABEL];
      expect([c.name, tenantsOf(c)]).toEqual([c.name, own === undefined ? [] : [own]]);
    }
    const traefik = byName("n8n-traefik");
    expect(traefik.networks.filter((n) => n.labels[TENANT_LABEL] !== undefined).map((n) => n.name).sort()).toEqual(["n8n-acme-app", "n8n-acme-edge", "n8n-globex-app", "n8n-globex-edge"]);
    expect(tenantsOf(traefik)).toEqual(["acme", "globex"]);
  });

  test("the shared Traefik gets certificates from ACME; no local certificate; SSO goes to the organisation's issuer with each tenant's client", () => {
    const traefik = byName("n8n-traefik");
    const staticConfig = traefik.uploads.find((u) => u.file === "/etc/traefik/traefik.yml")!.content!;
    expect(staticConfig).toMatch(/certificatesResolvers:\n\s+acme:\n\s+acme:\n\s+email: "ops@example.com"/);
    expect(traefik.mounts).toContainEqual({ type: "bind", source: "/var/lib/n8n-zero-trust/acme", target: "/data", readOnly: false });
    expect(traefik.mounts.some((m) => m.source?.startsWith("/run/n8n-secrets"))).toBe(false);
    expect(model.routers.length).toBeGreaterThan(0);
    for (const r of model.routers) expect(byName(r.container).labels[`traefik.http.routers.${r.name}.tls.certresolver`]).toBe("acme");
    for (const id of ["acme", "globex"]) {
      const cmd = byName(`n8n-${id}-oauth2-proxy`).command;
      expect(cmd).toContain("--oidc-issuer-url=https://login.example.com/realms/ops");
      expect(cmd).toContain(`--client-id=n8n-${id}`);
      expect(cmd.some((a) => a.startsWith("--provider-ca-file"))).toBe(false);
    }
    expect(model.containers.some((c) => c.name.endsWith("-idp"))).toBe(false);
  });

  test("the policy pack passes: no error, no warning; one stated suppression per tenant's published Postgres", () => {
    const r = evaluateStack("prod-runtime", json);
    expect([...r.errors, ...r.warnings].map((f) => `${f.ruleId} ${f.path}: ${f.detail}`)).toEqual([]);
    expect(r.suppressed.map((f) => [f.ruleId, f.path])).toEqual([
      ["ZT-NET-001", expect.stringContaining("Tenant-acme/Postgres")],
      ["ZT-NET-001", expect.stringContaining("Tenant-globex/Postgres")],
    ]);
    // The tenant rules do read this plan: globex's n8n on acme's data network is refused.
    const broken = JSON.parse(JSON.stringify(json));
    const containers = broken.resource.docker_container as Record<string, any>;
    const globexMain = Object.values(containers).find((c) => c.name === "n8n-globex-main")!;
    const acmeData = Object.entries(broken.resource.docker_network as Record<string, any>).find(([, n]) => n.name === "n8n-acme-data")![0];
    globexMain.networks_advanced.push({ name: `\${docker_network.${acmeData}.name}` });
    expect(evaluateStack("prod-runtime", broken).errors.map((f) => f.ruleId)).toContain("ZT-TEN-001");
  });

  test("a missing tenant log group is refused before anything is built, naming the tenant and the log key", () => {
    const groups = tenantGroups(["acme", "globex"]);
    const { postgres: _dropped, ...globexWithoutPostgres } = groups.globex;
    expect(refusal(props({ tenantLogGroups: { ...groups, globex: globexWithoutPostgres } }))).toBe('prod-runtime: tenantLogGroups is incomplete: tenant "globex" has no log group for "postgres"');
    expect(refusal(props({ tenantLogGroups: tenantGroups(["acme"]) }))).toBe('prod-runtime: tenantLogGroups is incomplete: tenant "globex" has no log group for "oauth2-proxy", "n8n", "n8n-runners", "postgres"');
    expect(refusal(props({ tenantLogGroups: undefined }))).toMatch(/tenant "acme" has no log group for "oauth2-proxy", "n8n", "n8n-runners", "postgres"; tenant "globex" has no log group/);
    expect(refusal(props({ tenantLogGroups: tenantGroups(["acme", "globex", "initech"]) }))).toMatch(/tenantLogGroups has log groups for "initech", which the config does not list as tenants/);
    // The shared edge's groups are still required; the tenant services' shared groups are not.
    expect(refusal(props({ logGroups: { traefik: "/n8n-prod/traefik" } }))).toBe('prod-runtime: logGroups has no log group for "socket-proxy" (the shared edge\'s)');
    expect(() => synth(props({ logGroups: sharedGroups }))).not.toThrow();
  });

  test("refuses queue mode and a catalog with services it cannot place", () => {
    // The schema refuses queue mode with tenants; the stack refuses it on its own too.
    const queue = { ...config, n8n: { ...config.n8n, mode: "queue" as const } };
    expect(refusal(props({ config: queue }))).toMatch(/n8n.mode "queue" with tenants is not supported/);
    expect(refusal(props({ catalog: queueModeCatalog(RUNTIME_CATALOG, { workers: 1, webhookProcessors: 1, recovery: false }) }))).toMatch(/cannot place the catalog's services "valkey", "n8nWorker1", "n8nWorkerRunners1", "n8nWebhook1"/);
    const widget: RuntimeCatalog = extendCatalog(RUNTIME_CATALOG, { services: [{ id: "widget", nameSuffix: "widget", logKey: "widget", secretFiles: [], restartOn: [], networks: ["app"] }], secrets: [] });
    expect(refusal(props({ catalog: widget }))).toMatch(/^prod-runtime with tenants cannot place the catalog's services "widget": a multi-tenant host runs only the shared edge/);
    const renamed: RuntimeCatalog = { ...RUNTIME_CATALOG, services: RUNTIME_CATALOG.services.map((s) => (s.id === "n8n" ? { ...s, nameSuffix: "n8n-main" } : s)) };
    expect(refusal(props({ catalog: renamed }))).toMatch(/needs the built-in services unchanged: "n8n" renamed/);
    // The built-in catalog, passed explicitly (as stacks/prod.ts does), is accepted.
    expect(() => synth(props({ catalog: RUNTIME_CATALOG }))).not.toThrow();
  });

  test("without tenants, tenant log groups are refused (they would log nowhere)", () => {
    const single = parseConfig(prodConfigSchema, rawProd(), "prod.example.json");
    const all = Object.fromEntries(loggedServices(RUNTIME_CATALOG).map((s) => [s.logKey, `/n8n-prod/${s.logKey}`]));
    expect(refusal({ config: single, logGroups: all, tenantLogGroups: tenantGroups(["acme"]), region: "eu-central-1" })).toMatch(/tenantLogGroups has log groups for "acme", but the config lists no tenants/);
    const ok = synth({ config: single, logGroups: all, tenantLogGroups: {}, region: "eu-central-1" });
    expect(ok.stack.multiTenant).toBeUndefined();
    expect(ok.stack.runtime.postgres).toBeDefined();
  });
});

describe("MultiTenantRuntime's prod options", () => {
  const build = (p: MultiTenantRuntimeProps) => new MultiTenantRuntime(new TerraformStack(Testing.app(), "prod-runtime"), "Runtime", p);
  const edited = (edit: (tenants: TenantProps[]) => TenantProps[]): MultiTenantRuntimeProps => {
    const p = prodMultiTenantProps(props());
    return { ...p, tenants: edit([...p.tenants]) };
  };

  test("prod-runtime gives each tenant its log drivers, database user from file, rotator role and Postgres port", () => {
    const p = prodMultiTenantProps(props());
    expect(p.logging?.traefik?.options?.["awslogs-group"]).toBe("/n8n-prod/traefik");
    expect(p.tenants.map((t) => [t.id, t.databaseUserFromFile, t.postgresPrivateHostBinding?.port, t.logging?.postgres?.options?.["awslogs-stream"], t.postgres.rotatorRole, t.secretsDir])).toEqual([
      ["acme", true, 5432, "n8n-acme-postgres", "n8n_rotator_acme", "/run/n8n-secrets/tenants/acme"],
      ["globex", true, 5433, "n8n-globex-postgres", "n8n_rotator_globex", "/run/n8n-secrets/tenants/globex"],
    ]);
  });

  test("two tenants sharing a rotator role, or a published Postgres address, are refused", () => {
    expect(() => build(edited((ts) => ts))).not.toThrow();
    expect(() => build(edited(([a, b]) => [a, { ...b, postgres: { ...b.postgres, rotatorRole: a.postgres.rotatorRole } }]))).toThrow(/Postgres name "n8n_rotator_acme" is used by two tenants/);
    expect(() => build(edited(([a, b]) => [a, { ...b, postgresPrivateHostBinding: { ...b.postgresPrivateHostBinding!, port: 5432 } }]))).toThrow(/postgresPrivateHostBinding 10\.20\.1\.10:5432 is used by two tenants' Postgres/);
  });
});
