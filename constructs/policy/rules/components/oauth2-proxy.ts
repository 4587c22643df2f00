import { oauth2ProxySettings } from "../../component-config";
import { ModelContainer } from "../../docker-model";
import { Rule, RuleContext } from "../../rule";
import { componentRule, flagBool, flagList, flagValue, goDurationSeconds, isEverywhere } from "./helpers";

/*
 * oauth2-proxy v7.15's own settings: flags, OAUTH2_PROXY_* environment and a --config TOML file,
 * merged with oauth2-proxy's precedence (flag > environment > file > default). Defaults are those of
 * the pinned version (pkg/apis/options, legacy_options.go).
 */

const s = oauth2ProxySettings;

export const SsoCookie = componentRule({
  id: "ZT-SSO-001",
  level: "error",
  component: "oauth2-proxy",
  cause: "The SSO session cookie may travel over plain HTTP or be read by scripts",
  explanation:
    "The oauth2-proxy cookie is the session in front of n8n. --cookie-secure=false lets a browser send it over plain HTTP " +
    "(the port-80 redirect, a downgrade); --cookie-httponly=false lets any script on the origin read it. Keep both true " +
    "(the defaults), and prefer the __Host- name prefix, which browsers only accept with Secure and no Domain.",
  settings: [
    ["--cookie-secure", "true (the default)"],
    ["--cookie-httponly", "true (the default)"],
  ],
  check: (c) => [flagBool(s(c), "cookie-secure") === false && "--cookie-secure=false", flagBool(s(c), "cookie-httponly") === false && "--cookie-httponly=false"],
});

/**
 * Traefik forwardAuth middlewares that ask this oauth2-proxy but drop the cookie it sets when it
 * refreshes a session: forwardAuth copies a cookie of the auth answer to the client's response only
 * when addAuthCookiesToResponse names it.
 */
function refreshedCookieDropped(c: ModelContainer, cookieName: string, ctx: RuleContext): string[] {
  return ctx.docker.middlewares
    .filter((m) => m.type === "forwardauth" && hostOf(m.settings.address ?? "") === c.name.toLowerCase())
    .filter((m) => !(m.settings.addauthcookiestoresponse ?? "").split(",").map((x) => x.trim()).includes(cookieName))
    .map((m) => `forwardAuth middleware ${m.name} does not copy ${cookieName} to the response (addAuthCookiesToResponse): a session refreshed at --cookie-refresh never reaches the browser, which keeps the old one`);
}

function hostOf(address: string): string {
  try {
    return new URL(address).hostname.toLowerCase();
  } catch {
    return "";
  }
}

export const SsoSessionLifetime = componentRule({
  id: "ZT-SSO-002",
  level: "warning",
  component: "oauth2-proxy",
  cause: "An SSO session outlives a working day, is never rechecked with the IdP (or cannot be refreshed), or is shared with other hosts",
  explanation:
    "--cookie-expire is both the cookie's lifetime and the age limit oauth2-proxy accepts (0 removes the limit; the default " +
    "is 168h). With --cookie-refresh=0 (the default) the session is never revalidated with the IdP, so a user removed there " +
    "keeps access until the cookie expires; and to refresh it needs a refresh token, which most OIDC IdPs (Dex, Keycloak, " +
    "Okta, Entra ID) issue only for the offline_access scope — without one the session ends when the ID token expires. " +
    "--cookie-domain shares the cookie with every host under that domain, and " +
    "--cookie-samesite=none sends it with cross-site requests. Use expire ≤ 24h, a refresh of an hour or so, no domain.",
  settings: [
    ["--cookie-expire", "at most 24h (the default is 168h; 0 disables the age check)"],
    ["--cookie-refresh", "more than 0 and less than --cookie-expire (the default 0 never rechecks)"],
    ["--scope", "includes offline_access when --cookie-refresh is on (provider oidc)"],
    ["Traefik forwardAuth addAuthCookiesToResponse", "names the session cookie (--cookie-name) when --cookie-refresh is on"],
    ["--cookie-domain", "unset (host-only cookie)"],
    ["--cookie-samesite", "lax or strict"],
  ],
  check: (c, ctx) => {
    const st = s(c);
    const expire = goDurationSeconds(flagValue(st, "cookie-expire") ?? "168h");
    const refresh = goDurationSeconds(flagValue(st, "cookie-refresh") ?? "0");
    return [
      expire !== undefined && (expire === 0 || expire > 24 * 3600) && `--cookie-expire=${flagValue(st, "cookie-expire") ?? "unset (168h)"}`,
      refresh === 0 && `--cookie-refresh=${flagValue(st, "cookie-refresh") ?? "unset (0)"} (the session is never rechecked with the IdP)`,
      refresh !== undefined && refresh > 0 && (flagValue(st, "provider") ?? "google") === "oidc" && !(flagValue(st, "scope") ?? "openid email profile").split(/\s+/).includes("offline_access") &&
        `--scope=${flagValue(st, "scope") ?? "unset (openid email profile)"} has no offline_access: with no refresh token the session ends when the IdP's ID token expires, not at --cookie-expire`,
      ...(refresh !== undefined && refresh > 0 ? refreshedCookieDropped(c, flagValue(st, "cookie-name") ?? "_oauth2_proxy", ctx) : []),
      flagList(st, "cookie-domain").length > 0 && `--cookie-domain=${flagList(st, "cookie-domain").join(",")} (shared with other hosts)`,
      flagValue(st, "cookie-samesite")?.toLowerCase() === "none" && "--cookie-samesite=none",
    ];
  },
});

export const SsoAllowList = componentRule({
  id: "ZT-SSO-003",
  level: "error",
  component: "oauth2-proxy",
  cause: "Any account the IdP knows may sign in (email domain * and no group restriction)",
  explanation:
    "With --email-domain=* every identity the provider vouches for passes — for a public IdP (Google, GitHub) that is " +
    "everyone on the internet. --authenticated-emails-file does not narrow it (oauth2-proxy ORs it with the domains). Name " +
    "your domains, or require --allowed-group.",
  settings: [
    ["--email-domain", "your domains, not *"],
    ["--allowed-group", "set when --email-domain is *"],
  ],
  check: (c) => {
    const st = s(c);
    const any = flagList(st, "email-domain").includes("*");
    return any && flagList(st, "allowed-group").length === 0 && "--email-domain=* and no --allowed-group: every account of the IdP gets in";
  },
});

export const SsoBypass = componentRule({
  id: "ZT-SSO-004",
  level: "error",
  component: "oauth2-proxy",
  cause: "oauth2-proxy lets some requests through without a session (skip-auth routes, preflight, trusted IPs)",
  explanation:
    "--skip-auth-route and --skip-auth-regex are unanchored regular expressions matched against a path that, behind a " +
    "reverse proxy, comes from X-Forwarded-Uri; --skip-auth-preflight passes every OPTIONS request; --trusted-ip passes " +
    "addresses taken from a client header. Each answers forwardAuth with 202 and no identity. Route public paths around " +
    "SSO in Traefik instead (our public router), where the rule is reviewed (ZT-EDGE-001).",
  settings: [
    ["--skip-auth-route / --skip-auth-regex", "unset"],
    ["--skip-auth-preflight", "false (the default)"],
    ["--trusted-ip", "unset"],
  ],
  check: (c) => {
    const st = s(c);
    return [
      ...["skip-auth-route", "skip-auth-regex", "trusted-ip"].map((f) => flagList(st, f).length > 0 && `--${f}=${flagList(st, f).join(",")}`),
      flagBool(st, "skip-auth-preflight") === true && "--skip-auth-preflight=true (every OPTIONS request passes)",
    ];
  },
});

export const SsoProviderTrust = componentRule({
  id: "ZT-SSO-005",
  level: "error",
  component: "oauth2-proxy",
  cause: "oauth2-proxy does not verify the IdP (TLS, issuer, email verification) as it should",
  explanation:
    "--ssl-insecure-skip-verify accepts any certificate for discovery, token and key requests (and silently overrides " +
    "--provider-ca-file), so whoever can intercept them mints identities; --insecure-oidc-skip-issuer-verification accepts " +
    "tokens of another issuer; --insecure-oidc-allow-unverified-email admits an address the IdP has not verified; an " +
    "http:// --oidc-issuer-url puts tokens on the wire in clear.",
  settings: [
    ["--ssl-insecure-skip-verify", "false (the default); trust a private CA with --provider-ca-file"],
    ["--insecure-oidc-skip-issuer-verification", "false (the default)"],
    ["--insecure-oidc-allow-unverified-email", "false (the default)"],
    ["--oidc-issuer-url", "https://"],
  ],
  check: (c) => {
    const st = s(c);
    return [
      ...["ssl-insecure-skip-verify", "insecure-oidc-skip-issuer-verification", "insecure-oidc-allow-unverified-email"].map((f) => flagBool(st, f) === true && `--${f}=true`),
      flagValue(st, "oidc-issuer-url")?.startsWith("http://") && `--oidc-issuer-url=${flagValue(st, "oidc-issuer-url")} (plain HTTP)`,
    ];
  },
});

export const SsoLoginHardening = componentRule({
  id: "ZT-SSO-006",
  level: "warning",
  component: "oauth2-proxy",
  cause: "The sign-in flow runs without PKCE or without an ID-token nonce",
  explanation:
    "PKCE (--code-challenge-method=S256; off by default) binds the authorization code to the browser that started the flow, " +
    "so a code caught in a log or a redirect is useless; the nonce (--insecure-oidc-skip-nonce=false; oauth2-proxy 7.15 " +
    "skips it by default) binds the ID token to the flow, so a replayed token is refused. Turn both on.",
  settings: [
    ["--code-challenge-method", "S256 (the default is off)"],
    ["--insecure-oidc-skip-nonce", "false (the default is true)"],
  ],
  check: (c) => {
    const st = s(c);
    const method = flagValue(st, "code-challenge-method") ?? flagValue(st, "force-code-challenge-method");
    return [method !== "S256" && `--code-challenge-method=${method ?? "unset (no PKCE)"}`, flagBool(st, "insecure-oidc-skip-nonce") !== false && `--insecure-oidc-skip-nonce=${flagValue(st, "insecure-oidc-skip-nonce") ?? "unset (true)"}`];
  },
});

export const SsoForwardedHeaders = componentRule({
  id: "ZT-SSO-007",
  level: "error",
  component: "oauth2-proxy",
  cause: "oauth2-proxy trusts X-Forwarded-* headers from any client (reverse-proxy without trusted proxy addresses)",
  explanation:
    "With --reverse-proxy oauth2-proxy builds redirect URLs, the cookie domain and the path it checks from " +
    "X-Forwarded-Proto/Host/Uri — and without --trusted-proxy-ip it takes them from every peer (0.0.0.0/0). Anything that " +
    "reaches it on the edge network could then steer redirects and skip rules. Name Traefik's address (our construct " +
    "pins Traefik's edge address and trusts only that /32).",
  settings: [["--trusted-proxy-ip", "Traefik's address only, when --reverse-proxy is on (the default trusts every address)"]],
  check: (c) => {
    const st = s(c);
    if (flagBool(st, "reverse-proxy") !== true) return undefined;
    const trusted = flagList(st, "trusted-proxy-ip");
    return (trusted.length === 0 || trusted.some(isEverywhere)) && `--reverse-proxy with --trusted-proxy-ip=${trusted.join(",") || "unset (every address)"}`;
  },
});

export const SsoRedirectDomains = componentRule({
  id: "ZT-SSO-008",
  level: "warning",
  component: "oauth2-proxy",
  cause: "oauth2-proxy redirects after sign-in to any subdomain or any port of a domain",
  explanation:
    "After sign-in the browser goes to the `rd` URL if its host is allowed by --whitelist-domain. A leading `.` or `*.` " +
    "allows the domain and every subdomain at any depth, `:*` any port: one compromised or user-controlled host under it " +
    "receives freshly signed-in users (an open redirect for phishing). List the exact n8n host.",
  settings: [["--whitelist-domain", "exact host names (no leading . or *., no :*)"]],
  check: (c) => flagList(s(c), "whitelist-domain").map((d) => (/^(\.|\*\.)/.test(d) || d.endsWith(":*") || d === "*") && `--whitelist-domain=${d}`),
});

export const SsoTokenExposure = componentRule({
  id: "ZT-SSO-009",
  level: "warning",
  component: "oauth2-proxy",
  cause: "oauth2-proxy hands the user's tokens onward, offers basic auth, or shows debug details on errors",
  explanation:
    "--pass-access-token, --pass-authorization-header and --set-authorization-header put the IdP's tokens into requests or " +
    "responses n8n does not need (n8n never reads them), where logs and workflows can see them; --htpasswd-file adds a " +
    "second, password-only way in (SHA-1 hashes accepted); --show-debug-on-error renders internal error details; " +
    "--skip-jwt-bearer-tokens accepts bearer JWTs in place of a session.",
  settings: [
    ["--pass-access-token, --pass-authorization-header, --set-authorization-header", "false (the defaults)"],
    ["--htpasswd-file", "unset"],
    ["--show-debug-on-error", "false (the default)"],
    ["--skip-jwt-bearer-tokens", "false (the default)"],
  ],
  check: (c) => {
    const st = s(c);
    return [
      ...["pass-access-token", "pass-authorization-header", "set-authorization-header", "show-debug-on-error", "skip-jwt-bearer-tokens"].map((f) => flagBool(st, f) === true && `--${f}=true`),
      flagValue(st, "htpasswd-file") && `--htpasswd-file=${flagValue(st, "htpasswd-file")}`,
    ];
  },
});

export const OAUTH2_PROXY_RULES: readonly Rule[] = [SsoCookie, SsoSessionLifetime, SsoAllowList, SsoBypass, SsoProviderTrust, SsoLoginHardening, SsoForwardedHeaders, SsoRedirectDomains, SsoTokenExposure];
