import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { secretsAgentFiles, secretsAgentInstallScript } from "../../constructs/host/secrets-agent";
import { prodAgentProps } from "../../stacks/prod-cloud-stack";
import { buildProdStacks, prodHostProps } from "../../stacks/prod";
import { App } from "cdktf";
import { REPO_ROOT } from "../helpers/synth";

/*
 * cloud-init writes the agent's files only when the host is created. The install script applies
 * a later change to a running host; it must write exactly what cloud-init would, with the same modes.
 * `npm run host:print` prints both from config.
 */
const config = parseConfig(prodConfigSchema, JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod.example.json"), "utf8")), "prod.example.json");
const props = prodAgentProps(config.aws.namePrefix, config.aws.region, prodHostProps(config).agent);

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
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
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
    const written = (Object.values(json.resource.aws_instance)[0] as any).user_data as string;
    expect(userData.stdout).toBe(written.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  const install = run(["--install-script"]);
  expect([install.status, install.stdout]).toEqual([0, secretsAgentInstallScript(props)]);
});
