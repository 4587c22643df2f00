import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { HardenedContainer, HardenedContainerProps } from "../../constructs/common/hardened-container";
import { secretLeakProblem } from "../../constructs/common/secret-patterns";
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

  // Found on the first real deploy: the provider copies uploads with Docker's archive API at `/`,
  // which Docker refuses for a read-only root even when the target folder is a volume.
  test("no container gets a provider upload; files are written at start into tmpfs owned by its user", () => {
    const [c] = make({ user: "1000:1000", uploads: [{ file: "/etc/app/a.yml", content: "a: 1\n" }, { file: "/etc/app/conf.d/b.yml", content: "b: 2\n" }], imageEntrypoint: ["/entrypoint.sh"], command: ["--flag"] }).containers;
    expect(c.raw.upload).toBeUndefined();
    expect(c.readOnlyRoot).toBe(true);
    expect(c.raw.tmpfs).toEqual({
      "/etc/app": "rw,noexec,nosuid,nodev,size=1m,mode=0755,uid=1000,gid=1000",
      "/etc/app/conf.d": "rw,noexec,nosuid,nodev,size=1m,mode=0755,uid=1000,gid=1000",
    });
    expect(c.uploads).toEqual([
      { file: "/etc/app/a.yml", content: "a: 1\n" },
      { file: "/etc/app/conf.d/b.yml", content: "b: 2\n" },
    ]);
    expect((c.raw.entrypoint as string[]).slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(c.command).toEqual(["--flag"]);
  });

  test("the writer script writes each file byte for byte, then runs the image's entrypoint with the command", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zt-files-"));
    const tricky = "line 1\n$HOME `id` \"q\" 's'\n\\n no trailing newline";
    const [c] = make({ uploads: [{ file: `${dir}/a.yml`, content: tricky }, { file: `${dir}/b.sh`, content: "echo hi\n", executable: true }], imageEntrypoint: ["/bin/echo", "entry's"] , command: ["x", "y z"] }).containers;
    const [sh, flag, script, name] = c.raw.entrypoint as string[];
    const env = Object.fromEntries((c.raw.env as string[]).map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    const out = execFileSync(sh, [flag, script, name, ...c.command], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
    expect(out).toBe("entry's x y z\n");
    expect(readFileSync(`${dir}/a.yml`, "utf8")).toBe(tricky);
    expect(statSync(`${dir}/a.yml`).mode & 0o777).toBe(0o644);
    expect(statSync(`${dir}/b.sh`).mode & 0o777).toBe(0o755);
  });

  test("files need the image's entrypoint, safe paths, no key material, and exclude an entrypoint override", () => {
    const e = errorOf(() => make({ uploads: [{ file: "etc/x'y", content: "-----BEGIN PRIVATE KEY-----\n" }], entrypoint: ["/x"] }));
    expect(e.problems.map((p) => p.field).sort()).toEqual(["entrypoint", "imageEntrypoint", "uploads.etc/x'y", "uploads.file"].sort());
    // A file straight under / would make / a tmpfs.
    expect(errorOf(() => make({ uploads: [{ file: "/app.yml", content: "a: 1\n" }], imageEntrypoint: ["/e"] })).problems.map((p) => p.field)).toEqual(["uploads.file"]);
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
