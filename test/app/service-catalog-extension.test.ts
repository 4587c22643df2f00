import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { App, Testing } from "cdktf";
import { Construct } from "constructs";
import { parseConfig, ProdConfig, prodConfigSchema, resolveRuntime } from "../../config/schema";
import { extendCatalog, RUNTIME_CATALOG, RuntimeCatalog, RuntimeServiceContext, RuntimeServiceSpec } from "../../constructs/app/service-catalog";
import { checkDevSecrets, generateDevSecrets } from "../../constructs/common/dev-secrets";
import { HardenedContainer } from "../../constructs/common/hardened-container";
import { RuntimeSecretSpec } from "../../constructs/common/secret-catalog";
import { dockerModel } from "../../constructs/policy/docker-model";
import { DevStack } from "../../stacks/dev-stack";
import { buildProdStacks } from "../../stacks/prod";
import { devSecretsOptions } from "../helpers/dev-secrets-options";
import { devConfig, REPO_ROOT } from "../helpers/synth";

/*
 * A made-up service added the way a real one is (queue-mode workers, Redis): one catalog entry
 * (with the secret it brings) and its construct, both in this file. Nothing else changes, and
 * every stack gains exactly what the entry says.
 */

/** The made-up service's construct: one hardened container, everything from its context. */
class Widget extends Construct {
  public readonly container: HardenedContainer;
  constructor(scope: Construct, id: string, ctx: RuntimeServiceContext) {
    super(scope, id);
    this.container = new HardenedContainer(this, "Container", {
      name: ctx.name,
      image: "registry.example.com/widget:1.2.3",
      networks: ctx.networkAttachments,
      memoryMb: ctx.limits?.memoryMb ?? 64,
      user: `${ctx.runAs.uid}:${ctx.runAs.gid}`,
      env: { WIDGET_TOKEN_FILE: ctx.secretMounts[0].target },
      readOnlyMounts: ctx.secretMounts,
      healthcheck: { test: ["CMD", "/widget", "health"] },
      logging: ctx.logging,
    });
  }
}

const WIDGET_TOKEN: RuntimeSecretSpec = { id: "widget-token", description: "Token the widget presents to n8n", dev: { kind: "hex", bytes: 32 } };
const WIDGET: RuntimeServiceSpec = {
  id: "widget",
  nameSuffix: "widget",
  logKey: "widget",
  secretFiles: [WIDGET_TOKEN.id],
  restartOn: [WIDGET_TOKEN.id],
  networks: ["app"],
  dependsOn: ["n8n"],
  build: (scope, id, ctx) => new Widget(scope, id, ctx),
};
const CATALOG = extendCatalog(RUNTIME_CATALOG, { services: [WIDGET], secrets: [WIDGET_TOKEN] });

/** The stack's JSON without the resources of the runtime's child construct `id` (by construct path, or by logical id where the JSON has no metadata). */
function withoutConstruct(json: any, id: string): any {
  const copy = JSON.parse(JSON.stringify(json));
  for (const [type, byId] of Object.entries<Record<string, any>>(copy.resource ?? {})) {
    for (const [logicalId, r] of Object.entries(byId)) {
      const constructPath = r["//"]?.metadata?.path as string | undefined;
      if (constructPath ? constructPath.includes(`/Runtime/${id}/`) : logicalId.startsWith(`Runtime_${id}_`)) delete byId[logicalId];
    }
    if (Object.keys(byId).length === 0) delete copy.resource[type];
  }
  return copy;
}

function synthDevWith(catalog?: RuntimeCatalog): any {
  const app = Testing.app();
  return JSON.parse(Testing.synth(new DevStack(app, "dev", { config: devConfig(), repoRoot: REPO_ROOT, catalog })));
}

const prodConfigFile = path.join(REPO_ROOT, "config", "prod.example.json");
const prod: ProdConfig = parseConfig(prodConfigSchema, JSON.parse(readFileSync(prodConfigFile, "utf8")), prodConfigFile);

function synthProdWith(catalog?: RuntimeCatalog): { cloud: any; runtime: any } {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-catalog-ext-"));
  const app = new App({ outdir, stackTraces: false });
  const stacks = buildProdStacks(app, prod, { s3Backend: false, catalog });
  app.synth();
  const read = (id: string) => JSON.parse(readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8"));
  return { cloud: read(stacks.cloud.node.id), runtime: read(stacks.runtime.node.id) };
}

const base = { dev: synthDevWith(), ...synthProdWith() };
const extended = { dev: synthDevWith(CATALOG), ...synthProdWith(CATALOG) };
const widgetName = `${prod.name}-widget`;

describe("a made-up service added through the catalog", () => {
  test("dev gains its container on its networks with its secret file, and nothing else changes", () => {
    const model = dockerModel(extended.dev);
    const widget = model.containers.find((c) => c.name === `${devConfig().name}-widget`)!;
    expect(widget).toBeDefined();
    expect(widget.networks.map((n) => n.name)).toEqual([`${devConfig().name}-app`]);
    const secretsDir = resolveRuntime(devConfig(), REPO_ROOT).secretsDir;
    expect(widget.mounts).toContainEqual({ type: "bind", source: `${secretsDir}/widget-token`, target: "/run/secrets/widget-token", readOnly: true });
    // dev names a missing secret file at plan time, for the new service too.
    const container = Object.values<any>(extended.dev.resource.docker_container).find((c) => c.name === widget.name);
    expect(JSON.stringify(container.lifecycle.precondition)).toContain("widget-token");
    expect(JSON.stringify(withoutConstruct(extended.dev, "widget"))).toBe(JSON.stringify(base.dev));
  });

  test("prod-runtime gains its container, logging to its own prod-cloud log group and stream, and nothing else changes", () => {
    const widget = dockerModel(extended.runtime).containers.find((c) => c.name === widgetName)!;
    expect(widget.raw.log_driver).toBe("awslogs");
    const opts = widget.raw.log_opts as Record<string, string>;
    expect(opts["awslogs-stream"]).toBe(`${prod.name}-widget`);
    const output = /^\$\{data\.terraform_remote_state\.[^.]+\.outputs\.([^}]+)\}$/.exec(opts["awslogs-group"])![1];
    const logGroup = Object.entries<any>(extended.cloud.resource.aws_cloudwatch_log_group).find(([, g]) => g.name === `/${prod.aws.namePrefix}/widget`)!;
    expect(extended.cloud.output[output].value).toBe(`\${aws_cloudwatch_log_group.${logGroup[0]}.name}`);
    expect(widget.mounts).toContainEqual({ type: "bind", source: `${prod.secretsDir}/widget-token`, target: "/run/secrets/widget-token", readOnly: true });
    expect(JSON.stringify(withoutConstruct(extended.runtime, "widget"))).toBe(JSON.stringify(base.runtime));
  });

  test("prod-cloud gains its secret and log group, the host may read and write exactly those, and the agent restarts it on rotation", () => {
    const secrets = Object.values<any>(extended.cloud.resource.aws_secretsmanager_secret).map((s) => s.name);
    expect(secrets).toEqual([...Object.values<any>(base.cloud.resource.aws_secretsmanager_secret).map((s) => s.name), `${prod.aws.namePrefix}/widget-token`]);
    const groups = Object.values<any>(extended.cloud.resource.aws_cloudwatch_log_group).map((g) => g.name);
    expect(groups.filter((g) => !Object.values<any>(base.cloud.resource.aws_cloudwatch_log_group).some((b) => b.name === g))).toEqual([`/${prod.aws.namePrefix}/widget`]);

    const policy = JSON.parse(Object.values<any>(extended.cloud.resource.aws_iam_role_policy)[0].policy);
    const sid = (s: string) => policy.Statement.find((x: any) => x.Sid === s);
    expect(sid("ReadOwnSecrets").Resource).toHaveLength(CATALOG.secrets.length);
    expect(sid("ReadOwnSecrets").Resource.at(-1)).toMatch(/^\$\{aws_secretsmanager_secret\.Secret-widget-token_[^.]+\.arn\}$/);
    expect(sid("WriteOwnLogGroups").Resource.slice(-2)).toEqual([expect.stringMatching(/Logs-widget_[^.]+\.arn\}$/), expect.stringMatching(/Logs-widget_[^.]+\.arn\}:log-stream:\*$/)]);

    const instance = Object.values<any>(extended.cloud.resource.aws_instance)[0];
    const userData = gunzipSync(Buffer.from(instance.user_data_base64, "base64")).toString("utf8");
    expect(userData).toContain(`${prod.aws.namePrefix}/widget-token widget-token ${widgetName}\n`);
  });

  test("the dev generator makes its secret file like the others", () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "zt-catalog-secrets-")), "dev");
    const result = generateDevSecrets(devSecretsOptions(dir, { extraSans: undefined, secrets: CATALOG.secrets }));
    expect(result.created).toContain("widget-token");
    expect(readFileSync(path.join(dir, "widget-token"), "utf8")).toMatch(/^[0-9a-f]{64}$/);
    expect(checkDevSecrets(dir, CATALOG.secrets)).toEqual([]);
  });
});
