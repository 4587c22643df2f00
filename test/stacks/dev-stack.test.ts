import { routeFor, middlewareBaseName } from "../../constructs/policy/docker-model";
import { positivePathLiterals } from "../../constructs/policy/traefik-rules";
import { devConfig, rawDevConfig, synthDev } from "../helpers/synth";

const { model, json } = synthDev();
const byName = (suffix: string) => {
  const c = model.containers.find((x) => x.name === `n8n-${suffix}`);
  if (!c) throw new Error(`no container n8n-${suffix} in ${model.containers.map((x) => x.name).join(", ")}`);
  return c;
};
const N8N_HOST = "n8n.localhost";

describe("dev stack: exposure", () => {
  test("the stack has the expected services", () => {
    expect(model.containers.map((c) => c.name).sort()).toEqual(
      ["n8n-idp", "n8n-main", "n8n-oauth2-proxy", "n8n-postgres", "n8n-runners", "n8n-socket-proxy", "n8n-traefik"].sort(),
    );
  });

  test("only Traefik publishes host ports, and only 80 and 443", () => {
    const publishing = model.containers.filter((c) => c.ports.length > 0);
    expect(publishing.map((c) => c.name)).toEqual(["n8n-traefik"]);
    expect(publishing[0].ports.map((p) => p.external).sort()).toEqual([443, 80].sort());
  });

  test("Postgres is on the data network only, and the data network is internal", () => {
    const pg = byName("postgres");
    expect(pg.networks.map((n) => n.name)).toEqual(["n8n-data"]);
    expect(pg.networks[0].internal).toBe(true);
  });

  test("n8n is not on the edge network; it reaches Postgres on data and the internet on egress", () => {
    const n8n = byName("main");
    expect(n8n.networks.map((n) => n.name).sort()).toEqual(["n8n-app", "n8n-data", "n8n-egress"]);
  });

  test("only edge and egress networks can reach outside; socket, app and data are internal", () => {
    const internal = Object.fromEntries(model.networks.map((n) => [n.name, n.internal]));
    expect(internal).toEqual({ "n8n-edge": false, "n8n-socket": true, "n8n-app": true, "n8n-data": true, "n8n-egress": false });
  });

  test("nothing on the edge network also reaches the data network", () => {
    for (const c of model.containers) {
      const names = c.networks.map((n) => n.name);
      expect(names.includes("n8n-edge") && names.includes("n8n-data")).toBe(false);
    }
  });

  test("task runners sit only on the internal app network", () => {
    expect(byName("runners").networks.map((n) => n.name)).toEqual(["n8n-app"]);
  });
});

describe("dev stack: routing", () => {
  const route = (path: string, host = N8N_HOST) => routeFor(model, { host, path }, "websecure");
  const sso = (r: ReturnType<typeof route>) => r!.middlewares.map(middlewareBaseName).includes("n8n-sso");

  test("every router rule parses", () => {
    expect(model.routers.filter((r) => r.parseError)).toEqual([]);
  });

  test("the editor, REST API and test webhooks are served by the editor router, which carries the SSO middleware", () => {
    for (const path of ["/", "/home/workflows", "/rest/workflows", "/webhook-test/abc", "/form-test/abc", "/signin"]) {
      const r = route(path);
      expect(r?.name).toBe("n8n-editor");
      expect(sso(r)).toBe(true);
    }
  });

  test("public webhook and form paths go to the public router: rate limit, body limit, no SSO", () => {
    for (const path of ["/webhook/order-created", "/webhook-waiting/123", "/form/feedback", "/form-waiting/9"]) {
      const r = route(path);
      expect(r?.name).toBe("n8n-public");
      expect(sso(r)).toBe(false);
      const types = r!.middlewares.map((m) => model.middlewares.find((x) => x.name === middlewareBaseName(m))?.type);
      expect(types).toEqual(expect.arrayContaining(["ratelimit", "buffering"]));
    }
    const rl = model.middlewares.find((m) => m.name === "n8n-public-ratelimit")!;
    expect(rl.settings).toMatchObject({ average: "20", burst: "50", period: "1s" });
  });

  test("the public router outranks the editor router", () => {
    const p = model.routers.find((r) => r.name === "n8n-public")!;
    const e = model.routers.find((r) => r.name === "n8n-editor")!;
    expect(p.priority).toBeGreaterThan(e.priority);
  });

  test("no router matches /metrics or /healthz, and no rule mentions them positively", () => {
    for (const path of ["/metrics", "/metrics/", "/healthz", "/healthz/readiness"]) expect(route(path)).toBeUndefined();
    for (const r of model.routers) {
      expect(positivePathLiterals(r.expr!).filter((p) => p.startsWith("/metrics") || p.startsWith("/healthz"))).toEqual([]);
    }
  });

  test("no router exposes Traefik's API or dashboard", () => {
    for (const r of model.routers) expect(r.service ?? "").not.toMatch(/^(api|dashboard)@internal$/);
    const traefik = byName("traefik");
    const staticConfig = traefik.uploads.find((u) => u.file === "/etc/traefik/traefik.yml")!.content!;
    expect(staticConfig).not.toMatch(/^api:/m);
    expect(staticConfig).toMatch(/exposedByDefault: false/);
  });

  test("every router is HTTPS-only on the websecure entry point", () => {
    for (const r of model.routers) {
      expect(r.entrypoints).toEqual(["websecure"]);
      expect(r.tls).toBe(true);
    }
  });

  test("the SSO callback path is served by oauth2-proxy on the n8n host", () => {
    expect(route("/oauth2/callback")?.container).toBe("n8n-oauth2-proxy");
  });

  test("the SSO middleware is a forwardAuth to oauth2-proxy on the edge network", () => {
    const m = model.middlewares.find((x) => x.name === "n8n-sso")!;
    expect(m.type).toBe("forwardauth");
    expect(m.settings.address).toBe("http://n8n-oauth2-proxy:4180/");
  });
});

describe("dev stack: container hardening", () => {
  test("no container mounts the docker socket except the socket proxy, which mounts it read-only", () => {
    for (const c of model.containers) {
      const sock = c.mounts.filter((m) => (m.source ?? "").endsWith("docker.sock"));
      if (c.name === "n8n-socket-proxy") expect(sock).toEqual([{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true }]);
      else expect(sock).toEqual([]);
    }
  });

  test("no container is privileged; all drop ALL capabilities and set no-new-privileges", () => {
    for (const c of model.containers) {
      expect(c.privileged).toBe(false);
      expect(c.capDrop).toEqual(["ALL"]);
      expect(c.securityOpts).toContain("no-new-privileges:true");
    }
  });

  test("every image is pinned to an exact version tag", () => {
    for (const c of model.containers) expect(c.image).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/);
  });

  test("every container has a memory limit, a healthcheck, a read-only root and a restart policy", () => {
    for (const c of model.containers) {
      expect(c.memoryMb).toBeGreaterThan(0);
      expect(c.hasHealthcheck).toBe(true);
      expect(c.readOnlyRoot).toBe(true);
      expect(c.raw.restart).toBe("unless-stopped");
    }
  });

  test("containers that read secrets run as the configured non-root uid", () => {
    for (const name of ["traefik", "oauth2-proxy", "main", "runners", "postgres", "idp"]) expect(byName(name).user).toBe("1000:1000");
  });

  test("the socket proxy allows reads only: no POST, exec, images or volumes", () => {
    const env = byName("socket-proxy").env;
    expect(env).toMatchObject({ CONTAINERS: "1", EVENTS: "1", POST: "0", EXEC: "0", IMAGES: "0", VOLUMES: "0", BUILD: "0", SECRETS: "0" });
  });

  // Found by the deploy suite (attack.socket-proxy): with CONTAINERS=1 the nginx-based 1.24.0
  // also served every container's logs, file archives and exports. 3.4.3 has switches for them.
  test("the socket proxy refuses reads inside containers (logs, archive, export, changes, top) and every lifecycle call", () => {
    const env = byName("socket-proxy").env;
    expect(env).toMatchObject({ ALLOW_ARCHIVE: "0", ALLOW_CHANGES: "0", ALLOW_EXPORT: "0", ALLOW_LOGS: "0", ALLOW_TOP: "0" });
    expect(env).toMatchObject({ ALLOW_START: "0", ALLOW_STOP: "0", ALLOW_RESTARTS: "0", ALLOW_PAUSE: "0", ALLOW_UNPAUSE: "0" });
    expect(byName("socket-proxy").image).toMatch(/socket-proxy:3\.4\.\d+$/);
    // Every switch is 0 except the four sections Traefik's docker provider reads (and IPv4 only).
    const on = Object.entries(env).filter(([, v]) => v === "1").map(([k]) => k).sort();
    expect(on).toEqual(["CONTAINERS", "DISABLE_IPV6", "EVENTS", "PING", "VERSION"]);
  });
});

describe("dev stack: secrets are files, never values", () => {
  test("n8n reads its encryption key, DB password and runner token from files", () => {
    const env = byName("main").env;
    expect(env.N8N_ENCRYPTION_KEY_FILE).toBe("/run/secrets/n8n-encryption-key");
    expect(env.DB_POSTGRESDB_PASSWORD_FILE).toBe("/run/secrets/n8n-db-password");
    expect(env.N8N_RUNNERS_AUTH_TOKEN_FILE).toBe("/run/secrets/n8n-runners-auth-token");
    for (const k of ["N8N_ENCRYPTION_KEY", "DB_POSTGRESDB_PASSWORD", "N8N_RUNNERS_AUTH_TOKEN"]) expect(env[k]).toBeUndefined();
  });

  test("oauth2-proxy reads its client and cookie secrets from files", () => {
    const cmd = byName("oauth2-proxy").command;
    expect(cmd).toContain("--client-secret-file=/run/secrets/oauth2-proxy-client-secret");
    expect(cmd).toContain("--cookie-secret-file=/run/secrets/oauth2-proxy-cookie-secret");
    expect(cmd.some((a) => /^--(client|cookie)-secret=/.test(a))).toBe(false);
  });

  test("every secret mount is read-only", () => {
    for (const c of model.containers) for (const m of c.mounts.filter((x) => x.target.startsWith("/run/secrets"))) expect(m.readOnly).toBe(true);
  });

  test("deploy fails with a clear message when a dev secret file is missing", () => {
    const containers = (json.resource as any).docker_container as Record<string, any>;
    const pre = Object.values(containers).flatMap((c) => c.lifecycle?.precondition ?? []);
    expect(pre.length).toBeGreaterThan(0);
    expect(Object.values((json as any).locals)).toEqual([expect.stringMatching(/\.secrets\/dev$/)]);
    for (const p of pre) {
      expect(p.condition).toMatch(/^\$\{fileexists\("\$\{local\.Runtime_SecretsDir_[A-F0-9]+\}\/.+"\)\}$/);
      expect(p.error_message).toMatch(/npm run secrets:dev/);
    }
  });
});

describe("dev stack: n8n settings", () => {
  const env = () => byName("main").env;
  test("n8n trusts exactly one proxy hop and serves its public URLs over https", () => {
    expect(env()).toMatchObject({
      N8N_PROXY_HOPS: "1",
      N8N_PROTOCOL: "https",
      N8N_HOST: N8N_HOST,
      N8N_EDITOR_BASE_URL: `https://${N8N_HOST}/`,
      N8N_WEBHOOK_URL: `https://${N8N_HOST}/`,
      N8N_SECURE_COOKIE: "true",
    });
  });
  test("telemetry, version notifications and templates are off; pruning is on", () => {
    expect(env()).toMatchObject({
      N8N_DIAGNOSTICS_ENABLED: "false",
      N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
      N8N_TEMPLATES_ENABLED: "false",
      EXECUTIONS_DATA_PRUNE: "true",
      EXECUTIONS_DATA_MAX_AGE: "336",
    });
  });
  test("task runners are external and share the version of n8n", () => {
    expect(env()).toMatchObject({ N8N_RUNNERS_MODE: "external", N8N_RUNNERS_BROKER_LISTEN_ADDRESS: "0.0.0.0" });
    // n8n 2.x always uses runners; the old switch is only in its deprecation list.
    expect(env()).not.toHaveProperty("N8N_RUNNERS_ENABLED");
    expect(byName("runners").image.split(":").pop()).toBe(byName("main").image.split(":").pop());
  });
  test("n8n runs as production, installs no community packages and refuses workflow requests to private addresses (ZT-N8N-002, -009, -014)", () => {
    expect(env()).toMatchObject({ NODE_ENV: "production", N8N_COMMUNITY_PACKAGES_ENABLED: "false", N8N_UNVERIFIED_PACKAGES_ENABLED: "false", N8N_SSRF_PROTECTION_ENABLED: "true" });
    expect(env()).not.toHaveProperty("N8N_SSRF_ALLOWED_IP_RANGES");
    const cfg = rawDevConfig();
    cfg.n8n.ssrfProtection = { allowedIpRanges: ["10.20.0.0/24"], allowedHostnames: ["*.internal.example"] };
    const main = (Object.values(synthDev(devConfig(cfg)).json.resource!.docker_container) as any[]).find((c) => c.name === "n8n-main");
    expect(main.env).toEqual(expect.arrayContaining(["N8N_SSRF_PROTECTION_ENABLED=true", "N8N_SSRF_ALLOWED_IP_RANGES=10.20.0.0/24", "N8N_SSRF_ALLOWED_HOSTNAMES=*.internal.example"]));
    cfg.n8n.ssrfProtection = { enabled: false };
    expect(() => synthDev(devConfig(cfg))).not.toThrow();
  });
  test("oauth2-proxy signs in with PKCE (S256) and checks the ID token's nonce (ZT-SSO-006)", () => {
    const cmd: string[] = (Object.values(json.resource!.docker_container) as any[]).find((c) => c.name === "n8n-oauth2-proxy").command;
    expect(cmd).toEqual(expect.arrayContaining(["--code-challenge-method=S256", "--insecure-oidc-skip-nonce=false"]));
  });
  test("n8n connects to Postgres with TLS verification as the least-privileged login role", () => {
    expect(env()).toMatchObject({ DB_POSTGRESDB_SSL_ENABLED: "true", DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED: "true", DB_POSTGRESDB_USER: "n8n", DB_POSTGRESDB_HOST: "n8n-postgres" });
  });
});

describe("dev stack: multi-tenant names", () => {
  test("a second tenant with another name and subnet gets disjoint Docker names", () => {
    const raw = rawDevConfig();
    raw.name = "tenant2";
    raw.network.edgeSubnet = "172.30.1.0/24";
    const other = synthDev(devConfig(raw)).model;
    const a = new Set(model.containers.map((c) => c.name).concat(model.networks.map((n) => n.name)));
    for (const n of other.containers.map((c) => c.name).concat(other.networks.map((x) => x.name))) expect(a.has(n)).toBe(false);
  });
});

describe("dev stack: upstream quirks", () => {
  test("oauth2-proxy asks for the groups scope only when a group allow-list is set (some IdPs reject unknown scopes)", () => {
    expect(byName("oauth2-proxy").command).toContain("--scope=openid email profile offline_access");
    const raw = rawDevConfig();
    raw.sso.allowedGroups = ["n8n-users"];
    const withGroups = synthDev(devConfig(raw)).model.containers.find((c) => c.name === "n8n-oauth2-proxy")!;
    expect(withGroups.command).toEqual(expect.arrayContaining(["--scope=openid email profile offline_access groups", "--allowed-group=n8n-users"]));
  });

  test("every container runs under Docker's init (haproxy in the socket proxy is not PID 1)", () => {
    for (const c of model.containers) expect([c.name, c.raw.init]).toEqual([c.name, true]);
  });
});
