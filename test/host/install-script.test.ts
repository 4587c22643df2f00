import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { HostUserDataProps, secretsAgentFiles, secretsAgentInstallScript } from "../../constructs/host/secrets-agent";
import { hostUserData } from "../../constructs/host/user-data";
import { prodAgentProps } from "../../stacks/prod-cloud-stack";
import { buildProdStacks, prodHostProps } from "../../stacks/prod";
import { App } from "cdktf";
import { REPO_ROOT } from "../helpers/synth";
import { problemFields } from "../helpers/validation";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { safeLoad(s: string): unknown };

/*
 * cloud-init writes the agent's files only when the host is created. The install script applies
 * a later change to a running host; it must write exactly what cloud-init would, with the same modes.
 * `npm run host:print` prints both from config.
 */
const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8")), "prod.example.json");
const props = prodAgentProps(config.aws.namePrefix, config.aws.region, prodHostProps(config).agent, config.aws.backupBucketName);

test("the install script writes every agent file byte for byte with its mode (under dash and bash)", () => {
  const script = secretsAgentInstallScript(props);
  for (const shell of ["sh", "bash"]) {
    const root = mkdtempSync(path.join(os.tmpdir(), "agent-install-"));
    try {
      const r = spawnSync(shell, ["-c", script], { env: { ...process.env, ROOT: root }, encoding: "utf8" });
      expect([shell, r.status, r.stderr]).toEqual([shell, 0, ""]);
      const files = secretsAgentFiles(props);
      expect(files.length).toBeGreaterThanOrEqual(5);
      for (const f of files) {
        const written = path.join(root, f.path);
        expect([f.path, readFileSync(written, "utf8")]).toEqual([f.path, f.content]);
        expect([f.path, (statSync(written).mode & 0o777).toString(8).padStart(4, "0")]).toEqual([f.path, f.permissions]);
      }
      // The example config's deploy key, as cloud-init installs it.
      const user = props.deployUser ?? "n8n";
      expect(props.sshAuthorizedKeys!.length).toBeGreaterThan(0);
      expect(readFileSync(path.join(root, "home", user, ".ssh", "authorized_keys"), "utf8")).toBe(`${props.sshAuthorizedKeys!.join("\n")}\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});

test("without keys the install script leaves every home folder alone", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "agent-install-"));
  try {
    const r = spawnSync("sh", ["-c", secretsAgentInstallScript({ ...props, sshAuthorizedKeys: [] })], { env: { ...process.env, ROOT: root }, encoding: "utf8" });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(() => statSync(path.join(root, "home"))).toThrow();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

describe("the deploy user's SSH keys", () => {
  const KEYS = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0mV9c3n6Jm0cP1pP6aG8b3y7H5k3d0Qm1m2n3o4p5 ops@example.com",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg= ci",
  ];
  const withKeys: HostUserDataProps = {
    region: "eu-central-1",
    secretsDir: "/run/n8n-secrets",
    owner: { uid: 10001, gid: 10001 },
    acmeStorageDir: "/var/lib/n8n-zero-trust/acme",
    deployUser: "deploy",
    sshAuthorizedKeys: KEYS,
    secrets: [{ secretId: "n8n-prod/n8n-encryption-key", files: [{ name: "n8n-encryption-key" }], restart: ["n8n-main"] }],
  };
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "agent-install-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  /** Runs the script under ROOT with a `chown` on PATH that fails loudly: under ROOT the script must not call it. */
  const run = (shell: string, p: HostUserDataProps = withKeys) => {
    const bin = path.join(root, "fake-bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "chown"), '#!/bin/sh\necho "chown called: $*" >&2\nexit 1\n', { mode: 0o755 });
    return spawnSync(shell, ["-c", secretsAgentInstallScript(p)], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ROOT: root }, encoding: "utf8" });
  };
  const mode = (p: string) => (lstatSync(path.join(root, p)).mode & 0o777).toString(8).padStart(4, "0");

  test.each(["sh", "bash"])("under %s: authorized_keys holds exactly the keys cloud-init installs (0600 in a 0700 .ssh), replacing the old list", (shell) => {
    // An existing list with a key that was since removed from config: it is revoked, not kept.
    mkdirSync(path.join(root, "home/deploy/.ssh"), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(root, "home/deploy/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOldOldOldOldOldOldOldOldOldOldOldOldOldOldOl old@example.com\n", { mode: 0o644 });
    const r = run(shell);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const written = readFileSync(path.join(root, "home/deploy/.ssh/authorized_keys"), "utf8");
    expect(written).toBe(`${KEYS.join("\n")}\n`);
    // The same keys the user data gives cloud-init for the same props.
    const cloudInit = (yaml.safeLoad(hostUserData(withKeys)) as any).users[0];
    expect(cloudInit.name).toBe("deploy");
    expect(written).toBe(`${cloudInit.ssh_authorized_keys.join("\n")}\n`);
    expect([mode("home/deploy/.ssh"), mode("home/deploy/.ssh/authorized_keys")]).toEqual(["0700", "0600"]);
    expect(readFileSync(path.join(root, "home/deploy/.ssh/authorized_keys"), "utf8")).not.toContain("old@example.com");
    // The agent's files are installed as before, and no temp file is left next to the keys.
    expect(readFileSync(path.join(root, "etc/n8n-secrets-agent/secrets.conf"), "utf8")).toContain("n8n-prod/n8n-encryption-key n8n-encryption-key n8n-main\n");
    expect(require("node:fs").readdirSync(path.join(root, "home/deploy/.ssh"))).toEqual(["authorized_keys"]);
  });

  test("without ROOT it checks the user first and gives .ssh and the keys to it (checked in the script's text: a test must not write /home)", () => {
    const script = secretsAgentInstallScript(withKeys);
    expect(script).toContain(`if [ -z "$ROOT" ]; then chown 'deploy:deploy' "/home/deploy/.ssh"; fi`);
    expect(script).toContain(`if [ -z "$ROOT" ]; then chown 'deploy:deploy' "$tmp"; fi`);
    // The user is checked before anything is written.
    expect(script).toMatch(/^ROOT="\$\{ROOT:-\}"\nif \[ -z "\$ROOT" \] && ! id -u 'deploy' >\/dev\/null 2>&1; then\n.*does not exist on this host.*\n  exit 1\nfi\ninstall_file\(\) \{/m);
  });

  test.each(["sh", "bash"])("under %s, without ROOT, a missing deploy user stops the script before it writes anything (its preamble run with a fake id)", (shell) => {
    const script = secretsAgentInstallScript(withKeys);
    const preamble = script.slice(0, script.indexOf("install_file() {"));
    const bin = path.join(root, "fake-bin");
    mkdirSync(bin, { recursive: true });
    const runPreamble = (idExit: number) => {
      writeFileSync(path.join(bin, "id"), `#!/bin/sh\necho "id $*" >>"${root}/id.log"\nexit ${idExit}\n`, { mode: 0o755 });
      return spawnSync(shell, ["-c", `${preamble}echo preamble-passed\n`], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ROOT: "" }, encoding: "utf8" });
    };
    const missing = runPreamble(1);
    expect([missing.status, missing.stdout]).toEqual([1, ""]);
    expect(missing.stderr).toContain("The deploy user deploy does not exist on this host");
    const present = runPreamble(0);
    expect([present.status, present.stdout, present.stderr]).toEqual([0, "preamble-passed\n", ""]);
    expect(readFileSync(path.join(root, "id.log"), "utf8")).toBe("id -u deploy\nid -u deploy\n");
    // Without keys there is nothing to check.
    expect(secretsAgentInstallScript({ ...withKeys, sshAuthorizedKeys: [] })).not.toContain("id -u");
  });

  test("refuses a symbolic link in the user's home (root would follow it) and writes nothing there", () => {
    mkdirSync(path.join(root, "home/deploy"), { recursive: true });
    mkdirSync(path.join(root, "elsewhere"));
    symlinkSync(path.join(root, "elsewhere"), path.join(root, "home/deploy/.ssh"));
    const r = run("sh");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Refusing to write the SSH keys: ${root}/home/deploy/.ssh is a symbolic link.`);
    expect(require("node:fs").readdirSync(path.join(root, "elsewhere"))).toEqual([]);
  });

  test("validates the keys and the user as the user data does", () => {
    expect(problemFields(() => secretsAgentInstallScript({ ...withKeys, sshAuthorizedKeys: ["ssh-rsa AAAAB3NzaC1yc2E= x"], deployUser: "root" }))).toEqual(["deployUser", "sshAuthorizedKeys[0]"]);
    // A key line cannot smuggle in a command or end the heredoc: one line, no spaces beyond the comment.
    expect(problemFields(() => secretsAgentInstallScript({ ...withKeys, sshAuthorizedKeys: [`${KEYS[0]}\nN8N_ZT_KEYS_END\nrm -rf /`] }))).toEqual(["sshAuthorizedKeys[0]"]);
  });
});

test("npm run host:print gives the user data the instance gets, and the install script for the same config", () => {
  const run = (args: string[]) => spawnSync(process.execPath, ["scripts/run-ts.cjs", "scripts/print-host-user-data.ts", "--config", "config/prod.example.json", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  const userData = run([]);
  expect(userData.status).toBe(0);
  const outdir = mkdtempSync(path.join(os.tmpdir(), "host-print-"));
  try {
    const app = new App({ outdir });
    const { cloud } = buildProdStacks(app, config);
    app.synth();
    const json = JSON.parse(readFileSync(path.join(outdir, "stacks", cloud.node.id, "cdk.tf.json"), "utf8"));
    const written = gunzipSync(Buffer.from((Object.values(json.resource.aws_instance)[0] as any).user_data_base64 as string, "base64")).toString("utf8");
    expect(userData.stdout).toBe(written);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  const install = run(["--install-script"]);
  expect([install.status, install.stdout]).toEqual([0, secretsAgentInstallScript(props)]);
});
