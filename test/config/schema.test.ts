import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ValidationError } from "../../constructs/common/validation";
import { TerraformStack, Testing } from "cdktf";
import { HardenedContainer } from "../../constructs/common/hardened-container";
import { SegmentedNetworks } from "../../constructs/network/segmented-networks";
import { devConfig, rawDevConfig, REPO_ROOT } from "../helpers/synth";
import { validationProblems } from "../helpers/validation";

/** A container with a memory limit of `memoryMb` (HardenedContainer validates it). */
function container(memoryMb: number): void {
  const stack = new TerraformStack(Testing.app(), "t");
  const networks = new SegmentedNetworks(stack, "Net", { prefix: "t" });
  new HardenedContainer(stack, "C", { name: "t-c", image: "alpine:3.22.1", networks: [{ network: networks.app }], memoryMb, healthcheck: { test: ["CMD", "true"] } });
}

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

  test("the memory minimum is 32 MiB for every service, the same bound HardenedContainer applies (common/bounds MEMORY_MB)", () => {
    for (const service of ["traefik", "socketProxy", "oauth2Proxy", "n8n", "n8nRunners", "postgres", "dex"]) {
      expect(problems((c) => (c.resources[service].memoryMb = 31))).toEqual([{ field: `resources.${service}.memoryMb`, message: expect.stringMatching(/^must be a whole number from 32 to \d+ \(MiB\)$/) }]);
      expect(problems((c) => (c.resources[service].memoryMb = 32))).toEqual([]);
    }
    expect(validationProblems(() => container(31)).map((p) => p.message)).toEqual(["must be a whole number from 32 to 65536 (MiB), got 31"]);
    expect(validationProblems(() => container(32))).toEqual([]);
  });

  test.each([
    ["an unknown top-level key", (c: any) => (c.domian = "x.com"), "domian", /unknown field; allowed fields here: .*domain/],
    ["an unknown nested key", (c: any) => (c.n8n.webhookRatelimit = {}), "n8n.webhookRatelimit", /unknown field; allowed fields here: .*webhookRateLimit/],
    ["a bad domain", (c: any) => (c.domain = "Not A Domain!"), "domain", /lower-case DNS name/],
    ["an SSRF exception that is not a CIDR", (c: any) => (c.n8n.ssrfProtection = { allowedIpRanges: ["10.0.0.1"] }), "n8n.ssrfProtection.allowedIpRanges.0", /^"10\.0\.0\.1" has no prefix length: must be an IPv4 CIDR, such as 10\.0\.1\.0\/24$/],
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
    ["a memory limit below range", (c: any) => (c.resources.n8n.memoryMb = 8), "resources.n8n.memoryMb", /^must be a whole number from 32 to 32768 \(MiB\)$/],
    ["a memory limit above range", (c: any) => (c.resources.traefik.memoryMb = 999999), "resources.traefik.memoryMb", /^must be a whole number from 32 to 4096 \(MiB\)$/],
    ["a bad CPU limit", (c: any) => (c.resources.n8n.cpus = "lots"), "resources.n8n.cpus", /CPU count/],
    ["a SQL injection in a role name", (c: any) => (c.postgres.n8nRole = 'n8n"; DROP ROLE postgres; --'), "postgres.n8nRole", /must match/],
    ["an empty allow-list", (c: any) => ((c.sso.allowedEmailDomains = []), (c.sso.allowedGroups = [])), "sso.allowedEmailDomains", /empty allow-list/],
    ["an oidc provider without issuer", (c: any) => (c.sso.provider = "oidc"), "sso.issuerUrl", /required when sso.provider is "oidc"/],
    ["an http issuer", (c: any) => ((c.sso.provider = "oidc"), (c.sso.issuerUrl = "http://idp.example.com")), "sso.issuerUrl", /https URL/],
    ["running as root", (c: any) => (c.runAs.uid = 0), "runAs.uid", /^must be a whole number from 1 to 2147483647 \(0 is root: no container reads secrets as root\)$/],
    ["a missing required field", (c: any) => delete c.secretsDir, "secretsDir", /is required/],
    ["an unknown TLS mode", (c: any) => (c.tls = { mode: "selfsigned" }), "tls.mode", /local.*acme|acme.*local/],
    // CIDRs: four octets of 0-255 without leading zeros, a prefix of 0-32 in the field's range, the network address.
    ["an edge subnet with host bits", (c: any) => (c.network.edgeSubnet = "10.0.1.5/24"), "network.edgeSubnet", /^10\.0\.1\.5\/24 has host bits set; the network address is 10\.0\.1\.0\/24$/],
    ["an edge subnet with an octet above 255", (c: any) => (c.network.edgeSubnet = "10.0.256.0/24"), "network.edgeSubnet", /^"10\.0\.256\.0\/24" has the octet 256, above 255: each of the four octets is 0 to 255$/],
    ["an edge subnet with a leading zero", (c: any) => (c.network.edgeSubnet = "172.030.0.0/24"), "network.edgeSubnet", /^"172\.030\.0\.0\/24" has the octet "030" with a leading zero \(read as octal by some tools, as decimal by others\); write 172\.30\.0\.0\/24$/],
    ["an edge subnet with three octets", (c: any) => (c.network.edgeSubnet = "172.30.0/24"), "network.edgeSubnet", /^"172\.30\.0\/24" is not four dot-separated numbers and a prefix length: must be an IPv4 CIDR from \/16 to \/28, such as 10\.0\.1\.0\/24$/],
    ["a prefix length above 32", (c: any) => (c.network.edgeSubnet = "172.30.0.0/33"), "network.edgeSubnet", /^"172\.30\.0\.0\/33" has the prefix length "33", not a number from 0 to 32: must be an IPv4 CIDR from \/16 to \/28/],
    ["a negative prefix length", (c: any) => (c.network.edgeSubnet = "172.30.0.0/-1"), "network.edgeSubnet", /^"172\.30\.0\.0\/-1" has the prefix length "-1", not a number from 0 to 32/],
    ["a prefix length outside the field's range", (c: any) => (c.network.edgeSubnet = "172.16.0.0/12"), "network.edgeSubnet", /^"172\.16\.0\.0\/12" has the prefix length \/12: must be an IPv4 CIDR from \/16 to \/28, such as 10\.0\.1\.0\/24$/],
    ["an edge subnet without a prefix", (c: any) => (c.network.edgeSubnet = "172.30.0.0"), "network.edgeSubnet", /^"172\.30\.0\.0" has no prefix length: must be an IPv4 CIDR from \/16 to \/28/],
    ["an SSRF exception with host bits", (c: any) => (c.n8n.ssrfProtection = { allowedIpRanges: ["10.20.0.0/24", "192.168.1.1/16"] }), "n8n.ssrfProtection.allowedIpRanges.1", /^192\.168\.1\.1\/16 has host bits set; the network address is 192\.168\.0\.0\/16$/],
    ["an IPv6 SSRF exception with host bits", (c: any) => (c.n8n.ssrfProtection = { allowedIpRanges: ["fd00:10::1/64"] }), "n8n.ssrfProtection.allowedIpRanges.0", /^fd00:10::1\/64 has host bits set; the network address is fd00:10::\/64$/],
    ["an IPv6 SSRF exception that is not an address", (c: any) => (c.n8n.ssrfProtection = { allowedIpRanges: ["fd00::g/64"] }), "n8n.ssrfProtection.allowedIpRanges.0", /^"fd00::g\/64" is not an IPv6 address with a prefix length: must be an IPv6 CIDR such as fd00:10::\/64$/],
    // Time zones: the runtime's list plus UTC and Etc/UTC, case-sensitive.
    ["an unknown time zone", (c: any) => (c.n8n.timezone = "Europe/Berln"), "n8n.timezone", /^"Europe\/Berln" is not in this runtime's time-zone list \(Intl\.supportedValuesOf\("timeZone"\), plus UTC and Etc\/UTC\); allowed: IANA names such as UTC, Etc\/UTC, Europe\/Berlin, America\/New_York or Asia\/Tokyo$/],
    ["a time zone the old pattern accepted", (c: any) => (c.n8n.timezone = "Mars/Olympus_Mons"), "n8n.timezone", /is not in this runtime's time-zone list/],
    ["a time zone in the wrong case", (c: any) => (c.n8n.timezone = "europe/berlin"), "n8n.timezone", /^"europe\/berlin" is not in .*; did you mean Europe\/Berlin\? \(names are case-sensitive\); allowed: IANA names such as UTC/],
    ["a lower-case utc", (c: any) => (c.n8n.timezone = "utc"), "n8n.timezone", /did you mean UTC\?/],
    // Ids: negative, fractional and out-of-range values name the allowed range.
    ["a negative uid", (c: any) => (c.runAs.uid = -1), "runAs.uid", /^must be a whole number from 1 to 2147483647 \(0 is root: no container reads secrets as root\)$/],
    ["a negative gid", (c: any) => (c.runAs.gid = -1), "runAs.gid", /^must be a whole number from 1 to 2147483647 \(0 is root's group\)$/],
    ["a fractional uid", (c: any) => (c.runAs.uid = 1000.5), "runAs.uid", /^must be a whole number from 1 to 2147483647/],
    ["a uid above 2^31-1", (c: any) => (c.runAs.uid = 2 ** 31), "runAs.uid", /^must be a whole number from 1 to 2147483647/],
    ["a uid written as a string", (c: any) => (c.runAs.uid = "1000"), "runAs.uid", /^must be a whole number from 1 to 2147483647/],
    ["a negative connection limit", (c: any) => (c.postgres.connectionLimit = -1), "postgres.connectionLimit", /^must be a whole number from 5 to 500$/],
    ["a negative execution age", (c: any) => (c.n8n.executionsMaxAgeHours = -1), "n8n.executionsMaxAgeHours", /^must be a whole number from 1 to 8760 \(hours; 8760 is one year\)$/],
    ["a negative rate limit", (c: any) => (c.n8n.webhookRateLimit.burst = -5), "n8n.webhookRateLimit.burst", /^must be a whole number from 1 to 100000$/],
    // secretsDir: relative paths stay inside the repository; absolute ones are deliberate, but not system folders.
    ["a secretsDir that leaves the repository", (c: any) => (c.secretsDir = "../secrets"), "secretsDir", /^"\.\.\/secrets" leaves the repository \(relative paths resolve against the repository root\); use a folder inside it such as \.secrets\/dev, or an absolute path/],
    ["a secretsDir that leaves it halfway", (c: any) => (c.secretsDir = ".secrets/../../x"), "secretsDir", /leaves the repository/],
    ["the repository root as secretsDir", (c: any) => (c.secretsDir = "./"), "secretsDir", /^"\.\/" is the repository root itself; use a folder inside it such as \.secrets\/dev \(git-ignored\)$/],
    ["a secretsDir starting with ~", (c: any) => (c.secretsDir = "~/n8n-secrets"), "secretsDir", /^"~\/n8n-secrets" starts with ~, which nothing expands here; write the absolute path/],
    ["a secretsDir in a system folder", (c: any) => (c.secretsDir = "/etc/n8n-secrets"), "secretsDir", /^"\/etc\/n8n-secrets" is inside the system folder \/etc; use a folder of its own such as/],
    ["a top-level folder as secretsDir", (c: any) => (c.secretsDir = "/tmp"), "secretsDir", /^"\/tmp" is the filesystem root or a top-level folder/],
    ["the filesystem root as secretsDir", (c: any) => (c.secretsDir = "/"), "secretsDir", /is not an absolute path in normal form|filesystem root/],
    ["an absolute secretsDir with ..", (c: any) => (c.secretsDir = "/srv/n8n/../../etc"), "secretsDir", /^"\/srv\/n8n\/\.\.\/\.\.\/etc" is not an absolute path in normal form \(no \. or \.\. segments, no \/\/ and no trailing \/\); write the folder it means$/],
  ])("%s is rejected with a message naming the field", (_label, mutate, field, message) => {
    const found = problems(mutate);
    const hit = found.find((p) => p.field === field);
    expect(hit).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  test.each([
    ["a relative secretsDir inside the repository", (c: any) => (c.secretsDir = ".secrets/tenant-a")],
    ["a relative secretsDir that comes back inside", (c: any) => (c.secretsDir = "config/../.secrets/dev")],
    ["an absolute secretsDir of its own", (c: any) => (c.secretsDir = "/srv/n8n-dev/secrets")],
    ["a secretsDir on a per-user tmpfs", (c: any) => (c.secretsDir = "/run/user/1000/n8n-secrets")],
    ["a CIDR of the whole IPv4 space for SSRF", (c: any) => (c.n8n.ssrfProtection = { allowedIpRanges: ["0.0.0.0/0", "10.255.255.255/32", "fd00::/8"] })],
    ["an edge subnet at the narrowest size", (c: any) => (c.network.edgeSubnet = "172.30.0.240/28")],
    ["Etc/UTC", (c: any) => (c.n8n.timezone = "Etc/UTC")],
    ["a zone from the runtime's list", (c: any) => (c.n8n.timezone = "America/Argentina/Buenos_Aires")],
    ["an IANA name the runtime lists under an older name", (c: any) => (c.n8n.timezone = "Asia/Kolkata")],
  ])("%s is accepted", (_label, mutate) => {
    expect(problems(mutate)).toEqual([]);
  });

  test("the time-zone check follows the runtime's own list", () => {
    const listed = Intl.supportedValuesOf("timeZone");
    expect(listed.length).toBeGreaterThan(300);
    const sample = listed.filter((_, i) => i % 37 === 0);
    for (const zone of sample) expect([zone, problems((c) => (c.n8n.timezone = zone))]).toEqual([zone, []]);
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

  test("strict inputs (host bits, time zone, secretsDir, negative uid) stop main.ts before any stack is written, each named with what is allowed", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cfg-"));
    const raw = rawDevConfig();
    raw.network.edgeSubnet = "10.0.1.5/24";
    raw.n8n.timezone = "Europe/Berln";
    raw.secretsDir = "../../secrets";
    raw.runAs.uid = -1;
    writeFileSync(path.join(dir, "dev.json"), JSON.stringify(raw));
    const out = path.join(dir, "out");
    const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], { cwd: REPO_ROOT, env: { ...process.env, N8N_ZT_CONFIG_DIR: dir, CDKTF_OUTDIR: out }, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("  - network.edgeSubnet: 10.0.1.5/24 has host bits set; the network address is 10.0.1.0/24\n");
    expect(r.stderr).toMatch(/  - n8n\.timezone: "Europe\/Berln" is not in this runtime's time-zone list .*allowed: IANA names such as UTC, Etc\/UTC, Europe\/Berlin/);
    expect(r.stderr).toMatch(/  - secretsDir: "\.\.\/\.\.\/secrets" leaves the repository/);
    expect(r.stderr).toMatch(/  - runAs\.uid: must be a whole number from 1 to 2147483647/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(out, "manifest.json"))).toBe(false);
    expect(existsSync(path.join(out, "stacks")) ? readdirSync(path.join(out, "stacks")) : []).toEqual([]);
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
    ["a VPC too small for the layout", (c: any) => (c.runtimeHost.vpc.cidr = "10.20.0.0/26"), /^runtimeHost\.vpc\.cidr: "10\.20\.0\.0\/26" has the prefix length \/26: must be an IPv4 CIDR from \/16 to \/24/],
    ["a subnet smaller than AWS allows", (c: any) => (c.runtimeHost.vpc.privateSubnets[0].cidr = "10.20.2.0/29"), /^runtimeHost\.vpc\.privateSubnets\.0\.cidr: "10\.20\.2\.0\/29" has the prefix length \/29: must be an IPv4 CIDR from \/16 to \/28/],
    ["a VPC range with host bits", (c: any) => (c.runtimeHost.vpc.cidr = "10.20.1.0/16"), /^runtimeHost\.vpc\.cidr: 10\.20\.1\.0\/16 has host bits set; the network address is 10\.20\.0\.0\/16$/],
    ["a subnet with a leading zero", (c: any) => (c.runtimeHost.vpc.publicSubnet.cidr = "10.20.01.0/24"), /^runtimeHost\.vpc\.publicSubnet\.cidr: "10\.20\.01\.0\/24" has the octet "01" with a leading zero .*; write 10\.20\.1\.0\/24$/],
    ["an existing VPC's subnet with host bits", (c: any) => (c.runtimeHost.vpc = { mode: "existing", vpcId: "vpc-0a1b2c3d4e5f60718", publicSubnet: { id: "subnet-0a1b2c3d4e5f60711", cidr: "10.20.1.0/24" }, privateSubnets: [{ id: "subnet-0a1b2c3d4e5f60712", cidr: "10.20.2.7/24" }], createSecretsManagerEndpoint: true }), /^runtimeHost\.vpc\.privateSubnets\.0\.cidr: 10\.20\.2\.7\/24 has host bits set; the network address is 10\.20\.2\.0\/24$/],
    ["a host address with an octet above 255", (c: any) => (c.runtimeHost.privateIp = "10.20.1.300"), /^runtimeHost\.privateIp: "10\.20\.1\.300" has the octet 300, above 255: each of the four octets is 0 to 255$/],
    ["a host address with a leading zero", (c: any) => (c.runtimeHost.privateIp = "10.20.1.010"), /^runtimeHost\.privateIp: "10\.20\.1\.010" has the octet "010" with a leading zero .*; write 10\.20\.1\.10$/],
    ["a public host address", (c: any) => (c.runtimeHost.privateIp = "8.8.8.8"), /^runtimeHost\.privateIp: "8\.8\.8\.8" must be a private IPv4 address \(10\/8, 172\.16\/12, 192\.168\/16\)$/],
    ["a backup schedule in an unknown time zone", (c: any) => (c.aws.backupSchedule = "*-*-* 02:30:00 Europe/Berln"), /^aws\.backupSchedule: ends in the time zone "Europe\/Berln" is not in this runtime's time-zone list .*allowed: IANA names such as UTC, Etc\/UTC, Europe\/Berlin/],
    ["secrets under /run/ in a path that leaves it", (c: any) => (c.secretsDir = "/run/../etc/n8n"), /^secretsDir: "\/run\/\.\.\/etc\/n8n" is not an absolute path in normal form/],
    ["a negative uid in prod", (c: any) => (c.runAs.uid = -1), /^runAs\.uid: must be a whole number from 1 to 2147483647/],
    ["a negative egress port", (c: any) => (c.runtimeHost.egressTcpPorts = [443, -1]), /^runtimeHost\.egressTcpPorts\.1: must be a whole number from 1 to 65535 \(a TCP port\)$/],
    ["a port above 65535", (c: any) => (c.runtimeHost.egressTcpPorts = [70000]), /^runtimeHost\.egressTcpPorts\.0: must be a whole number from 1 to 65535/],
    ["a negative rotation period", (c: any) => (c.aws.rotationDays = -30), /^aws\.rotationDays: must be a whole number from 1 to 365 \(days\)$/],
    ["an unknown host field", (c: any) => (c.runtimeHost.publicSsh = true), /^runtimeHost\.publicSsh: unknown field; allowed fields here: dockerHost, privateIp, amiId/],
  ])("%s is rejected, naming the field", (_l, mutate, message) => {
    expect(prodProblems(mutate)).toContainEqual(expect.stringMatching(message));
  });
});
