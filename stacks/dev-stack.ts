import { Construct } from "constructs";
import { LocalBackend, TerraformOutput } from "cdktf";
import { SelfContainedStack } from "../constructs/common/self-contained-stack";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { DevConfig, resolveRuntime } from "../config/schema";
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
  public readonly runtime: N8nRuntime;

  constructor(scope: Construct, id: string, props: DevStackProps) {
    super(scope, id);
    const c = props.config;
    const rt = resolveRuntime(c, props.repoRoot);

    new LocalBackend(this, { path: localStatePath(id) });
    // With config.dockerSocket, Terraform talks to the same engine whose socket the proxy mounts;
    // without it, the provider follows DOCKER_HOST like the docker CLI.
    new DockerProvider(this, "docker", c.dockerSocket ? { host: `unix://${c.dockerSocket}` } : {});

    this.runtime = new N8nRuntime(this, "Runtime", {
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
}
