import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ValidationError } from "../../constructs/common/validation";
import { devConfig, rawDevConfig, REPO_ROOT } from "../helpers/synth";

/** Returns the problems a raw config produces (empty when valid). */
function problems(mutate: (c: Record<string, any>) => void): { field: string; message: string }[] {
  const raw = rawDevConfig();
  mutate(raw);
  try {
    devConfig(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return [...e.problems];
  }
}

describe("config validation", () => {
  test("the committed config/dev.json is valid", () => {
    expect(problems(() => undefined)).toEqual([]);
  });

  test.each([
    ["an unknown top-level key", (c: any) => (c.domian = "x.com"), "domian", /unknown field; allowed fields here: .*domain/],
    ["an unknown nested key", (c: any) => (c.n8n.webhookRatelimit = {}), "n8n.webhookRatelimit", /unknown field; allowed fields here: .*webhookRateLimit/],
    ["a bad domain", (c: any) => (c.domain = "Not A Domain!"), "domain", /lower-case DNS name/],
    ["an SSRF exception that is not a CIDR", (c: any) => (c.n8n.ssrfProtection = { allowedIpRanges: ["10.0.0.1"] }), "n8n.ssrfProtection.allowedIpRanges.0", /IPv4 or IPv6 CIDR/],
    ["an SSRF host exception that is not a DNS name", (c: any) => (c.n8n.ssrfProtection = { allowedHostnames: ["http://api.internal"] }), "n8n.ssrfProtection.allowedHostnames.0", /DNS name/],
    ["a bad email domain", (c: any) => (c.sso.allowedEmailDomains = ["@example.com"]), "sso.allowedEmailDomains.0", /email domain/],
    ["a wildcard email domain", (c: any) => (c.sso.allowedEmailDomains = ["*"]), "sso.allowedEmailDomains.0", /no wildcard/],
    ["an image tagged latest", (c: any) => (c.images.traefik = "traefik:latest"), "images.traefik", /tag "latest" is not pinned/],
    ["an image with no tag", (c: any) => (c.images.postgres = "postgres"), "images.postgres", /has no tag/],
    ["a bare major tag", (c: any) => (c.images.dex = "ghcr.io/dexidp/dex:v2"), "images.dex", /not pinned/],
    ["oauth2-proxy older than 7.15.3", (c: any) => (c.images.oauth2Proxy = "quay.io/oauth2-proxy/oauth2-proxy:v7.15.2-alpine"), "images.oauth2Proxy", /v7\.15\.3 or later/],
    ["Postgres older than 15", (c: any) => (c.images.postgres = "postgres:14.12-alpine"), "images.postgres", /Postgres 15 or later/],
    ["the nginx-based socket proxy 1.24.0 (no switches for container logs, archives, exports)", (c: any) => (c.images.socketProxy = "lscr.io/linuxserver/socket-proxy:1.24.0"), "images.socketProxy", /socket-proxy 3\.4\.3 or later/],
    ["n8n 1.x", (c: any) => ((c.images.n8n = "docker.n8n.io/n8nio/n8n:1.99.0"), (c.images.n8nRunners = "n8nio/runners:1.99.0")), "images.n8n", /n8n 2\.x/],
    ["runners on another version than n8n", (c: any) => (c.images.n8nRunners = "n8nio/runners:2.40.0"), "images.n8nRunners", /same version tag/],
    ["a memory limit below range", (c: any) => (c.resources.n8n.memoryMb = 8), "resources.n8n.memoryMb", /at least 32/],
    ["a memory limit above range", (c: any) => (c.resources.traefik.memoryMb = 999999), "resources.traefik.memoryMb", /at most 4096/],
    ["a bad CPU limit", (c: any) => (c.resources.n8n.cpus = "lots"), "resources.n8n.cpus", /CPU count/],
    ["a SQL injection in a role name", (c: any) => (c.postgres.n8nRole = 'n8n"; DROP ROLE postgres; --'), "postgres.n8nRole", /must match/],
    ["an empty allow-list", (c: any) => ((c.sso.allowedEmailDomains = []), (c.sso.allowedGroups = [])), "sso.allowedEmailDomains", /empty allow-list/],
    ["an oidc provider without issuer", (c: any) => (c.sso.provider = "oidc"), "sso.issuerUrl", /required when sso.provider is "oidc"/],
    ["an http issuer", (c: any) => ((c.sso.provider = "oidc"), (c.sso.issuerUrl = "http://idp.example.com")), "sso.issuerUrl", /https URL/],
    ["running as root", (c: any) => (c.runAs.uid = 0), "runAs.uid", /not be 0/],
    ["a missing required field", (c: any) => delete c.secretsDir, "secretsDir", /is required/],
    ["an unknown TLS mode", (c: any) => (c.tls = { mode: "selfsigned" }), "tls.mode", /local.*acme|acme.*local/],
  ])("%s is rejected with a message naming the field", (_label, mutate, field, message) => {
    const found = problems(mutate);
    const hit = found.find((p) => p.field === field);
    expect(hit).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  test("several bad fields produce one error naming each of them", () => {
    const found = problems((c) => {
      c.extra = true;
      c.domain = "BAD";
      c.images.n8n = "docker.n8n.io/n8nio/n8n:latest";
      c.resources.postgres.memoryMb = 1;
    });
    expect(found.map((p) => p.field)).toEqual(expect.arrayContaining(["extra", "domain", "images.n8n", "resources.postgres.memoryMb"]));
  });
});

describe("main.ts on a bad config", () => {
  test("exits 1 with the field-by-field message and no stack trace", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cfg-"));
    const raw = rawDevConfig();
    raw.domain = "Bad_Domain";
    raw.images.traefik = "traefik:latest";
    raw.unknownKey = 1;
    writeFileSync(path.join(dir, "dev.json"), JSON.stringify(raw));
    const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, N8N_ZT_CONFIG_DIR: dir, CDKTF_OUTDIR: path.join(dir, "out") },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Invalid config ${path.join(dir, "dev.json")}`);
    expect(r.stderr).toMatch(/- domain: /);
    expect(r.stderr).toMatch(/- images\.traefik: tag "latest" is not pinned/);
    expect(r.stderr).toMatch(/- unknownKey: unknown field/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test("a prod.json with a missing field fails naming it and writes no stack; a relation between fields is named once the shapes are valid", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cfg-"));
    writeFileSync(path.join(dir, "dev.json"), JSON.stringify(rawDevConfig()));
    const prod = JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8"));
    const amiId = prod.runtimeHost.amiId;
    delete prod.runtimeHost.amiId;
    prod.runtimeHost.vpc.privateSubnets[0].availabilityZone = "us-east-1a";
    const run = () => {
      writeFileSync(path.join(dir, "prod.json"), JSON.stringify(prod));
      const out = path.join(dir, "out");
      const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], { cwd: REPO_ROOT, env: { ...process.env, N8N_ZT_CONFIG_DIR: dir, CDKTF_OUTDIR: out }, encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Invalid config ${path.join(dir, "prod.json")}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(path.join(out, "manifest.json"))).toBe(false);
      expect(readdirSync(path.join(out, "stacks"))).toEqual([]);
      return r.stderr;
    };
    expect(run()).toMatch(/- runtimeHost\.amiId: is required/);
    prod.runtimeHost.amiId = amiId;
    expect(run()).toMatch(/- runtimeHost\.vpc\.privateSubnets\.0\.availabilityZone: must be an availability zone of aws\.region \(eu-central-1\)/);
  });

  test("main.ts builds dev on the local backend and both prod stacks on S3", () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "synth-")), "out");
    const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], { cwd: REPO_ROOT, env: { ...process.env, CDKTF_OUTDIR: out }, encoding: "utf8" });
    expect(r.status).toBe(0);
    const backend = (stack: string) => JSON.parse(readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8")).terraform.backend;
    expect(Object.keys(backend("dev"))).toEqual(["local"]);
    for (const stack of ["prod-cloud", "prod-runtime"]) {
      expect(backend(stack).s3).toMatchObject({ bucket: "example-n8n-terraform-state", key: `n8n-zero-trust/${stack}.tfstate`, encrypt: true, use_lockfile: true });
    }
  });

  test("a file that is not JSON is reported as such", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cfg-"));
    writeFileSync(path.join(dir, "dev.json"), "{ not json");
    const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, N8N_ZT_CONFIG_DIR: dir, CDKTF_OUTDIR: path.join(dir, "out") },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\(json\): not valid JSON/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("prod config validation", () => {
  const rawProd = () => JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8"));
  const prodProblems = (mutate: (c: Record<string, any>) => void) => {
    const { parseConfig, prodConfigSchema } = require("../../config/schema");
    const raw = rawProd();
    mutate(raw);
    try {
      parseConfig(prodConfigSchema, raw, "prod");
      return [];
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return e.problems.map((p) => `${p.field}: ${p.message}`);
    }
  };

  test("the example prod config is valid", () => {
    expect(prodProblems(() => undefined)).toEqual([]);
  });

  test.each([
    ["a missing account id", (c: any) => delete c.aws.accountId, /^aws\.accountId: is required/],
    ["a bad region", (c: any) => (c.aws.region = "moon-1"), /^aws\.region: must be an AWS region/],
    ["a retention CloudWatch does not accept", (c: any) => (c.aws.logRetentionDays = 42), /^aws\.logRetentionDays: must be one of CloudWatch Logs' values/],
    ["no alarm recipient", (c: any) => (c.aws.alarmEmails = []), /^aws\.alarmEmails: must list at least one address/],
    ["a bad alarm email", (c: any) => (c.aws.alarmEmails = ["ops-at-example"]), /^aws\.alarmEmails\.0: must be an email address/],
    ["a local CA in prod", (c: any) => (c.tls = { mode: "local" }), /^tls\.mode: must be "acme" in prod/],
    ["the dev IdP in prod", (c: any) => (c.sso.provider = "local-dex"), /^sso\.provider: must be "oidc" in prod/],
    ["an operator that is not a role ARN", (c: any) => (c.aws.operatorRoleArns = ["admin"]), /^aws\.operatorRoleArns\.0: must be an IAM role ARN/],
    ["a missing AMI", (c: any) => delete c.runtimeHost.amiId, /^runtimeHost\.amiId: is required/],
    ["a missing host section", (c: any) => delete c.runtimeHost, /^runtimeHost: is required/],
    ["a missing backend", (c: any) => delete c.backend, /^backend: is required/],
    ["a host address outside its subnet", (c: any) => (c.runtimeHost.privateIp = "10.20.2.10"), /^runtimeHost\.privateIp: must be a usable address of runtimeHost\.vpc\.publicSubnet\.cidr \(10\.20\.1\.0\/24\)/],
    ["a reserved subnet address", (c: any) => (c.runtimeHost.privateIp = "10.20.1.1"), /^runtimeHost\.privateIp: must be a usable address/],
    ["a subnet outside the VPC", (c: any) => (c.runtimeHost.vpc.privateSubnets[1].cidr = "10.30.3.0/24"), /^runtimeHost\.vpc\.privateSubnets\.1\.cidr: must lie within runtimeHost\.vpc\.cidr/],
    ["overlapping subnets", (c: any) => (c.runtimeHost.vpc.privateSubnets[0].cidr = "10.20.1.0/25"), /^runtimeHost\.vpc\.privateSubnets\.0\.cidr: overlaps 10\.20\.1\.0\/24/],
    ["a zone of another region", (c: any) => (c.runtimeHost.vpc.publicSubnet.availabilityZone = "us-east-1a"), /^runtimeHost\.vpc\.publicSubnet\.availabilityZone: must be an availability zone of aws\.region \(eu-central-1\)/],
    ["an unknown VPC mode", (c: any) => (c.runtimeHost.vpc.mode = "borrow"), /^runtimeHost\.vpc\.mode: Invalid discriminator value\. Expected 'create' \| 'existing'/],
    ["an RSA or malformed SSH key", (c: any) => (c.runtimeHost.sshAuthorizedKeys = ["ssh-rsa AAAA me"]), /^runtimeHost\.sshAuthorizedKeys\.0: must be one OpenSSH public key line/],
    ["secrets outside tmpfs", (c: any) => (c.secretsDir = "/etc/n8n-secrets"), /^secretsDir: must be under \/run\/ in prod/],
    ["no deploy key", (c: any) => (c.runtimeHost.sshAuthorizedKeys = []), /^runtimeHost\.sshAuthorizedKeys: must list at least one key/],
    ["a Docker API over TCP", (c: any) => (c.runtimeHost.dockerHost = "tcp://10.20.1.10:2376"), /^runtimeHost\.dockerHost: must be ssh:\/\/user@host/],
    ["an existing VPC without a way to Secrets Manager", (c: any) => (c.runtimeHost.vpc = { mode: "existing", vpcId: "vpc-0a1b2c3d4e5f60718", publicSubnet: { id: "subnet-0a1b2c3d4e5f60711", cidr: "10.20.1.0/24" }, privateSubnets: [{ id: "subnet-0a1b2c3d4e5f60712", cidr: "10.20.2.0/24" }] }), /^runtimeHost\.vpc\.secretsManagerEndpointCidrs: is required unless createSecretsManagerEndpoint is true/],
    ["backups that expire before their lock ends", (c: any) => Object.assign(c.aws, { backupRetentionLockDays: 30, backupRetentionDays: 7 }), /^aws\.backupRetentionDays: must be at least aws\.backupRetentionLockDays \(30\)/],
    ["a backup schedule that is not an OnCalendar expression", (c: any) => (c.aws.backupSchedule = "daily; rm -rf /"), /^aws\.backupSchedule: must be a systemd OnCalendar expression/],
    ["a system account as the deploy user", (c: any) => (c.runtimeHost.dockerHost = "ssh://ec2-user@10.20.1.10"), /^runtimeHost\.dockerHost: names a system account as the deploy user/],
    ["a VPC too small for the layout", (c: any) => (c.runtimeHost.vpc.cidr = "10.20.0.0/26"), /^runtimeHost\.vpc\.cidr: must be an IPv4 CIDR from \/16 to \/24/],
    ["a subnet smaller than AWS allows", (c: any) => (c.runtimeHost.vpc.privateSubnets[0].cidr = "10.20.2.0/29"), /^runtimeHost\.vpc\.privateSubnets\.0\.cidr: must be an IPv4 CIDR from \/16 to \/28/],
    ["an unknown host field", (c: any) => (c.runtimeHost.publicSsh = true), /^runtimeHost\.publicSsh: unknown field; allowed fields here: dockerHost, privateIp, amiId/],
  ])("%s is rejected, naming the field", (_l, mutate, message) => {
    expect(prodProblems(mutate)).toContainEqual(expect.stringMatching(message));
  });
});
