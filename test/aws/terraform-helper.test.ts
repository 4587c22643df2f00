import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AWS_PROVIDER_VERSION, cliConfigText, findProviderMirror, terraformEnv, terraformIn, terraformPlatform } from "../helpers/terraform";

/** The test helper that runs terraform offline: its isolation is what keeps the integration test honest. */

const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
};
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the terraform test helper", () => {
  test("finds a mirror laid out as registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*", () => {
    const empty = tempDir("zt-mirror-empty-");
    const good = tempDir("zt-mirror-");
    const dir = path.join(good, "registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION, terraformPlatform());
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5`), "");
    expect(findProviderMirror(AWS_PROVIDER_VERSION, [empty, good])).toBe(good);
  });

  test("a missing mirror is an error naming every folder searched and TF_PLUGIN_MIRROR", () => {
    const empty = tempDir("zt-mirror-empty-");
    expect(() => findProviderMirror(AWS_PROVIDER_VERSION, [empty, "/nowhere"])).toThrow(new RegExp(`looked in ${empty}, /nowhere.*TF_PLUGIN_MIRROR`));
  });

  test("the CLI config installs hashicorp/aws only from the mirror and never from the network", () => {
    const text = cliConfigText("/opt/tf-plugins");
    expect(text).toContain('path    = "/opt/tf-plugins"');
    expect(text).toContain('include = ["registry.terraform.io/hashicorp/aws"]');
    expect(text).toMatch(/direct \{\s*exclude = \["registry\.terraform\.io\/\*\/\*"\]\s*\}/);
  });

  test("the child environment drops the machine's TF_* and AWS_* settings and uses its own config, home and data dir", () => {
    const saved = { ...process.env };
    Object.assign(process.env, { TF_CLI_CONFIG_FILE: "/root/.terraformrc", TF_PLUGIN_CACHE_DIR: "/shared/cache", TF_CLI_ARGS_plan: "-refresh=false", AWS_PROFILE: "prod", AWS_ACCESS_KEY_ID: "AKIAREALREALREALREAL" });
    try {
      const env = terraformEnv("/tmp/zt-home", "/tmp/zt-home/terraform.rc");
      expect(env).toMatchObject({ TF_CLI_CONFIG_FILE: "/tmp/zt-home/terraform.rc", HOME: "/tmp/zt-home", TF_DATA_DIR: "/tmp/zt-home/data", TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" });
      for (const k of ["TF_PLUGIN_CACHE_DIR", "TF_CLI_ARGS_plan", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"]) expect([k, env[k]]).toEqual([k, undefined]);
    } finally {
      process.env = saved;
    }
  });

  test("without terraform on PATH, running it fails with a message saying what to install (it never skips)", () => {
    const savedPath = process.env.PATH;
    process.env.PATH = tempDir("zt-empty-path-");
    try {
      const tf = terraformIn(os.tmpdir(), { mirror: "/unused" });
      tempDirs.push(tf.home);
      expect(() => tf.run(["version"])).toThrow(/terraform CLI \(>= 1\.11\.0\) is required .* was not found on PATH/);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
