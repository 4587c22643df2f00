import { Testing, TerraformStack } from "cdktf";
import { HardenedContainer, HardenedContainerProps, secretLeakProblem } from "../../constructs/common/hardened-container";
import { imageRefProblem, ValidationError } from "../../constructs/common/validation";
import { SegmentedNetworks } from "../../constructs/network/segmented-networks";
import { dockerModel } from "../../constructs/policy/docker-model";

function make(overrides: Partial<HardenedContainerProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "t");
  const networks = new SegmentedNetworks(stack, "Net", { prefix: "t" });
  new HardenedContainer(stack, "C", {
    name: "t-web",
    image: "traefik/whoami:v1.10.3",
    networks: [{ network: networks.app }],
    memoryMb: 64,
    healthcheck: { test: ["CMD", "/whoami", "--help"] },
    ...overrides,
  });
  return dockerModel(JSON.parse(Testing.synth(stack)));
}

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

describe("HardenedContainer", () => {
  test("applies the baseline: no-new-privileges, ALL caps dropped, read-only root, memory, healthcheck, restart", () => {
    const [c] = make().containers;
    expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
    expect(c.capDrop).toEqual(["ALL"]);
    expect(c.capAdd).toEqual([]);
    expect(c.readOnlyRoot).toBe(true);
    expect(c.privileged).toBe(false);
    expect(c.memoryMb).toBe(64);
    expect(c.raw.memory_swap).toBe(64);
    expect(c.hasHealthcheck).toBe(true);
    expect(c.raw.restart).toBe("unless-stopped");
    expect(c.image).toBe("traefik/whoami:v1.10.3");
  });

  test("refuses a secret passed as an env value, naming the variable and the _FILE alternative", () => {
    const e = errorOf(() => make({ env: { DB_PASSWORD: "hunter2" } }));
    expect(e.problems).toEqual([{ field: "env.DB_PASSWORD", message: expect.stringMatching(/DB_PASSWORD_FILE/) }]);
  });

  test("refuses inline credentials in URLs and private keys, in env and labels", () => {
    expect(secretLeakProblem("DATABASE_URL", "postgres://u:p@db/x")).toMatch(/inline credential/);
    expect(secretLeakProblem("X", "-----BEGIN PRIVATE KEY-----")).toMatch(/key material/);
    expect(secretLeakProblem("DB_PASSWORD_FILE", "/run/secrets/x")).toBeUndefined();
    const e = errorOf(() => make({ labels: { "app.token": "abc" } }));
    expect(e.problems[0].field).toBe("labels.app.token");
  });

  test("collects every problem into one error: floating tag, no network, tiny memory, SYS_ADMIN", () => {
    const e = errorOf(() => make({ image: "nginx:latest", networks: [], memoryMb: 1, capabilitiesAdd: ["SYS_ADMIN"] }));
    expect(e.problems.map((p) => p.field).sort()).toEqual(["capabilitiesAdd", "image", "memoryMb", "networks"]);
    expect(e.message).toMatch(/Invalid props for container t\/C/);
  });

  test("uploads land in per-folder volumes because Docker cannot copy into a read-only root", () => {
    const [c] = make({ uploads: [{ file: "/etc/app/a.yml", content: "a: 1\n" }, { file: "/etc/app/b.yml", content: "b: 2\n" }] }).containers;
    expect(c.mounts).toEqual([{ type: "volume", source: "t-web-config-0", target: "/etc/app", readOnly: false }]);
  });
});

describe("image references", () => {
  test.each(["traefik:v3.7.13", "postgres:17.6-alpine", "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3-alpine", "docker.n8n.io/n8nio/n8n:2.41.3", `nginx@sha256:${"a".repeat(64)}`, "localhost:5000/x/y:1.2.3"])(
    "%s is pinned",
    (ref) => expect(imageRefProblem(ref)).toBeUndefined(),
  );
  test.each(["nginx", "nginx:latest", "nginx:stable", "postgres:17", "traefik:v3", "traefik:3.7-rc", "traefik:v3.7", "n8nio/runners:2.41", "UPPER/case:1.2.3"])("%s is refused", (ref) =>
    expect(imageRefProblem(ref)).toBeDefined(),
  );
});
