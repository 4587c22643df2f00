import { readFileSync } from "node:fs";
import path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { DockerHost } from "../../constructs/aws/docker-host";
import { EncryptedBucket } from "../../constructs/aws/encrypted-bucket";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { CONNECTION_LIMIT, EXECUTIONS_MAX_AGE_HOURS, MEMORY_MB, ROOT_VOLUME_GB, SECRETS_REFRESH_MINUTES, SERVICE_MEMORY_MB, WEBHOOK_RATE_LIMIT } from "../../constructs/common/bounds";
import { CONTAINER_LIMITS, N8N_DEFAULTS, SSO_DEFAULTS } from "../../constructs/common/defaults";
import { HardenedContainer } from "../../constructs/common/hardened-container";
import { postgresBootstrapProblems, renderPostgresBootstrap } from "../../constructs/data/postgres-bootstrap";
import { OAuth2Proxy } from "../../constructs/edge/oauth2-proxy";
import { DockerSocketProxy } from "../../constructs/edge/socket-proxy";
import { Traefik } from "../../constructs/edge/traefik";
import { hostUserData } from "../../constructs/host/user-data";
import { SegmentedNetworks } from "../../constructs/network/segmented-networks";
import { N8n } from "../../constructs/app/n8n";
import { REPO_ROOT } from "../helpers/synth";
import { problemFields } from "../helpers/validation";

/*
 * One table per rule, driven through both places that take the value: the config schema (a
 * field of config/prod.example.json) and the construct or renderer the field feeds. Both must
 * refuse every bad value and accept every good one, because both import the rule from
 * constructs/common (patterns, bounds, defaults).
 */

const rawProd = (): Record<string, any> => JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8"));

/** The config fields `mutate` makes invalid (empty when the config is valid). */
function configFields(mutate: (c: Record<string, any>) => void): string[] {
  const raw = rawProd();
  mutate(raw);
  return problemFields(() => parseConfig(prodConfigSchema, raw, "prod"));
}

/** The prop fields a construct refuses (empty when it accepts them). */
const constructFields = problemFields;

const stack = () => new TerraformStack(Testing.app(), "t");
const networksIn = (s: TerraformStack) => new SegmentedNetworks(s, "Net", { prefix: "t" });
const container = (props: { memoryMb: number; cpus?: string }) => {
  const s = stack();
  new HardenedContainer(s, "C", { name: "t-c", image: "alpine:3.22.1", networks: [{ network: networksIn(s).app }], healthcheck: { test: ["CMD", "true"] }, ...props });
};
const key = (s: TerraformStack, region = "eu-central-1", accountId = "123456789012") => new CustomerManagedKey(s, "Key", { environment: { accountId, region }, alias: "t-key" });
const host = (props: { amiId?: string; instanceType?: string; rootVolumeGb?: number }) => {
  const s = stack();
  new DockerHost(s, "Host", {
    name: "t-host",
    key: key(s),
    roleName: "t-host",
    vpcId: "vpc-0a1b2c3d4e5f60718",
    subnet: { id: "subnet-0a1b2c3d4e5f60711", cidr: "10.20.1.0/24" },
    privateIp: "10.20.1.10",
    amiId: props.amiId ?? "ami-0123456789abcdef0",
    instanceType: props.instanceType,
    rootVolumeGb: props.rootVolumeGb,
    userData: "#cloud-config\n",
    postgresClientSecurityGroupIds: ["sg-0123456789abcdef0"],
  });
};
const bootstrap = (connectionLimit: number) =>
  renderPostgresBootstrap({ database: "n8n", schema: "n8n", n8nRole: "n8n", reportingRole: "n8n_reporting", agentSchema: "agent_data", agentRole: "n8n_agent", connectionLimit });
const agent = (props: { region?: string; intervalMinutes?: number; sshAuthorizedKeys?: string[]; acmeStorageDir?: string }) =>
  hostUserData({ region: props.region ?? "eu-central-1", secretsDir: "/run/n8n-secrets", owner: { uid: 10001, gid: 10001 }, secrets: [{ secretId: "n8n-prod/x", files: [{ name: "x" }], restart: [] }], acmeStorageDir: props.acmeStorageDir ?? "/var/lib/n8n-zero-trust/acme", intervalMinutes: props.intervalMinutes, sshAuthorizedKeys: props.sshAuthorizedKeys });
const edge = (s: TerraformStack) => {
  const networks = networksIn(s);
  const socketProxy = new DockerSocketProxy(s, "SocketProxy", { networks, image: "lscr.io/linuxserver/socket-proxy:3.4.3" });
  const traefik = new Traefik(s, "Traefik", { networks, socketProxy, image: "traefik:v3.7.13", tls: { mode: "local", secretsDir: "/srv/s" }, runAs: { uid: 1000, gid: 1000 } });
  return { networks, traefik };
};
const acmeTraefik = (storageHostDir: string) => {
  const s = stack();
  const networks = networksIn(s);
  const socketProxy = new DockerSocketProxy(s, "SocketProxy", { networks, image: "lscr.io/linuxserver/socket-proxy:3.4.3" });
  return new Traefik(s, "Traefik", { networks, socketProxy, image: "traefik:v3.7.13", tls: { mode: "acme", email: "ops@example.com", storageHostDir }, runAs: { uid: 1000, gid: 1000 } });
};
const sso = (props: { clientId?: string; allowedGroups?: string[] }) => {
  const s = stack();
  const { networks, traefik } = edge(s);
  new OAuth2Proxy(s, "Sso", {
    networks,
    traefik,
    image: "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3-alpine",
    issuerUrl: "https://login.example.com",
    clientId: props.clientId ?? "n8n",
    protectedHost: "n8n.example.com",
    allowedEmailDomains: ["example.com"],
    allowedGroups: props.allowedGroups ?? [],
    secretsDir: "/srv/s",
    runAs: { uid: 1000, gid: 1000 },
  });
};
const n8n = (props: { webhookRateLimit?: { average: number; burst: number; periodSeconds: number }; executionsMaxAgeHours?: number }) => {
  const s = stack();
  const { networks, traefik } = edge(s);
  new N8n(s, "N8n", {
    networks,
    traefik,
    ssoMiddleware: "t-sso@docker",
    image: "docker.n8n.io/n8nio/n8n:2.41.3",
    runnersImage: "n8nio/runners:2.41.3",
    host: "n8n.example.com",
    database: { host: "t-postgres", database: "n8n", schema: "n8n", user: "n8n" },
    secretsDir: "/srv/s",
    runAs: { uid: 1000, gid: 1000 },
    ...props,
  });
};
/** Moves the example's availability zones into `region` (they must lie in aws.region). */
const inRegion = (c: Record<string, any>, region: string) => {
  const vpc = c.runtimeHost.vpc;
  for (const subnet of [vpc.publicSubnet, ...vpc.privateSubnets]) if (subnet.availabilityZone) subnet.availabilityZone = `${region}${subnet.availabilityZone.slice(-1)}`;
};
const rate = (k: keyof typeof WEBHOOK_RATE_LIMIT, v: number) => ({ ...N8N_DEFAULTS.webhookRateLimit, [k]: v });

interface SharedRule<T> {
  /** Sets the value in the config; the field the schema must name. */
  readonly config: [string, (c: Record<string, any>, v: T) => void];
  /** Builds the construct with the value; the prop the construct must name. */
  readonly construct: [string, (v: T) => unknown];
  readonly bad: T[];
  readonly good: T[];
}

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0mV9c3n6Jm0cP1pP6aG8b3y7H5k3d0Qm1m2n3o4p5 ops@example.com";

const RULES: Record<string, SharedRule<any>> = {
  "memory minimum (MEMORY_MB.min, the intended change: 32 MiB in both)": {
    config: ["resources.traefik.memoryMb", (c, v) => (c.resources.traefik.memoryMb = v)],
    construct: ["memoryMb", (v) => container({ memoryMb: v })],
    bad: [0, 16, MEMORY_MB.min - 1, 64.5],
    good: [MEMORY_MB.min, SERVICE_MEMORY_MB.traefik.max],
  },
  "CPU limit (CPUS)": {
    config: ["resources.n8n.cpus", (c, v) => (c.resources.n8n.cpus = v)],
    construct: ["cpus", (v) => container({ memoryMb: 64, cpus: v })],
    bad: ["0", "0.001", "100", "lots", "-1"],
    good: ["0.01", "0.5", "1", "2.25", "99"],
  },
  "connection limit (CONNECTION_LIMIT)": {
    config: ["postgres.connectionLimit", (c, v) => (c.postgres.connectionLimit = v)],
    construct: ["connectionLimit", (v) => bootstrap(v)],
    bad: [-1, 0, CONNECTION_LIMIT.min - 1, CONNECTION_LIMIT.max + 1, 1000],
    good: [CONNECTION_LIMIT.min, 40, CONNECTION_LIMIT.max],
  },
  "execution data age (EXECUTIONS_MAX_AGE_HOURS)": {
    config: ["n8n.executionsMaxAgeHours", (c, v) => (c.n8n.executionsMaxAgeHours = v)],
    construct: ["executionsMaxAgeHours", (v) => n8n({ executionsMaxAgeHours: v })],
    bad: [0, EXECUTIONS_MAX_AGE_HOURS.max + 1, 1.5],
    good: [1, 336, EXECUTIONS_MAX_AGE_HOURS.max],
  },
  ...Object.fromEntries(
    (["average", "burst", "periodSeconds"] as const).map((k) => [
      `public rate limit ${k} (WEBHOOK_RATE_LIMIT.${k})`,
      {
        config: [`n8n.webhookRateLimit.${k}`, (c: any, v: number) => (c.n8n.webhookRateLimit = rate(k, v))],
        construct: [`webhookRateLimit.${k}`, (v: number) => n8n({ webhookRateLimit: rate(k, v) })],
        bad: [0, WEBHOOK_RATE_LIMIT[k].max + 1],
        good: [WEBHOOK_RATE_LIMIT[k].min, WEBHOOK_RATE_LIMIT[k].max],
      },
    ]),
  ),
  "AWS region (AWS_REGION): the KMS key": {
    config: ["aws.region", (c, v) => ((c.aws.region = v), inRegion(c, v))],
    construct: ["environment.region", (v) => key(stack(), v)],
    bad: ["eu-central", "Frankfurt", "us-iso-east-1", "eu-central-10"],
    good: ["eu-central-1", "us-gov-west-1", "cn-north-1"],
  },
  "AWS region (AWS_REGION): the host's secrets agent (intended change: it took regions the config refuses)": {
    config: ["backend.region", (c, v) => (c.backend.region = v)],
    construct: ["region", (v) => agent({ region: v })],
    bad: ["eu-central", "us-iso-east-1", "eu-central-10"],
    good: ["eu-central-1", "us-gov-west-1"],
  },
  "AWS account id (AWS_ACCOUNT_ID)": {
    config: ["aws.accountId", (c, v) => (c.aws.accountId = v)],
    construct: ["environment.accountId", (v) => key(stack(), "eu-central-1", v)],
    bad: ["12345678901", "1234567890123", "12345678901a"],
    good: ["123456789012"],
  },
  "S3 bucket name (S3_BUCKET_NAME; intended change: the config refuses what S3 refuses)": {
    config: ["aws.backupBucketName", (c, v) => (c.aws.backupBucketName = v)],
    construct: ["bucketName", (v) => new EncryptedBucket(stack(), "B", { bucketName: v, key: key(stack()) })],
    bad: ["192.168.1.10", "a..b", "xn--bucket", "my-bucket-s3alias", "UPPER", "ab"],
    good: ["n8n-prod-backups", "a.b-c"],
  },
  "AMI id (AMI_ID)": {
    config: ["runtimeHost.amiId", (c, v) => (c.runtimeHost.amiId = v)],
    construct: ["amiId", (v) => host({ amiId: v })],
    bad: ["ami-123", "ami-0123456789ABCDEF0", "0123456789abcdef0"],
    good: ["ami-0123456789abcdef0", "ami-01234567"],
  },
  "instance type (INSTANCE_TYPE)": {
    config: ["runtimeHost.instanceType", (c, v) => (c.runtimeHost.instanceType = v)],
    construct: ["instanceType", (v) => host({ instanceType: v })],
    bad: ["t3", "T3.large", "t3.large "],
    good: ["t3.large", "m7g.xlarge"],
  },
  "root volume (ROOT_VOLUME_GB)": {
    config: ["runtimeHost.rootVolumeGb", (c, v) => (c.runtimeHost.rootVolumeGb = v)],
    construct: ["rootVolumeGb", (v) => host({ rootVolumeGb: v })],
    bad: [ROOT_VOLUME_GB.min - 1, ROOT_VOLUME_GB.max + 1, 40.5],
    good: [ROOT_VOLUME_GB.min, ROOT_VOLUME_GB.max],
  },
  "secrets refresh (SECRETS_REFRESH_MINUTES; intended change: the agent took up to 1440)": {
    config: ["runtimeHost.secretsRefreshMinutes", (c, v) => (c.runtimeHost.secretsRefreshMinutes = v)],
    construct: ["intervalMinutes", (v) => agent({ intervalMinutes: v })],
    bad: [0, SECRETS_REFRESH_MINUTES.max + 1, 1440],
    good: [1, SECRETS_REFRESH_MINUTES.max],
  },
  "SSH public key (SSH_PUBLIC_KEY)": {
    config: ["runtimeHost.sshAuthorizedKeys.0", (c, v) => (c.runtimeHost.sshAuthorizedKeys = [v])],
    construct: ["sshAuthorizedKeys[0]", (v) => agent({ sshAuthorizedKeys: [v] })],
    bad: ["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7", "ssh-ed25519", `${KEY}\nssh-ed25519 AAAA`],
    good: [KEY, "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY="],
  },
  "ACME storage folder (HOST_DIR, persistentHostDirProblem; intended: the config and Traefik took any absolute path): the host agent": {
    config: ["runtimeHost.acmeStorageDir", (c, v) => (c.runtimeHost.acmeStorageDir = v)],
    construct: ["acmeStorageDir", (v) => agent({ acmeStorageDir: v })],
    bad: ["var/lib/acme", "/var/lib/../acme", "/var/lib/.acme", "/var//lib", "/var/lib/acme/", "/run/acme", "/tmp/acme", `/${"a".repeat(200)}`],
    good: ["/var/lib/n8n-zero-trust/acme", "/srv/team-a/acme_2"],
  },
  "ACME storage folder: Traefik's storage mount": {
    config: ["runtimeHost.acmeStorageDir", (c, v) => (c.runtimeHost.acmeStorageDir = v)],
    construct: ["tls.storageHostDir", (v) => acmeTraefik(v)],
    bad: ["var/lib/acme", "/var/lib/../acme", "/var/lib/.acme", "/var//lib", "/var/lib/acme/", "/run/acme", "/tmp/acme", `/${"a".repeat(200)}`],
    good: ["/var/lib/n8n-zero-trust/acme", "/srv/team-a/acme_2"],
  },
  "OIDC client id (OIDC_CLIENT_ID)": {
    config: ["sso.clientId", (c, v) => (c.sso.clientId = v)],
    construct: ["clientId", (v) => sso({ clientId: v })],
    bad: ["", "n8n client", "x".repeat(129)],
    good: ["n8n", "n8n-oauth2-proxy", "urn:n8n.example"],
  },
  "SSO group (SSO_GROUP)": {
    config: ["sso.allowedGroups.0", (c, v) => (c.sso.allowedGroups = [v])],
    construct: ["allowedGroups", (v) => sso({ allowedGroups: [v] })],
    bad: ["ops team", "ops,admins", ""],
    good: ["ops", "org:team/n8n-admins"],
  },
};

describe("one rule, two places: the config schema and the construct refuse the same values", () => {
  describe.each(Object.entries(RULES))("%s", (_name, r) => {
    const [field, set] = r.config;
    const [prop, build] = r.construct;
    test.each(r.bad.map((v) => [JSON.stringify(v), v]))("refuses %s", (_label, v) => {
      expect(configFields((c) => set(c, v))).toContain(field);
      expect(constructFields(() => build(v))).toContain(prop);
    });
    test.each(r.good.map((v) => [JSON.stringify(v), v]))("accepts %s", (_label, v) => {
      expect(configFields((c) => set(c, v))).toEqual([]);
      expect(constructFields(() => build(v))).toEqual([]);
    });
  });

  test("the memory minimum is MEMORY_MB.min for every service in the config and for any container", () => {
    for (const b of Object.values(SERVICE_MEMORY_MB)) expect(b.min).toBe(MEMORY_MB.min);
    expect(MEMORY_MB.min).toBe(32);
  });
});

describe("the Postgres role model: the config refuses what the bootstrap refuses, by the same field", () => {
  const postgres = () => rawProd().postgres as Record<string, any>;
  test.each([
    ["a reserved role", { reportingRole: "pg_monitor" }, "reportingRole"],
    ["the bootstrap superuser as a role", { agentRole: "postgres" }, "agentRole"],
    ["two roles alike", { agentRole: "n8n" }, "agentRole"],
    ["a role whose owner role would not fit in 63 bytes", { n8nRole: "n".repeat(58) }, "n8nRole"],
    ["the public schema", { schema: "public" }, "schema"],
    ["a system schema", { agentSchema: "pg_catalog" }, "agentSchema"],
    ["one schema for both", { agentSchema: "n8n", schema: "n8n" }, "agentSchema"],
    ["the maintenance database", { database: "postgres" }, "database"],
  ])("%s", (_what, change, field) => {
    expect(postgresBootstrapProblems({ ...postgres(), ...change } as any).map((p) => p.field)).toContain(field);
    expect(configFields((c) => Object.assign(c.postgres, change))).toContain(`postgres.${field}`);
  });

  test("the example's role model passes both", () => {
    expect(postgresBootstrapProblems(postgres() as any)).toEqual([]);
    expect(configFields(() => undefined)).toEqual([]);
  });
});

describe("one default, two places: the parsed config says what the constructs would apply", () => {
  const parsed = () => {
    const raw = rawProd();
    delete raw.resources;
    delete raw.sso.cookieExpire;
    delete raw.sso.cookieRefresh;
    delete raw.n8n;
    return parseConfig(prodConfigSchema, raw, "prod");
  };

  test("resources, SSO session and n8n settings left out of the config are the constructs' defaults", () => {
    const c = parsed();
    expect(c.resources).toEqual(CONTAINER_LIMITS);
    expect([c.sso.cookieExpire, c.sso.cookieRefresh, c.sso.offlineAccess]).toEqual([SSO_DEFAULTS.cookieExpire, SSO_DEFAULTS.cookieRefresh, SSO_DEFAULTS.offlineAccess]);
    expect(c.n8n).toMatchObject({ timezone: N8N_DEFAULTS.timezone, executionsMaxAgeHours: N8N_DEFAULTS.executionsMaxAgeHours, publicPaths: N8N_DEFAULTS.publicPaths, webhookRateLimit: N8N_DEFAULTS.webhookRateLimit, logLevel: N8N_DEFAULTS.logLevel });
  });

  test("parsing never hands out the shared default objects (a caller mutating its config cannot change a construct's default)", () => {
    const c = parsed();
    expect(c.resources.traefik).not.toBe(CONTAINER_LIMITS.traefik);
    expect(c.n8n.publicPaths).not.toBe(N8N_DEFAULTS.publicPaths);
  });
});
