// What a synthesis owns in its output folder (cdktf.out), so that a failed one can take away
// everything an earlier run wrote and nothing else. cdktf writes manifest.json and, per stack,
// stacks/<id>/cdk.tf.json (cdk.tf and metadata.json with --hcl) and stacks/<id>/assets/. Anything
// else in a stack's folder is Terraform's (.terraform/, .terraform.lock.hcl, the `plan` file cdktf
// writes, a state file) or the user's: it is never removed here.
// CommonJS with types in synth-output.d.cts: used by scripts/synth.cjs (plain node) and main.ts.
"use strict";
const { existsSync, readdirSync, rmSync, rmdirSync } = require("node:fs");
const path = require("node:path");

const MANIFEST = "manifest.json";
const STACKS_FOLDER = "stacks";
/** Entries of a stack folder that cdktf writes. */
const GENERATED_IN_STACK = ["cdk.tf.json", "cdk.tf", "metadata.json", "assets"];

/** The stack folders in `outdir`. */
function stackFolders(outdir) {
  try {
    return readdirSync(path.join(outdir, STACKS_FOLDER), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Removes what a synthesis wrote into `outdir` (the manifest, each stack's plan and assets) and
 * stack folders left empty by that; Terraform's files stay. With `only`, just those stacks' and not
 * the manifest. Returns the stacks whose plan it removed.
 */
function removeSynthesizedStacks(outdir, only) {
  const removed = [];
  if (!only) rmSync(path.join(outdir, MANIFEST), { force: true });
  for (const name of only ?? stackFolders(outdir)) {
    const dir = path.join(outdir, STACKS_FOLDER, name);
    if (!existsSync(dir)) continue;
    if (existsSync(path.join(dir, "cdk.tf.json")) || existsSync(path.join(dir, "cdk.tf"))) removed.push(name);
    for (const entry of GENERATED_IN_STACK) rmSync(path.join(dir, entry), { recursive: true, force: true });
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  }
  return removed;
}

/** What a failed synthesis left in `outdir`, for its error message. */
function describeRemoved(outdir, removed) {
  if (removed.length === 0) return `${outdir} holds no synthesized stack`;
  return `${outdir} holds no synthesized stack: the stacks it held (${removed.join(", ")}) were removed, Terraform's files and state kept`;
}

module.exports = { MANIFEST, STACKS_FOLDER, GENERATED_IN_STACK, stackFolders, removeSynthesizedStacks, describeRemoved };
