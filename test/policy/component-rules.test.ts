import bcrypt from "bcryptjs";
import { renderDexConfig } from "../../constructs/common/dev-secrets";
import { evaluateStack } from "../../constructs/policy/engine";
import { COMPONENT_RULES } from "../../constructs/policy/packs";
import { Rule } from "../../constructs/policy/rule";
import { dexConfigProblems } from "../../constructs/policy/rules/components/dex";
import { devConfig, rawDevConfig, synthDev } from "../helpers/synth";
import { Json } from "./fixtures";
import { run } from "./harness";
import { command, containerNamed, env, file, flag, image, label, weaken, yamlFile } from "./weaken";

/*
 * Each component's own settings (issue 19). The compliant baseline is the dev stack exactly as this
 * project synthesizes it; every non-compliant fixture is a one-line weakening of it — a flag, a
 * variable, one key of a config file the stack writes — of the kind a reviewer would try, and the
 * rule must name the weakened container.
 */
const dev = synthDev().json as Json;
const T = "n8n-traefik";
const SSO = "n8n-oauth2-proxy";
const SOCK = "n8n-socket-proxy";
const IDP = "n8n-idp";
const N8N = "n8n-main";
const RUN = "n8n-runners";
const PG = "n8n-postgres";
const STATIC = "/etc/traefik/traefik.yml";
const DYNAMIC = "/etc/traefik/dynamic/zero-trust.yml";
const HBA = "/etc/n8n-bootstrap/pg_hba.conf";

/** The dev IdP with its config written into the plan (as another stack might), from the generator. */
const DEX_FILE = "/etc/dex/config.yaml";
const dexText = renderDexConfig(
  { dir: "/unused", domain: "localhost", n8nHost: "n8n.localhost", authHost: "auth.localhost", issuerUrl: "https://auth.localhost/dex", clientId: "n8n-oauth2-proxy", redirectUrl: "https://n8n.localhost/oauth2/callback", demoUserEmail: "demo@example.com", demoUserName: "Demo" },
  "client-secret-for-the-test",
  bcrypt.hashSync("demo-password", 4),
);
const withDex = weaken(dev, command(IDP, () => ["dex", "serve", DEX_FILE]), (j) => (containerNamed(j, IDP).upload = [{ file: DEX_FILE, content: dexText }]));
const dexEdit = (edit: (d: Json) => void) => weaken(withDex, file(IDP, DEX_FILE, (t) => {
  const d = JSON.parse(t);
  edit(d);
  return JSON.stringify(d);
}));

/** The dev stack in queue mode (issue 14): the baseline of the Valkey rules. */
const queueRaw = rawDevConfig();
queueRaw.n8n.mode = "queue";
queueRaw.images.valkey = "valkey/valkey:8.1.1";
const queueDev = synthDev(devConfig(queueRaw)).json as Json;
const VK = "n8n-valkey";
/** Valkey's arguments with `--name` (and its value) replaced, or removed when `value` is undefined. */
const vkArg = (name: string, value?: string) =>
  command(VK, (a) => {
    const i = a.indexOf(`--${name}`);
    const rest = i < 0 ? a : [...a.slice(0, i), ...a.slice(i + 2)];
    return value === undefined ? rest : [...rest, `--${name}`, value];
  });

type Case = [string, Json, string];
/** Postgres without the stack's own hba_file: the image's $PGDATA/pg_hba.conf applies. */
const noHbaFile = command(PG, (a) => a.filter((x, i) => !x.startsWith("hba_file=") && !(x === "-c" && (a[i + 1] ?? "").startsWith("hba_file="))));
const cases: Record<string, { compliant?: [string, Json][]; noncompliant: Case[] }> = {
  "ZT-TRF-001": {
    compliant: [["a load balancer's range trusted", weaken(dev, yamlFile(T, STATIC, (d) => (d.entryPoints.websecure.forwardedHeaders = { trustedIPs: ["10.0.0.0/24"] })))]],
    noncompliant: [
      ["forwardedHeaders.insecure on websecure", weaken(dev, yamlFile(T, STATIC, (d) => (d.entryPoints.websecure.forwardedHeaders.insecure = true))), T],
      ["trustedIPs 0.0.0.0/0", weaken(dev, yamlFile(T, STATIC, (d) => (d.entryPoints.websecure.forwardedHeaders = { trustedIPs: ["0.0.0.0/0"] }))), T],
      ["proxyProtocol.insecure", weaken(dev, yamlFile(T, STATIC, (d) => (d.entryPoints.websecure.proxyProtocol = { insecure: true }))), T],
      ["with --configFile given as two arguments", weaken(dev, command(T, () => ["--configFile", STATIC]), yamlFile(T, STATIC, (d) => (d.entryPoints.websecure.forwardedHeaders.insecure = true))), T],
      ["insecure written True (Go's ParseBool)", weaken(dev, file(T, STATIC, (t) => t.replace(/insecure: false/, "insecure: True"))), T],
      ["through a YAML merge key", weaken(dev, file(T, STATIC, (t) => `x-trust: &trust\n  insecure: true\n${t.replace(/forwardedHeaders:\n      insecure: false/, "forwardedHeaders:\n      <<: *trust")}`)), T],
    ],
  },
  "ZT-TRF-002": {
    compliant: [["no TLS on the entry point, every router on it with TLS of its own", weaken(dev, yamlFile(T, STATIC, (d) => delete d.entryPoints.websecure.http))]],
    noncompliant: [["the port-80 entry point without its redirection", weaken(dev, yamlFile(T, STATIC, (d) => delete d.entryPoints.web.http)), T]],
  },
  "ZT-TRF-003": {
    compliant: [["headers redacted instead of dropped", weaken(dev, yamlFile(T, STATIC, (d) => (d.accessLog.fields.headers = { defaultMode: "redact" })))]],
    noncompliant: [
      ["headers.defaultMode keep", weaken(dev, yamlFile(T, STATIC, (d) => (d.accessLog.fields.headers = { defaultMode: "keep" }))), T],
      ["the Cookie header kept by name", weaken(dev, yamlFile(T, STATIC, (d) => (d.accessLog.fields.headers.names.Cookie = "keep"))), T],
    ],
  },
  "ZT-TRF-004": {
    compliant: [["query parameters dropped instead", weaken(dev, yamlFile(T, STATIC, (d) => {
      delete d.accessLog.fields.names;
      d.accessLog.fields.queryParameters = { defaultMode: "drop" };
    }))]],
    noncompliant: [["RequestPath kept", weaken(dev, yamlFile(T, STATIC, (d) => delete d.accessLog.fields.names)), T]],
  },
  "ZT-TRF-005": {
    noncompliant: [
      ["checkNewVersion left at its default", weaken(dev, yamlFile(T, STATIC, (d) => delete d.global.checkNewVersion)), T],
      ["log.level DEBUG", weaken(dev, yamlFile(T, STATIC, (d) => (d.log.level = "DEBUG"))), T],
      ["serversTransport.insecureSkipVerify", weaken(dev, yamlFile(T, STATIC, (d) => (d.serversTransport = { insecureSkipVerify: true }))), T],
    ],
  },
  "ZT-TRF-006": {
    noncompliant: [["a plugin from the catalog", weaken(dev, yamlFile(T, STATIC, (d) => (d.experimental = { plugins: { geoblock: { moduleName: "github.com/PascalMinder/geoblock", version: "v0.3.2" } } }))), T]],
  },
  "ZT-TRF-007": {
    noncompliant: [["the docker provider without constraints", weaken(dev, yamlFile(T, STATIC, (d) => delete d.providers.docker.constraints)), T]],
  },
  "ZT-TRF-008": {
    noncompliant: [
      ["ping on websecure", weaken(dev, yamlFile(T, STATIC, (d) => (d.ping.entryPoint = "websecure"))), T],
      ["metrics on websecure", weaken(dev, yamlFile(T, STATIC, (d) => (d.metrics = { prometheus: { entryPoint: "websecure" } }))), T],
      ["ping on its default entry point (traefik, :8080), published", weaken(dev, yamlFile(T, STATIC, (d) => (d.ping = {})), (j) => containerNamed(j, T).ports.push({ internal: 8080, external: 8080, ip: "127.0.0.1" })), T],
    ],
  },
  "ZT-TLS-001": {
    compliant: [["TLS 1.3 only, no suite list", weaken(dev, yamlFile(T, DYNAMIC, (d) => {
      d.tls.options.default.minVersion = "VersionTLS13";
      delete d.tls.options.default.cipherSuites;
    }))]],
    noncompliant: [
      ["minVersion TLS 1.0", weaken(dev, yamlFile(T, DYNAMIC, (d) => (d.tls.options.default.minVersion = "VersionTLS10"))), T],
      ["a CBC suite added", weaken(dev, yamlFile(T, DYNAMIC, (d) => d.tls.options.default.cipherSuites.push("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"))), T],
      ["an RSA key-exchange suite", weaken(dev, yamlFile(T, DYNAMIC, (d) => d.tls.options.default.cipherSuites.push("TLS_RSA_WITH_AES_256_GCM_SHA384"))), T],
      ["no suite list (Traefik's default has CBC suites)", weaken(dev, yamlFile(T, DYNAMIC, (d) => delete d.tls.options.default.cipherSuites)), T],
    ],
  },
  "ZT-TLS-002": {
    noncompliant: [
      ["sniStrict off", weaken(dev, yamlFile(T, DYNAMIC, (d) => (d.tls.options.default.sniStrict = false))), T],
      ["the file provider removed (Traefik's default TLS options apply)", weaken(dev, yamlFile(T, STATIC, (d) => delete d.providers.file)), T],
    ],
  },
  "ZT-HDR-001": {
    compliant: [["a label key in another case (Traefik decodes labels case-insensitively)", weaken(dev, (j) => {
      const c = containerNamed(j, N8N);
      const l = c.labels.find((x: Json) => x.label === "traefik.http.routers.n8n-editor.middlewares");
      l.label = "traefik.http.routers.n8n-editor.Middlewares";
    })]],
    noncompliant: [
      ["the headers middleware dropped from the editor router", weaken(dev, label(N8N, "traefik.http.routers.n8n-editor.middlewares", "n8n-sso@docker")), N8N],
      ["HSTS shortened to a day", weaken(dev, yamlFile(T, DYNAMIC, (d) => (d.http.middlewares["security-headers"].headers.stsSeconds = 86400))), N8N],
    ],
  },
  "ZT-HDR-002": {
    compliant: [["an anchored origin regex", weaken(dev, yamlFile(T, DYNAMIC, (d) => Object.assign(d.http.middlewares["security-headers"].headers, { accessControlAllowOriginListRegex: ["^https://tools\\.localhost$"], accessControlAllowCredentials: true })))]],
    noncompliant: [
      ["CORS for any origin with credentials", weaken(dev, yamlFile(T, DYNAMIC, (d) => Object.assign(d.http.middlewares["security-headers"].headers, { accessControlAllowOriginList: ["*"], accessControlAllowCredentials: true }))), N8N],
      ["an unanchored origin regex", weaken(dev, yamlFile(T, DYNAMIC, (d) => Object.assign(d.http.middlewares["security-headers"].headers, { accessControlAllowOriginListRegex: ["https://.+"], accessControlAllowCredentials: true }))), N8N],
    ],
  },
  "ZT-EDGE-005": {
    noncompliant: [
      ["the public router without its rate limit", weaken(dev, label(N8N, "traefik.http.routers.n8n-public.middlewares", "security-headers@file,n8n-public-bodylimit@docker")), N8N],
      ["a rate limit keyed on a client header", weaken(dev, label(N8N, "traefik.http.middlewares.n8n-public-ratelimit.ratelimit.sourcecriterion.requestheadername", "X-Client")), N8N],
    ],
  },
  "ZT-SSO-001": {
    noncompliant: [
      ["--cookie-secure=false", weaken(dev, flag(SSO, "cookie-secure", "false")), SSO],
      ["--cookie-httponly=false", weaken(dev, flag(SSO, "cookie-httponly", "false")), SSO],
    ],
  },
  "ZT-SSO-002": {
    noncompliant: [
      ["--cookie-expire=720h", weaken(dev, flag(SSO, "cookie-expire", "720h")), SSO],
      ["--cookie-refresh left at 0", weaken(dev, flag(SSO, "cookie-refresh", undefined)), SSO],
      ["a refresh interval but no offline_access scope (no refresh token)", weaken(dev, flag(SSO, "scope", "openid email profile")), SSO],
      ["forwardAuth drops the refreshed session cookie", weaken(dev, label(SSO, "traefik.http.middlewares.n8n-sso.forwardauth.addAuthCookiesToResponse", undefined)), SSO],
      ["--cookie-domain for the parent domain", weaken(dev, flag(SSO, "cookie-domain", ".localhost")), SSO],
      ["SameSite none through the environment", weaken(dev, flag(SSO, "cookie-samesite", undefined), env(SSO, "OAUTH2_PROXY_COOKIE_SAMESITE", "none")), SSO],
    ],
  },
  "ZT-SSO-003": {
    compliant: [["--email-domain=* with an allowed group", weaken(dev, flag(SSO, "email-domain", "*"), flag(SSO, "allowed-group", "n8n-editors"))]],
    noncompliant: [
      ["--email-domain=*", weaken(dev, flag(SSO, "email-domain", "*")), SSO],
      ["email_domains = [\"*\"] in a --config TOML file", weaken(dev, flag(SSO, "email-domain", undefined), flag(SSO, "config", "/etc/oauth2-proxy.cfg"), (j) => (containerNamed(j, SSO).upload = [{ file: "/etc/oauth2-proxy.cfg", content: 'email_domains = ["*"]\n' }])), SSO],
    ],
  },
  "ZT-SSO-004": {
    noncompliant: [
      ["--skip-auth-route for /rest", weaken(dev, flag(SSO, "skip-auth-route", "GET=^/rest/")), SSO],
      ["--skip-auth-preflight", weaken(dev, flag(SSO, "skip-auth-preflight", "true")), SSO],
      ["OAUTH2_PROXY_TRUSTED_IPS", weaken(dev, env(SSO, "OAUTH2_PROXY_TRUSTED_IPS", "10.0.0.0/8")), SSO],
    ],
  },
  "ZT-SSO-005": {
    noncompliant: [
      ["--ssl-insecure-skip-verify", weaken(dev, flag(SSO, "ssl-insecure-skip-verify", "true")), SSO],
      ["--insecure-oidc-allow-unverified-email", weaken(dev, flag(SSO, "insecure-oidc-allow-unverified-email", "true")), SSO],
      ["an http:// issuer", weaken(dev, flag(SSO, "oidc-issuer-url", "http://auth.localhost/dex")), SSO],
    ],
  },
  "ZT-SSO-006": {
    noncompliant: [
      ["no PKCE", weaken(dev, flag(SSO, "code-challenge-method", undefined)), SSO],
      ["the nonce left at oauth2-proxy's default", weaken(dev, flag(SSO, "insecure-oidc-skip-nonce", undefined)), SSO],
    ],
  },
  "ZT-SSO-007": {
    noncompliant: [
      ["--reverse-proxy without --trusted-proxy-ip", weaken(dev, flag(SSO, "trusted-proxy-ip", undefined)), SSO],
      ["--trusted-proxy-ip=0.0.0.0/0", weaken(dev, flag(SSO, "trusted-proxy-ip", "0.0.0.0/0")), SSO],
    ],
  },
  "ZT-SSO-008": {
    noncompliant: [["a leading-dot whitelist domain", weaken(dev, flag(SSO, "whitelist-domain", ".localhost")), SSO]],
  },
  "ZT-SSO-009": {
    noncompliant: [
      ["--pass-access-token", weaken(dev, flag(SSO, "pass-access-token", "true")), SSO],
      ["--show-debug-on-error", weaken(dev, flag(SSO, "show-debug-on-error", "true")), SSO],
    ],
  },
  "ZT-SOCK-001": {
    noncompliant: [
      ["POST=1", weaken(dev, env(SOCK, "POST", "1")), SOCK],
      ["ALLOW_RESTARTS=1", weaken(dev, env(SOCK, "ALLOW_RESTARTS", "1")), SOCK],
      ["ALLOW_PAUSE=1", weaken(dev, env(SOCK, "ALLOW_PAUSE", "1")), SOCK],
    ],
  },
  "ZT-SOCK-002": {
    noncompliant: [
      ["EXEC=1", weaken(dev, env(SOCK, "EXEC", "1")), SOCK],
      ["CONFIGS=1", weaken(dev, env(SOCK, "CONFIGS", "1")), SOCK],
    ],
  },
  "ZT-SOCK-003": {
    compliant: [["INFO removed (the image's default is 0)", weaken(dev, env(SOCK, "INFO", undefined))]],
    noncompliant: [["INFO=1", weaken(dev, env(SOCK, "INFO", "1")), SOCK]],
  },
  "ZT-SOCK-005": {
    compliant: [
      ["ALLOW_LOGS removed (the image's default is 0)", weaken(dev, env(SOCK, "ALLOW_LOGS", undefined))],
      ["an older image with CONTAINERS=0", weaken(dev, image(SOCK, "lscr.io/linuxserver/socket-proxy:1.26.2"), env(SOCK, "CONTAINERS", "0"))],
      ["a mirror of 3.4.3", weaken(dev, image(SOCK, "registry.example.com/linuxserver/socket-proxy:3.4.3-r0-ls92"))],
    ],
    noncompliant: [
      ["ALLOW_ARCHIVE=1", weaken(dev, env(SOCK, "ALLOW_ARCHIVE", "1")), SOCK],
      ["ALLOW_LOGS=1", weaken(dev, env(SOCK, "ALLOW_LOGS", "1")), SOCK],
      ["the nginx-based 1.26.2 (no sub-path switches)", weaken(dev, image(SOCK, "lscr.io/linuxserver/socket-proxy:1.26.2")), SOCK],
      ["3.4.2", weaken(dev, image(SOCK, "ghcr.io/linuxserver/socket-proxy:3.4.2")), SOCK],
    ],
  },
  "ZT-SOCK-004": {
    noncompliant: [["n8n joins the socket network", weaken(dev, (j) => containerNamed(j, N8N).networks_advanced.push({ name: containerNamed(j, SOCK).networks_advanced[0].name })), SOCK]],
  },
  "ZT-IDP-001": {
    compliant: [["the generated Dex config in the plan", withDex], ["a literal * in a redirect URI (Dex matches exactly: inert)", dexEdit((d) => d.staticClients[0].redirectURIs.push("https://*.localhost/oauth2/callback"))]],
    noncompliant: [
      ["an http:// redirect URI", dexEdit((d) => (d.staticClients[0].redirectURIs = ["http://n8n.localhost/oauth2/callback"])), IDP],
      ["the key written redirectUris (Dex matches keys case-insensitively)", dexEdit((d) => {
        d.staticClients[0].redirectUris = ["http://n8n.localhost/oauth2/callback"];
        delete d.staticClients[0].redirectURIs;
      }), IDP],
      ["with a flag before the config file", weaken(dexEdit((d) => (d.staticClients[0].redirectURIs = ["http://n8n.localhost/oauth2/callback"])), command(IDP, () => ["dex", "serve", "--web-http-addr", "0.0.0.0:5556", DEX_FILE])), IDP],
    ],
  },
  "ZT-IDP-002": {
    compliant: [["the generated Dex config in the plan", withDex], ["code id_token as one entry (never matches a request alone)", dexEdit((d) => (d.oauth2.responseTypes = ["code", "code id_token"]))]],
    noncompliant: [
      ["the implicit flow", dexEdit((d) => (d.oauth2.responseTypes = ["code", "token"])), IDP],
      ["a public client", dexEdit((d) => (d.staticClients[0].public = true)), IDP],
      ["refresh tokens that never expire", dexEdit((d) => delete d.expiry.refreshTokens), IDP],
    ],
  },
  "ZT-N8N-001": {
    compliant: [["N8N_SAMESITE_COOKIE=None (not one of n8n's values: it keeps lax)", weaken(dev, env(N8N, "N8N_SAMESITE_COOKIE", "None"))]],
    noncompliant: [
      ["N8N_SECURE_COOKIE=false", weaken(dev, env(N8N, "N8N_SECURE_COOKIE", "false")), N8N],
      ["N8N_SAMESITE_COOKIE=none", weaken(dev, env(N8N, "N8N_SAMESITE_COOKIE", "none")), N8N],
      ["N8N_SAMESITE_COOKIE=\"none\" (n8n strips the quotes)", weaken(dev, env(N8N, "N8N_SAMESITE_COOKIE", '"none"')), N8N],
    ],
  },
  "ZT-N8N-002": {
    compliant: [["NODE_ENV left to the image", weaken(dev, env(N8N, "NODE_ENV", undefined))]],
    noncompliant: [
      ["NODE_ENV=development", weaken(dev, env(N8N, "NODE_ENV", "development")), N8N],
      ["N8N_PREVIEW_MODE=true", weaken(dev, env(N8N, "N8N_PREVIEW_MODE", "true")), N8N],
    ],
  },
  "ZT-N8N-003": {
    compliant: [["FALSE in capitals (n8n compares the exact text)", weaken(dev, env(N8N, "N8N_BLOCK_ENV_ACCESS_IN_NODE", "FALSE"))]],
    noncompliant: [["N8N_BLOCK_ENV_ACCESS_IN_NODE=false", weaken(dev, env(N8N, "N8N_BLOCK_ENV_ACCESS_IN_NODE", "false")), N8N]],
  },
  "ZT-N8N-004": {
    noncompliant: [
      ["an empty allow-list", weaken(dev, env(N8N, "N8N_RESTRICT_FILE_ACCESS_TO", "")), N8N],
      ["/run as an allowed folder", weaken(dev, env(N8N, "N8N_RESTRICT_FILE_ACCESS_TO", "/home/node/.n8n-files;/run")), N8N],
      ["the n8n-files block off", weaken(dev, env(N8N, "N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES", "false")), N8N],
    ],
  },
  "ZT-N8N-005": {
    noncompliant: [
      ["internal runners", weaken(dev, env(N8N, "N8N_RUNNERS_MODE", "internal")), N8N],
      ["NODES_EXCLUDE=[] (Execute Command back)", weaken(dev, env(N8N, "NODES_EXCLUDE", "[]")), N8N],
      ["NODES_EXCLUDE not JSON (n8n reads it as [])", weaken(dev, env(N8N, "NODES_EXCLUDE", "n8n-nodes-base.localFileTrigger")), N8N],
      ["the legacy expression engine", weaken(dev, env(N8N, "N8N_EXPRESSION_ENGINE", "legacy")), N8N],
    ],
  },
  "ZT-N8N-006": {
    noncompliant: [["the webhook HTML sandbox off", weaken(dev, env(N8N, "N8N_INSECURE_DISABLE_WEBHOOK_IFRAME_SANDBOX", "true")), N8N]],
  },
  "ZT-N8N-007": {
    noncompliant: [["N8N_SKIP_AUTH_ON_OAUTH_CALLBACK=true", weaken(dev, env(N8N, "N8N_SKIP_AUTH_ON_OAUTH_CALLBACK", "true")), N8N]],
  },
  "ZT-N8N-008": {
    compliant: [
      ["TLS switched on by the CA file alone (n8n does so itself)", weaken(dev, env(N8N, "DB_POSTGRESDB_SSL_ENABLED", undefined))],
      ["SSL_ENABLED=false with the CA file (n8n still connects with TLS)", weaken(dev, env(N8N, "DB_POSTGRESDB_SSL_ENABLED", "false"))],
    ],
    noncompliant: [
      ["TLS to Postgres off (no CA file either, so n8n does not turn it on by itself)", weaken(dev, env(N8N, "DB_POSTGRESDB_SSL_ENABLED", "false"), env(N8N, "DB_POSTGRESDB_SSL_CA_FILE", undefined)), N8N],
      ["certificate not verified", weaken(dev, env(N8N, "DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED", "false")), N8N],
      ["n8n as the superuser", weaken(dev, env(N8N, "DB_POSTGRESDB_USER", "postgres")), N8N],
    ],
  },
  "ZT-N8N-009": {
    compliant: [["community-packages disabled as a module instead", weaken(dev, env(N8N, "N8N_COMMUNITY_PACKAGES_ENABLED", undefined), env(N8N, "N8N_UNVERIFIED_PACKAGES_ENABLED", undefined), env(N8N, "N8N_DISABLED_MODULES", "mcp-registry,community-packages"))]],
    noncompliant: [["community packages left at n8n's default", weaken(dev, env(N8N, "N8N_COMMUNITY_PACKAGES_ENABLED", undefined)), N8N]],
  },
  "ZT-N8N-010": {
    noncompliant: [["telemetry left at n8n's default", weaken(dev, env(N8N, "N8N_DIAGNOSTICS_ENABLED", undefined)), N8N]],
  },
  "ZT-N8N-011": {
    noncompliant: [["N8N_METRICS=true", weaken(dev, env(N8N, "N8N_METRICS", "true")), N8N]],
  },
  "ZT-N8N-012": {
    noncompliant: [
      ["N8N_PROXY_HOPS unset", weaken(dev, env(N8N, "N8N_PROXY_HOPS", undefined)), N8N],
      ["N8N_PROXY_HOPS=2", weaken(dev, env(N8N, "N8N_PROXY_HOPS", "2")), N8N],
    ],
  },
  "ZT-N8N-013": {
    noncompliant: [
      ["N8N_LOG_LEVEL=debug", weaken(dev, env(N8N, "N8N_LOG_LEVEL", "debug")), N8N],
      ["EXECUTIONS_DATA_PRUNE=false", weaken(dev, env(N8N, "EXECUTIONS_DATA_PRUNE", "false")), N8N],
    ],
  },
  "ZT-N8N-014": {
    noncompliant: [["SSRF protection off", weaken(dev, env(N8N, "N8N_SSRF_PROTECTION_ENABLED", "false")), N8N]],
  },
  "ZT-N8N-015": {
    compliant: [["crypto and url allowed", weaken(dev, env(RUN, "NODE_FUNCTION_ALLOW_BUILTIN", "crypto,url"))]],
    noncompliant: [
      ["child_process allowed", weaken(dev, env(RUN, "NODE_FUNCTION_ALLOW_BUILTIN", "crypto,child_process")), RUN],
      ["every built-in", weaken(dev, env(RUN, "NODE_FUNCTION_ALLOW_BUILTIN", "*")), RUN],
      ["the runner's insecure mode", weaken(dev, env(RUN, "N8N_RUNNERS_INSECURE_MODE", "true")), RUN],
      ["every built-in on n8n itself (legacy Function nodes run in-process)", weaken(dev, env(N8N, "NODE_FUNCTION_ALLOW_BUILTIN", "*")), N8N],
    ],
  },
  "ZT-PG-001": {
    compliant: [["POSTGRES_HOST_AUTH_METHOD=trust with the stack's own hba_file (the image's line never takes effect)", weaken(dev, env(PG, "POSTGRES_HOST_AUTH_METHOD", "trust"))]],
    noncompliant: [
      ["a trust line", weaken(dev, file(PG, HBA, (t) => t.replace(/^hostssl(.*)scram-sha-256$/m, "hostssl$1trust"))), PG],
      ["md5 on the n8n line", weaken(dev, file(PG, HBA, (t) => t.replace(/^hostssl(.*)scram-sha-256$/m, "hostssl$1md5"))), PG],
      ["POSTGRES_HOST_AUTH_METHOD=trust without an hba_file of the stack", weaken(dev, env(PG, "POSTGRES_HOST_AUTH_METHOD", "trust"), noHbaFile), PG],
      ["initdb's short -A trust", weaken(dev, env(PG, "POSTGRES_INITDB_ARGS", "-A trust"), noHbaFile), PG],
      ["ident on the n8n line", weaken(dev, file(PG, HBA, (t) => t.replace(/^hostssl(.*)scram-sha-256$/m, "hostssl$1ident"))), PG],
    ],
  },
  "ZT-PG-002": {
    noncompliant: [
      ["host instead of hostssl", weaken(dev, file(PG, HBA, (t) => t.replace(/^hostssl /m, "host    "))), PG],
      ["ssl off", weaken(dev, command(PG, (a) => a.map((x) => (x === "ssl=on" ? "ssl=off" : x)))), PG],
      ["TLS 1.1 allowed", weaken(dev, command(PG, (a) => a.map((x) => (x === "ssl_min_protocol_version=TLSv1.2" ? "ssl_min_protocol_version=TLSv1.1" : x)))), PG],
    ],
  },
  "ZT-PG-003": {
    noncompliant: [
      ["the superuser over TLS from anywhere", weaken(dev, file(PG, HBA, (t) => t.replace(/^(hostssl .*)$/m, "$1\nhostssl  all          postgres                                 0.0.0.0/0          scram-sha-256"))), PG],
      ["every role from the data network", weaken(dev, file(PG, HBA, (t) => t.replace(/^hostssl  n8n          n8n,n8n_reporting,n8n_agent/m, "hostssl  n8n          all                       "))), PG],
      ["the superuser in a list written with a space after the comma", weaken(dev, file(PG, HBA, (t) => t.replace(/n8n,n8n_reporting,n8n_agent/, "n8n, postgres      "))), PG],
      ["a regular expression of users", weaken(dev, file(PG, HBA, (t) => t.replace(/n8n,n8n_reporting,n8n_agent/, "/^.*$                    "))), PG],
    ],
  },
  "ZT-PG-004": {
    noncompliant: [["password_encryption=md5", weaken(dev, command(PG, (a) => a.map((x) => (x === "password_encryption=scram-sha-256" ? "password_encryption=md5" : x)))), PG]],
  },
  "ZT-PG-005": {
    noncompliant: [
      ["log_statement=ddl", weaken(dev, command(PG, (a) => [...a, "-c", "log_statement=ddl"])), PG],
      ["log_min_duration_statement=0 in a postgresql.conf", weaken(dev, command(PG, (a) => [...a, "-c", "config_file=/etc/postgresql/postgresql.conf"]), (j) => (containerNamed(j, PG).upload = [{ file: "/etc/postgresql/postgresql.conf", content: "# tuned\nlog_min_duration_statement = 0   # every statement\n" }])), PG],
    ],
  },
  "ZT-N8N-016": {
    compliant: [["the stack's n8n processes in queue mode", queueDev]],
    noncompliant: [
      ["a worker without TLS to Valkey", weaken(queueDev, env("n8n-worker-1", "QUEUE_BULL_REDIS_TLS", undefined)), "n8n-worker-1"],
      ["main accepting any certificate", weaken(queueDev, env(N8N, "QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE", "false")), N8N],
      ["a webhook processor as the default user", weaken(queueDev, env("n8n-webhook-1", "QUEUE_BULL_REDIS_USERNAME", undefined)), "n8n-webhook-1"],
    ],
  },
  "ZT-VK-001": {
    compliant: [["the stack's Valkey in queue mode", queueDev]],
    noncompliant: [
      ["no aclfile", weaken(queueDev, vkArg("aclfile")), VK],
      ["protected-mode no", weaken(queueDev, vkArg("protected-mode", "no")), VK],
    ],
  },
  "ZT-VK-002": {
    noncompliant: [
      ["the plain port 6379 open beside TLS", weaken(queueDev, vkArg("port", "6379")), VK],
      ["no --port at all (6379 by default)", weaken(queueDev, vkArg("port")), VK],
      ["TLS 1.0 allowed", weaken(queueDev, vkArg("tls-protocols", "TLSv1 TLSv1.2")), VK],
    ],
  },
  "ZT-VK-003": {
    compliant: [["no maxmemory-policy (noeviction by default)", weaken(queueDev, vkArg("maxmemory-policy"))]],
    noncompliant: [["allkeys-lru", weaken(queueDev, vkArg("maxmemory-policy", "allkeys-lru")), VK], ["volatile-ttl", weaken(queueDev, vkArg("maxmemory-policy", "volatile-ttl")), VK]],
  },
  "ZT-VK-004": {
    noncompliant: [
      ["appendonly no", weaken(queueDev, vkArg("appendonly", "no")), VK],
      ["appendfsync no", weaken(queueDev, vkArg("appendfsync", "no")), VK],
    ],
  },
  "ZT-VK-005": {
    noncompliant: [
      ["--requirepass", weaken(queueDev, vkArg("requirepass", "s3cret-but-visible")), VK],
      ["a user directive with a password", weaken(queueDev, vkArg("user", "n8n on >pw ~* +@all")), VK],
      ["REDIS_PASSWORD in the environment", weaken(queueDev, env(VK, "REDIS_PASSWORD", "s3cret")), VK],
    ],
  },
  "ZT-PG-006": {
    noncompliant: [["log_connections off", weaken(dev, command(PG, (a) => a.map((x) => (x === "log_connections=on" ? "log_connections=off" : x)))), PG]],
  },
};

const addressOf = (j: Json, name: string) => `docker_container.${Object.entries<Json>(j.resource.docker_container).find(([, c]) => c.name === name)![0]}`;

test("every component rule has non-compliant fixtures, and no fixture names another rule", () => {
  expect(COMPONENT_RULES.filter((r) => (cases[r.id]?.noncompliant.length ?? 0) === 0).map((r) => r.id)).toEqual([]);
  expect(Object.keys(cases).filter((id) => !COMPONENT_RULES.some((r) => r.id === id))).toEqual([]);
});

test("the dev stack as synthesized passes every component rule: no finding, suppressed or not", () => {
  const result = evaluateStack("dev", dev, { rules: COMPONENT_RULES as Rule[] });
  expect(result.findings.map((f) => `${f.ruleId} ${f.detail}`)).toEqual([]);
});

test("the dev stack in queue mode passes every component rule too", () => {
  const result = evaluateStack("dev", queueDev, { rules: COMPONENT_RULES as Rule[] });
  expect(result.findings.map((f) => `${f.ruleId} ${f.detail}`)).toEqual([]);
});

describe.each(COMPONENT_RULES.map((r) => [r.id, r] as const))("%s", (_id, rule) => {
  const c = cases[rule.id] ?? { noncompliant: [] };
  test("states a cause, an explanation and the settings it reads (for docs/policy.md)", () => {
    expect(rule.cause.length).toBeGreaterThan(15);
    expect(rule.explanation.length).toBeGreaterThan(60);
    expect(rule.settings?.length).toBeGreaterThan(0);
  });
  if ((c.compliant ?? []).length > 0) {
    test.each(c.compliant!)("Compliance: %s", (_name, json) => {
      expect(run(rule, json)).toEqual([]);
    });
  }
  test.each(c.noncompliant)("Noncompliance: %s", (_name, json, container) => {
    const findings = run(rule, json);
    expect(findings.map((f) => f.resource)).toContain(addressOf(json, container));
    expect(run(rule, dev)).toEqual([]);
  });
});

describe("the dev IdP's generated config (npm run secrets:dev)", () => {
  test("has exact https redirect URIs, a confidential client, the code flow only and expiring tokens", () => {
    expect(dexConfigProblems(JSON.parse(dexText))).toEqual({ redirects: [], flows: [] });
  });
});
