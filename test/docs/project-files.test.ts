import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { App } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { buildProdStacks } from "../../stacks/prod";
import { rulesOf } from "../../constructs/policy/packs";
import { REPO_ROOT } from "../helpers/synth";

/* The project files a new user and an importing team meet: they exist, are linked, and say what the code does. */

const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), "utf8");

test("LICENSE is the unmodified Apache License 2.0 text that package.json names", () => {
  expect(JSON.parse(read("package.json")).license).toBe("Apache-2.0");
  // md5 of https://www.apache.org/licenses/LICENSE-2.0.txt
  expect(createHash("md5").update(read("LICENSE")).digest("hex")).toBe("3b83ef96387f14655fc854ddc3c6bd57");
});

test("the README links every project document, and every link resolves", () => {
  const readme = read("README.md");
  const section = readme.slice(readme.indexOf("## More documentation"));
  for (const f of ["docs/architecture.md", "docs/troubleshooting.md", "docs/uninstall.md", "docs/cdk-terrain.md", "SECURITY.md", "CHANGELOG.md", "LICENSE"]) {
    expect(section).toContain(`](${f})`);
    expect(existsSync(path.join(REPO_ROOT, f))).toBe(true);
  }
  for (const doc of ["docs/architecture.md", "docs/troubleshooting.md", "docs/uninstall.md", "docs/cdk-terrain.md", "SECURITY.md", "CHANGELOG.md"]) {
    for (const [, target] of read(doc).matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)) {
      expect([doc, target, existsSync(path.resolve(REPO_ROOT, path.dirname(doc), target))]).toEqual([doc, target, true]);
    }
  }
});

test("docs/architecture.md names only paths that exist", () => {
  const paths = [...read("docs/architecture.md").matchAll(/`((?:constructs|stacks|config|lambda|scripts|test|docs)\/[^`\s]*)`/g)].map((m) => m[1]);
  expect(paths.length).toBeGreaterThan(20);
  for (const p of paths) expect([p, existsSync(path.join(REPO_ROOT, p))]).toEqual([p, true]);
});

test("CHANGELOG follows Keep a Changelog and names the version in package.json", () => {
  const log = read("CHANGELOG.md");
  expect(log).toMatch(/^# Changelog\n/);
  expect(log).toContain("[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)");
  expect(log).toMatch(/^## \[Unreleased\]$/m);
  expect(log).toContain(`Version ${JSON.parse(read("package.json")).version}`);
});

describe("docs/uninstall.md quotes the protections the prod-cloud plan really has", () => {
  const prod = parseConfig(prodConfigSchema, JSON.parse(read("config/prod.example.json")), "prod.example.json");
  const app = new App({ stackTraces: false });
  const { cloud } = buildProdStacks(app, prod);
  const r = JSON.parse(JSON.stringify(cloud.toTerraform())).resource;
  const doc = read("docs/uninstall.md");
  const all = (type: string) => Object.entries(r[type] ?? {}) as [string, any][];

  test("termination protection and the kept root volume", () => {
    const [[, host]] = all("aws_instance");
    expect(host.disable_api_termination).toBe(true);
    expect(host.root_block_device.delete_on_termination).toBe(false);
    expect(doc).toContain("`disable_api_termination = true`");
    expect(doc).toContain("`delete_on_termination = false`");
    expect(doc).toContain(host.root_block_device.tags.Name);
  });

  test("the KMS deletion window and the Secrets Manager recovery window", () => {
    expect(all("aws_kms_key").map(([, k]) => k.deletion_window_in_days)).toEqual([30]);
    expect(doc).toContain("`deletion_window_in_days = 30`");
    const windows = new Set(all("aws_secretsmanager_secret").map(([, s]) => s.recovery_window_in_days));
    expect([...windows]).toEqual([30]);
    expect(doc).toContain("`recovery_window_in_days = 30`");
  });

  test("prevent_destroy is on the n8n encryption key only, under the address the doc removes from the state", () => {
    const kept = all("aws_secretsmanager_secret").filter(([, s]) => s.lifecycle?.prevent_destroy === true);
    expect(kept.map(([id, s]) => [id, s.name])).toEqual([["Secret-n8n-encryption-key_0B56873A", "n8n-prod/n8n-encryption-key"]]);
    expect(doc).toContain(`terraform state rm 'aws_secretsmanager_secret.${kept[0][0]}'`);
    expect(doc).toContain("`NobodyDeletesThisSecret`");
    expect(JSON.stringify(r.aws_secretsmanager_secret_policy)).toContain("NobodyDeletesThisSecret");
  });

  test("buckets: no force_destroy, versioned, the lifecycle days the doc names", () => {
    const buckets = all("aws_s3_bucket").map(([, b]) => [b.bucket, b.force_destroy]);
    expect(buckets.sort()).toEqual([["example-n8n-prod-backups", false], ["example-n8n-prod-backups-access-logs", false]]);
    for (const [name] of buckets) expect(doc).toContain(`empty_bucket ${name}`);
    expect(all("aws_s3_bucket_versioning").map(([, v]) => v.versioning_configuration.status)).toEqual(["Enabled", "Enabled"]);
    const rules = all("aws_s3_bucket_lifecycle_configuration").flatMap(([, l]) => l.rule);
    const days = (id: string) => rules.find((x: any) => x.id === id);
    expect(days("expire-noncurrent-versions").noncurrent_version_expiration[0].noncurrent_days).toBe(90);
    expect(days("expire-current-objects").expiration[0].days).toBe(35);
    expect(days("expire-access-logs").noncurrent_version_expiration[0].noncurrent_days).toBe(30);
    expect(days("expire-access-logs").expiration[0].days).toBe(365);
    expect(doc).toMatch(/noncurrent versions expire after 90 days, current `backups\/` objects after `aws\.backupRetentionDays` \(35\)/);
    expect(doc).toMatch(/logs expire after 365 days, noncurrent versions after 30/);
  });
});

test("the README's rule counts are the packs' counts", () => {
  const readme = read("README.md");
  const [, total, docker, aws] = readme.match(/^(\d+) rules \((\d+) Docker, (\d+) AWS\)/m) ?? [];
  const [, own] = readme.match(/(\d+) of the Docker rules check each component's \*own\* settings/) ?? [];
  expect([total, docker, aws, own]).toEqual([
    String(rulesOf(["all"]).length),
    String(rulesOf(["docker"]).length),
    String(rulesOf(["aws"]).length),
    String(rulesOf(["docker"]).filter((r) => r.settings !== undefined).length),
  ]);
});

test("the README's prerequisites say why Terraform >= 1.11 is needed, and the code still needs it", () => {
  const readme = read("README.md");
  const prereqs = readme.slice(readme.indexOf("## Prerequisites"), readme.indexOf("## Two commands"));
  expect(prereqs).toMatch(/\| Terraform ≥ 1\.11 \|[^\n]*`use_lockfile`/);
  for (const tool of ["openssl", "`psql`", "`jq`"]) expect(prereqs).toContain(tool);
  // The reason given: S3's native lock file on both prod stacks' backends.
  const prod = parseConfig(prodConfigSchema, JSON.parse(read("config/prod.example.json")), "prod.example.json");
  const { cloud, runtime } = buildProdStacks(new App({ stackTraces: false }), prod);
  for (const stack of [cloud, runtime]) expect(JSON.parse(JSON.stringify(stack.toTerraform())).terraform.backend.s3.use_lockfile).toBe(true);
  // .ci/run installs what the table says the tests need.
  const ci = read(".ci/run");
  for (const pkg of ["openssl", "postgresql-client", "jq"]) expect(ci).toContain(`need_apt+=(${pkg})`);
});

test("docs/cdk-terrain.md names the pins package.json really has", () => {
  const pkg = JSON.parse(read("package.json"));
  const deps = { ...pkg.peerDependencies, ...pkg.devDependencies, ...pkg.dependencies }; // the exact pins win over a peer range
  const doc = read("docs/cdk-terrain.md");
  for (const name of ["cdktf", "cdktf-cli", "@cdktf/provider-aws", "@cdktf/provider-docker"]) {
    const version = String(deps[name]).replace(/^[\^~]/, "");
    expect([name, doc.includes(`\`${name}\``) && doc.includes(version)]).toEqual([name, true]);
  }
});

test("no document gives write-only attributes as the reason for Terraform >= 1.11 (the stacks use none)", () => {
  for (const doc of ["README.md", "docs/troubleshooting.md"]) expect([doc, /write-only[^.]*1\.11|1\.11[^.]*write-only/.test(read(doc))]).toEqual([doc, false]);
});
