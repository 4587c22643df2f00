import { Testing, TerraformStack } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { n8nRouterLabels, n8nRouterNames } from "../../constructs/app/n8n";
import * as labels from "../../constructs/common/labels";
import { SECURITY_HEADERS_MIDDLEWARE } from "../../constructs/edge/traefik";
import { dockerMiddleware, fileMiddlewareRef } from "../../constructs/edge/traefik-labels";
import { dockerModel, findMiddleware } from "../../constructs/policy/docker-model";
import * as roles from "../../constructs/policy/rules/docker/roles";
import { synthDev } from "../helpers/synth";

/** The policy pack's model of one container carrying `containerLabels`. */
function modelOf(containerLabels: Record<string, string>) {
  const stack = new TerraformStack(Testing.app(), "t");
  new Container(stack, "C", { name: "t-c", image: "alpine:3.22.1", labels: Object.entries(containerLabels).map(([label, value]) => ({ label, value })) });
  return dockerModel(JSON.parse(Testing.synth(stack)));
}

describe("dockerMiddleware: a middleware's labels and its reference from one call", () => {
  const m = dockerMiddleware("t-limit", "ratelimit", { average: "20", burst: "50", "sourcecriterion.ipstrategy.depth": "0" });

  test("the reference is name@docker and every label declares that name and type, in the order given", () => {
    expect(m.ref).toBe("t-limit@docker");
    expect(Object.keys(m.labels)).toEqual([
      "traefik.http.middlewares.t-limit.ratelimit.average",
      "traefik.http.middlewares.t-limit.ratelimit.burst",
      "traefik.http.middlewares.t-limit.ratelimit.sourcecriterion.ipstrategy.depth",
    ]);
  });

  test("the policy pack resolves the reference to the middleware the labels declare", () => {
    // Traefik (and its model) reads labels only of containers that opt in.
    const found = findMiddleware(modelOf({ "traefik.enable": "true", ...m.labels }), m.ref);
    expect(found).toMatchObject({ name: "t-limit", type: "ratelimit" });
    expect(found?.settings).toMatchObject({ average: "20", burst: "50" });
  });

  test("refuses names and types that would break out of the label key", () => {
    expect(() => dockerMiddleware("a.b", "ratelimit", {})).toThrow(/invalid Traefik middleware/);
    expect(() => dockerMiddleware("a", "rate.limit", {})).toThrow(/invalid Traefik middleware/);
  });

  test("file-provider references name the file provider", () => {
    expect(fileMiddlewareRef("security-headers")).toBe("security-headers@file");
    expect(SECURITY_HEADERS_MIDDLEWARE).toBe(fileMiddlewareRef("security-headers"));
  });
});

describe("n8nRouterLabels", () => {
  const routing = {
    instance: "t",
    network: "t-app",
    prefix: "t",
    host: "n8n.example.com",
    publicPathPrefixes: ["/webhook/", "/form/"],
    ssoMiddleware: "t-sso@docker",
    rateLimit: { average: 20, burst: 50, periodSeconds: 1 },
    maxBodyMb: 16,
  };
  const model = modelOf(n8nRouterLabels(routing));
  const router = (name: string) => model.routers.find((r) => r.name === name)!;

  test("declares the editor and the public router under the names n8nRouterNames gives", () => {
    const names = n8nRouterNames("t");
    expect(model.routers.map((r) => r.name).sort()).toEqual([names.editor, names.public].sort());
    expect(router(names.public).service).toBe(names.service);
    expect(router(names.public).priority).toBeGreaterThan(router(names.editor).priority);
  });

  test("every docker middleware the public router names is declared by the same labels", () => {
    const refs = router(n8nRouterNames("t").public).middlewares.filter((ref) => ref.endsWith("@docker"));
    expect(refs).toEqual(["t-public-ratelimit@docker", "t-public-bodylimit@docker"]);
    expect(refs.map((ref) => findMiddleware(model, ref)?.type)).toEqual(["ratelimit", "buffering"]);
    expect(findMiddleware(model, "t-public-bodylimit@docker")?.settings).toMatchObject({ maxrequestbodybytes: String(16 * 1024 * 1024) });
  });

  test("the editor router carries the security headers and SSO", () => {
    expect(router(n8nRouterNames("t").editor).middlewares).toEqual([SECURITY_HEADERS_MIDDLEWARE, "t-sso@docker"]);
  });
});

describe("role labels: one definition for the constructs and the policy pack", () => {
  test("the policy pack's label names are the constructs' own bindings", () => {
    expect(roles.ROLE_LABEL).toBe(labels.ROLE_LABEL);
    expect(roles.NETWORK_ROLE_LABEL).toBe(labels.NETWORK_ROLE_LABEL);
    expect(roles.PUBLIC_REASON_LABEL).toBe(labels.PUBLIC_REASON_LABEL);
    expect(roles.MIN_PUBLIC_REASON_LENGTH).toBe(labels.MIN_PUBLIC_REASON_LENGTH);
  });

  test("every container role a construct can declare is recognised by the policy pack from the label alone", () => {
    // An image that says nothing, so only the label can decide.
    const recognised = (role: labels.ContainerRole) => {
      const c = modelOf(labels.roleLabels(role)).containers[0];
      return { edgeProxy: roles.isEdgeProxy(c), socketProxy: roles.isSocketProxy(c), database: roles.isDatabase(c) };
    };
    expect(recognised(labels.CONTAINER_ROLES.edgeProxy)).toEqual({ edgeProxy: true, socketProxy: false, database: false });
    expect(recognised(labels.CONTAINER_ROLES.socketProxy)).toEqual({ edgeProxy: false, socketProxy: true, database: false });
    expect(recognised(labels.CONTAINER_ROLES.database)).toEqual({ edgeProxy: false, socketProxy: false, database: true });
  });

  test("the dev stack's networks and proxies are known to the policy pack by their labels, not by inference", () => {
    const { model } = synthDev();
    for (const n of model.networks) {
      expect([n.name, roles.networkRoleSource(n)]).toEqual([n.name, "label"]);
      expect(labels.NETWORK_ROLES).toContain(roles.networkRole(n));
      expect(n.name).toBe(`n8n-${roles.networkRole(n)}`);
    }
    expect(model.containers.filter((c) => c.labels[labels.ROLE_LABEL]).map((c) => [c.name, c.labels[labels.ROLE_LABEL]])).toEqual(
      expect.arrayContaining([
        ["n8n-traefik", labels.CONTAINER_ROLES.edgeProxy],
        ["n8n-socket-proxy", labels.CONTAINER_ROLES.socketProxy],
      ]),
    );
  });
});
