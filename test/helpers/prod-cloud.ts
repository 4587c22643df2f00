import { readFileSync } from "node:fs";
import path from "node:path";
import { App, Testing } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { buildProdStacks } from "../../stacks/prod";
import { ProdCloudStack, ProdCloudStackProps, ProdHostProps } from "../../stacks/prod-cloud-stack";
import { OFFLINE_AWS_PROVIDER } from "../../scripts/lib/terraform";
import { prodEcsConfigSchema } from "../../config/prod-ecs-schema";
import { buildProdEcsStack } from "../../stacks/prod-ecs";
import { applyZeroTrustPolicy } from "../../constructs/policy/aspect";

export const TEST_ENV = { accountId: "123456789012", region: "eu-central-1" };

/** Settings only tests use: fake credentials, and no call to AWS during plan. */
/** Fake credentials and the skip_* switches: the same settings npm run plan uses. */
export const OFFLINE_PROVIDER = OFFLINE_AWS_PROVIDER;

/** A Docker host in a new VPC, as config/prod.example.json describes it. */
export const TEST_HOST: ProdHostProps = {
  network: {
    create: {
      cidr: "10.20.0.0/16",
      publicSubnet: { cidr: "10.20.1.0/24", availabilityZone: "eu-central-1a" },
      privateSubnets: [
        { cidr: "10.20.2.0/24", availabilityZone: "eu-central-1a" },
        { cidr: "10.20.3.0/24", availabilityZone: "eu-central-1b" },
      ],
    },
  },
  privateIp: "10.20.1.10",
  amiId: "ami-0123456789abcdef0",
  agent: {
    secretsDir: "/run/n8n-secrets",
    owner: { uid: 1000, gid: 1000 },
    runtimePrefix: "n8n",
    deployUser: "n8n",
    acmeStorageDir: "/var/lib/n8n-zero-trust/acme",
    backup: { database: "n8n" },
  },
};

export function prodCloudProps(overrides: Partial<ProdCloudStackProps> = {}): ProdCloudStackProps {
  return {
    environment: TEST_ENV,
    namePrefix: "n8n-prod",
    alarmEmails: ["ops@example.com"],
    operatorRoleArns: ["arn:aws:iam::123456789012:role/platform-admin"],
    backupBucketName: "example-n8n-prod-backups",
    ...overrides,
  };
}

export function synthProdCloud(overrides: Partial<ProdCloudStackProps> = {}): { json: any; text: string } {
  const app = Testing.app();
  const stack = new ProdCloudStack(app, "prod-cloud", prodCloudProps(overrides));
  const text = Testing.synth(stack);
  return { json: JSON.parse(text), text };
}

/** Full synthesis into a folder (for terraform), with the offline provider settings. */
export function synthProdCloudToDir(outdir: string, overrides: Partial<ProdCloudStackProps> = {}): string {
  const app = new App({ outdir, skipValidation: false });
  new ProdCloudStack(app, "prod-cloud", prodCloudProps({ providerOverrides: OFFLINE_PROVIDER, ...overrides }));
  app.synth();
  return `${outdir}/stacks/prod-cloud`;
}

/**
 * prod-cloud exactly as main.ts builds it from config/prod.example.json (buildProdStacks), with the
 * offline provider settings and no S3 backend (terraform init must not reach S3). Returns the stack folder.
 */
export function synthProdFromExampleConfigToDir(outdir: string, example = "prod.example.json"): string {
  const file = path.join(__dirname, "..", "..", "config", example);
  const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(file, "utf8")), file);
  const app = new App({ outdir, skipValidation: false });
  const { cloud } = buildProdStacks(app, config, { s3Backend: false, providerOverrides: OFFLINE_PROVIDER });
  app.synth();
  return `${outdir}/stacks/${cloud.node.id}`;
}

/**
 * prod-ecs exactly as main.ts builds it from config/prod-ecs.example.json (buildProdEcsStack), with
 * the offline provider settings and no S3 backend. Returns the stack folder.
 */
export function synthProdEcsFromExampleConfigToDir(outdir: string): string {
  const file = path.join(__dirname, "..", "..", "config", "prod-ecs.example.json");
  const config = parseConfig(prodEcsConfigSchema, JSON.parse(readFileSync(file, "utf8")), file);
  const app = new App({ outdir, skipValidation: false });
  const stack = buildProdEcsStack(app, config, { s3Backend: false, providerOverrides: OFFLINE_PROVIDER });
  applyZeroTrustPolicy(stack);
  app.synth();
  return `${outdir}/stacks/${stack.node.id}`;
}
