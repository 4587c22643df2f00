import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { parseConfig, devConfigSchema, prodConfigSchema, resolveTenants } from "../../config/schema";
import { ValidationError } from "../../constructs/common/validation";
import { dexClientsMatch, generateDevSecrets, generateTenantSecrets, checkTenantSecrets } from "../../constructs/common/dev-secrets";
import { SECRET_FILES, TLS_FILES } from "../../constructs/common/secret-files";
import { duplicates, TENANT_ID_PATTERN, tenantClientId, tenantEdgeSubnet, tenantPostgres, tenantPrefix, tenantSecretsDir, tenantSubnetProblem } from "../../constructs/app/tenants";
import { dockerModel } from "../../constructs/policy/docker-model";
import { devConfig, rawDevConfig, REPO_ROOT, synthDev } from "../helpers/synth";
import { devSecretsOptions } from "../helpers/dev-secrets-options";

const rawTenants = (): Record<string, any> => JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "dev.tenants.json"), "utf8"));

/** The problems a raw dev config produces (empty when valid). */
function problems(raw: Record<string, any>, schema: typeof devConfigSchema | typeof prodConfigSchema = devConfigSchema): { field: string; message: string }[] {
  try {
    parseConfig(schema, raw, "test");
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return [...e.problems];
  }
}
const withTenants = (edit: (c: Record<string, any>) => void) => {
  const c = rawTenants();
  edit(c);
  return problems(c);
};

describe("tenant helpers", () => {
  test("names derive from <name>-<id>; folders, clients and Postgres names are the tenant's own", () => {
    expect(tenantPrefix("n8n", "acme")).toBe("n8n-acme");
    expect(tenantSecretsDir("/s", "acme")).toBe("/s/tenants/acme");
    expect(tenantClientId("n8n-oauth2-proxy", "acme")).toBe("n8n-oauth2-proxy-acme");
    expect(tenantClientId("n8n-oauth2-proxy", "acme", "own")).toBe("own");
    const pg = tenantPostgres({ database: "n8n", schema: "n8n", n8nRole: "n8n", reportingRole: "n8n_reporting", agentSchema: "agent_data", agentRole: "n8n_agent", connectionLimit: 40 }, "acme", 25);
    expect(pg).toEqual({ database: "n8n_acme", schema: "n8n", n8nRole: "n8n_acme", reportingRole: "n8n_reporting_acme", agentSchema: "agent_data", agentRole: "n8n_agent_acme", connectionLimit: 25 });
  });

  test("a tenant's edge subnet is the block of the shared subnet's size after it, by position", () => {
    expect(tenantEdgeSubnet("172.30.0.0/24", 0)).toBe("172.30.1.0/24");
    expect(tenantEdgeSubnet("172.30.0.0/24", 49)).toBe("172.30.50.0/24");
    expect(tenantEdgeSubnet("10.0.0.0/28", 2)).toBe("10.0.0.48/28");
    expect(tenantSubnetProblem("172.30.50.0/24")).toBeUndefined();
    expect(tenantSubnetProblem("172.32.0.0/24")).toMatch(/not a private range/);
  });

  test("ids are 1-16 lower-case letters and digits starting with a letter", () => {
    for (const ok of ["a", "acme", "globex2", "abcdefghijklmnop"]) expect(TENANT_ID_PATTERN.test(ok)).toBe(true);
    for (const bad of ["", "1acme", "Acme", "ac-me", "ac_me", "abcdefghijklmnopq"]) expect(TENANT_ID_PATTERN.test(bad)).toBe(false);
    expect(duplicates(["a", "b", "a", "c", "b"])).toEqual(["a", "b"]);
  });
});

describe("tenants in the config", () => {
  test("config/dev.tenants.json is valid; config/dev.json has no tenants (today's single-tenant runtime)", () => {
    expect(problems(rawTenants())).toEqual([]);
    expect(devConfig().tenants).toBeUndefined();
  });

  test("globex's allow-list refuses the dev IdP's demo user's domain; acme's admits it", () => {
    const c = devConfig(rawTenants());
    const domain = c.devIdp!.demoUserEmail.split("@")[1];
    const [acme, globex] = resolveTenants(c, REPO_ROOT);
    expect(acme.allowedEmailDomains).toContain(domain);
    expect(globex.allowedEmailDomains).not.toContain(domain);
    expect(globex.allowedGroups).toEqual([]);
  });

  test("ids are validated and must be unique; hosts and clients unique; the error names the field and the allowed form", () => {
    expect(withTenants((c) => (c.tenants[0].id = "Acme-1"))).toEqual([{ field: "tenants.0.id", message: expect.stringMatching(/must match \^\[a-z\]\[a-z0-9\]\{0,15\}\$/) }]);
    expect(withTenants((c) => (c.tenants[1].id = "acme"))).toEqual(expect.arrayContaining([{ field: "tenants", message: 'id "acme" is listed twice; every tenant needs its own id' }]));
    expect(withTenants((c) => (c.tenants[1].host = "n8n-acme"))).toEqual([{ field: "tenants", message: 'host "n8n-acme" is listed twice; every tenant needs its own host' }]);
    expect(withTenants((c) => (c.tenants[1].sso.clientId = "n8n-oauth2-proxy-acme"))).toEqual([{ field: "tenants", message: 'sso.clientId "n8n-oauth2-proxy-acme" is listed twice; every tenant needs its own OIDC client' }]);
    expect(withTenants((c) => (c.tenants[0].host = "auth"))).toEqual([{ field: "tenants.0.host", message: expect.stringMatching(/must differ from hosts.auth/) }]);
    expect(withTenants((c) => (c.tenants[0].nope = 1))).toEqual([{ field: "tenants.0.nope", message: expect.stringMatching(/unknown field; allowed fields here: id, host, sso, resources, limits, edgeSubnet/) }]);
  });

  test("each tenant needs an allow-list; subnets apart; limits bounded", () => {
    expect(withTenants((c) => (c.tenants[1].sso = { allowedEmailDomains: [] }))).toEqual([{ field: "tenants.1.sso.allowedEmailDomains", message: expect.stringMatching(/empty allow-list/) }]);
    expect(withTenants((c) => (c.tenants[1].edgeSubnet = "172.30.1.0/24"))).toEqual([{ field: "tenants.1.edgeSubnet", message: expect.stringMatching(/overlaps 172.30.1.0\/24 \(tenants.0.edgeSubnet\)/) }]);
    expect(withTenants((c) => (c.tenants[0].edgeSubnet = "172.30.0.0/25"))).toEqual([{ field: "tenants.0.edgeSubnet", message: expect.stringMatching(/overlaps 172.30.0.0\/24 \(network.edgeSubnet\)/) }]);
    expect(withTenants((c) => (c.tenants[0].limits.connectionLimit = 1))).toEqual([{ field: "tenants.0.limits.connectionLimit", message: expect.stringMatching(/from 5 to 500/) }]);
  });

  test("queue mode with tenants is refused with a clear message; tenants in prod are accepted (issue 16, item 3)", () => {
    expect(withTenants((c) => {
      c.n8n.mode = "queue";
      c.images.valkey = "valkey/valkey:8.1.1";
    })).toEqual([{ field: "n8n.mode", message: expect.stringMatching(/must be "regular" with tenants: queue mode with tenants is not supported yet/) }]);
    const prod = JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8"));
    prod.tenants = rawTenants().tenants;
    expect(problems(prod, prodConfigSchema)).toEqual([]);
    prod.n8n = { ...prod.n8n, mode: "queue" };
    prod.images = { ...prod.images, valkey: "valkey/valkey:8.1.1" };
    expect(problems(prod, prodConfigSchema)).toEqual(expect.arrayContaining([{ field: "n8n.mode", message: expect.stringMatching(/must be "regular" with tenants/) }]));
  });

  test("no tenants or an empty list is today's single-tenant config", () => {
    const raw = rawDevConfig();
    raw.tenants = [];
    expect(problems(raw)).toEqual([]);
  });
});

describe("the two-tenant dev stack", () => {
  const { json, model } = synthDev(devConfig(rawTenants()));
  const byName = (n: string) => model.containers.find((c) => c.name === n)!;
  const netsOf = (n: string) => byName(n).networks.map((x) => x.name).sort();

  test("one shared edge: one Traefik publishing 443 and 80, one socket proxy, one dev IdP; per tenant oauth2-proxy, n8n, runners, Postgres", () => {
    expect(model.containers.map((c) => c.name).sort()).toEqual(
      ["n8n-idp", "n8n-socket-proxy", "n8n-traefik", ...["acme", "globex"].flatMap((t) => [`n8n-${t}-main`, `n8n-${t}-runners`, `n8n-${t}-postgres`, `n8n-${t}-oauth2-proxy`])].sort(),
    );
    expect(model.containers.filter((c) => c.ports.length > 0).map((c) => [c.name, c.ports.map((p) => p.external)])).toEqual([["n8n-traefik", [443, 80]]]);
  });

  test("each tenant's workloads are only on its own networks; Traefik joins each tenant's edge and app network only", () => {
    for (const t of ["acme", "globex"]) {
      expect(netsOf(`n8n-${t}-oauth2-proxy`)).toEqual([`n8n-${t}-edge`]);
      expect(netsOf(`n8n-${t}-main`)).toEqual([`n8n-${t}-app`, `n8n-${t}-data`, `n8n-${t}-egress`]);
      expect(netsOf(`n8n-${t}-runners`)).toEqual([`n8n-${t}-app`]);
      expect(netsOf(`n8n-${t}-postgres`)).toEqual([`n8n-${t}-data`]);
    }
    expect(netsOf("n8n-traefik")).toEqual(["n8n-acme-app", "n8n-acme-edge", "n8n-edge", "n8n-globex-app", "n8n-globex-edge", "n8n-socket"]);
    expect(netsOf("n8n-idp")).toEqual(["n8n-edge"]);
    expect(model.networks.map((n) => [n.name, n.internal]).sort()).toEqual(
      [["n8n-edge", false], ["n8n-socket", true], ...["acme", "globex"].flatMap((t) => [[`n8n-${t}-app`, true], [`n8n-${t}-data`, true], [`n8n-${t}-edge`, false], [`n8n-${t}-egress`, false]])].sort(),
    );
  });

  test("Traefik has a fixed address on each tenant's edge network, and each oauth2-proxy trusts only that one", () => {
    const traefik = Object.values<any>((json as any).resource.docker_container).find((c) => c.name === "n8n-traefik");
    expect(traefik.networks_advanced.map((n: any) => n.ipv4_address).filter(Boolean)).toEqual(["172.30.0.10", "172.30.1.10", "172.30.2.10"]);
    expect(byName("n8n-acme-oauth2-proxy").command).toContain("--trusted-proxy-ip=172.30.1.10/32");
    expect(byName("n8n-globex-oauth2-proxy").command).toContain("--trusted-proxy-ip=172.30.2.10/32");
  });

  test("each tenant has its own client, cookie, allow-list, secrets folder, roles, limits and rate limit", () => {
    const acme = byName("n8n-acme-oauth2-proxy").command;
    const globex = byName("n8n-globex-oauth2-proxy").command;
    expect(acme).toEqual(expect.arrayContaining(["--client-id=n8n-oauth2-proxy-acme", "--cookie-name=__Host-n8n-acme-sso", "--email-domain=example.com", "--redirect-url=https://n8n-acme.localhost/oauth2/callback"]));
    expect(globex).toEqual(expect.arrayContaining(["--client-id=n8n-oauth2-proxy-globex", "--cookie-name=__Host-n8n-globex-sso", "--email-domain=globex.example"]));
    for (const t of ["acme", "globex"]) {
      for (const c of model.containers.filter((x) => x.name.startsWith(`n8n-${t}-`))) {
        expect(c.labels["org.n8n-zero-trust.tenant"]).toBe(t);
        for (const m of c.mounts.filter((x) => x.type === "bind")) expect(m.source).toContain(`/tenants/${t}/`);
      }
      expect(byName(`n8n-${t}-main`).env).toEqual(expect.objectContaining({ DB_POSTGRESDB_HOST: `n8n-${t}-postgres`, DB_POSTGRESDB_USER: `n8n_${t}`, DB_POSTGRESDB_DATABASE: `n8n_${t}` }));
    }
    expect(byName("n8n-acme-main").memoryMb).toBe(1536);
    expect(byName("n8n-globex-postgres").memoryMb).toBe(512);
    expect(byName("n8n-acme-main").labels["traefik.http.middlewares.n8n-acme-public-ratelimit.ratelimit.average"]).toBe("20");
    expect(byName("n8n-globex-main").labels["traefik.http.middlewares.n8n-globex-public-ratelimit.ratelimit.average"]).toBe("10");
    const pg = (t: string) => byName(`n8n-${t}-postgres`).uploads.find((u) => u.file.endsWith("bootstrap.sql"))!.content!;
    expect(pg("acme")).toMatch(/CONNECTION LIMIT 30/);
    expect(pg("globex")).toMatch(/CONNECTION LIMIT 20/);
    expect(pg("acme")).not.toMatch(/globex/);
  });

  test("the editor of each tenant is behind its own SSO middleware; its routers carry its prefix and host", () => {
    for (const t of ["acme", "globex"]) {
      const editor = model.routers.find((r) => r.name === `n8n-${t}-editor`)!;
      expect(editor.middlewares).toContain(`n8n-${t}-sso@docker`);
      expect(editor.rule).toContain(`Host(\`n8n-${t}.localhost\`)`);
    }
  });

  test("a stack of 3 tenants derives the third tenant's subnet and names", () => {
    const raw = rawTenants();
    raw.tenants.push({ ...raw.tenants[0], id: "initech", host: "n8n-initech" });
    const m = dockerModel(synthDev(devConfig(raw)).json);
    expect(m.containers.filter((c) => c.name.startsWith("n8n-initech-")).length).toBe(4);
    expect(m.networks.find((n) => n.name === "n8n-initech-edge")).toBeDefined();
  });
});

describe("tenant secrets (npm run secrets:dev with tenants)", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "zt-tenant-secrets-"));
  const shared = path.join(root, "dev");
  generateDevSecrets(devSecretsOptions(shared));
  const acme = path.join(shared, "tenants", "acme");
  const globex = path.join(shared, "tenants", "globex");
  const first = generateTenantSecrets({ dir: acme, caDir: shared, postgresHost: "n8n-acme-postgres" });
  generateTenantSecrets({ dir: globex, caDir: shared, postgresHost: "n8n-globex-postgres" });
  const read = (d: string, f: string) => readFileSync(path.join(d, f), "utf8");

  test("every runtime secret is made anew for each tenant; none equals another tenant's or the shared folder's", () => {
    expect(first.created).toEqual(expect.arrayContaining([SECRET_FILES.oauth2ProxyCookieSecret, SECRET_FILES.oauth2ProxyClientSecret, SECRET_FILES.n8nEncryptionKey, SECRET_FILES.n8nDbPassword, TLS_FILES.cert, TLS_FILES.key, TLS_FILES.caCert]));
    expect(first.created).not.toContain(TLS_FILES.caKey);
    expect(first.created).not.toContain(SECRET_FILES.devIdpConfig);
    for (const f of [SECRET_FILES.oauth2ProxyCookieSecret, SECRET_FILES.oauth2ProxyClientSecret, SECRET_FILES.n8nEncryptionKey, SECRET_FILES.n8nDbPassword, SECRET_FILES.n8nRunnersAuthToken, TLS_FILES.key]) {
      expect(new Set([read(acme, f), read(globex, f), read(shared, f)]).size).toBe(3);
    }
    expect(statSync(acme).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(acme, TLS_FILES.key)).mode & 0o777).toBe(0o600);
    expect(checkTenantSecrets(acme)).toEqual([]);
  });

  test("the tenant's Postgres certificate names only its container and is signed by the shared dev CA", () => {
    const cert = new X509Certificate(read(acme, TLS_FILES.cert));
    expect(cert.subjectAltName).toBe("DNS:n8n-acme-postgres");
    expect(cert.verify(new X509Certificate(read(shared, TLS_FILES.caCert)).publicKey)).toBe(true);
    expect(read(acme, TLS_FILES.caCert)).toBe(read(shared, TLS_FILES.caCert));
  });

  test("a second run keeps everything; the dev IdP's config gets one client per tenant and is rewritten only when they change", () => {
    expect(generateTenantSecrets({ dir: acme, caDir: shared, postgresHost: "n8n-acme-postgres" }).created).toEqual([]);
    const clients = [
      { id: "n8n-oauth2-proxy-acme", redirectUrl: "https://n8n-acme.localhost/oauth2/callback", secretFile: path.join(acme, SECRET_FILES.oauth2ProxyClientSecret) },
      { id: "n8n-oauth2-proxy-globex", redirectUrl: "https://n8n-globex.localhost/oauth2/callback", secretFile: path.join(globex, SECRET_FILES.oauth2ProxyClientSecret) },
    ];
    expect(generateDevSecrets({ ...devSecretsOptions(shared), clients }).created).toEqual([SECRET_FILES.devIdpConfig]);
    expect(generateDevSecrets({ ...devSecretsOptions(shared), clients }).created).toEqual([]);
    const dex = JSON.parse(read(shared, SECRET_FILES.devIdpConfig));
    expect(dex.staticClients.map((c: any) => [c.id, c.redirectURIs, c.secret === read(path.dirname(clients.find((x) => x.id === c.id)!.secretFile), SECRET_FILES.oauth2ProxyClientSecret)])).toEqual([
      ["n8n-oauth2-proxy-acme", ["https://n8n-acme.localhost/oauth2/callback"], true],
      ["n8n-oauth2-proxy-globex", ["https://n8n-globex.localhost/oauth2/callback"], true],
    ]);
    expect(dexClientsMatch(read(shared, SECRET_FILES.devIdpConfig), [])).toBe(false);
  });
});
