import { App } from "cdktf";
import { AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { ProdConfig, resolveTenants } from "../config/schema";
import { tenantPostgresPort } from "../constructs/app/tenants";
import { loggedServices, RUNTIME_CATALOG, RuntimeCatalog } from "../constructs/app/service-catalog";
import { useS3StateBackend } from "../constructs/common/s3-backend";
import { ProdCloudStack, ProdCloudTenant, ProdHostProps, splitTenantCatalog } from "./prod-cloud-stack";
import { ProdRuntimeStack, RuntimeLogGroups } from "./prod-runtime-stack";
import { catalogFor } from "./queue-mode";

export interface ProdStacks {
  readonly cloud: ProdCloudStack;
  readonly runtime: ProdRuntimeStack;
}

export interface BuildProdOptions {
  /** Stack ids. @default "prod-cloud" and "prod-runtime" */
  readonly cloudId?: string;
  readonly runtimeId?: string;
  /** Put both stacks' state in the config's S3 backend. @default true */
  readonly s3Backend?: boolean;
  /** Only for tests (offline plans): extra AWS provider settings. */
  readonly providerOverrides?: Partial<AwsProviderConfig>;
  /** The runtime's services, for both stacks (see `extendCatalog`). @default RUNTIME_CATALOG */
  readonly catalog?: RuntimeCatalog;
}

/** The deploy user of `ssh://user@host`. */
export function deployUserOf(dockerHost: string): string {
  const user = /^ssh:\/\/([^@]+)@/.exec(dockerHost)?.[1];
  if (!user) throw new Error(`runtimeHost.dockerHost "${dockerHost}" has no user (validated by prodConfigSchema)`);
  return user;
}

/** The Docker host's props for prod-cloud, from the prod config. */
export function prodHostProps(prod: ProdConfig): ProdHostProps {
  const h = prod.runtimeHost;
  const vpc = h.vpc;
  return {
    network:
      vpc.mode === "create"
        ? { create: { cidr: vpc.cidr, publicSubnet: vpc.publicSubnet, privateSubnets: vpc.privateSubnets } }
        : {
            existing: {
              vpcId: vpc.vpcId,
              publicSubnet: vpc.publicSubnet,
              privateSubnets: vpc.privateSubnets,
              routeTableIds: vpc.routeTableIds,
              createSecretsManagerEndpoint: vpc.createSecretsManagerEndpoint,
              secretsManagerEndpointCidrs: vpc.secretsManagerEndpointCidrs,
            },
          },
    privateIp: h.privateIp,
    amiId: h.amiId,
    instanceType: h.instanceType,
    rootVolumeGb: h.rootVolumeGb,
    egressTcpPorts: h.egressTcpPorts,
    agent: {
      secretsDir: prod.secretsDir,
      owner: prod.runAs,
      runtimePrefix: prod.name,
      intervalMinutes: h.secretsRefreshMinutes,
      deployUser: deployUserOf(h.dockerHost),
      sshAuthorizedKeys: h.sshAuthorizedKeys,
      acmeStorageDir: h.acmeStorageDir,
      backup: { database: prod.postgres.database, onCalendar: prod.aws.backupSchedule },
    },
  };
}

/** The prod config's tenants as prod-cloud needs them (none: single tenant). Postgres ports by position from 5432. */
export function prodCloudTenants(prod: ProdConfig): ProdCloudTenant[] {
  // prod's secretsDir is absolute: the repository root does not matter.
  return resolveTenants(prod, "/").map((t, i) => ({ id: t.id, dockerPrefix: t.prefix, database: t.postgres.database, postgresPort: tenantPostgresPort(5432, i) }));
}

/**
 * Both production stacks from one validated prod config: `prod-cloud` (AWS: key, secrets, logs,
 * alarms, backups, rotation, the Docker host and its network) and `prod-runtime` (the containers
 * on that host), which reads prod-cloud's log groups by cross-stack reference. Both keep their
 * state in the config's S3 backend (encrypted, with a lock file). main.ts and the tests use this,
 * so what is tested is what is deployed.
 */
export function buildProdStacks(app: App, prod: ProdConfig, opts: BuildProdOptions = {}): ProdStacks {
  const catalog = catalogFor(prod, opts.catalog ?? RUNTIME_CATALOG);
  const tenants = prodCloudTenants(prod);
  const cloud = new ProdCloudStack(app, opts.cloudId ?? "prod-cloud", {
    environment: { accountId: prod.aws.accountId, region: prod.aws.region },
    namePrefix: prod.aws.namePrefix,
    alarmEmails: prod.aws.alarmEmails,
    logRetentionDays: prod.aws.logRetentionDays,
    operatorRoleArns: prod.aws.operatorRoleArns,
    backupBucketName: prod.aws.backupBucketName,
    backupRetentionLockDays: prod.aws.backupRetentionLockDays,
    backupRetentionDays: prod.aws.backupRetentionDays,
    providerOverrides: opts.providerOverrides,
    rotation: { scheduleDays: prod.aws.rotationDays, postgresCaPem: prod.aws.postgresCaPem },
    host: prodHostProps(prod),
    catalog,
    tenants: tenants.length > 0 ? tenants : undefined,
  });
  // Attributes of the log-group resources (not the literal names), so prod-runtime reads them from
  // prod-cloud's outputs: the runtime cannot be deployed before its log groups exist.
  const split = splitTenantCatalog(catalog);
  const shared = tenants.length > 0 ? split.shared : catalog;
  const logGroups: RuntimeLogGroups = Object.fromEntries(loggedServices(shared).map((s) => [s.logKey, cloud.logGroups[s.logKey].logGroup.name]));
  // Each tenant's services log to its own groups, on its own key.
  const tenantLogGroups: Record<string, RuntimeLogGroups> | undefined =
    tenants.length > 0 ? Object.fromEntries(cloud.tenants.map((t) => [t.tenantId, Object.fromEntries(loggedServices(split.tenant).map((s) => [s.logKey, t.logGroups[s.logKey].logGroup.name]))])) : undefined;
  const runtime = new ProdRuntimeStack(app, opts.runtimeId ?? "prod-runtime", { config: prod, logGroups, region: prod.aws.region, catalog, ...(tenantLogGroups ? { tenantLogGroups } : {}) });
  if (opts.s3Backend ?? true) {
    useS3StateBackend(cloud, prod.backend);
    useS3StateBackend(runtime, prod.backend);
  }
  return { cloud, runtime };
}
