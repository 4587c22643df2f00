import { Construct } from "constructs";
import { ContainerLogging, HardenedContainer } from "../common/hardened-container";
import { SECRET_FILES, SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";
import { isHostname, Validator } from "../common/validation";
import { WorkloadNetworks } from "../network/segmented-networks";
import { Traefik, SECURITY_HEADERS_MIDDLEWARE } from "./traefik";
import { dockerMiddleware, exposeLabels, hostRule, pathPrefixRule, routerLabels, serviceLabels } from "./traefik-labels";
import { CONTAINER_LIMITS, SSO_DEFAULTS } from "../common/defaults";
import { OIDC_CLIENT_ID, SSO_GROUP } from "../common/patterns";

export interface OAuth2ProxyProps {
  /** The runtime's networks; oauth2-proxy joins only `edge` (it must reach the IdP). */
  readonly networks: WorkloadNetworks;
  /** The edge proxy in front; only its fixed edge address is trusted for X-Forwarded-* headers. */
  readonly traefik: Traefik;
  /** Pinned oauth2-proxy image, v7.15.3 or later (`-alpine` variant: its healthcheck uses wget). */
  readonly image: string;
  /** OIDC issuer URL (https). Any standards-compliant OIDC provider works. */
  readonly issuerUrl: string;
  /** OIDC client id registered at the IdP. */
  readonly clientId: string;
  /** Public host this proxy protects; the callback is `https://<host>/oauth2/callback`. */
  readonly protectedHost: string;
  /** Email domains allowed in. At least one of this or `allowedGroups` must be non-empty. */
  readonly allowedEmailDomains: string[];
  /** IdP groups allowed in (`groups` claim). */
  readonly allowedGroups: string[];
  /** Host folder with the secret files (cookie secret, client secret; CA for a private IdP). */
  readonly secretsDir: string;
  /** uid/gid to run as; must be able to read the secret files. */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /**
   * Trust the dev CA (`tls/ca.pem` in the secrets folder) for the IdP's certificate.
   * @default false - the IdP must present a publicly trusted certificate
   */
  readonly trustDevCa?: boolean;
  /** Session lifetime. @default "8h" */
  readonly cookieExpire?: string;
  /** Refresh the session against the IdP this often, so revoked users lose access. @default "1h" */
  readonly cookieRefresh?: string;
  /**
   * Ask the IdP for a refresh token (the `offline_access` scope). Without one oauth2-proxy cannot
   * refresh: once `cookieRefresh` has passed it only re-validates the ID token, so the session
   * ends when the IdP's ID token expires (often 1 h), not at `cookieExpire`. Turn it off only for
   * an IdP that rejects the scope. @default true
   */
  readonly offlineAccess?: boolean;
  /** Container name. @default `<networks.prefix>-oauth2-proxy` */
  readonly name?: string;
  /** Memory limit in MiB. @default 128 */
  readonly memoryMb?: number;
  /** CPU limit. @default "0.25" */
  readonly cpus?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
}

const PORT = 4180;

/** The session cookie's name and the names oauth2-proxy uses when it splits a large one (`_0` … `_3`). */
export function ssoCookieNames(cookieName: string): string[] {
  return [cookieName, ...[0, 1, 2, 3].map((i) => `${cookieName}_${i}`)];
}

/** What oauth2-proxy's command line depends on besides its props (see {@link oauth2ProxyArgs}). */
interface OAuth2ProxyArgsInput {
  /** The session cookie's name (`__Host-<prefix>-sso`). */
  readonly cookieName: string;
  /** Traefik's fixed edge address: the only source of X-Forwarded-* headers trusted. */
  readonly trustedProxyIp: string;
}

/**
 * oauth2-proxy's flags: OIDC with PKCE and a nonce, secrets from files, a `__Host-` cookie that
 * is refreshed against the IdP, forwarded headers from Traefik only, and the allow-lists.
 */
function oauth2ProxyArgs(props: OAuth2ProxyProps, a: OAuth2ProxyArgsInput): string[] {
  const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;
  return [
    `--http-address=0.0.0.0:${PORT}`,
    "--provider=oidc",
    `--oidc-issuer-url=${props.issuerUrl}`,
    `--client-id=${props.clientId}`,
    `--client-secret-file=${secret(SECRET_FILES.oauth2ProxyClientSecret)}`,
    `--cookie-secret-file=${secret(SECRET_FILES.oauth2ProxyCookieSecret)}`,
    `--redirect-url=https://${props.protectedHost}/oauth2/callback`,
    `--whitelist-domain=${props.protectedHost}`,
    "--code-challenge-method=S256",
    // oauth2-proxy 7.15 skips the ID-token nonce unless told otherwise (ZT-SSO-006).
    "--insecure-oidc-skip-nonce=false",
    // Without it oauth2-proxy sends approval_prompt=force, which makes Dex show its consent page
    // on every sign-in despite skipApprovalScreen (found by the browser sign-in of the deploy
    // suite); "auto" lets the IdP decide, as an SSO login should.
    "--approval-prompt=auto",
    // Ask for the groups claim only when it is used: several IdPs reject unknown scopes.
    // offline_access: a refresh token, so the session is rechecked with the IdP every
    // cookie-refresh and lasts cookie-expire (found by sso.session-refresh: without it the
    // session ended with Dex's 1 h ID token).
    `--scope=openid email profile${(props.offlineAccess ?? SSO_DEFAULTS.offlineAccess) ? " offline_access" : ""}${props.allowedGroups.length > 0 ? " groups" : ""}`,
    // __Host- cookies are bound to this exact host, Secure, path=/ and carry no Domain.
    `--cookie-name=${a.cookieName}`,
    "--cookie-secure=true",
    "--cookie-httponly=true",
    "--cookie-samesite=lax",
    `--cookie-expire=${props.cookieExpire ?? SSO_DEFAULTS.cookieExpire}`,
    `--cookie-refresh=${props.cookieRefresh ?? SSO_DEFAULTS.cookieRefresh}`,
    "--reverse-proxy=true",
    // X-Forwarded-* are honoured only from Traefik's fixed edge address.
    `--trusted-proxy-ip=${a.trustedProxyIp}/32`,
    "--set-xauthrequest=true",
    "--upstream=static://202",
    "--skip-provider-button=true",
    "--show-debug-on-error=false",
    "--silence-ping-logging=true",
    "--request-logging=true",
    ...(props.allowedEmailDomains.length > 0 ? props.allowedEmailDomains.map((d) => `--email-domain=${d}`) : ["--email-domain=*"]),
    ...props.allowedGroups.map((g) => `--allowed-group=${g}`),
    ...(props.trustDevCa ? [`--provider-ca-file=${secret(TLS_FILES.caCert)}`] : []),
  ];
}

/**
 * oauth2-proxy as Traefik's forwardAuth: every request to a router that carries
 * {@link OAuth2Proxy.middleware} is checked against a session cookie, and anonymous browsers are
 * sent to the OIDC provider. Secrets (cookie secret, client secret) are read from files.
 *
 * Uses oauth2-proxy's "static upstream" pattern: Traefik asks `/` with the original request in
 * `X-Forwarded-*`; a valid session answers 202 with `X-Auth-Request-*` identity headers,
 * anything else redirects to the IdP. Cookies are `__Host-` prefixed, Secure, HttpOnly,
 * SameSite=Lax, and refreshed against the IdP so revoked users are locked out.
 *
 * @example
 * const sso = new OAuth2Proxy(this, "Sso", {
 *   networks, traefik, image: "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3-alpine",
 *   issuerUrl: "https://login.example.com/realms/ops", clientId: "n8n",
 *   protectedHost: "n8n.example.com", allowedEmailDomains: ["example.com"], allowedGroups: [],
 *   secretsDir: "/run/n8n-secrets", runAs: { uid: 1000, gid: 1000 },
 * });
 */
export class OAuth2Proxy extends Construct {
  public readonly container: HardenedContainer;
  /** The forwardAuth middleware to put on every router that needs SSO (`<prefix>-sso@docker`). */
  public readonly middleware: string;
  /** Router that serves `/oauth2/*` (sign-in, callback, sign-out) on the protected host. */
  public readonly callbackRouter: string;
  /** The session cookie's name, `__Host-<prefix>-sso` (a tenant's own on a shared host). */
  public readonly cookieName: string;

  constructor(scope: Construct, id: string, props: OAuth2ProxyProps) {
    super(scope, id);
    const cookieName = `__Host-${props.networks.prefix}-sso`;
    this.cookieName = cookieName;
    const prefix = props.networks.prefix;
    const name = props.name ?? `${prefix}-oauth2-proxy`;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(props.issuerUrl), "issuerUrl", "must be an https URL without query or fragment");
    v.check(isHostname(props.protectedHost), "protectedHost", "must be a DNS name");
    v.check(props.allowedEmailDomains.length + props.allowedGroups.length > 0, "allowedEmailDomains", "set allowedEmailDomains or allowedGroups: an empty allow-list lets every IdP account in");
    for (const d of props.allowedEmailDomains) v.check(d !== "*" && isHostname(d), "allowedEmailDomains", `"${d}" is not an email domain (wildcards are refused)`);
    for (const g of props.allowedGroups) v.check(SSO_GROUP.pattern.test(g), "allowedGroups", `"${g}" ${SSO_GROUP.message}`);
    v.check(OIDC_CLIENT_ID.pattern.test(props.clientId), "clientId", OIDC_CLIENT_ID.message);
    v.check(props.secretsDir.startsWith("/"), "secretsDir", "must be an absolute host path");
    v.throwIfAny();

    const forwardAuth = dockerMiddleware(`${prefix}-sso`, "forwardauth", {
      address: `http://${name}:${PORT}/`,
      trustForwardHeader: "true",
      authResponseHeaders: "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups",
      // A session oauth2-proxy refreshed comes back as a new cookie on its answer to the auth
      // request; Traefik drops it unless named here (found by sso.session-refresh: the browser kept
      // the old session, whose refresh token the IdP had already rotated). oauth2-proxy splits a
      // cookie above 4 KB into <name>_0, _1, ...
      addAuthCookiesToResponse: ssoCookieNames(cookieName).join(","),
    });
    this.middleware = forwardAuth.ref;
    this.callbackRouter = `${prefix}-oauth2`;
    const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;

    // Traefik's address on this proxy's edge network (a tenant's own, on a shared host).
    const args = oauth2ProxyArgs(props, { cookieName, trustedProxyIp: props.traefik.edgeAddressOn(props.networks.edgeSubnet) });

    const labels = {
      ...exposeLabels(props.traefik.instance, props.networks.edge.name),
      ...serviceLabels(`${prefix}-oauth2-proxy`, PORT),
      ...forwardAuth.labels,
      ...routerLabels({
        name: this.callbackRouter,
        rule: `${hostRule(props.protectedHost)} && ${pathPrefixRule("/oauth2/")}`,
        priority: 200,
        middlewares: [SECURITY_HEADERS_MIDDLEWARE],
        service: `${prefix}-oauth2-proxy`,
        certResolver: props.traefik.certResolver,
      }),
    };

    this.container = new HardenedContainer(this, "Container", {
      name,
      image: props.image,
      networks: [{ network: props.networks.edge }],
      memoryMb: props.memoryMb ?? CONTAINER_LIMITS.oauth2Proxy.memoryMb,
      cpus: props.cpus ?? CONTAINER_LIMITS.oauth2Proxy.cpus,
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      command: args,
      labels,
      readOnlyMounts: [
        { source: `${props.secretsDir}/${SECRET_FILES.oauth2ProxyClientSecret}`, target: secret(SECRET_FILES.oauth2ProxyClientSecret) },
        { source: `${props.secretsDir}/${SECRET_FILES.oauth2ProxyCookieSecret}`, target: secret(SECRET_FILES.oauth2ProxyCookieSecret) },
        ...(props.trustDevCa ? [{ source: `${props.secretsDir}/${TLS_FILES.caCert}`, target: secret(TLS_FILES.caCert) }] : []),
      ],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PORT}/ping`] },
      logging: props.logging,
    });
  }
}
