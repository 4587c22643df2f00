import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, Testing } from "cdktf";
import { HardenedContainer } from "../../constructs/common/hardened-container";
import { applyZeroTrustPolicy, PolicyViolationError, suppressRule } from "../../constructs/policy/aspect";
import { ValidationError } from "../../constructs/common/validation";
import { DevStack } from "../../stacks/dev-stack";
import { devConfig, REPO_ROOT } from "../helpers/synth";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "zt-review-"));
const review = (args: string[]) => spawnSync(process.execPath, ["scripts/run-ts.mjs", "scripts/review.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });

/** A stack any cdktf project could produce: published Postgres, an editor without SSO, an unencrypted bucket. */
const BAD_STACK = {
  resource: {
    docker_network: { data: { name: "shop-data", internal: true } },
    docker_container: {
      db: { name: "shop-postgres", image: "postgres:17.6", ports: [{ internal: 5432, external: 5432 }], networks_advanced: [{ name: "${docker_network.data.name}" }], capabilities: { drop: ["ALL"] }, security_opts: ["no-new-privileges:true"], memory: 512, read_only: true, healthcheck: { test: ["CMD", "pg_isready"] } },
      editor: {
        name: "shop-n8n",
        image: "docker.n8n.io/n8nio/n8n:2.41.3",
        capabilities: { drop: ["ALL"] },
        security_opts: ["no-new-privileges:true"],
        memory: 1024,
        read_only: true,
        healthcheck: { test: ["CMD", "true"] },
        networks_advanced: [{ name: "${docker_network.data.name}" }],
        labels: [
          { label: "traefik.enable", value: "true" },
          { label: "traefik.http.routers.editor.rule", value: "Host(`n8n.shop.example`)" },
          { label: "traefik.http.routers.editor.tls", value: "true" },
          { label: "traefik.http.routers.editor.entrypoints", value: "websecure" },
        ],
      },
    },
    aws_s3_bucket: { exports: { bucket: "shop-exports" } },
  },
};

describe("npm run review", () => {
  test("a stack with a published Postgres port, an editor without SSO and an unencrypted bucket fails, naming each rule", () => {
    const dir = tmp();
    const file = path.join(dir, "cdk.tf.json");
    writeFileSync(file, JSON.stringify(BAD_STACK));
    const r = review([file, "--out", path.join(dir, "report.md")]);
    expect(r.status).toBe(1);
    for (const id of ["ZT-NET-001", "ZT-EDGE-001", "ZT-AWS-S3-001"]) expect(r.stdout).toContain(id);
    const report = readFileSync(path.join(dir, "report.md"), "utf8");
    expect(report).toMatch(/\| error \| ZT-NET-001 \| `docker_container.db` \| shop-postgres publishes 5432->5432/);
  });

  test("bad usage exits 2", () => {
    expect(review([]).status).toBe(2);
    expect(review(["/nonexistent"]).status).toBe(2);
    expect(review([REPO_ROOT, "--pack", "nope"]).status).toBe(2);
  });

  describe("on the project's own synthesized stacks", () => {
    const out = tmp();
    const synth = spawnSync(process.execPath, ["scripts/run-ts.mjs", "main.ts"], { cwd: REPO_ROOT, env: { ...process.env, CDKTF_OUTDIR: path.join(out, "cdktf.out") }, encoding: "utf8" });
    const reportFile = path.join(out, "report.md");
    const r = review([path.join(out, "cdktf.out"), "--out", reportFile]);
    const report = readFileSync(reportFile, "utf8");

    test("every stack passes with zero error findings", () => {
      expect(synth.status).toBe(0);
      expect(r.stdout).toMatch(/2 stack\(s\), 0 error finding\(s\)/);
      expect(r.status).toBe(0);
    });

    test("the dev report shows the exposure map: ports, routers with SSO status, networks", () => {
      expect(report).toContain("### Exposure map");
      expect(report).toContain("- `0.0.0.0:443` → n8n-traefik:8443");
      expect(report).toMatch(/\| websecure \(TLS\) \| n8n-editor \| 10 \| .* \| yes \| n8n-n8n \(n8n-main\) \|/);
      expect(report).toMatch(/\| n8n-data \| data \| yes \| n8n-main, n8n-postgres \|/);
    });

    test("the report's Mermaid diagram parses with the real mermaid library", () => {
      expect(report).toContain("```mermaid\nflowchart LR");
      const check = spawnSync(process.execPath, ["scripts/check-mermaid.mjs", reportFile], { cwd: REPO_ROOT, encoding: "utf8" });
      expect(check.stderr).toBe("");
      expect(check.stdout).toMatch(/diagram 1: flowchart-v2 ok/);
      expect(check.status).toBe(0);
    });

    test("the mermaid check rejects a broken diagram", () => {
      const bad = path.join(out, "bad.md");
      writeFileSync(bad, "```mermaid\nflowchart LR\n  a --> (\n```\n");
      expect(spawnSync(process.execPath, ["scripts/check-mermaid.mjs", bad], { cwd: REPO_ROOT, encoding: "utf8" }).status).toBe(1);
    });

    test("the report has a secrets inventory, an IAM summary and a dated cost estimate", () => {
      expect(report).toMatch(/\| n8n-prod\/n8n-encryption-key \| Secrets Manager \| aws_kms_key\.\S+ \| arn:aws:iam::123456789012:role\/n8n-prod-docker-host, arn:aws:iam::123456789012:role\/platform-admin \| never \|/);
      expect(report).toMatch(/\| \/run\/secrets\/n8n-encryption-key \| .*\.secrets\/dev\/n8n-encryption-key \| n8n-main \(ro\) \|/);
      expect(report).toContain("### IAM summary");
      expect(report).toMatch(/Prices: list prices as of \d{4}-\d{2}-\d{2}/);
      expect(report).toMatch(/\| \*\*total\*\* \| \| \*\*\$\d+\.\d\d\*\* \|/);
    });
  });
});

describe("the policy at synth", () => {
  test("an error finding fails synthesis and no plan is written for that stack", () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const stack = new DevStack(app, "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    new HardenedContainer(stack, "Leaky", {
      name: "leaky-db",
      image: "postgres:17.6-alpine",
      networks: [{ network: stack.runtime.networks.data }],
      memoryMb: 256,
      healthcheck: { test: ["CMD", "true"] },
      publishedPorts: [{ internal: 5432, external: 5432 }],
    });
    applyZeroTrustPolicy(stack, { report: () => undefined });
    expect(() => app.synth()).toThrow(PolicyViolationError);
    expect(() => app.synth()).toThrow(/ZT-NET-001 dev\/Leaky\/Resource: leaky-db publishes 5432->5432/);
    expect(existsSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(false);
  });

  test("a suppression with a reason lets synthesis pass and is reported", () => {
    const app = Testing.app();
    const stack = new DevStack(app, "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    const leaky = new HardenedContainer(stack, "Leaky", {
      name: "leaky-db",
      image: "postgres:17.6-alpine",
      networks: [{ network: stack.runtime.networks.data }],
      memoryMb: 256,
      healthcheck: { test: ["CMD", "true"] },
      publishedPorts: [{ internal: 5432, external: 5432, ip: "127.0.0.1" }],
    });
    suppressRule(leaky.container, "ZT-NET-001", "loopback-only port for a local DBA tunnel");
    const seen: string[] = [];
    applyZeroTrustPolicy(stack, { report: (r) => seen.push(...r.suppressed.map((f) => `${f.ruleId}: ${f.suppressedBecause}`)) });
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(seen).toEqual(["ZT-NET-001: loopback-only port for a local DBA tunnel"]);
  });

  test("a suppression needs a reason of at least 10 characters", () => {
    const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    expect(() => suppressRule(stack.runtime.postgres.container.container, "ZT-NET-001", "because")).toThrow(ValidationError);
  });
});
