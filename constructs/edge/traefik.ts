import { Construct } from "constructs";
import { ContainerLogging, HardenedContainer } from "../common/hardened-container";
import { SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";
import { isHostname, Validator } from "../common/validation";
import { toYaml, YamlValue } from "../common/yaml";
import { Network } from "@cdktf/provider-docker/lib/network";
import { SegmentedNetworks } from "../network/segmented-networks";
import { DockerSocketProxy } from "./socket-proxy";
import { ENTRYPOINTS, fileMiddlewareRef, TRAEFIK_INSTANCE_LABEL } from "./traefik-labels";
import { inBound, TCP_PORT } from "../common/bounds";
import { CONTAINER_LIMITS } from "../common/defaults";
import { CONTAINER_ROLES, roleLabels } from "../common/labels";
import { EMAIL, persistentHostDirProblem } from "../common/patterns";

/** TLS from a local certificate (dev) or ACME (prod). */
export type TraefikTls =
  | {
      readonly mode: "local";
      /** Host folder holding `tls/cert.pem` and `tls/key.pem` (the dev secrets folder). */
      readonly secretsDir: string;
    }
  | {
      readonly mode: "acme";
      /** Account email for the ACME CA. */
      readonly email: string;
      /** ACME directory URL. @default - Let's Encrypt production */
      readonly caServer?: string;
      /** Challenge type. @default "tls-alpn-01" */
      readonly challenge?: "tls-alpn-01" | "http-01";
      /** Host folder, owned by `runAs`, where `acme.json` is kept across restarts. */
      readonly storageHostDir: string;
    };

/** A tenant's networks Traefik joins on a shared host: its edge (to its oauth2-proxy) and app (to its n8n). */
export interface TraefikTenantNetworks {
  /** The tenant's edge network and its subnet (Traefik takes the fixed address `.10` there). */
  readonly edge: Network;
  readonly edgeSubnet: string;
  /** The tenant's app network (n8n's port; never its runners' broker, which n8n serves on another port). */
  readonly app: Network;
}

export interface TraefikProps {
  /** The runtime's networks; Traefik joins edge, socket and app. */
  readonly networks: Pick<SegmentedNetworks, "prefix" | "edgeSubnet" | "edge" | "socket"> & { readonly app?: Network };
  /**
   * Tenants' networks on a shared host (issue 16): Traefik also joins each tenant's edge and app
   * network, and nothing else of a tenant's. @default - none (a single-tenant runtime)
   */
  readonly tenantNetworks?: readonly TraefikTenantNetworks[];
  /** The socket proxy Traefik reads container labels through (Traefik never mounts the socket). */
  readonly socketProxy: DockerSocketProxy;
  /** Pinned Traefik v3.7+ image. */
  readonly image: string;
  /** TLS source. */
  readonly tls: TraefikTls;
  /** uid/gid to run as; must be able to read the TLS key. */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /**
   * Extra DNS names for Traefik on the edge network, e.g. the IdP's public host, so that
   * containers on the edge network reach public hosts through Traefik with TLS.
   * @default - none
   */
  readonly edgeAliases?: string[];
  /** Host ports for HTTPS and the HTTP redirect. @default { https: 443, http: 80 } */
  readonly hostPorts?: { readonly https: number; readonly http: number };
  /** Host address to bind the published ports to. @default "0.0.0.0" */
  readonly bindAddress?: string;
  /** HSTS max-age in seconds. @default 31536000 (one year) */
  readonly hstsSeconds?: number;
  /** Container name. @default `<networks.prefix>-traefik` */
  readonly name?: string;
  /** Memory limit in MiB. @default 256 */
  readonly memoryMb?: number;
  /** CPU limit. @default "0.5" */
  readonly cpus?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
}

/** The security-headers middleware of the dynamic-config file. */
const SECURITY_HEADERS = "security-headers";
/** Reference of the security-headers middleware every router should carry. */
export const SECURITY_HEADERS_MIDDLEWARE = fileMiddlewareRef(SECURITY_HEADERS);
/** Name of the ACME certificate resolver when `tls.mode` is "acme". */
export const ACME_RESOLVER = "acme";

/** Traefik's own health endpoint, on loopback inside the container only. */
const PING_PORT = 8082;
const STATIC_CONFIG = "/etc/traefik/traefik.yml";
const DYNAMIC_DIR = "/etc/traefik/dynamic";

/** Only AEAD suites with forward secrecy (TLS 1.2); TLS 1.3 suites are not configurable in Go. */
const TLS12_CIPHER_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/** Where the TLS certificate and key are mounted when `tls.mode` is "local". */
const CERT_PAIR = { certFile: `${SECRETS_MOUNT_DIR}/${TLS_FILES.cert}`, keyFile: `${SECRETS_MOUNT_DIR}/${TLS_FILES.key}` };

/** What Traefik's static configuration depends on (see {@link renderTraefikStaticConfig}). */
export interface TraefikStaticConfigInput {
  /** Ports Traefik listens on inside its container: the published ones, and ping on loopback. */
  readonly ports: { readonly web: number; readonly websecure: number; readonly ping: number };
  /** The socket proxy's endpoint (`tcp://<name>:2375`) for the docker provider. */
  readonly socketProxyEndpoint: string;
  /** The Docker network Traefik reaches its backends on by default (every routed container also names its own). @default - none (a multi-tenant host has no shared app network) */
  readonly appNetwork?: string;
  /** The instance label value containers must carry to be routed (the networks' prefix). */
  readonly instance: string;
  readonly tls: TraefikTls;
  /** ACME resolver name, when TLS comes from ACME. */
  readonly certResolver?: string;
}

/**
 * Traefik's static configuration (`traefik.yml`), a pure function of its inputs: entry points
 * (80 only redirects; 443 never trusts client X-Forwarded-*), the docker provider through the
 * socket proxy with `exposedByDefault=false` and this instance's constraint, the file provider
 * for the dynamic config, JSON logs and an access log without credentials or request paths.
 */
export function renderTraefikStaticConfig(c: TraefikStaticConfigInput): string {
  const doc: Record<string, YamlValue | undefined> = {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      [ENTRYPOINTS.web]: {
        address: `:${c.ports.web}`,
        // Port 80 exists only to redirect; no router is ever attached to it.
        http: { redirections: { entryPoint: { to: ENTRYPOINTS.websecure, scheme: "https", permanent: true } } },
      },
      [ENTRYPOINTS.websecure]: {
        address: `:${c.ports.websecure}`,
        http: { tls: c.certResolver ? { certResolver: c.certResolver } : {} },
        // Traefik is the first hop: client-supplied X-Forwarded-* headers are never trusted.
        forwardedHeaders: { insecure: false },
      },
      ping: { address: `127.0.0.1:${c.ports.ping}` },
    },
    ping: { entryPoint: "ping" },
    providers: {
      docker: {
        endpoint: c.socketProxyEndpoint,
        exposedByDefault: false,
        network: c.appNetwork,
        constraints: `Label(\`${TRAEFIK_INSTANCE_LABEL}\`,\`${c.instance}\`)`,
        watch: true,
      },
      file: { directory: DYNAMIC_DIR, watch: false },
    },
    log: { level: "INFO", format: "json" },
    accessLog: {
      format: "json",
      fields: {
        defaultMode: "keep",
        // The request URI carries query strings: webhook tokens, n8n's signed resume URLs, the
        // OAuth2 callback's code. RouterName, ServiceName and the status say which route answered.
        names: { RequestPath: "drop" },
        // Request headers are dropped by default; credentials are named explicitly so a
        // change of default cannot start logging them.
        headers: { defaultMode: "drop", names: { Authorization: "drop", Cookie: "drop", "X-Auth-Request-Access-Token": "drop", "User-Agent": "keep" } },
      },
    },
    certificatesResolvers:
      c.tls.mode === "acme"
        ? {
            [ACME_RESOLVER]: {
              acme: {
                email: c.tls.email,
                storage: "/data/acme.json",
                caServer: c.tls.caServer,
                ...((c.tls.challenge ?? "tls-alpn-01") === "tls-alpn-01" ? { tlsChallenge: {} } : { httpChallenge: { entryPoint: ENTRYPOINTS.web } }),
              },
            },
          }
        : undefined,
  };
  return toYaml(doc);
}

/** What Traefik's dynamic configuration depends on (see {@link renderTraefikDynamicConfig}). */
export interface TraefikDynamicConfigInput {
  /** "local": the certificate from the secrets folder is the default certificate. */
  readonly tlsMode: TraefikTls["mode"];
  /** HSTS max-age in seconds. @default 31536000 (one year) */
  readonly hstsSeconds?: number;
}

/**
 * Traefik's dynamic configuration (a file of the file provider), a pure function of its inputs:
 * the TLS options labels cannot set (TLS >= 1.2, AEAD suites, `sniStrict`), the local certificate
 * in dev, and the shared security-headers middleware.
 */
export function renderTraefikDynamicConfig(c: TraefikDynamicConfigInput): string {
  return toYaml({
    tls: {
      options: {
        default: {
          minVersion: "VersionTLS12",
          sniStrict: true,
          cipherSuites: TLS12_CIPHER_SUITES,
          curvePreferences: ["X25519", "CurveP256", "CurveP384"],
        },
      },
      certificates: c.tlsMode === "local" ? [CERT_PAIR] : undefined,
      stores: c.tlsMode === "local" ? { default: { defaultCertificate: CERT_PAIR } } : undefined,
    },
    http: {
      middlewares: {
        [SECURITY_HEADERS]: {
          headers: {
            stsSeconds: c.hstsSeconds ?? 31536000,
            stsIncludeSubdomains: true,
            forceSTSHeader: true,
            contentTypeNosniff: true,
            // n8n renders previews in same-origin iframes; other origins may not frame it.
            customFrameOptionsValue: "SAMEORIGIN",
            referrerPolicy: "strict-origin-when-cross-origin",
            permissionsPolicy: "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            customResponseHeaders: { "X-Powered-By": "", Server: "" },
          },
        },
      },
    },
  });
}

/**
 * Traefik v3 as the only way in: publishes 443 (and 80, which only redirects to HTTPS), reads
 * routes from container labels through the socket proxy, and never exposes its API or dashboard.
 *
 * - `exposedByDefault=false` plus an instance constraint: only containers that opt in with
 *   `traefik.enable=true` and this instance's label get a route.
 * - TLS options live in a dynamic-config file (labels cannot set them): TLS >= 1.2, AEAD
 *   ciphers, `sniStrict` so a request without a known SNI gets no certificate.
 * - Access log in JSON with request headers dropped (`Authorization`, `Cookie` never logged).
 * - A `security-headers@file` middleware (HSTS, nosniff, frame and referrer policy).
 *
 * @example
 * const proxy = new DockerSocketProxy(this, "SocketProxy", { networks, image: "lscr.io/linuxserver/socket-proxy:3.4.3" });
 * new Traefik(this, "Traefik", {
 *   networks, socketProxy: proxy, image: "traefik:v3.7.13",
 *   tls: { mode: "acme", email: "ops@example.com", storageHostDir: "/var/lib/n8n/acme" },
 *   runAs: { uid: 1000, gid: 1000 },
 * });
 */
export class Traefik extends Construct {
  public readonly container: HardenedContainer;
  /** Certificate resolver routers must name, when TLS comes from ACME. */
  public readonly certResolver?: string;
  /** Fixed address of Traefik on the edge network: the only proxy oauth2-proxy trusts. */
  public readonly edgeAddress: string;
  /** The instance label value routed containers carry (the docker provider's constraint): the networks' prefix. */
  public readonly instance: string;
  /** The rendered static configuration (uploaded to the container). */
  public readonly staticConfig: string;
  /** The rendered dynamic configuration: TLS options and shared middlewares. */
  public readonly dynamicConfig: string;

  constructor(scope: Construct, id: string, props: TraefikProps) {
    super(scope, id);
    const prefix = props.networks.prefix;
    const name = props.name ?? `${prefix}-traefik`;
    const ports = props.hostPorts ?? { https: 443, http: 80 };
    const v = new Validator(`Invalid props for ${this.node.path}`);
    for (const alias of props.edgeAliases ?? []) v.check(isHostname(alias), "edgeAliases", `"${alias}" is not a DNS name`);
    v.check(ports.https !== ports.http, "hostPorts", "https and http must differ");
    for (const [k, port] of Object.entries(ports)) v.check(inBound(port, TCP_PORT) && port !== PING_PORT, `hostPorts.${k}`, `must be a TCP port from 1 to 65535 other than ${PING_PORT} (Traefik's ping), got ${port}`);
    if (props.tls.mode === "acme") {
      v.check(EMAIL.pattern.test(props.tls.email), "tls.email", EMAIL.message);
      const storageProblem = persistentHostDirProblem(props.tls.storageHostDir);
      v.check(storageProblem === undefined, "tls.storageHostDir", storageProblem ?? "");
    } else {
      v.check(props.tls.secretsDir.startsWith("/"), "tls.secretsDir", "must be an absolute host path");
    }
    v.check(props.hstsSeconds === undefined || props.hstsSeconds >= 15552000, "hstsSeconds", "must be at least 15552000 (180 days)");
    v.throwIfAny();

    this.edgeAddress = this.edgeAddressOn(props.networks.edgeSubnet);
    this.instance = prefix;
    // Traefik listens on the published ports themselves, so a container that reaches a public
    // host through Traefik's edge address (oauth2-proxy → the IdP's issuer URL) uses the same
    // URL, port included, as a browser does. Found on the first real deploy: with 8443 inside and
    // 443 outside, oauth2-proxy's OIDC discovery of https://auth.<domain>/ was refused. The ports
    // stay unprivileged for the process: the container's own network namespace lets unprivileged
    // users bind from the lower port up (a namespaced sysctl), so no NET_BIND_SERVICE is added.
    const PORTS = { web: ports.http, websecure: ports.https, ping: PING_PORT } as const;
    this.certResolver = props.tls.mode === "acme" ? ACME_RESOLVER : undefined;

    this.staticConfig = renderTraefikStaticConfig({
      ports: PORTS,
      socketProxyEndpoint: props.socketProxy.endpoint,
      appNetwork: props.networks.app?.name,
      instance: prefix,
      tls: props.tls,
      certResolver: this.certResolver,
    });
    this.dynamicConfig = renderTraefikDynamicConfig({ tlsMode: props.tls.mode, hstsSeconds: props.hstsSeconds });

    const secretsDir = props.tls.mode === "local" ? props.tls.secretsDir : undefined;
    this.container = new HardenedContainer(this, "Container", {
      name,
      image: props.image,
      networks: [
        { network: props.networks.edge, aliases: props.edgeAliases, ipv4Address: this.edgeAddress },
        { network: props.networks.socket },
        ...(props.networks.app ? [{ network: props.networks.app }] : []),
        // A tenant's oauth2-proxy reaches the IdP's public host through Traefik on its own edge network.
        ...(props.tenantNetworks ?? []).flatMap((t) => [
          { network: t.edge, aliases: props.edgeAliases, ipv4Address: this.edgeAddressOn(t.edgeSubnet) },
          { network: t.app },
        ]),
      ],
      memoryMb: props.memoryMb ?? CONTAINER_LIMITS.traefik.memoryMb,
      cpus: props.cpus ?? CONTAINER_LIMITS.traefik.cpus,
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      // The official image's entrypoint: it runs `traefik` with flags given as the command.
      imageEntrypoint: ["/entrypoint.sh"],
      command: [`--configFile=${STATIC_CONFIG}`],
      labels: roleLabels(CONTAINER_ROLES.edgeProxy),
      publishedPorts: [
        { internal: PORTS.websecure, external: ports.https, ip: props.bindAddress },
        { internal: PORTS.web, external: ports.http, ip: props.bindAddress },
      ],
      sysctls: { "net.ipv4.ip_unprivileged_port_start": String(Math.min(ports.https, ports.http)) },
      uploads: [
        { file: STATIC_CONFIG, content: this.staticConfig },
        { file: `${DYNAMIC_DIR}/zero-trust.yml`, content: this.dynamicConfig },
      ],
      readOnlyMounts: secretsDir
        ? [
            { source: `${secretsDir}/${TLS_FILES.cert}`, target: CERT_PAIR.certFile },
            { source: `${secretsDir}/${TLS_FILES.key}`, target: CERT_PAIR.keyFile },
          ]
        : undefined,
      bindMounts: props.tls.mode === "acme" ? [{ source: props.tls.storageHostDir, target: "/data" }] : undefined,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
      healthcheck: { test: ["CMD", "traefik", "healthcheck", `--configFile=${STATIC_CONFIG}`] },
      logging: props.logging,
      dependsOn: [props.socketProxy.container.container],
    });
  }

  /** Traefik's fixed address on an edge network of this subnet (its own or a tenant's): the `.10` host. */
  public edgeAddressOn(edgeSubnet: string): string {
    return hostAddress(edgeSubnet, 10);
  }
}

/** The n-th host address of an IPv4 CIDR (e.g. 172.30.0.0/24, 10 → 172.30.0.10). */
export function hostAddress(cidr: string, n: number): string {
  const [ip] = cidr.split("/");
  const value = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0) + n;
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join(".");
}
