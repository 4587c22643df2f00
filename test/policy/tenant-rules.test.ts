import { DOCKER_PACK, TENANT_RULES } from "../../constructs/policy/packs";
import { dockerModel } from "../../constructs/policy/docker-model";
import { makeContext } from "../../constructs/policy/rule";
import { hardened, Json, labels, network, setLabel, variant } from "./fixtures";
import { describeRules } from "./harness";
import { devConfig, REPO_ROOT, synthDev } from "../helpers/synth";
import { readFileSync } from "node:fs";
import path from "node:path";

/*
 * The tenant rules (ZT-TEN-*, issue 16) on a small two-tenant host: one shared Traefik and socket
 * proxy, and tenants a and b each with their own oauth2-proxy, n8n and Postgres on their own
 * networks, secrets folder, cookie, client, roles and routers.
 */
const TENANT = "org.n8n-zero-trust.tenant";
const on = (...names: string[]) => names.map((n) => ({ name: `\${docker_network.${n}.name}` }));
const tenantNetwork = (t: string, role: string, internal: boolean): Json => {
  const n = network(`shop-${t}-${role}`, role, internal);
  n.labels.push({ label: TENANT, value: t });
  return n;
};
const bind = (source: string, target: string) => ({ type: "bind", source, target, read_only: true });

function tenantContainers(t: string): Record<string, Json> {
  const secrets = `/srv/secrets/tenants/${t}`;
  return {
    [`sso_${t}`]: hardened(`sso_${t}`, `shop-${t}-oauth2-proxy`, "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3-alpine", {
      networks_advanced: on(`${t}_edge`),
      command: ["--provider=oidc", `--client-id=shop-${t}`, "--client-secret-file=/run/secrets/client", "--cookie-secret-file=/run/secrets/cookie", `--cookie-name=__Host-shop-${t}-sso`, "--upstream=static://202"],
      mounts: [bind(`${secrets}/client`, "/run/secrets/client"), bind(`${secrets}/cookie`, "/run/secrets/cookie")],
      labels: labels({
        [TENANT]: t,
        "traefik.enable": "true",
        "org.n8n-zero-trust.instance": "shop",
        "traefik.docker.network": `shop-${t}-edge`,
        [`traefik.http.services.shop-${t}-oauth2-proxy.loadbalancer.server.port`]: "4180",
        [`traefik.http.middlewares.shop-${t}-sso.forwardauth.address`]: `http://shop-${t}-oauth2-proxy:4180/`,
        [`traefik.http.routers.shop-${t}-oauth2.rule`]: `Host(\`${t}.example.com\`) && PathPrefix(\`/oauth2/\`)`,
        [`traefik.http.routers.shop-${t}-oauth2.tls`]: "true",
        [`traefik.http.routers.shop-${t}-oauth2.service`]: `shop-${t}-oauth2-proxy`,
      }),
    }),
    [`n8n_${t}`]: hardened(`n8n_${t}`, `shop-${t}-main`, "docker.n8n.io/n8nio/n8n:2.41.3", {
      networks_advanced: on(`${t}_app`, `${t}_data`, `${t}_egress`),
      env: [`DB_POSTGRESDB_HOST=shop-${t}-postgres`, `DB_POSTGRESDB_DATABASE=n8n_${t}`, `DB_POSTGRESDB_USER=n8n_${t}`, "N8N_ENCRYPTION_KEY_FILE=/run/secrets/key"],
      mounts: [bind(`${secrets}/key`, "/run/secrets/key"), { type: "volume", source: `shop-${t}-n8n-data`, target: "/home/node/.n8n" }],
      labels: labels({
        [TENANT]: t,
        "traefik.enable": "true",
        "org.n8n-zero-trust.instance": "shop",
        "traefik.docker.network": `shop-${t}-app`,
        [`traefik.http.services.shop-${t}-n8n.loadbalancer.server.port`]: "5678",
        [`traefik.http.routers.shop-${t}-editor.rule`]: `Host(\`${t}.example.com\`)`,
        [`traefik.http.routers.shop-${t}-editor.tls`]: "true",
        [`traefik.http.routers.shop-${t}-editor.middlewares`]: `shop-${t}-sso@docker`,
        [`traefik.http.routers.shop-${t}-editor.service`]: `shop-${t}-n8n`,
      }),
    }),
    [`postgres_${t}`]: hardened(`postgres_${t}`, `shop-${t}-postgres`, "postgres:17.6-bookworm", {
      networks_advanced: on(`${t}_data`),
      env: ["PGDATA=/var/lib/postgresql/data/pgdata"],
      mounts: [bind(`${secrets}/tls/key.pem`, "/run/secrets/tls/key.pem"), { type: "volume", source: `shop-${t}-postgres-data`, target: "/var/lib/postgresql/data" }],
      labels: labels({ [TENANT]: t, "org.n8n-zero-trust.role": "database" }),
    }),
  };
}

/** A compliant two-tenant host. */
function tenantBaseline(): Json {
  const nets: Record<string, Json> = { edge: network("shop-edge", "edge", false), socket: network("shop-socket", "socket", true) };
  for (const t of ["a", "b"]) {
    nets[`${t}_edge`] = tenantNetwork(t, "edge", false);
    nets[`${t}_app`] = tenantNetwork(t, "app", true);
    nets[`${t}_data`] = tenantNetwork(t, "data", true);
    nets[`${t}_egress`] = tenantNetwork(t, "egress", false);
  }
  return {
    "//": { metadata: { stackName: "shop", version: "0.21.0" } },
    resource: {
      docker_network: nets,
      docker_container: {
        traefik: hardened("traefik", "shop-traefik", "traefik:v3.7.13", {
          ports: [{ internal: 443, external: 443 }],
          networks_advanced: on("edge", "socket", "a_edge", "a_app", "b_edge", "b_app"),
          labels: labels({ "org.n8n-zero-trust.role": "edge-proxy" }),
        }),
        socket_proxy: hardened("socket_proxy", "shop-socket-proxy", "lscr.io/linuxserver/socket-proxy:3.4.3", { networks_advanced: on("socket"), labels: labels({ "org.n8n-zero-trust.role": "socket-proxy" }) }),
        ...tenantContainers("a"),
        ...tenantContainers("b"),
      },
    },
  };
}

const base = tenantBaseline();
const C = (j: Json, key: string) => j.resource.docker_container[key];
const mountOf = (c: Json, target: string) => c.mounts.find((m: Json) => m.target === target);
const setEnv = (c: Json, key: string, value: string) => (c.env = [...c.env.filter((e: string) => !e.startsWith(`${key}=`)), `${key}=${value}`]);
const setFlag = (c: Json, flag: string, value: string) => (c.command = [...c.command.filter((a: string) => !a.startsWith(`--${flag}=`)), `--${flag}=${value}`]);

describeRules(TENANT_RULES, tenantBaseline, {
  "ZT-TEN-001": {
    compliant: [["a single-tenant stack (no tenant labels)", variant(base, (j) => {
      for (const c of Object.values<Json>(j.resource.docker_container)) setLabel(c, TENANT, undefined);
      for (const n of Object.values<Json>(j.resource.docker_network)) n.labels = n.labels.filter((l: Json) => l.label !== TENANT);
    })]],
    noncompliant: [
      ["tenant b's n8n also joins tenant a's data network", variant(base, (j) => C(j, "n8n_b").networks_advanced.push(...on("a_data"))), "docker_network.a_data"],
      ["Traefik joins tenant a's data network", variant(base, (j) => C(j, "traefik").networks_advanced.push(...on("a_data"))), "docker_network.a_data"],
      ["the shared socket proxy joins tenant a's app network", variant(base, (j) => C(j, "socket_proxy").networks_advanced.push(...on("a_app"))), "docker_network.a_app"],
      ["both tenants' oauth2-proxies on the shared edge network", variant(base, (j) => {
        C(j, "sso_a").networks_advanced = on("edge");
        C(j, "sso_b").networks_advanced = on("edge");
      }), "docker_network.edge"],
    ],
  },
  "ZT-TEN-002": {
    noncompliant: [
      ["tenant b's n8n connects to tenant a's Postgres", variant(base, (j) => setEnv(C(j, "n8n_b"), "DB_POSTGRESDB_HOST", "shop-a-postgres")), "docker_container.n8n_b"],
      ["both tenants log in as the same role", variant(base, (j) => setEnv(C(j, "n8n_b"), "DB_POSTGRESDB_USER", "n8n_a")), "docker_container.n8n_b"],
      ["both tenants use one database name on a shared server", variant(base, (j) => {
        for (const t of ["a", "b"]) setEnv(C(j, `n8n_${t}`), "DB_POSTGRESDB_HOST", "shop-postgres");
      }), "docker_container.n8n_a"],
    ],
  },
  "ZT-TEN-003": {
    noncompliant: [
      ["tenant b's oauth2-proxy mounts tenant a's client secret", variant(base, (j) => (mountOf(C(j, "sso_b"), "/run/secrets/client").source = "/srv/secrets/tenants/a/client")), "docker_container.sso_b"],
      ["tenant b's n8n mounts tenant a's data volume", variant(base, (j) => (mountOf(C(j, "n8n_b"), "/home/node/.n8n").source = "shop-a-n8n-data")), "docker_container.n8n_b"],
    ],
  },
  "ZT-TEN-004": {
    noncompliant: [
      ["both tenants' n8n read one encryption key file", variant(base, (j) => {
        mountOf(C(j, "n8n_a"), "/run/secrets/key").source = "/srv/secrets/shared/key";
        mountOf(C(j, "n8n_b"), "/run/secrets/key").source = "/srv/secrets/shared/key";
      }), "docker_container.n8n_b"],
      ["both tenants' Postgres use one TLS key", variant(base, (j) => (mountOf(C(j, "postgres_b"), "/run/secrets/tls/key.pem").source = "/srv/secrets/tenants/a/tls/key.pem")), "docker_container.postgres_b"],
      ["both tenants' n8n carry the same literal encryption key", variant(base, (j) => {
        for (const t of ["a", "b"]) {
          C(j, `n8n_${t}`).env = C(j, `n8n_${t}`).env.filter((e: string) => !e.startsWith("N8N_ENCRYPTION_KEY_FILE="));
          setEnv(C(j, `n8n_${t}`), "N8N_ENCRYPTION_KEY", "same-literal-key-for-both");
        }
      }), "docker_container.n8n_a"],
    ],
  },
  "ZT-TEN-005": {
    noncompliant: [
      ["both oauth2-proxies use one cookie name", variant(base, (j) => setFlag(C(j, "sso_b"), "cookie-name", "__Host-shop-a-sso")), "docker_container.sso_b"],
      ["both oauth2-proxies use one cookie secret file", variant(base, (j) => (mountOf(C(j, "sso_b"), "/run/secrets/cookie").source = "/srv/secrets/tenants/a/cookie")), "docker_container.sso_a"],
      ["both oauth2-proxies use oauth2-proxy's default cookie name", variant(base, (j) => {
        for (const t of ["a", "b"]) C(j, `sso_${t}`).command = C(j, `sso_${t}`).command.filter((a: string) => !a.startsWith("--cookie-name="));
      }), "docker_container.sso_a"],
      ["both oauth2-proxies are one OIDC client", variant(base, (j) => setFlag(C(j, "sso_b"), "client-id", "shop-a")), "docker_container.sso_b"],
    ],
  },
  "ZT-TEN-006": {
    noncompliant: [
      ["tenant b's editor router uses tenant a's SSO middleware", variant(base, (j) => setLabel(C(j, "n8n_b"), "traefik.http.routers.shop-b-editor.middlewares", "shop-a-sso@docker")), "docker_container.n8n_b"],
      ["tenant b's router sends to tenant a's service", variant(base, (j) => setLabel(C(j, "n8n_b"), "traefik.http.routers.shop-b-editor.service", "shop-a-n8n")), "docker_container.n8n_b"],
      ["tenant b declares a service of the same name as tenant a's (Traefik merges them)", variant(base, (j) => setLabel(C(j, "n8n_b"), "traefik.http.services.shop-a-n8n.loadbalancer.server.port", "5678")), "docker_container.n8n_a"],
      ["tenant b routes tenant a's host", variant(base, (j) => setLabel(C(j, "n8n_b"), "traefik.http.routers.shop-b-editor.rule", "Host(`a.example.com`)")), "docker_container.n8n_b"],
      ["tenant b's forwardAuth middleware asks tenant a's oauth2-proxy", variant(base, (j) => setLabel(C(j, "sso_b"), "traefik.http.middlewares.shop-b-sso.forwardauth.address", "http://shop-a-oauth2-proxy:4180/")), "docker_container.n8n_b"],
      ["Traefik reaches tenant b's n8n over tenant a's network", variant(base, (j) => setLabel(C(j, "n8n_b"), "traefik.docker.network", "shop-a-app")), "docker_container.n8n_b"],
    ],
  },
});

describe("the tenant rules on the synthesized two-tenant dev stack (config/dev.tenants.json)", () => {
  const raw = JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "dev.tenants.json"), "utf8"));
  const { json } = synthDev(devConfig(raw));

  test("every docker rule passes: tenants share no network, role, secret, key, cookie or route", () => {
    const ctx = makeContext("dev", json);
    const findings = DOCKER_PACK.flatMap((r) => r.evaluate(json, ctx).map((f) => `${r.id} ${f.detail}`));
    expect(findings).toEqual([]);
  });

  test("moving tenant globex's n8n onto acme's data network fails ZT-TEN-001", () => {
    const bad = variant(json as Json, (j) => {
      const main = Object.values<Json>(j.resource.docker_container).find((c) => c.name === "n8n-globex-main")!;
      const acmeData = Object.entries<Json>(j.resource.docker_network).find(([, n]) => n.name === "n8n-acme-data")![0];
      main.networks_advanced.push({ name: `\${docker_network.${acmeData}.name}` });
    });
    const rule = TENANT_RULES.find((r) => r.id === "ZT-TEN-001")!;
    expect(rule.evaluate(bad, makeContext("dev", bad)).map((f) => f.detail)).toEqual([expect.stringContaining("n8n-acme-data joins tenants acme, globex")]);
    expect(dockerModel(bad).containers.length).toBeGreaterThan(8);
  });
});
