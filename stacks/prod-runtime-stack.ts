import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { ProdConfig } from "../config/schema";
import { ContainerLogging } from "../constructs/common/hardened-container";
import { N8nRuntime } from "../constructs/app/n8n-runtime";
import { loggedServices, RUNTIME_CATALOG, RuntimeCatalog } from "../constructs/app/service-catalog";
import { PostgresBootstrapProps } from "../constructs/data/postgres-bootstrap";
import { queuePropsFor } from "./queue-mode";

/** Log group names by the services' `logKey` (from prod-cloud: cross-stack references). */
export type RuntimeLogGroups = Readonly<Record<string, string>>;

export interface ProdRuntimeStackProps {
  /** Validated prod config. */
  readonly config: ProdConfig;
  /** CloudWatch log group of every logged service of the catalog, by `logKey`, e.g. `prodCloud.logGroups.traefik.logGroup.name`. */
  readonly logGroups: RuntimeLogGroups;
  /** Region of the log groups. */
  readonly region: string;
  /** The runtime's services (see `extendCatalog`). @default RUNTIME_CATALOG */
  readonly catalog?: RuntimeCatalog;
}

/**
 * prod's Postgres bootstrap: rotation by alternating login roles, and a rotator role that may log
 * in from the private subnets (where the rotation function runs). `npm run db:bootstrap:print --
 * --config config/prod.json` prints the same.
 */
export function prodPostgresBootstrap(c: ProdConfig): PostgresBootstrapProps {
  return { ...c.postgres, alternateLoginRole: true, rotatorRole: `${c.postgres.n8nRole}_rotator`, rotatorCidrs: c.runtimeHost.vpc.privateSubnets.map((s) => s.cidr) };
}

/**
 * `prod-runtime`: the same runtime as `dev` on the prod Docker host, with prod options: ACME
 * certificates, the organisation's OIDC issuer, secrets read from the tmpfs the host agent fills
 * from Secrets Manager, logs to the KMS-encrypted CloudWatch log groups of `prod-cloud` through the
 * awslogs driver, n8n's database login read from files (rotation by alternating users), and
 * Postgres published on the host's private address for the rotation function only.
 * Composition only; resource details live in constructs/.
 */
export class ProdRuntimeStack extends TerraformStack {
  public readonly runtime: N8nRuntime;

  constructor(scope: Construct, id: string, props: ProdRuntimeStackProps) {
    super(scope, id);
    const c = props.config;
    if (c.tls.mode !== "acme" || c.sso.provider !== "oidc" || !c.sso.issuerUrl) {
      throw new Error("prod-runtime needs tls.mode acme and an oidc issuer (validated by prodConfigSchema)");
    }
    new DockerProvider(this, "docker", { host: c.runtimeHost.dockerHost });

    const catalog = props.catalog ?? RUNTIME_CATALOG;
    const missing = loggedServices(catalog).filter((s) => props.logGroups[s.logKey] === undefined);
    if (missing.length > 0) throw new Error(`prod-runtime: logGroups has no log group for ${missing.map((s) => `"${s.logKey}"`).join(", ")}`);
    const logging: Record<string, ContainerLogging> = Object.fromEntries(
      loggedServices(catalog).map((service) => [
        service.id,
        {
          driver: "awslogs",
          options: {
            "awslogs-region": props.region,
            "awslogs-group": props.logGroups[service.logKey],
            "awslogs-stream": `${c.name}-${service.logKey}`,
            // Never block a container on CloudWatch; drop (and count) instead.
            mode: "non-blocking",
            "max-buffer-size": "8m",
          },
        } satisfies ContainerLogging,
      ]),
    );

    this.runtime = new N8nRuntime(this, "Runtime", {
      prefix: c.name,
      n8nHost: `${c.hosts.n8n}.${c.domain}`,
      secretsDir: c.secretsDir,
      runAs: c.runAs,
      edgeSubnet: c.network.edgeSubnet,
      bindAddress: c.network.bindAddress,
      dockerSocketPath: c.dockerSocket,
      tls: { mode: "acme", email: c.tls.email, caServer: c.tls.caServer, challenge: c.tls.challenge, storageHostDir: c.runtimeHost.acmeStorageDir },
      sso: {
        issuerUrl: c.sso.issuerUrl,
        clientId: c.sso.clientId,
        allowedEmailDomains: c.sso.allowedEmailDomains,
        allowedGroups: c.sso.allowedGroups,
        cookieExpire: c.sso.cookieExpire,
        cookieRefresh: c.sso.cookieRefresh,
        offlineAccess: c.sso.offlineAccess,
      },
      images: c.images,
      limits: c.resources,
      n8n: c.n8n,
      postgres: prodPostgresBootstrap(c),
      logging,
      catalog,
      queue: queuePropsFor(c),
      databaseUserFromFile: true,
      postgresPrivateHostBinding: {
        ip: c.runtimeHost.privateIp,
        reason: "the rotation Lambda reaches Postgres on the host's private address; the host security group admits only the function's security group",
      },
    });
  }
}
