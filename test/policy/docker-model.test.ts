import { dockerModel, findMiddleware, flattenYaml, traefikStaticConfig } from "../../constructs/policy/docker-model";
import { synthDev } from "../helpers/synth";
import { dockerBaseline, hardened, labels, variant } from "./fixtures";

describe("flattenYaml (Traefik config files, read with a real YAML parser)", () => {
  test("nested maps, quoted scalars, flow values, comments and lists", () => {
    const yaml = [
      "# static config",
      "entryPoints:",
      "  web:",
      '    address: ":8000"',
      "    http:",
      "      redirections:",
      "        entryPoint: { to: websecure }",
      "  websecure:",
      "    address: ':8443'",
      "    http:",
      "      tls: {}",
      "providers:",
      "  docker:",
      "    exposedByDefault: false  # opt in with labels",
      "http:",
      "  routers:",
      "    r:",
      "      entryPoints:",
      "        - websecure",
      "      middlewares:",
      '        - "sso@file"',
      "      tls:",
      "        certResolver: le",
    ].join("\n");
    expect(flattenYaml(yaml)).toEqual({
      "entrypoints.web.address": ":8000",
      "entrypoints.web.http.redirections.entrypoint.to": "websecure",
      "entrypoints.websecure.address": ":8443",
      "entrypoints.websecure.http.tls": "{}",
      "providers.docker.exposedbydefault": "false",
      "http.routers.r.entrypoints.0": "websecure",
      "http.routers.r.middlewares.0": "sso@file",
      "http.routers.r.tls.certresolver": "le",
    });
  });
});

describe("docker model extensions", () => {
  test("the dev stack's Traefik static config is read from its uploaded traefik.yml", () => {
    const { model } = synthDev();
    const cfg = traefikStaticConfig(model.containers.find((c) => c.name === "n8n-traefik")!)!;
    expect(cfg.sources).toEqual(["/etc/traefik/traefik.yml"]);
    expect(cfg.keys).toMatchObject({ "providers.docker.exposedbydefault": "false", "entrypoints.web.http.redirections.entrypoint.scheme": "https", "entrypoints.websecure.address": ":443" });
    expect(traefikStaticConfig(model.containers.find((c) => c.name === "n8n-main")!)).toBeUndefined();
  });

  test("middlewares from the dynamic config file are in the model, with their provider", () => {
    const { model } = synthDev();
    expect(findMiddleware(model, "security-headers@file")).toMatchObject({ type: "headers", provider: "file", container: "n8n-traefik" });
    expect(findMiddleware(model, "security-headers@docker")).toBeUndefined();
    expect(findMiddleware(model, "n8n-sso@docker")).toMatchObject({ type: "forwardauth" });
  });

  test("Traefik reads one source, as paerser does: a config file, else the flags, else TRAEFIK_* environment", () => {
    const traefikOf = (j: any) => traefikStaticConfig(dockerModel(j).containers.find((c) => c.name === "shop-traefik")!)!;
    // With flags on the command line, TRAEFIK_* variables are ignored by Traefik, so by the model too.
    const withFlags = traefikOf(variant(dockerBaseline(), (x) => (x.resource.docker_container.traefik.env = ["TRAEFIK_API_INSECURE=true"])));
    expect(withFlags.sources).toEqual(["command"]);
    expect(withFlags.keys["api.insecure"]).toBeUndefined();
    expect(withFlags.keys["providers.docker.exposedbydefault"]).toBe("false");
    const envOnly = traefikOf(variant(dockerBaseline(), (x) => {
      x.resource.docker_container.traefik.command = [];
      x.resource.docker_container.traefik.env = ["TRAEFIK_API_INSECURE=true", "TRAEFIK_PROVIDERS_DOCKER_EXPOSEDBYDEFAULT=false"];
    }));
    expect(envOnly).toEqual({ sources: ["env"], keys: { "api.insecure": "true", "providers.docker.exposedbydefault": "false" } });
    // A file in a default location wins over the flags.
    const file = traefikOf(variant(dockerBaseline(), (x) => (x.resource.docker_container.traefik.upload = [{ file: "/etc/traefik/traefik.toml", content: '[api]\ninsecure = true\n' }])));
    expect(file).toEqual({ sources: ["/etc/traefik/traefik.toml"], keys: { "api.insecure": "true" } });
  });

  test("an enabled container without router labels gets Traefik's implicit default router", () => {
    const j = variant(dockerBaseline(), (x) => {
      x.resource.docker_container.admin = hardened("admin", "shop-admin", "adminer:5.3.0", { labels: labels({ "traefik.enable": "true", "traefik.http.services.adminer.loadbalancer.server.port": "8080" }) });
    });
    expect(dockerModel(j).routers.find((r) => r.container === "shop-admin")).toMatchObject({ name: "shop-admin", rule: "Host(`shop-admin`)", implicit: true, middlewares: [], service: "adminer", tls: false });
  });

  test("routers from a dynamic config file are in the model", () => {
    const j = variant(dockerBaseline(), (x) => {
      x.resource.docker_container.traefik.upload = [{ file: "/etc/traefik/dynamic/routes.yml", content: "http:\n  routers:\n    legacy:\n      rule: \"Host(`old.example.com`)\"\n      entryPoints:\n        - websecure\n      service: legacy\n      tls: {}\n" }];
    });
    expect(dockerModel(j).routers.find((r) => r.name === "legacy")).toMatchObject({ provider: "file", container: "shop-traefik", entrypoints: ["websecure"], tls: true, service: "legacy" });
  });
});
