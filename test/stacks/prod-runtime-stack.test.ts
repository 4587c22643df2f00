import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import os from "node:os";
import path from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { useS3StateBackend } from "../../constructs/common/s3-backend";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { dockerModel } from "../../constructs/policy/docker-model";
import { evaluateStack } from "../../constructs/policy/engine";
import { secretValueProblem } from "../../constructs/common/secret-patterns";
import { buildProdStacks } from "../../stacks/prod";
import { REPO_ROOT } from "../helpers/synth";

/*
 * prod-runtime composed with prod-cloud in one app, as main.ts does: the runtime's log groups are
 * cross-stack references to prod-cloud's outputs.
 */
const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8")), "prod.example.json");
const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-prod-runtime-"));
const app = new App({ outdir, stackTraces: false });
// Exactly what main.ts builds (both stacks, S3 backends).
const { cloud, runtime } = buildProdStacks(app, config);
app.synth();
const read = (stack: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
const runtimeJson = read("prod-runtime");
const cloudJson = read("prod-cloud");
const model = dockerModel(runtimeJson);
const byName = (n: string) => model.containers.find((c) => c.name === `n8n-${n}`)!;

describe("prod-runtime", () => {
  test("every container logs to its prod-cloud log group through the awslogs driver, by cross-stack reference", () => {
    const remote = Object.keys(runtimeJson.data.terraform_remote_state);
    expect(remote).toHaveLength(1);
    const outputs = cloudJson.output;
    for (const c of model.containers) {
      expect(c.raw.log_driver).toBe("awslogs");
      const opts = c.raw.log_opts as Record<string, string>;
      expect(opts["awslogs-region"]).toBe("eu-central-1");
      expect(opts.mode).toBe("non-blocking");
      const m = /^\$\{data\.terraform_remote_state\.([^.]+)\.outputs\.([^}]+)\}$/.exec(opts["awslogs-group"]);
      expect(m).not.toBeNull();
      expect(outputs[m![2]]).toBeDefined();
      expect(outputs[m![2]].value).toMatch(/^\$\{aws_cloudwatch_log_group\./);
    }
  });

  test("routers get certificates from the ACME resolver; Traefik has no local certificate", () => {
    expect(model.routers.length).toBeGreaterThan(0);
    for (const r of model.routers) expect(model.containers.find((c) => c.name === r.container)!.labels[`traefik.http.routers.${r.name}.tls.certresolver`]).toBe("acme");
    const staticConfig = byName("traefik").uploads.find((u) => u.file === "/etc/traefik/traefik.yml")!.content!;
    expect(staticConfig).toMatch(/certificatesResolvers:\n\s+acme:\n\s+acme:\n\s+email: "ops@example.com"/);
    expect(byName("traefik").mounts).toContainEqual({ type: "bind", source: "/var/lib/n8n-zero-trust/acme", target: "/data", readOnly: false });
  });

  test("SSO goes to the organisation's issuer; there is no dev IdP", () => {
    expect(byName("oauth2-proxy").command).toContain("--oidc-issuer-url=https://login.example.com/realms/ops");
    expect(model.containers.some((c) => c.name.endsWith("-idp"))).toBe(false);
    expect(byName("oauth2-proxy").command.some((a) => a.startsWith("--provider-ca-file"))).toBe(false);
  });

  test("secrets come from the host's tmpfs as files; n8n's login role is a file too (alternating users)", () => {
    const env = byName("main").env;
    expect(env.DB_POSTGRESDB_USER_FILE).toBe("/run/secrets/n8n-db-user");
    expect(env.DB_POSTGRESDB_USER).toBeUndefined();
    expect(byName("main").mounts.filter((m) => m.target.startsWith("/run/secrets/")).every((m) => m.source!.startsWith("/run/n8n-secrets/") && m.readOnly)).toBe(true);
  });

  test("Postgres is published only on the host's private address, with a stated suppression; nothing else but Traefik publishes", () => {
    expect(byName("postgres").ports).toEqual([{ internal: 5432, external: 5432, ip: "10.20.1.10" }]);
    expect(model.containers.filter((c) => c.ports.length > 0).map((c) => c.name).sort()).toEqual(["n8n-postgres", "n8n-traefik"]);
    const result = evaluateStack("prod-runtime", runtimeJson);
    expect(result.errors).toEqual([]);
    expect(result.suppressed.map((f) => f.ruleId)).toEqual(["ZT-NET-001"]);
  });

  test("the bootstrap creates the alternate login and the rotator; from the rotation subnets only the rotator and the two login roles", () => {
    const hba = byName("postgres").uploads.find((u) => u.file === "/etc/n8n-bootstrap/pg_hba.conf")!.content!;
    expect(hba).toMatch(/hostssl\s+n8n\s+n8n,n8n_b,n8n_reporting,n8n_agent\s+samenet\s+scram-sha-256/);
    expect(hba).toMatch(/hostssl\s+n8n\s+n8n_rotator\s+10\.20\.2\.0\/24\s+scram-sha-256/);
    expect(hba).toMatch(/hostssl\s+n8n\s+n8n_rotator\s+10\.20\.3\.0\/24\s+scram-sha-256/);
    // testSecret logs in as the pending login role from the function's subnets.
    expect(hba).toMatch(/hostssl\s+n8n\s+n8n,n8n_b\s+10\.20\.2\.0\/24\s+scram-sha-256/);
    expect(hba).not.toMatch(/n8n_reporting[^\n]*10\.20\./);
  });

  test("the Docker provider connects to the configured remote host", () => {
    expect(runtimeJson.provider.docker[0].host).toBe("ssh://n8n@10.20.1.10");
  });

  test("no secret value in either stack: no secret_string, no inline credentials, no key material", () => {
    for (const text of [JSON.stringify(runtimeJson), JSON.stringify(cloudJson)]) {
      expect(text).not.toMatch(/secret_string"|PRIVATE KEY-----|:\/\/[^/\s:@"]+:[^/\s@"]+@/);
    }
    // Every string of both plans (env values, labels, commands, uploaded files, policies, user data
    // once unpacked) through the same detector the policy pack uses.
    const strings = (v: unknown, at: string, out: [string, string][]): [string, string][] => {
      if (typeof v === "string") out.push([at, at.endsWith("user_data_base64") ? gunzipSync(Buffer.from(v, "base64")).toString("utf8") : v]);
      else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${at}.${i}`, out));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) strings(x, `${at}.${k}`, out);
      return out;
    };
    const all = [...strings(runtimeJson, "prod-runtime", []), ...strings(cloudJson, "prod-cloud", [])];
    expect(all.length).toBeGreaterThan(500);
    expect(all.some(([at]) => at.endsWith("user_data_base64"))).toBe(true);
    expect(all.map(([at, v]) => [at, secretValueProblem(v, at)]).filter(([, p]) => p)).toEqual([]);
    for (const c of model.containers) {
      for (const [k, v] of Object.entries(c.env)) {
        // Credentials only ever as *_FILE paths into the secrets mount; never a credential variable itself.
        if (/(PASSWORD|TOKEN|ENCRYPTION_KEY|SECRET)_FILE$/.test(k)) expect([c.name, k, v]).toEqual([c.name, k, expect.stringMatching(/^\/run\/secrets\//)]);
        expect([c.name, k, /(PASSWORD|_TOKEN|ENCRYPTION_KEY|CLIENT_SECRET|COOKIE_SECRET)$/.test(k)]).toEqual([c.name, k, false]);
      }
    }
    expect(readdirSync(path.join(outdir, "stacks"))).toEqual(expect.arrayContaining(["prod-cloud", "prod-runtime"]));
  });
});

describe("prod-cloud and prod-runtime fit together", () => {
  test("the host agent restarts containers that exist in prod-runtime, and fills every secret file they mount", () => {
    const names = new Set(model.containers.map((c) => c.name));
    const userData = gunzipSync(Buffer.from(Object.values(cloudJson.resource.aws_instance as Record<string, any>)[0].user_data_base64, "base64")).toString("utf8");
    for (const n of ["n8n-main", "n8n-runners", "n8n-oauth2-proxy"]) {
      expect(names.has(n)).toBe(true);
      expect(userData).toContain(n);
    }
    const mounted = new Set(model.containers.flatMap((c) => c.mounts.filter((m) => m.source?.startsWith("/run/n8n-secrets/")).map((m) => path.basename(m.source!))));
    expect(mounted.size).toBeGreaterThan(5);
    for (const f of mounted) expect(userData).toContain(f);
  });

  test("the host's fixed address is where prod-runtime publishes Postgres, and the docker provider's host", () => {
    const inst: any = Object.values(cloudJson.resource.aws_instance)[0];
    expect(inst.private_ip).toBe(byName("postgres").ports[0].ip);
    expect(runtimeJson.provider.docker[0].host).toBe("ssh://n8n@10.20.1.10");
    expect(cloud.dockerHost!.privateIp).toBe("10.20.1.10");
    expect(runtime.runtime.postgres).toBeDefined();
  });

  test("the cross-stack reference reads prod-cloud's state from the same S3 backend", () => {
    const [remote] = Object.values(runtimeJson.data.terraform_remote_state) as any[];
    expect(remote.backend).toBe("s3");
    expect(remote.config).toMatchObject({ bucket: "example-n8n-terraform-state", key: "n8n-zero-trust/prod-cloud.tfstate", region: "eu-central-1", encrypt: true });
    expect(runtimeJson.terraform.backend.s3.key).toBe("n8n-zero-trust/prod-runtime.tfstate");
    expect(cloudJson.terraform.backend.s3.key).toBe("n8n-zero-trust/prod-cloud.tfstate");
  });
});

describe("state backend for the prod stacks", () => {
  test("S3, encrypted, locked with the S3 lock file, one key per stack", () => {
    const stack = new TerraformStack(Testing.app(), "prod-cloud");
    useS3StateBackend(stack, { bucket: config.backend.bucket, region: config.backend.region, keyPrefix: config.backend.keyPrefix });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.terraform.backend.s3).toEqual({ bucket: "example-n8n-terraform-state", region: "eu-central-1", key: "n8n-zero-trust/prod-cloud.tfstate", encrypt: true, use_lockfile: true });
  });
});
