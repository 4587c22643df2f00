import { Construct } from "constructs";
import { LocalBackend, TerraformOutput } from "cdktf";
import { SelfContainedStack } from "../constructs/common/self-contained-stack";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { DevConfig, resolveRuntime, resolveTenants } from "../config/schema";
import { MultiTenantRuntime } from "../constructs/app/multi-tenant-runtime";
import { N8nRuntime } from "../constructs/app/n8n-runtime";
import { RuntimeCatalog } from "../constructs/app/service-catalog";
import { localStatePath } from "./local-state";
import { catalogFor, queuePropsFor } from "./queue-mode";

export interface DevStackProps {
  /** Validated dev config (`config/dev.json`). */
  readonly config: DevConfig;
  /** Repository root: relative paths in the config (secretsDir) resolve against it. */
  readonly repoRoot: string;
  /** The runtime's services (see `extendCatalog`). @default RUNTIME_CATALOG */
  readonly catalog?: RuntimeCatalog;
}

/**
 * `dev`: the whole runtime on the local Docker engine with a local OIDC IdP, local TLS and a
 * local Terraform backend. Composition only; every resource detail lives in constructs/.
 */
export class DevStack extends SelfContainedStack {
  /** With `tenants` in the config: the shared edge and every tenant's runtime. @default - none (single tenant) */
  public readonly multiTenant?: MultiTenantRuntime;
  private readonly single?: N8nRuntime;

  constructor(scope: Construct, id: string, props: DevStackProps) {
    super(scope, id);
    const c = props.config;
    const rt = resolveRuntime(c, props.repoRoot);

    new LocalBackend(this, { path: localStatePath(id) });
    // With config.dockerSocket, Terraform talks to the same engine whose socket the proxy mounts;
    // without it, the provider follows DOCKER_HOST like the docker CLI.
    new DockerProvider(this, "docker", c.dockerSocket ? { host: `unix://${c.dockerSocket}` } : {});

    if ((c.tenants ?? []).length > 0) {
      this.multiTenant = this.buildTenants(c, props.repoRoot);
      return;
    }
    this.single = new N8nRuntime(this, "Runtime", {
      prefix: c.name,
      n8nHost: rt.n8nHost,
      secretsDir: rt.secretsDir,
      runAs: c.runAs,
      edgeSubnet: c.network.edgeSubnet,
      // dev publishes on loopback unless the config says otherwise: a laptop's LAN must not reach
      // the IdP or the public webhooks.
      bindAddress: c.network.bindAddress ?? "127.0.0.1",
      dockerSocketPath: c.dockerSocket,
      tls: c.tls.mode === "local" ? { mode: "local" } : { ...c.tls, storageHostDir: `${rt.secretsDir}/acme` },
      sso: {
        issuerUrl: rt.issuerUrl,
        clientId: c.sso.clientId,
        allowedEmailDomains: c.sso.allowedEmailDomains,
        allowedGroups: c.sso.allowedGroups,
        cookieExpire: c.sso.cookieExpire,
        cookieRefresh: c.sso.cookieRefresh,
        offlineAccess: c.sso.offlineAccess,
      },
      devIdp: c.sso.provider === "local-dex" && c.images.dex ? { host: rt.authHost, image: c.images.dex, limits: c.resources.dex } : undefined,
      images: c.images,
      limits: c.resources,
      n8n: c.n8n,
      postgres: c.postgres,
      requireSecretFilesAtPlan: true,
      catalog: c.n8n.mode === "queue" ? catalogFor(c, props.catalog) : props.catalog,
      queue: queuePropsFor(c),
    });

    new TerraformOutput(this, "n8n_url", { value: `https://${rt.n8nHost}/`, description: "n8n editor (SSO)" });
    new TerraformOutput(this, "webhook_base_url", { value: `https://${rt.n8nHost}/webhook/`, description: "Public webhooks (no SSO, rate-limited)" });
  }

  /** The single-tenant runtime; a config with tenants has none (see `multiTenant`). */
  public get runtime(): N8nRuntime {
    if (!this.single) throw new Error(`stack ${this.node.id} has tenants: its runtime is DevStack.multiTenant`);
    return this.single;
  }

  /** A shared edge and one isolated runtime per tenant (issue 16); one output per tenant. */
  private buildTenants(c: DevConfig, repoRoot: string): MultiTenantRuntime {
    const rt = resolveRuntime(c, repoRoot);
    const tenants = resolveTenants(c, repoRoot);
    const runtime = new MultiTenantRuntime(this, "Runtime", {
      prefix: c.name,
      secretsDir: rt.secretsDir,
      runAs: c.runAs,
      edgeSubnet: c.network.edgeSubnet,
      bindAddress: c.network.bindAddress ?? "127.0.0.1",
      dockerSocketPath: c.dockerSocket,
      tls: c.tls.mode === "local" ? { mode: "local" } : { ...c.tls, storageHostDir: `${rt.secretsDir}/acme` },
      sso: { issuerUrl: rt.issuerUrl, cookieExpire: c.sso.cookieExpire, cookieRefresh: c.sso.cookieRefresh, offlineAccess: c.sso.offlineAccess },
      devIdp: c.sso.provider === "local-dex" && c.images.dex ? { host: rt.authHost, image: c.images.dex, limits: c.resources.dex } : undefined,
      images: c.images,
      limits: c.resources,
      n8n: c.n8n,
      requireSecretFilesAtPlan: true,
      tenants: tenants.map((t) => ({ ...t, limits: t.resources })),
    });
    for (const t of tenants) {
      new TerraformOutput(this, `n8n_url_${t.id}`, { value: `https://${t.host}/`, description: `n8n editor of tenant ${t.id} (SSO)` });
    }
    return runtime;
  }
}
