import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/*
 * Runs the real terraform CLI against the hashicorp/aws provider from a local filesystem mirror,
 * offline. The CLI config is written into a fresh temp dir and passed with TF_CLI_CONFIG_FILE, so
 * the user's own ~/.terraformrc (or the machine's TF_CLI_CONFIG_FILE) is never read or changed, no
 * registry is ever contacted, and no plugin cache is shared between runs.
 *
 * Typical use (one init per test file; plan takes a few seconds):
 *
 *   const result = planStack(stackDir);            // init, validate -json, plan -out, show -json
 *   expect(result.validate.valid).toBe(true);
 *   result.plan.resource_changes ...
 */

export const AWS_PROVIDER_VERSION = "5.100.0";
/** The kreuzwerker/docker provider @cdktf/provider-docker 12.0.3 binds. */
export const DOCKER_PROVIDER_VERSION = "3.6.2";

/**
 * AWS provider settings for a plan without an account: fake static credentials and the skip_*
 * switches, so nothing asks AWS (STS, metadata, region list). Only for offline plans and tests.
 */
export const OFFLINE_AWS_PROVIDER = {
  accessKey: "AKIATESTTESTTESTTEST",
  secretKey: "test-secret-not-real",
  skipCredentialsValidation: true,
  skipRequestingAccountId: true,
  skipMetadataApiCheck: "true",
  skipRegionValidation: true,
  // The account pin needs the caller's identity from STS, which an offline plan cannot ask for.
  allowedAccountIds: undefined,
};
/** Write-only attributes (`secret_string_wo`) and ephemeral values need Terraform 1.11. */
export const MIN_TERRAFORM_VERSION = "1.11.0";

/** Folders that commonly hold a filesystem mirror, after `$TF_PLUGIN_MIRROR`. */
export function mirrorCandidates(): string[] {
  return [
    process.env.TF_PLUGIN_MIRROR,
    "/opt/tf-plugins",
    path.join(os.homedir(), ".terraform.d", "plugins"),
    path.join(os.homedir(), ".local", "share", "terraform", "plugins"),
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
  ].filter((x): x is string => !!x);
}

/** Terraform's name for this machine's platform, e.g. `linux_amd64`. */
export function terraformPlatform(): string {
  const arch: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };
  return `${process.platform}_${arch[process.arch] ?? process.arch}`;
}

/**
 * Finds a filesystem mirror holding `registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*`
 * (the unpacked layout). Throws, naming every folder it looked in, when there is none.
 */
export function findProviderMirror(version = AWS_PROVIDER_VERSION, candidates = mirrorCandidates(), provider = "hashicorp/aws"): string {
  const platform = terraformPlatform();
  const type = provider.split("/")[1];
  for (const dir of candidates) {
    const p = path.join(dir, "registry.terraform.io", ...provider.split("/"), version, platform);
    if (existsSync(p) && statSync(p).isDirectory() && readdirSync(p).some((f) => f.startsWith(`terraform-provider-${type}_`))) return dir;
  }
  throw new Error(
    `No ${provider} ${version} provider for ${platform} in a local mirror (looked in ${candidates.join(", ")}). ` +
      `Set TF_PLUGIN_MIRROR to a folder laid out as registry.terraform.io/${provider}/${version}/${platform}/terraform-provider-${type}_*.`,
  );
}

/** The CLI config: only the mirror (for the given providers), never the network. */
export function cliConfigText(mirror: string, providers: string[] = ["registry.terraform.io/hashicorp/aws"]): string {
  return `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ${JSON.stringify(providers)}
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
disable_checkpoint = true
`;
}

/**
 * The child environment: the parent's minus every TF_* and AWS_* variable (a stray TF_CLI_ARGS,
 * TF_WORKSPACE, TF_PLUGIN_CACHE_DIR, AWS_PROFILE or real credentials must not change what is
 * tested), plus an isolated HOME, CLI config and data dir.
 */
export function terraformEnv(home: string, cliConfig: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TF_|AWS_)/.test(k) && k !== "CHECKPOINT_DISABLE") env[k] = v;
  return {
    ...env,
    HOME: home,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_DATA_DIR: path.join(home, "data"),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    // No shared config or credentials file, no instance metadata: nothing here can reach an account.
    AWS_CONFIG_FILE: path.join(home, "aws-config-absent"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "aws-credentials-absent"),
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Terraform {
  /** The isolated home holding the CLI config and the data dir. */
  readonly home: string;
  run(args: string[]): RunResult;
  /** Runs and throws with terraform's output on failure. */
  ok(args: string[]): string;
  /** Runs and parses stdout as JSON. */
  json<T = any>(args: string[]): T;
}

function missingTerraform(detail: string): Error {
  return new Error(
    `the terraform CLI (>= ${MIN_TERRAFORM_VERSION}) is required by these tests and ${detail}. ` +
      "Install it (it must be on PATH) and put the hashicorp/aws provider in a filesystem mirror (see TF_PLUGIN_MIRROR).",
  );
}

function versionAtLeast(v: string, min: string): boolean {
  const a = v.split(".").map(Number);
  const b = min.split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** A terraform runner for one working directory, with a fresh, isolated, offline CLI config. */
export function terraformIn(workdir: string, opts: { mirror?: string; providers?: string[] } = {}): Terraform {
  const home = mkdtempSync(path.join(os.tmpdir(), "zt-tf-home-"));
  const cliConfig = path.join(home, "terraform.rc");
  writeFileSync(cliConfig, cliConfigText(opts.mirror ?? findProviderMirror(), opts.providers));
  const env = terraformEnv(home, cliConfig);
  const run = (args: string[]): RunResult => {
    const r = spawnSync("terraform", args, { cwd: workdir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw missingTerraform("was not found on PATH");
    if (r.error) throw r.error;
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    home,
    run,
    ok(args) {
      const r = run(args);
      if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    json(args) {
      return JSON.parse(this.ok(args));
    },
  };
}

export interface TerraformVersions {
  readonly terraform: string;
  /** Provider address to version, e.g. `registry.terraform.io/hashicorp/aws` → `5.100.0` (after init). */
  readonly providers: Record<string, string>;
}

/** `terraform version -json` in the isolated environment; fails clearly when terraform is missing or too old. */
export function terraformVersions(tf: Terraform): TerraformVersions {
  const v = tf.json<{ terraform_version: string; provider_selections?: Record<string, string> }>(["version", "-json"]);
  if (!versionAtLeast(v.terraform_version, MIN_TERRAFORM_VERSION)) throw missingTerraform(`found ${v.terraform_version}`);
  return { terraform: v.terraform_version, providers: v.provider_selections ?? {} };
}

export interface PlanResult {
  readonly versions: TerraformVersions;
  /** `terraform validate -json`. */
  readonly validate: { valid: boolean; error_count: number; warning_count: number; diagnostics: any[] };
  /** `terraform show -json <planfile>`: planned values, resource changes and the configuration. */
  readonly plan: any;
  /** The human line, e.g. `Plan: 52 to add, 0 to change, 0 to destroy.` */
  readonly summary: string;
  readonly terraform: Terraform;
}

/**
 * The whole offline pipeline for a synthesized stack folder (the one holding `cdk.tf.json`):
 * `init` (local backend with its state file in the temp home, providers from the mirror only),
 * `validate -json`, `plan -out`, `show -json`.
 * Throws with terraform's output when a step fails; `validate` failing is reported, not thrown,
 * so a test can show the diagnostics.
 */
export function planStack(stackDir: string, opts: { mirror?: string } = {}): PlanResult {
  const tf = terraformIn(stackDir, opts);
  terraformVersions(tf);
  // The synthesized local backend points into the cwd of the synth; keep any state in the temp home.
  tf.ok(["init", "-input=false", "-no-color", `-backend-config=path=${path.join(tf.home, "terraform.tfstate")}`]);
  const versions = terraformVersions(tf);
  const validateRun = tf.run(["validate", "-json", "-no-color"]);
  const validate = JSON.parse(validateRun.stdout);
  if (!validate.valid) return { versions, validate, plan: undefined, summary: "", terraform: tf };
  const planOut = tf.ok(["plan", "-input=false", "-no-color", "-lock=false", "-out=tfplan.bin"]);
  const summary = planOut.split("\n").find((l) => /^(Plan:|No changes\.)/.test(l.trim()))?.trim() ?? "";
  const plan = tf.json(["show", "-json", "-no-color", "tfplan.bin"]);
  return { versions, validate, plan, summary, terraform: tf };
}
