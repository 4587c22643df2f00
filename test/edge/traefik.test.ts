import { Testing, TerraformStack } from "cdktf";
import { DockerSocketProxy } from "../../constructs/edge/socket-proxy";
import { hostAddress, renderTraefikDynamicConfig, renderTraefikStaticConfig, Traefik, TraefikTls } from "../../constructs/edge/traefik";
import { flattenYaml } from "../../constructs/policy/docker-model";
import { ValidationError } from "../../constructs/common/validation";
import { SegmentedNetworks } from "../../constructs/network/segmented-networks";
import { dockerModel } from "../../constructs/policy/docker-model";

function traefik(tls: TraefikTls) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "t");
  const networks = new SegmentedNetworks(stack, "Net", { prefix: "t", edgeSubnet: "172.31.5.0/24" });
  const socketProxy = new DockerSocketProxy(stack, "Sock", { networks, image: "lscr.io/linuxserver/socket-proxy:3.4.3" });
  const t = new Traefik(stack, "Traefik", { networks, socketProxy, image: "traefik:v3.7.13", tls, runAs: { uid: 1000, gid: 1000 } });
  const model = dockerModel(JSON.parse(Testing.synth(stack)));
  return { t, container: model.containers.find((c) => c.name === "t-traefik")! };
}

describe("Traefik", () => {
  const local = traefik({ mode: "local", secretsDir: "/srv/secrets" });

  test("port 80 only redirects to HTTPS, permanently", () => {
    expect(local.t.staticConfig).toMatch(/web:\n\s+address: ":80"\n\s+http:\n\s+redirections:\n\s+entryPoint:\n\s+to: "websecure"\n\s+scheme: "https"\n\s+permanent: true/);
  });

  test("reads containers through the socket proxy, opt-in only, limited to its own instance", () => {
    expect(local.t.staticConfig).toContain('endpoint: "tcp://t-socket-proxy:2375"');
    expect(local.t.staticConfig).toContain("exposedByDefault: false");
    expect(local.t.staticConfig).toContain("constraints: \"Label(`org.n8n-zero-trust.instance`,`t`)\"");
    expect(local.container.mounts.some((m) => (m.source ?? "").includes("docker.sock"))).toBe(false);
  });

  test("TLS options from the dynamic file: TLS 1.2 minimum, sniStrict, AEAD suites only", () => {
    expect(local.t.dynamicConfig).toMatch(/options:\n\s+default:\n\s+minVersion: "VersionTLS12"\n\s+sniStrict: true/);
    expect(local.t.dynamicConfig).not.toMatch(/CBC|RC4|3DES/);
  });

  test("the access log is JSON and drops Authorization, Cookie and the request URI (query strings carry tokens)", () => {
    expect(local.t.staticConfig).toMatch(/accessLog:\n\s+format: "json"/);
    expect(local.t.staticConfig).toMatch(/fields:\n\s+defaultMode: "keep"\n\s+names:\n\s+RequestPath: "drop"/);
    expect(local.t.staticConfig).toMatch(/headers:\n\s+defaultMode: "drop"\n\s+names:\n\s+Authorization: "drop"\n\s+Cookie: "drop"/);
  });

  test("HSTS and other security headers are defined once, as a file middleware", () => {
    expect(local.t.dynamicConfig).toMatch(/security-headers:\n\s+headers:\n\s+stsSeconds: 31536000\n\s+stsIncludeSubdomains: true\n\s+forceSTSHeader: true/);
  });

  test("local TLS mounts the dev certificate read-only; no ACME resolver", () => {
    expect(local.t.certResolver).toBeUndefined();
    expect(local.container.mounts.filter((m) => m.type === "bind")).toEqual([
      { type: "bind", source: "/srv/secrets/tls/cert.pem", target: "/run/secrets/tls/cert.pem", readOnly: true },
      { type: "bind", source: "/srv/secrets/tls/key.pem", target: "/run/secrets/tls/key.pem", readOnly: true },
    ]);
  });

  test("ACME TLS adds a resolver with persistent storage and no local certificate", () => {
    const acme = traefik({ mode: "acme", email: "ops@example.com", storageHostDir: "/var/lib/n8n/acme" });
    expect(acme.t.certResolver).toBe("acme");
    expect(acme.t.staticConfig).toMatch(/certificatesResolvers:\n\s+acme:\n\s+acme:\n\s+email: "ops@example.com"\n\s+storage: "\/data\/acme.json"\n\s+tlsChallenge: \{\}/);
    expect(acme.t.dynamicConfig).not.toContain("certificates:");
    expect(acme.container.mounts).toContainEqual({ type: "bind", source: "/var/lib/n8n/acme", target: "/data", readOnly: false });
  });

  // Found on the first real deploy: with 8443 inside and 443 published, a container reaching a
  // public host through Traefik's edge address (oauth2-proxy's OIDC discovery) was refused.
  test("listens on the published ports themselves, as an unprivileged process, with no capability", () => {
    expect(local.container.ports).toEqual([
      { internal: 443, external: 443, ip: "0.0.0.0" },
      { internal: 80, external: 80, ip: "0.0.0.0" },
    ]);
    expect(local.t.staticConfig).toMatch(/websecure:\n\s+address: ":443"/);
    expect(local.container.raw.sysctls).toEqual({ "net.ipv4.ip_unprivileged_port_start": "80" });
    expect(local.container.capAdd).toEqual([]);
    expect(local.container.user).toBe("1000:1000");
  });

  test("has a fixed address on the edge network", () => {
    expect(local.t.edgeAddress).toBe("172.31.5.10");
    expect(hostAddress("10.0.0.0/16", 300)).toBe("10.0.1.44");
  });

  test("a bad ACME email and relative storage are refused by name", () => {
    expect(() => traefik({ mode: "acme", email: "nope", storageHostDir: "acme" })).toThrow(ValidationError);
    try {
      traefik({ mode: "acme", email: "nope", storageHostDir: "acme" });
    } catch (e) {
      expect((e as ValidationError).problems.map((p) => p.field)).toEqual(["tls.email", "tls.storageHostDir"]);
    }
  });
});

describe("Traefik's configuration files as pure functions", () => {
  const input = { ports: { web: 80, websecure: 443, ping: 8082 }, socketProxyEndpoint: "tcp://t-socket-proxy:2375", appNetwork: "t-app", instance: "t" } as const;

  test("the construct uploads exactly what the functions render from its props", () => {
    const { t } = traefik({ mode: "local", secretsDir: "/srv/secrets" });
    // The network name is the docker_network's token until synthesis resolves it.
    const network = /network: "([^"]+)"/.exec(t.staticConfig)?.[1] ?? "";
    expect(t.staticConfig).toBe(renderTraefikStaticConfig({ ...input, appNetwork: network, tls: { mode: "local", secretsDir: "/srv/secrets" } }));
    expect(renderTraefikStaticConfig({ ...input, tls: { mode: "local", secretsDir: "/srv/secrets" } })).toContain('network: "t-app"');
    expect(t.dynamicConfig).toBe(renderTraefikDynamicConfig({ tlsMode: "local" }));
  });

  test("ACME: the resolver on the HTTPS entry point and the chosen challenge; no certificate of its own", () => {
    const acme = (challenge: "tls-alpn-01" | "http-01") =>
      flattenYaml(renderTraefikStaticConfig({ ...input, tls: { mode: "acme", email: "ops@example.com", challenge, storageHostDir: "/var/lib/acme" }, certResolver: "acme" }));
    expect(acme("tls-alpn-01")).toMatchObject({ "entrypoints.websecure.http.tls.certresolver": "acme", "certificatesresolvers.acme.acme.email": "ops@example.com" });
    expect(Object.keys(acme("tls-alpn-01")).some((k) => k.startsWith("certificatesresolvers.acme.acme.tlschallenge"))).toBe(true);
    expect(acme("http-01")).toMatchObject({ "certificatesresolvers.acme.acme.httpchallenge.entrypoint": "web" });
    expect(renderTraefikDynamicConfig({ tlsMode: "acme" })).not.toContain("certFile");
  });

  test("the HSTS max-age defaults to one year and follows hstsSeconds", () => {
    expect(flattenYaml(renderTraefikDynamicConfig({ tlsMode: "acme" }))["http.middlewares.security-headers.headers.stsseconds"]).toBe("31536000");
    expect(flattenYaml(renderTraefikDynamicConfig({ tlsMode: "acme", hstsSeconds: 63072000 }))["http.middlewares.security-headers.headers.stsseconds"]).toBe("63072000");
  });
});
