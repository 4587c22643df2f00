import { COMPONENT_RULES, DOCKER_PACK, TENANT_RULES } from "../../constructs/policy/packs";
import { hardened, dockerBaseline, labels, setLabel, variant } from "./fixtures";
import { describeRules, run } from "./harness";
import { RoutersWithoutSso, onlyPublicPaths } from "../../constructs/policy/rules/docker/zt-edge-001-routers-without-sso";
import { parseRule } from "../../constructs/policy/traefik-rules";

const base = dockerBaseline();
const C = (j: any, key: string) => j.resource.docker_container[key];
const TRAEFIK = "docker_container.traefik";
const N8N = "docker_container.n8n";
const PG = "docker_container.postgres";
const SSO = "docker_container.sso";
const VALKEY = "docker_container.valkey";
/** A queue store on the given networks (otherwise the hardened baseline). */
const valkeyOn = (...nets: string[]) =>
  hardened("valkey", "shop-valkey", "valkey/valkey:8.1.1", { networks_advanced: nets.map((n) => ({ name: `\${docker_network.${n}.name}` })), command: ["valkey-server", "--port", "0", "--tls-port", "6379"] });

// The component rules (each component's own settings) have their own fixtures: test/policy/component-rules.test.ts.
// The tenant rules have a two-tenant baseline of their own: test/policy/tenant-rules.test.ts.
describeRules(DOCKER_PACK.filter((r) => !COMPONENT_RULES.includes(r) && !TENANT_RULES.includes(r)), dockerBaseline, {
  "ZT-NET-001": {
    compliant: [["an edge proxy found by its image, without a role label", variant(base, (j) => setLabel(C(j, "traefik"), "org.n8n-zero-trust.role", undefined))]],
    noncompliant: [
      ["Postgres publishes 5432", variant(base, (j) => (C(j, "postgres").ports = [{ internal: 5432, external: 5432 }])), PG],
      ["n8n publishes 5678 on loopback only (still a host port)", variant(base, (j) => (C(j, "n8n").ports = [{ internal: 5678, external: 5678, ip: "127.0.0.1" }])), N8N],
    ],
  },
  "ZT-NET-002": {
    noncompliant: [["Traefik publishes its dashboard port 8080", variant(base, (j) => C(j, "traefik").ports.push({ internal: 8080, external: 8080 })), TRAEFIK]],
  },
  "ZT-NET-003": {
    compliant: [["n8n on app, data and egress (not edge)", base]],
    noncompliant: [
      ["oauth2-proxy joins the data network", variant(base, (j) => C(j, "sso").networks_advanced.push({ name: "${docker_network.data.name}" })), SSO],
      [
        "roles inferred from names when networks carry no role label",
        variant(base, (j) => {
          for (const n of Object.values<any>(j.resource.docker_network)) n.labels = [];
          C(j, "traefik").networks_advanced.push({ name: "${docker_network.data.name}" });
        }),
        TRAEFIK,
      ],
    ],
  },
  "ZT-NET-006": {
    compliant: [
      ["Valkey on the data network beside n8n and Postgres", variant(base, (j) => (j.resource.docker_container.valkey = valkeyOn("data")))],
      ["Valkey alone with n8n on an internal queue network (the stack's layout)", variant(base, (j) => {
        j.resource.docker_network.queue = { name: "shop-queue", internal: true, labels: [{ label: "org.n8n-zero-trust.network-role", value: "queue" }] };
        j.resource.docker_container.valkey = valkeyOn("queue");
        C(j, "n8n").networks_advanced.push({ name: "${docker_network.queue.name}" });
      })],
    ],
    noncompliant: [
      ["Valkey also on the app network (Traefik and the runners reach it)", variant(base, (j) => (j.resource.docker_container.valkey = valkeyOn("data", "app"))), VALKEY],
      ["Valkey on the egress network (not internal)", variant(base, (j) => (j.resource.docker_container.valkey = valkeyOn("egress"))), VALKEY],
      ["Valkey on the queue network with Postgres on it too (a database may not share the queue network)", variant(base, (j) => {
        j.resource.docker_network.queue = { name: "shop-queue", internal: true, labels: [{ label: "org.n8n-zero-trust.network-role", value: "queue" }] };
        j.resource.docker_container.valkey = valkeyOn("queue");
        C(j, "n8n").networks_advanced.push({ name: "${docker_network.queue.name}" });
        C(j, "postgres").networks_advanced.push({ name: "${docker_network.queue.name}" });
      }), VALKEY],
      ["Valkey publishes 6379", variant(base, (j) => (j.resource.docker_container.valkey = { ...valkeyOn("data"), ports: [{ internal: 6379, external: 6379 }] })), VALKEY],
      ["a Redis image on the data network with oauth2-proxy on it too", variant(base, (j) => {
        j.resource.docker_container.valkey = { ...valkeyOn("data"), image: "redis:8.0.2" };
        C(j, "sso").networks_advanced.push({ name: "${docker_network.data.name}" });
      }), VALKEY],
    ],
  },
  "ZT-NET-004": {
    noncompliant: [
      ["the data network is routed", variant(base, (j) => (j.resource.docker_network.data.internal = false)), "docker_network.data"],
      [
        "queue mode's runners network is routed (the workers' task runners run user code)",
        variant(base, (j) => {
          j.resource.docker_network.runners = { name: "shop-runners", internal: false, labels: [{ label: "org.n8n-zero-trust.network-role", value: "runners" }] };
        }),
        "docker_network.runners",
      ],
      [
        "an unlabelled network is a data network because Postgres is on it",
        variant(base, (j) => {
          j.resource.docker_network.data = { name: "shop-net-2", internal: false };
        }),
        "docker_network.data",
      ],
    ],
  },
  "ZT-NET-005": {
    compliant: [["network_mode none", variant(base, (j) => (j.resource.docker_container.tool = hardened("tool", "shop-tool", "alpine:3.22.1", { network_mode: "none" })))]],
    noncompliant: [["a container without networks", variant(base, (j) => (j.resource.docker_container.tool = hardened("tool", "shop-tool", "alpine:3.22.1"))), "docker_container.tool"]],
  },
  "ZT-EDGE-001": {
    compliant: [
      ["an IdP with a stated public reason", variant(base, (j) => {
        j.resource.docker_container.idp = hardened("idp", "shop-idp", "ghcr.io/dexidp/dex:v2.44.0", {
          networks_advanced: [{ name: "${docker_network.edge.name}" }],
          labels: labels({ "org.n8n-zero-trust.public-reason": "the identity provider must be reachable to sign in", "traefik.enable": "true", "traefik.http.routers.idp.rule": "Host(`auth.example.com`)", "traefik.http.routers.idp.tls": "true" }),
        });
      })],
      ["SSO through a chain middleware", variant(base, (j) => {
        setLabel(C(j, "n8n"), "traefik.http.routers.shop-editor.middlewares", "secured@docker");
        setLabel(C(j, "n8n"), "traefik.http.middlewares.secured.chain.middlewares", "shop-sso@docker");
      })],
      ["a PathRegexp anchored under /webhook/", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.rule", "Host(`shop.example.com`) && PathRegexp(`^/webhook/[a-z0-9-]+$`)"))],
    ],
    noncompliant: [
      ["the editor router lost its SSO middleware", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-editor.middlewares", undefined)), N8N],
      ["the public router matches the whole host", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.rule", "Host(`shop.example.com`)")), N8N],
      ["the public router uses /webhook without the slash (it matches /webhook-test/)", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.rule", "Host(`shop.example.com`) && PathPrefix(`/webhook`)")), N8N],
      ["a public router for an admin path no probe would guess", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.rule", "Host(`shop.example.com`) && PathPrefix(`/zz-internal/`)")), N8N],
      ["a public reason shorter than 10 characters", variant(base, (j) => {
        setLabel(C(j, "n8n"), "org.n8n-zero-trust.public-reason", "idp");
        setLabel(C(j, "n8n"), "traefik.http.routers.shop-editor.middlewares", undefined);
      }), N8N],
      ["an enabled container without router labels gets Traefik's default router", variant(base, (j) => {
        j.resource.docker_container.admin = hardened("admin", "shop-admin", "adminer:5.3.0", { networks_advanced: [{ name: "${docker_network.app.name}" }], labels: labels({ "traefik.enable": "true" }) });
      }), "docker_container.admin"],
      ["an unparseable rule", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.rule", "Host(`shop.example.com`")), N8N],
    ],
  },
  "ZT-EDGE-002": {
    noncompliant: [
      ["the editor rule no longer excludes /metrics", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-editor.rule", "Host(`shop.example.com`) && !PathPrefix(`/healthz`)")), N8N],
      ["a router to Traefik's API", variant(base, (j) => {
        setLabel(C(j, "sso"), "traefik.http.routers.api.rule", "Host(`traefik.example.com`)");
        setLabel(C(j, "sso"), "traefik.http.routers.api.service", "api@internal");
        setLabel(C(j, "sso"), "traefik.http.routers.api.tls", "true");
      }), SSO],
      ["api.insecure on the proxy", variant(base, (j) => C(j, "traefik").command.push("--api.insecure=true")), TRAEFIK],
    ],
  },
  "ZT-EDGE-003": {
    compliant: [
      ["TLS set on the entry point instead of the router (the baseline's websecure has http.tls)", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.tls", undefined))],
      ["a plain-HTTP router that only redirects", variant(base, (j) => {
        setLabel(C(j, "sso"), "traefik.http.routers.redirect.rule", "HostRegexp(`.+`)");
        setLabel(C(j, "sso"), "traefik.http.routers.redirect.entrypoints", "web");
        setLabel(C(j, "sso"), "traefik.http.routers.redirect.middlewares", "to-https@docker");
        setLabel(C(j, "sso"), "traefik.http.middlewares.to-https.redirectscheme.scheme", "https");
      })],
    ],
    noncompliant: [["the public router without TLS (and none on its entry point)", variant(base, (j) => {
      setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.tls", undefined);
      C(j, "traefik").command = C(j, "traefik").command.filter((a: string) => a !== "--entrypoints.websecure.http.tls=true");
    }), N8N]],
  },
  "ZT-EDGE-004": {
    compliant: [["static config not in the plan (mounted file)", variant(base, (j) => (C(j, "traefik").command = ["--configFile=/etc/traefik/traefik.yml"]))]],
    noncompliant: [
      ["exposedByDefault left at its default", variant(base, (j) => (C(j, "traefik").command = C(j, "traefik").command.filter((a: string) => !a.includes("exposedbydefault")))), TRAEFIK],
      ["exposedByDefault true in an uploaded traefik.yml", variant(base, (j) => {
        C(j, "traefik").command = ["--configFile=/etc/traefik/traefik.yml"];
        C(j, "traefik").upload = [{ file: "/etc/traefik/traefik.yml", content: "providers:\n  docker:\n    exposedByDefault: true\n" }];
      }), TRAEFIK],
    ],
  },
  "ZT-CTR-001": {
    noncompliant: [
      ["n8n mounts the docker socket", variant(base, (j) => C(j, "n8n").mounts.push({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", read_only: true })), N8N],
      ["the socket proxy mounts it writable", variant(base, (j) => (C(j, "socketproxy").mounts[0].read_only = false)), "docker_container.socketproxy"],
      ["Traefik mounts it through the deprecated volumes block", variant(base, (j) => (C(j, "traefik").volumes = [{ host_path: "/var/run/docker.sock", container_path: "/var/run/docker.sock", read_only: true }])), TRAEFIK],
    ],
  },
  "ZT-CTR-002": {
    compliant: [["the socket proxy adds only SETUID/SETGID", variant(base, (j) => (C(j, "socketproxy").capabilities.add = ["SETUID", "SETGID"]))]],
    noncompliant: [
      ["n8n is privileged", variant(base, (j) => (C(j, "n8n").privileged = true)), N8N],
      ["Postgres adds SYS_ADMIN", variant(base, (j) => (C(j, "postgres").capabilities.add = ["SYS_ADMIN"])), PG],
      ["n8n shares the host's PID namespace", variant(base, (j) => (C(j, "n8n").pid_mode = "host")), N8N],
    ],
  },
  "ZT-CTR-003": {
    noncompliant: [["Postgres without no-new-privileges", variant(base, (j) => (C(j, "postgres").security_opts = [])), PG]],
  },
  "ZT-CTR-004": {
    noncompliant: [["Traefik keeps the default capabilities", variant(base, (j) => delete C(j, "traefik").capabilities), TRAEFIK]],
  },
  "ZT-CTR-005": {
    compliant: [["an image pinned by digest", variant(base, (j) => (C(j, "n8n").image = "docker.n8n.io/n8nio/n8n@sha256:" + "a".repeat(64)))]],
    noncompliant: [
      ["an image tagged latest (through docker_image)", variant(base, (j) => (j.resource.docker_image.pg.name = "postgres:latest")), PG],
      ["a bare major tag", variant(base, (j) => (C(j, "n8n").image = "docker.n8n.io/n8nio/n8n:2")), N8N],
    ],
  },
  "ZT-CTR-006": { noncompliant: [["no memory limit", variant(base, (j) => delete C(j, "postgres").memory), PG]] },
  "ZT-CTR-007": { noncompliant: [["no healthcheck", variant(base, (j) => delete C(j, "postgres").healthcheck), PG]] },
  "ZT-CTR-008": { noncompliant: [["a writable root filesystem", variant(base, (j) => (C(j, "n8n").read_only = false)), N8N]] },
  "ZT-SEC-001": {
    compliant: [["secrets passed as *_FILE", base]],
    noncompliant: [
      ["a password in n8n's environment", variant(base, (j) => C(j, "n8n").env.push("DB_POSTGRESDB_PASSWORD=hunter2hunter2")), N8N],
      ["an AWS secret access key", variant(base, (j) => C(j, "n8n").env.push("AWS_SECRET_ACCESS_KEY=abc123")), N8N],
      ["a basic-auth hash in a label", variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.middlewares.auth.basicauth.users", "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/")), N8N],
      ["a database URL with a password", variant(base, (j) => C(j, "n8n").env.push("DATABASE_URL=postgres://n8n:s3cret@shop-postgres/n8n")), N8N],
    ],
  },
  "ZT-SEC-002": {
    noncompliant: [
      ["oauth2-proxy gets its client secret on the command line", variant(base, (j) => C(j, "sso").command.push("--client-secret=abcdef0123456789")), SSO],
      ["a private key in an uploaded file", variant(base, (j) => (C(j, "traefik").upload = [{ file: "/etc/traefik/dynamic/certs.yml", content: "tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    MIIE...\n" }])), TRAEFIK],
    ],
  },
});

describe("ZT-EDGE-001 reads the rule's structure", () => {
  const allowed = ["/webhook/", "/form/"];
  test.each([
    ["Host(`a`) && PathPrefix(`/webhook/`)", true],
    ["Host(`a`) && (PathPrefix(`/webhook/`) || Path(`/form/x`))", true],
    ["PathPrefix(`/webhook/`) || Host(`a`)", false],
    ["Host(`a`) && !PathPrefix(`/rest/`)", false],
    ["Host(`a`) && PathPrefix(`/webhook`)", false],
    ["Host(`a`) && PathRegexp(`^/webhook/.*`)", true],
    ["Host(`a`) && PathRegexp(`^/webhooks?/`)", false],
    ["Host(`a`) && PathRegexp(`/webhook/`)", false],
    ["Method(`POST`) && PathPrefix(`/form/`, `/webhook/`)", true],
  ])("%s → public only: %s", (rule, expected) => {
    expect(onlyPublicPaths(parseRule(rule), allowed)).toBe(expected);
  });

  test("the allow-list and the SSO middleware names are options", () => {
    const json = variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-public.rule", "Host(`shop.example.com`) && PathPrefix(`/status/`)"));
    expect(run(RoutersWithoutSso, json)).toHaveLength(1);
    expect(run(RoutersWithoutSso, json, { publicPaths: ["/webhook/", "/form/", "/status/", "/oauth2/"] })).toEqual([]);
    const plugin = variant(base, (j) => setLabel(C(j, "n8n"), "traefik.http.routers.shop-editor.middlewares", "oidc@file"));
    expect(run(RoutersWithoutSso, plugin)).toHaveLength(1);
    expect(run(RoutersWithoutSso, plugin, { ssoMiddlewares: ["oidc"] })).toEqual([]);
  });
});
