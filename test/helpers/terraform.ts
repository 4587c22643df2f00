import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/*
 * Runs the real terraform CLI against the hashicorp/aws provider from a local filesystem mirror,
 * offline. The CLI config is written into a temp dir and passed with TF_CLI_CONFIG_FILE, so the
 * user's own ~/.terraformrc is never read or changed, and no download is ever attempted.
 */

export const AWS_PROVIDER_VERSION = "5.100.0";

/** Finds a mirror folder that holds registry.terraform.io/hashicorp/aws/<version>/<os_arch>/. */
export function findProviderMirror(): string {
  const candidates = [
    process.env.TF_PLUGIN_MIRROR,
    "/opt/tf-plugins",
    path.join(os.homedir(), ".terraform.d", "plugins"),
    "/usr/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
  ].filter((x): x is string => !!x);
  const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
  for (const dir of candidates) {
    const p = path.join(dir, "registry.terraform.io", "hashicorp", "aws", AWS_PROVIDER_VERSION, platform);
    if (existsSync(p) && readdirSync(p).some((f) => f.startsWith("terraform-provider-aws_"))) return dir;
  }
  throw new Error(
    `No hashicorp/aws ${AWS_PROVIDER_VERSION} provider found in a local mirror (looked in ${candidates.join(", ")}). ` +
      "Set TF_PLUGIN_MIRROR to a folder laid out as registry.terraform.io/hashicorp/aws/<version>/<os_arch>/.",
  );
}

export function terraformVersion(): string {
  try {
    return JSON.parse(execFileSync("terraform", ["version", "-json"], { encoding: "utf8" })).terraform_version;
  } catch {
    throw new Error("the terraform CLI (>= 1.11) is required for these tests and was not found on PATH");
  }
}

export interface Terraform {
  run(args: string[]): { status: number; stdout: string; stderr: string };
  /** Runs and throws with terraform's output on failure. */
  ok(args: string[]): string;
  json<T = any>(args: string[]): T;
}

/** A terraform runner for one working directory, with an isolated offline CLI config. */
export function terraformIn(workdir: string): Terraform {
  const home = mkdtempSync(path.join(os.tmpdir(), "zt-tf-"));
  const mirror = findProviderMirror();
  const cliConfig = path.join(home, "terraform.rc");
  writeFileSync(
    cliConfig,
    `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
disable_checkpoint = true
`,
  );
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    TF_DATA_DIR: path.join(home, "data"),
    HOME: home,
    // Nothing may reach a real AWS account from a test.
    AWS_ACCESS_KEY_ID: "AKIATESTTESTTESTTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret-not-real",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const run = (args: string[]) => {
    const r = spawnSync("terraform", args, { cwd: workdir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    run,
    ok(args) {
      const r = run(args);
      if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    json(args) {
      return JSON.parse(this.ok(args));
    },
  };
}
