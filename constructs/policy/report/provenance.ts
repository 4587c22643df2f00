import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { StackJson } from "../docker-model";
import { cell, table } from "./markdown";

/*
 * Where a report comes from: the commit of the working tree (and whether it had changes), the
 * config files the stacks were built from, the tool's versions and a sha256 of each plan, so a
 * reader can tell whether the report still describes what is about to be applied. Collected by the
 * CLI at review time (nothing is added to the synthesized JSON); rendered from plain data.
 */

export interface Provenance {
  readonly workingTree: string;
  /** Undefined outside a git working tree (or without git). */
  readonly commit?: { readonly sha: string; readonly branch?: string; readonly changedFiles: number };
  readonly configs: { readonly file: string; readonly sha256?: string; readonly state: string }[];
  /** How the config files were chosen ("given with --config", or the default rule). */
  readonly configNote: string;
  readonly tool: { readonly name: string; readonly version: string; readonly node: string; readonly cdktf: string[]; readonly terraform?: string };
  readonly plans: { readonly stack: string; readonly file: string; readonly sha256: string; readonly bytes: number }[];
}

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function git(cwd: string, args: string[]): string | undefined {
  const r = spawnSync("git", ["-C", cwd, ...args], { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A file's state in git: committed unchanged, modified, untracked, ignored, or outside the tree. */
function gitState(cwd: string, file: string): string {
  const rel = path.relative(cwd, path.resolve(file));
  if (rel.startsWith("..") || path.isAbsolute(rel)) return "outside the working tree";
  const status = git(cwd, ["status", "--porcelain", "--ignored", "--", rel]);
  if (status === undefined) return "git state unknown";
  if (status === "") return "committed, unchanged";
  if (status.startsWith("!!")) return "ignored by git (not in any commit)";
  if (status.startsWith("??")) return "untracked (not in any commit)";
  return "**modified** since the commit";
}

/** Terraform's version when it is on PATH (`terraform version -json`), else undefined. */
function terraformVersion(): string | undefined {
  const r = spawnSync("terraform", ["version", "-json"], { encoding: "utf8", timeout: 15_000, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if (r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    return undefined;
  }
}

export interface ProvenanceInput {
  /** The working tree whose commit is recorded (where the stacks were synthesized). */
  readonly cwd: string;
  readonly stacks: { readonly name: string; readonly file: string; readonly json: StackJson }[];
  readonly configs: readonly string[];
  readonly configNote: string;
  /** package.json of the tool (its name and version). */
  readonly packageJson?: string;
}

export function collectProvenance(input: ProvenanceInput): Provenance {
  const sha = git(input.cwd, ["rev-parse", "HEAD"]);
  const changed = sha ? (git(input.cwd, ["status", "--porcelain", "--untracked-files=no"]) ?? "").split("\n").filter(Boolean).length : 0;
  const pkg = (input.packageJson && existsSync(input.packageJson) ? JSON.parse(readFileSync(input.packageJson, "utf8")) : {}) as { name?: string; version?: string };
  const cdktf = [...new Set(input.stacks.map((s) => (s.json["//"] as { metadata?: { version?: string } } | undefined)?.metadata?.version).filter((v): v is string => !!v))];
  return {
    workingTree: input.cwd,
    commit: sha ? { sha, branch: git(input.cwd, ["rev-parse", "--abbrev-ref", "HEAD"]), changedFiles: changed } : undefined,
    configs: input.configs.map((f) => (existsSync(f) ? { file: f, sha256: sha256(readFileSync(f)), state: gitState(input.cwd, f) } : { file: f, state: "**not found**" })),
    configNote: input.configNote,
    tool: { name: pkg.name ?? "?", version: pkg.version ?? "?", node: process.version, cdktf, terraform: terraformVersion() },
    plans: input.stacks.map((s) => {
      const bytes = readFileSync(s.file);
      return { stack: s.name, file: s.file, sha256: sha256(bytes), bytes: bytes.length };
    }),
  };
}

export function provenanceSection(p: Provenance): string {
  const commit = p.commit ? `\`${p.commit.sha}\`${p.commit.branch ? ` (${p.commit.branch})` : ""}, ${p.commit.changedFiles === 0 ? "clean working tree" : `**dirty**: ${p.commit.changedFiles} tracked file(s) changed since the commit`}` : "not a git working tree: no commit recorded";
  return [
    "## Provenance",
    "",
    `- Commit: ${commit} — ${cell(p.workingTree)}`,
    `- Config: ${p.configs.length > 0 ? p.configs.map((c) => `\`${cell(c.file)}\` (${c.sha256 ? `sha256 \`${c.sha256}\`, ` : ""}${c.state})`).join(", ") : "none"}; ${p.configNote}`,
    `- Tool: ${p.tool.name} ${p.tool.version}, Node.js ${p.tool.node}, cdktf ${p.tool.cdktf.join(", ") || "? (not in the stacks' metadata)"}, Terraform ${p.tool.terraform ?? "not on PATH"}`,
    "",
    ...table(["stack", "plan", "bytes", "sha256"], p.plans.map((x) => [cell(x.stack), `\`${cell(x.file)}\``, String(x.bytes), `\`${x.sha256}\``])),
    "",
  ].join("\n");
}
