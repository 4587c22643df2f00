import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, Testing } from "cdktf";
import { parseConfig, prodConfigSchema, resolveRuntime } from "../../config/schema";
import {
  containerNames,
  extendCatalog,
  loggedServices,
  restartsOnRotation,
  RUNTIME_CATALOG,
  RUNTIME_SERVICES,
  RuntimeCatalog,
  RuntimeServiceSpec,
  validateCatalog,
} from "../../constructs/app/service-catalog";
import { POSTGRES_TLS_SECRET, RUNTIME_SECRETS, secretFilesOf } from "../../constructs/common/secret-catalog";
import { SECRET_FILES, TLS_FILES } from "../../constructs/common/secret-files";
import { DockerModel, dockerModel } from "../../constructs/policy/docker-model";
import { DevStack } from "../../stacks/dev-stack";
import { buildProdStacks } from "../../stacks/prod";
import { devConfig, REPO_ROOT, synthDev } from "../helpers/synth";
import { problemFields } from "../helpers/validation";

const services = RUNTIME_CATALOG.services;
const spec = (id: string) => services.find((s) => s.id === id)!;

/** Every file some secret of the catalog writes (prod: the host agent). */
const agentFiles = new Set(RUNTIME_CATALOG.secrets.flatMap((s) => secretFilesOf(s).map((f) => f.name)));

describe("runtime service catalog", () => {
  test("container names derive from the prefix, so two tenants' names never collide", () => {
    expect(containerNames(RUNTIME_CATALOG, "acme")).toEqual({
      traefik: "acme-traefik",
      oauth2Proxy: "acme-oauth2-proxy",
      n8n: "acme-main",
      n8nRunners: "acme-runners",
      postgres: "acme-postgres",
      socketProxy: "acme-socket-proxy",
      devIdp: "acme-idp",
    });
    const a = Object.values(containerNames(RUNTIME_CATALOG, "acme"));
    const b = Object.values(containerNames(RUNTIME_CATALOG, "beta"));
    expect(a.filter((n) => b.includes(n))).toEqual([]);
  });

  test("no two services share an id, a container name or a log group", () => {
    for (const key of ["id", "nameSuffix"] as const) expect(new Set(services.map((s) => s[key])).size).toBe(services.length);
    const logKeys = loggedServices(RUNTIME_CATALOG).map((s) => s.logKey);
    expect(new Set(logKeys).size).toBe(logKeys.length);
    expect(() => validateCatalog(RUNTIME_CATALOG)).not.toThrow();
  });

  test("every file a service reads is written by a secret of the catalog (or, for the dev IdP's config, by the dev generator)", () => {
    for (const s of services) for (const f of s.secretFiles) expect(agentFiles.has(f) || f === SECRET_FILES.devIdpConfig).toBe(true);
    // And every secret has a reader: nothing in Secrets Manager that no container mounts.
    for (const secret of RUNTIME_CATALOG.secrets) expect(services.some((s) => secretFilesOf(secret).some((f) => s.secretFiles.includes(f.name)))).toBe(true);
  });

  test("a service restarts only on secrets it reads that rotate; the encryption key restarts nothing", () => {
    for (const s of services) {
      for (const id of s.restartOn) {
        const secret = RUNTIME_SECRETS.find((x) => x.id === id)!;
        expect(secret).toBeDefined();
        expect(secret.neverRotate).toBeFalsy();
        expect(secretFilesOf(secret).some((f) => s.secretFiles.includes(f.name))).toBe(true);
      }
    }
    const restarts = restartsOnRotation(RUNTIME_CATALOG, "n8n");
    expect(Object.keys(restarts)).toEqual(RUNTIME_SECRETS.map((s) => s.id));
    expect(restarts[SECRET_FILES.n8nEncryptionKey]).toEqual([]);
    // Postgres' own passwords are read only by its first-start scripts.
    for (const f of [SECRET_FILES.postgresSuperuserPassword, SECRET_FILES.postgresReportingPassword, SECRET_FILES.postgresAgentPassword, SECRET_FILES.postgresRotatorPassword]) expect(restarts[f]).toEqual([]);
    expect(restarts[SECRET_FILES.n8nDbPassword]).toEqual(["n8n-main"]);
    expect(restarts[SECRET_FILES.oauth2ProxyCookieSecret]).toEqual(["n8n-oauth2-proxy"]);
  });

  test("a rotation restarts a service after the services it depends on (Postgres before n8n, n8n before its runners)", () => {
    const restarts = restartsOnRotation(RUNTIME_CATALOG, "n8n");
    expect(restarts[POSTGRES_TLS_SECRET]).toEqual(["n8n-postgres", "n8n-main"]);
    expect(restarts[SECRET_FILES.n8nRunnersAuthToken]).toEqual(["n8n-main", "n8n-runners"]);
    // Independent of where the entries stand in the catalog.
    const reversed: RuntimeCatalog = { services: [...services].reverse(), secrets: RUNTIME_SECRETS };
    expect(restartsOnRotation(reversed, "n8n")[POSTGRES_TLS_SECRET]).toEqual(["n8n-postgres", "n8n-main"]);
  });

  test("the dev IdP runs only in dev: it has no CloudWatch log group", () => {
    expect(loggedServices(RUNTIME_CATALOG).map((s) => s.id)).not.toContain("devIdp");
    expect(loggedServices(RUNTIME_CATALOG).map((s) => s.logKey)).toEqual(["traefik", "oauth2-proxy", "n8n", "n8n-runners", "postgres", "socket-proxy"]);
  });

  test("a catalog with colliding or dangling entries is refused, naming each entry", () => {
    const widget: RuntimeServiceSpec = { id: "widget", nameSuffix: "widget", logKey: "widget", secretFiles: [], restartOn: [], networks: ["app"] };
    expect(problemFields(() => extendCatalog(RUNTIME_CATALOG, { services: [widget] }))).toEqual([]);
    expect(
      problemFields(() =>
        extendCatalog(RUNTIME_CATALOG, {
          services: [
            { ...widget, nameSuffix: "main", logKey: "n8n" },
            { ...widget, id: "gadget", nameSuffix: "gadget", logKey: undefined, secretFiles: ["no-such-file"], restartOn: [SECRET_FILES.n8nEncryptionKey, "no-such-secret"], dependsOn: ["nobody"] },
          ],
          secrets: [{ id: SECRET_FILES.n8nDbPassword, description: "twice" }],
        }),
      ),
    ).toEqual([
      "secrets.10.id",
      "secrets.10.files",
      "services.7.nameSuffix",
      "services.7.logKey",
      "services.8.secretFiles.0",
      "services.8.restartOn.0",
      "services.8.restartOn.0",
      "services.8.restartOn.1",
      "services.8.dependsOn.0",
    ]);
    expect(problemFields(() => validateCatalog({ services: [{ ...widget, id: "Widget", nameSuffix: "Widget", networks: [] }], secrets: [] }))).toEqual([
      "services.0.id",
      "services.0.nameSuffix",
      "services.0.networks",
    ]);
  });
});

/** The constructs and the catalog agree: names, networks and secret mounts of every container. */
function expectModelMatchesCatalog(model: DockerModel, prefix: string, secretsDir: string, present: readonly string[]): void {
  const names = containerNames(RUNTIME_CATALOG, prefix);
  expect(model.containers.map((c) => c.name).sort()).toEqual(present.map((id) => names[id]).sort());
  for (const id of present) {
    const s = spec(id);
    const c = model.containers.find((x) => x.name === names[id])!;
    expect(c.networks.map((n) => n.labels["org.n8n-zero-trust.network-role"]).sort()).toEqual([...s.networks].sort());
    const mounted = c.mounts.filter((m) => m.source?.startsWith(`${secretsDir}/`)).map((m) => m.source!.slice(secretsDir.length + 1));
    for (const f of mounted) expect(s.secretFiles).toContain(f);
  }
}

describe("the runtime's constructs follow the catalog", () => {
  test("dev: every container is a catalog service, on its networks, mounting only its secret files", () => {
    const config = devConfig();
    const { model } = synthDev(config);
    expectModelMatchesCatalog(model, config.name, resolveRuntime(config, REPO_ROOT).secretsDir, Object.keys(RUNTIME_SERVICES));
    // dev's local TLS: Traefik reads the leaf certificate, oauth2-proxy the dev CA.
    const traefik = model.containers.find((c) => c.name === "n8n-traefik")!;
    expect(traefik.mounts.map((m) => m.source).filter((s) => s?.endsWith(TLS_FILES.cert))).toHaveLength(1);
  });

  test("prod-runtime: every container is a catalog service except the dev IdP, on its networks, mounting only its secret files", () => {
    const file = path.join(REPO_ROOT, "config", "prod.example.json");
    const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(file, "utf8")), file);
    const outdir = mkdtempSync(path.join(os.tmpdir(), "zt-catalog-"));
    const app = new App({ stackTraces: false, outdir });
    const { runtime } = buildProdStacks(app, config, { s3Backend: false });
    app.synth();
    const model = dockerModel(JSON.parse(readFileSync(path.join(outdir, "stacks", runtime.node.id, "cdk.tf.json"), "utf8")));
    expectModelMatchesCatalog(model, config.name, config.secretsDir, Object.keys(RUNTIME_SERVICES).filter((id) => id !== "devIdp"));
  });
});

test("a catalog that renames n8n's containers is refused: N8n names them from one prefix", () => {
  const renamed: RuntimeCatalog = { services: services.map((s) => (s.id === "n8n" ? { ...s, nameSuffix: "n8n-main" } : s)), secrets: RUNTIME_SECRETS };
  const config = devConfig();
  expect(() => new DevStack(Testing.app(), "dev", { config, repoRoot: REPO_ROOT, catalog: renamed })).toThrow(/the catalog names the n8n container "n8n-n8n-main", but N8n names it "n8n-main"/);
});

test("the config's per-service images and limits name catalog services (the config calls the dev IdP `dex`)", () => {
  const config = devConfig();
  const ids = services.map((s) => (s.id === "devIdp" ? "dex" : s.id)).sort();
  expect(Object.keys(config.resources).sort()).toEqual(ids);
  expect(Object.keys(config.images).sort()).toEqual(ids);
});
