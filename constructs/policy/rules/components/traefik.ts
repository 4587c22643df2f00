import { traefikDynamicKeys } from "../../component-config";
import { findMiddleware, isFalseValue, isTrueValue, ModelContainer, ModelMiddleware, ModelRouter, traefikStaticConfig } from "../../docker-model";
import { Rule, RuleContext, RuleFinding } from "../../rule";
import { containerOf, hasSso, publicReason, routerFinding } from "../docker/roles";
import { onlyPublicPaths } from "../docker/zt-edge-001-routers-without-sso";
import { componentRule, isEverywhere } from "./helpers";

/*
 * Traefik v3.7's own settings: the static configuration (command flags, TRAEFIK_* environment, the
 * uploaded static file) and the file provider's dynamic configuration (TLS options, middlewares),
 * plus middlewares declared in labels. Keys are Traefik's, lower-cased (Traefik reads them
 * case-insensitively).
 */

/** Static keys of a Traefik container ({} when its static config is not in the plan). */
const staticKeys = (c: ModelContainer): Record<string, string> => traefikStaticConfig(c)?.keys ?? {};
const dynamicKeys = (c: ModelContainer) => traefikDynamicKeys(c);

/** Entry point names declared in a static config. */
export function entrypointNames(keys: Record<string, string>): string[] {
  return [...new Set(Object.keys(keys).map((k) => /^entrypoints\.([^.]+)\./.exec(k)?.[1]).filter((x): x is string => !!x))];
}

const has = (keys: Record<string, string>, section: string) => Object.keys(keys).some((k) => k === section || k.startsWith(`${section}.`));

/** Where ping and Prometheus metrics are served: their entryPoint, default `traefik` once the section is on. */
function internalEndpoints(keys: Record<string, string>): { what: string; entrypoint: string }[] {
  return [
    has(keys, "ping") && { what: "ping", entrypoint: (keys["ping.entrypoint"] ?? "traefik").toLowerCase() },
    has(keys, "metrics.prometheus") && !isTrueValue(keys["metrics.prometheus.manualrouting"]) && { what: "metrics", entrypoint: (keys["metrics.prometheus.entrypoint"] ?? "traefik").toLowerCase() },
    isTrueValue(keys["api.insecure"]) && { what: "the API", entrypoint: "traefik" },
  ].filter((x): x is { what: string; entrypoint: string } => !!x);
}

/** Each entry point's address; Traefik creates `traefik` on :8080 when ping, metrics or api.insecure use it undeclared. */
function entrypointAddresses(keys: Record<string, string>): Map<string, string> {
  const out = new Map(entrypointNames(keys).map((ep) => [ep, keys[`entrypoints.${ep}.address`] ?? ""]));
  if (!out.has("traefik") && internalEndpoints(keys).some((e) => e.entrypoint === "traefik")) out.set("traefik", ":8080");
  return out;
}

/** Entry points whose port the container publishes on the host. */
export function publishedEntrypoints(c: ModelContainer): string[] {
  const keys = staticKeys(c);
  const ports = new Set(c.ports.filter((p) => p.external !== undefined).map((p) => p.internal));
  return [...entrypointAddresses(keys)].filter(([, address]) => ports.has(Number(/:(\d+)(\/\w+)?$/.exec(address)?.[1]))).map(([ep]) => ep);
}

/** Values of a flattened list (`a.0`, `a.1`, or a comma list in one value). */
function listOf(keys: Record<string, string>, prefix: string): string[] {
  const direct = keys[prefix];
  const items = Object.entries(keys).filter(([k]) => new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.\\d+$`).test(k)).map(([, v]) => v);
  return [...(direct && direct !== "[]" ? direct.split(",") : []), ...items].map((x) => x.trim()).filter(Boolean);
}

export const TraefikForwardedHeaders = componentRule({
  id: "ZT-TRF-001",
  level: "error",
  component: "traefik",
  cause: "An entry point trusts X-Forwarded-* or PROXY protocol headers from any client",
  explanation:
    "Traefik is the first hop. With forwardedHeaders.insecure (or trustedIPs covering the whole internet) it keeps the " +
    "X-Forwarded-For/-Host/-Proto/-Prefix a client sends; forwardAuth (trustForwardHeader) then passes them to " +
    "oauth2-proxy and n8n, so a client can pick its own address for rate limits and logs, and the Host the SSO redirect " +
    "is built from. The same holds for proxyProtocol. Trust only the load balancer in front, if any, by its address.",
  settings: [
    ["entryPoints.<name>.forwardedHeaders.insecure", "false (the default)"],
    ["entryPoints.<name>.forwardedHeaders.trustedIPs", "unset, or the address of a load balancer in front; never 0.0.0.0/0 or ::/0"],
    ["entryPoints.<name>.proxyProtocol.insecure / trustedIPs", "unset (the same)"],
  ],
  check: (c) => {
    const keys = staticKeys(c);
    return entrypointNames(keys).flatMap((ep) =>
      ["forwardedheaders", "proxyprotocol"].flatMap((what) => [
        isTrueValue(keys[`entrypoints.${ep}.${what}.insecure`]) && `entry point ${ep}: ${what}.insecure = true`,
        listOf(keys, `entrypoints.${ep}.${what}.trustedips`).some(isEverywhere) && `entry point ${ep}: ${what}.trustedIPs covers every address`,
      ]),
    );
  },
});

export const TraefikPlainHttpEntrypoint = componentRule({
  id: "ZT-TRF-002",
  level: "warning",
  component: "traefik",
  cause: "A published entry point neither terminates TLS nor redirects to HTTPS",
  explanation:
    "A browser that types the bare host name arrives on port 80. Without an entry-point redirection to the HTTPS entry " +
    "point it gets a plain-HTTP answer (a 404 at best, and a cookie sent in clear if one lacks Secure). Give the port-80 " +
    "entry point http.redirections.entryPoint (to: websecure, scheme: https) and nothing else.",
  settings: [["entryPoints.<published>.http.redirections.entryPoint", "to: the TLS entry point, scheme: https (or http.tls on the entry point)"]],
  check: (c, ctx) => {
    const keys = staticKeys(c);
    return publishedEntrypoints(c).map((ep) => {
      const p = `entrypoints.${ep}.http.`;
      const tls = (keys[`${p}tls`] !== undefined && !isFalseValue(keys[`${p}tls`])) || Object.keys(keys).some((k) => k.startsWith(`${p}tls.`));
      const redirect = keys[`${p}redirections.entrypoint.to`] !== undefined && (keys[`${p}redirections.entrypoint.scheme`] ?? "https") === "https";
      // Routers with TLS of their own make the entry point serve TLS for them.
      const routers = ctx.docker.routers.filter((r) => r.entrypoints.length === 0 || r.entrypoints.some((e) => e.toLowerCase() === ep));
      const routersTls = routers.length > 0 && routers.every((r) => r.tls);
      return !tls && !redirect && !routersTls && `entry point ${ep} (published) has no TLS and no redirection to HTTPS`;
    });
  },
});

/** Request headers that carry credentials: never in an access log. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization", "x-auth-request-access-token", "x-forwarded-access-token"];

export const TraefikAccessLogCredentials = componentRule({
  id: "ZT-TRF-003",
  level: "error",
  component: "traefik",
  cause: "Traefik's access log records request headers that carry credentials (Authorization, Cookie)",
  explanation:
    "With accessLog.fields.headers.defaultMode = keep (Traefik's default is drop), or a header named keep, each request's " +
    "Authorization and Cookie values — session cookies, API keys, basic-auth passwords — go to the log and wherever logs " +
    "are shipped. Keep the default drop, or name Authorization, Cookie and X-Auth-Request-Access-Token as drop (or redact).",
  settings: [
    ["accessLog.fields.headers.defaultMode", "drop (the default) or redact"],
    ["accessLog.fields.headers.names.<Authorization|Cookie|...>", "drop or redact"],
  ],
  check: (c) => {
    const keys = staticKeys(c);
    if (!Object.keys(keys).some((k) => k === "accesslog" || k.startsWith("accesslog."))) return undefined;
    const mode = (keys["accesslog.fields.headers.defaultmode"] ?? "drop").toLowerCase();
    return CREDENTIAL_HEADERS.map((h) => {
      const named = keys[`accesslog.fields.headers.names.${h}`]?.toLowerCase();
      const effective = named ?? mode;
      return effective === "keep" && `the access log keeps the ${h} header${named ? "" : " (headers.defaultMode = keep)"}`;
    });
  },
});

export const TraefikAccessLogPaths = componentRule({
  id: "ZT-TRF-004",
  level: "warning",
  component: "traefik",
  cause: "Traefik's access log records request paths with their query strings (webhook tokens, OAuth codes)",
  explanation:
    "The RequestPath field is the full request URI: n8n's webhook and form URLs can carry tokens in the query, resume URLs " +
    "are signed, and the SSO callback carries the OAuth code. Drop RequestPath (accessLog.fields.names.RequestPath = drop); " +
    "RouterName, ServiceName and the status still say which route answered.",
  settings: [["accessLog.fields.names.RequestPath", "drop, or accessLog.fields.queryParameters.defaultMode drop (Traefik keeps both by default)"]],
  check: (c) => {
    const keys = staticKeys(c);
    if (!Object.keys(keys).some((k) => k === "accesslog" || k.startsWith("accesslog."))) return undefined;
    const mode = (keys["accesslog.fields.names.requestpath"] ?? keys["accesslog.fields.defaultmode"] ?? "keep").toLowerCase();
    const query = (keys["accesslog.fields.queryparameters.defaultmode"] ?? "keep").toLowerCase();
    return mode === "keep" && query === "keep" && "the access log keeps RequestPath with its query string";
  },
});

export const TraefikDiagnostics = componentRule({
  id: "ZT-TRF-005",
  level: "warning",
  component: "traefik",
  cause: "Traefik phones home, logs at debug level, or skips backend certificate checks",
  explanation:
    "global.checkNewVersion (on by default) and sendAnonymousUsage make the edge proxy call out to Traefik Labs; " +
    "log.level DEBUG or TRACE writes request details (headers included) to the log; serversTransport.insecureSkipVerify " +
    "accepts any certificate from backends. None of it belongs on the edge of a zero-trust stack.",
  settings: [
    ["global.checkNewVersion", "false (the default is true)"],
    ["global.sendAnonymousUsage", "false (the default)"],
    ["log.level", "ERROR (the default), WARN or INFO; not DEBUG or TRACE"],
    ["serversTransport.insecureSkipVerify", "false (the default)"],
  ],
  check: (c) => {
    const keys = staticKeys(c);
    if (Object.keys(keys).length === 0) return undefined;
    const level = (keys["log.level"] ?? "ERROR").toUpperCase();
    const dyn = dynamicKeys(c);
    return [
      !isFalseValue(keys["global.checknewversion"]) && `global.checkNewVersion is ${keys["global.checknewversion"] ?? "unset (true)"}`,
      isTrueValue(keys["global.sendanonymoususage"]) && "global.sendAnonymousUsage = true",
      (level === "DEBUG" || level === "TRACE") && `log.level = ${level}`,
      isTrueValue(keys["serverstransport.insecureskipverify"]) && "serversTransport.insecureSkipVerify = true",
      Object.entries(dyn).some(([k, v]) => /^http\.serverstransports\.[^.]+\.insecureskipverify$/.test(k) && isTrueValue(v)) && "a serversTransport of the dynamic configuration sets insecureSkipVerify",
    ];
  },
});

export const TraefikPlugins = componentRule({
  id: "ZT-TRF-006",
  level: "warning",
  component: "traefik",
  cause: "Traefik loads plugins (third-party code inside the edge proxy)",
  explanation:
    "experimental.plugins downloads code from plugins.traefik.io at start and runs it in the process that terminates TLS " +
    "and enforces SSO; localPlugins runs code from the container's file system. Prefer built-in middlewares; if a plugin is " +
    "needed, vendor it as a local plugin, pinned and reviewed.",
  settings: [["experimental.plugins / experimental.localPlugins", "unset"]],
  check: (c) => {
    const names = [...new Set(Object.keys(staticKeys(c)).map((k) => /^experimental\.(plugins|localplugins)\.([^.]+)/.exec(k)).filter((m): m is RegExpExecArray => !!m).map((m) => `${m[1]}.${m[2]}`))];
    return names.length > 0 && `loads ${names.join(", ")}`;
  },
});

export const TraefikProviderConstraints = componentRule({
  id: "ZT-TRF-007",
  level: "warning",
  component: "traefik",
  cause: "Traefik's docker provider takes routers from every labelled container on the host",
  explanation:
    "Without providers.docker.constraints any container on the same engine that sets traefik.enable=true — another " +
    "project, another tenant, a test — can attach routers to this edge proxy, for any host name. Constrain the provider to " +
    "this stack's label (our constructs use Label(`org.n8n-zero-trust.instance`,`<prefix>`)).",
  settings: [["providers.docker.constraints", "a Label(...) expression naming this stack"]],
  check: (c) => {
    const keys = staticKeys(c);
    const docker = Object.keys(keys).some((k) => k === "providers.docker" || k.startsWith("providers.docker."));
    return docker && !keys["providers.docker.constraints"] && "providers.docker has no constraints";
  },
});

export const TraefikInternalEntrypoints = componentRule({
  id: "ZT-TRF-008",
  level: "error",
  component: "traefik",
  cause: "Traefik serves its ping or metrics endpoint on a published entry point",
  explanation:
    "ping.entryPoint and metrics.prometheus.entryPoint put /ping and /metrics on every host name of that entry point, with " +
    "no router and no SSO. Keep them on their own entry point bound to loopback or an internal network (our constructs " +
    "bind ping to 127.0.0.1 for the healthcheck).",
  settings: [
    ["ping.entryPoint", "an entry point that is not published (the default is traefik, created on :8080)"],
    ["metrics.prometheus.entryPoint", "an entry point that is not published"],
  ],
  check: (c) => {
    const published = publishedEntrypoints(c);
    return internalEndpoints(staticKeys(c)).filter((e) => e.what !== "the API").map((e) => published.includes(e.entrypoint) && `${e.what} is served on the published entry point ${e.entrypoint}`);
  },
});

// ---- dynamic configuration: TLS options -------------------------------------------------------

const WEAK_VERSIONS = /^VersionTLS1[01]$/i;
/** Cipher suites without forward secrecy or AEAD: RSA key exchange, CBC, 3DES, RC4. */
export const WEAK_SUITE = /^TLS_RSA_|_CBC_|3DES|RC4/i;

/** TLS option sets of a Traefik container's dynamic configuration: name → flattened settings. */
function tlsOptions(c: ModelContainer): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const [k, v] of Object.entries(dynamicKeys(c))) {
    const m = /^tls\.options\.([^.]+)\.(.+)$/.exec(k);
    if (m) out.set(m[1], { ...out.get(m[1]), [m[2]]: v });
  }
  return out;
}

export const TraefikTlsVersions = componentRule({
  id: "ZT-TLS-001",
  level: "error",
  component: "traefik",
  cause: "A TLS option set accepts TLS 1.0/1.1 or CBC, RSA-key-exchange, 3DES or RC4 cipher suites",
  explanation:
    "TLS 1.0 and 1.1 are deprecated (RFC 8996); suites without ECDHE have no forward secrecy, and CBC suites are the ones " +
    "padding-oracle attacks target. Set minVersion VersionTLS12 (Traefik v3's default) and list only ECDHE AEAD suites " +
    "(AES-GCM, ChaCha20-Poly1305); TLS 1.3 suites are not configurable and are all strong.",
  settings: [
    ["tls.options.<name>.minVersion", "VersionTLS12 (the default) or VersionTLS13"],
    ["tls.options.<name>.cipherSuites", "set, and only TLS_ECDHE_*_GCM_* and TLS_ECDHE_*_CHACHA20_POLY1305* (the default list has CBC suites)"],
  ],
  check: (c) => {
    if (Object.keys(staticKeys(c)).length === 0 && Object.keys(dynamicKeys(c)).length === 0) return undefined;
    const options = tlsOptions(c);
    // Without a `default` option set Traefik uses its own: TLS 1.2+, and Go's default suites, which include ECDHE CBC-SHA1.
    if (!options.has("default")) options.set("default", {});
    return [...options].flatMap(([name, o]) => {
      const suites = Object.entries(o).filter(([k]) => /^ciphersuites\.\d+$/.test(k)).map(([, v]) => v);
      const weak = suites.filter((s) => WEAK_SUITE.test(s));
      const tls13Only = /^VersionTLS13$/i.test(o.minversion ?? "");
      return [
        o.minversion !== undefined && WEAK_VERSIONS.test(o.minversion) && `tls.options.${name}.minVersion = ${o.minversion}`,
        weak.length > 0 && `tls.options.${name} allows ${weak.join(", ")}`,
        suites.length === 0 && !tls13Only && `tls.options.${name} has no cipherSuites list (Traefik's default for TLS 1.2 includes four ECDHE CBC-SHA1 suites)`,
      ];
    });
  },
});

export const TraefikSniStrict = componentRule({
  id: "ZT-TLS-002",
  level: "warning",
  component: "traefik",
  cause: "Traefik completes TLS handshakes for host names it has no certificate for (sniStrict off)",
  explanation:
    "Without sniStrict Traefik answers a handshake for any name (or none) with its default certificate, so scanners that " +
    "probe by IP address learn the real host names from it and reach routers whose rules do not check Host. Set " +
    "tls.options.default.sniStrict = true.",
  settings: [["tls.options.default.sniStrict", "true (the default is false)"]],
  check: (c) => {
    if (Object.keys(staticKeys(c)).length === 0 && Object.keys(dynamicKeys(c)).length === 0) return undefined;
    const d = tlsOptions(c).get("default");
    return !isTrueValue(d?.snistrict) && `tls.options.default.sniStrict is ${d?.snistrict ?? "unset (false)"}`;
  },
});

// ---- middlewares on the routers ----------------------------------------------------------------

/** A middleware's settings with lower-cased keys. */
const lower = (m: ModelMiddleware): Record<string, string> => Object.fromEntries(Object.entries(m.settings).map(([k, v]) => [k.toLowerCase(), v]));

/** The middlewares a router runs, chains expanded. */
export function routerMiddlewares(ctx: RuleContext, r: ModelRouter): ModelMiddleware[] {
  const out: ModelMiddleware[] = [];
  const visit = (ref: string, depth: number) => {
    const m = findMiddleware(ctx.docker, ref, r.provider ?? "docker");
    if (!m) return;
    out.push(m);
    if (m.type === "chain" && depth < 5)
      Object.entries(lower(m))
        .filter(([k]) => /^middlewares(\.\d+)?$/.test(k))
        .flatMap(([, v]) => v.split(","))
        .forEach((x) => x.trim() && visit(x.trim(), depth + 1));
  };
  r.middlewares.forEach((m) => visit(m, 0));
  return out;
}

function routerRule(spec: { id: string; level: "error" | "warning"; cause: string; explanation: string; settings: [string, string][]; check: (r: ModelRouter, ctx: RuleContext) => string | undefined | false }): Rule {
  return {
    id: spec.id,
    level: spec.level,
    cause: spec.cause,
    explanation: spec.explanation,
    settings: spec.settings.map(([setting, safe]) => ({ component: "traefik", setting, safe })),
    appliesTo: "docker_",
    evaluate: (_stack, ctx) => {
      const out: RuleFinding[] = [];
      for (const r of ctx.docker.routers) {
        const p = spec.check(r, ctx);
        if (p) out.push(routerFinding(ctx.docker, r, `router ${r.name}: ${p}`));
      }
      return out;
    },
  };
}

export const RouterSecurityHeaders = routerRule({
  id: "ZT-HDR-001",
  level: "warning",
  cause: "A TLS router does not add HSTS, nosniff and frame options to its responses",
  explanation:
    "Every response of the stack — redirects and errors included — should tell browsers to use HTTPS only (HSTS, at least " +
    "180 days), not to guess content types (nosniff), and not to let other sites frame it (frame options). Put one headers " +
    "middleware with stsSeconds, contentTypeNosniff and frameDeny or customFrameOptionsValue on every router.",
  settings: [
    ["headers.stsSeconds", "at least 15552000 (180 days)"],
    ["headers.contentTypeNosniff", "true"],
    ["headers.frameDeny / customFrameOptionsValue", "true / DENY or SAMEORIGIN"],
  ],
  check: (r, ctx) => {
    if (!r.tls || r.implicit) return undefined;
    const headers = routerMiddlewares(ctx, r).filter((m) => m.type === "headers").map(lower);
    const has = (test: (h: Record<string, string>) => boolean) => headers.some(test);
    const missing = [
      !has((h) => Number(h.stsseconds ?? 0) >= 15552000) && "HSTS (stsSeconds >= 15552000)",
      !has((h) => isTrueValue(h.contenttypenosniff)) && "nosniff",
      !has((h) => isTrueValue(h.framedeny) || /^(DENY|SAMEORIGIN)$/i.test(h.customframeoptionsvalue ?? "")) && "frame options",
    ].filter(Boolean);
    return missing.length > 0 && `no ${missing.join(", ")}`;
  },
});

export const RouterOpenCors = routerRule({
  id: "ZT-HDR-002",
  level: "error",
  cause: "A router's headers middleware allows any origin with credentials (CORS)",
  explanation:
    "accessControlAllowOriginList \"*\" (or an origin regex that matches anything) together with " +
    "accessControlAllowCredentials = true lets any web site make requests with the signed-in editor's cookies and read the " +
    "answers. List the origins that need access, or leave CORS off.",
  settings: [["headers.accessControlAllowOriginList with accessControlAllowCredentials", "named origins only; never * or .* with credentials"]],
  check: (r, ctx) => {
    for (const h of routerMiddlewares(ctx, r).filter((m) => m.type === "headers").map(lower)) {
      const origins = Object.entries(h).filter(([k]) => /^accesscontrolalloworiginlist(\.\d+)?$/.test(k)).flatMap(([, v]) => v.split(",")).map((x) => x.trim());
      const regexes = Object.entries(h).filter(([k]) => /^accesscontrolalloworiginlistregex(\.\d+)?$/.test(k)).flatMap(([, v]) => v.split(",")).map((x) => x.trim());
      // Traefik matches origin regexes unanchored: one that matches a stranger's origin lets any site in.
      const probe = (re: string) => {
        try {
          return new RegExp(re).test("https://attacker.invalid") || new RegExp(re).test("https://n8n.example.com.attacker.invalid");
        } catch {
          return false;
        }
      };
      const any = origins.includes("*") || regexes.some(probe);
      if (any && isTrueValue(h.accesscontrolallowcredentials)) return "any origin may send credentialed requests";
    }
    return undefined;
  },
});

export const PublicRouterLimits = routerRule({
  id: "ZT-EDGE-005",
  level: "warning",
  cause: "A public n8n router (webhooks, forms) has no rate limit or no request-body limit",
  explanation:
    "Public routers (webhooks, forms) are the only part of n8n anyone can reach; each request may start a workflow. Give " +
    "them a rateLimit middleware keyed on the client address (sourceCriterion ipStrategy, not a request header the client " +
    "chooses) and a buffering middleware with maxRequestBodyBytes, so one client cannot flood the instance.",
  settings: [
    ["rateLimit.average / burst on public routers", "set; sourceCriterion by client address (not requestHeaderName)"],
    ["buffering.maxRequestBodyBytes on public routers", "set (our default: 16 MiB, n8n's own payload limit)"],
  ],
  check: (r, ctx) => {
    if (hasSso(ctx, ctx.docker, r) || r.implicit) return undefined;
    // The sign-in paths (the SSO callback, an IdP that is public by design) are not n8n's public entry points.
    if (publicReason(containerOf(ctx.docker, r)) || (r.expr && onlyPublicPaths(r.expr, ["/oauth2/"]))) return undefined;
    const mws = routerMiddlewares(ctx, r);
    const rate = mws.find((m) => m.type === "ratelimit" || m.type === "inflightreq");
    const body = mws.find((m) => m.type === "buffering" && Number(lower(m).maxrequestbodybytes ?? 0) > 0);
    const headerKeyed = rate && lower(rate)["sourcecriterion.requestheadername"];
    return [!rate && "no rateLimit", !body && "no buffering.maxRequestBodyBytes", headerKeyed && `rate limit keyed on the client-chosen header ${headerKeyed}`].filter(Boolean).join(", ") || undefined;
  },
});

export const TRAEFIK_RULES: readonly Rule[] = [
  TraefikForwardedHeaders,
  TraefikPlainHttpEntrypoint,
  TraefikAccessLogCredentials,
  TraefikAccessLogPaths,
  TraefikDiagnostics,
  TraefikPlugins,
  TraefikProviderConstraints,
  TraefikInternalEntrypoints,
  TraefikTlsVersions,
  TraefikSniStrict,
  RouterSecurityHeaders,
  RouterOpenCors,
  PublicRouterLimits,
];
