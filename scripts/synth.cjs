#!/usr/bin/env node
// npm run synth: what `cdktf synth` does, without the CLI's own start-up (about 3 s of loading
// its bundle, rendering a terminal UI and asking `terraform` for its version before the app even
// starts). Plain node, no TypeScript at start. The same observable things as cdktf-cli 0.21:
// - the app command of cdktf.json, through a shell, in this folder, with the CLI's environment for
//   it: every variable except TF_VAR_*, NODE_OPTIONS=--max-old-space-size=4096 and
//   NODE_ENV=production unless set, TF_PLUGIN_CACHE_DIR (~/.terraform.d/plugin-cache, created,
//   unless set or CDKTF_DISABLE_PLUGIN_CACHE_ENV), CDKTF_OUTDIR,
//   CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS=true, CDKTF_CONTEXT_JSON (cdktf.json's context plus
//   cdktfRelativeModules) and SYNTH_HCL_OUTPUT=false;
// - the same output folder (--output, else cdktf.json's "output", else cdktf.out);
// - the manifest read back, each stack's annotations printed as `LEVEL [path]: message` (an error
//   annotation fails the run), then "Generated Terraform code for the stacks: ...";
// - exit 0 on success, 1 on any failure, with one line saying what failed.
// One difference, on purpose (issue 13, item 4): after a failed run the output folder holds no
// stack at all (main.ts removes them when it fails; this script when the app dies without a word),
// so nothing there passes for this run's plans. Terraform's files in the stack folders
// (.terraform/, the lock file, a state file) are never removed (scripts/lib/synth-output.cjs):
// unlike the CLI, a stack the app no longer builds loses its plan but keeps them.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync, mkdirSync, readFileSync } = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { parseArgs } = require("./lib/args.cjs");
const { MANIFEST, stackFolders, removeSynthesizedStacks, describeRemoved } = require("./lib/synth-output.cjs");

const { options } = parseArgs(process.argv.slice(2), {
  usage: "usage: npm run synth -- [--output DIR]",
  options: { output: { type: "string" } },
});

function fail(message) {
  console.error(`ERROR: ${message}`);
  process.exit(1);
}

const cwd = process.cwd();
let config;
try {
  config = JSON.parse(readFileSync(path.join(cwd, "cdktf.json"), "utf8"));
} catch (e) {
  fail(`${cwd} is not a cdktf project directory: cdktf.json ${e.code === "ENOENT" ? "is missing" : `cannot be read (${e.message})`}`);
}
if (!config.language || !config.app) fail(`${cwd} is not a cdktf project directory: cdktf.json is missing language / app keys`);
const outdir = options.output ?? config.output ?? "cdktf.out";
// The CLI's check before it runs the app: declared providers or modules need their bindings.
const codeMakerOutput = config.codeMakerOutput ?? ".gen";
if ([config.terraformProviders, config.terraformModules].some((l) => Array.isArray(l) && l.length > 0) && !existsSync(codeMakerOutput)) {
  fail(`synthesis failed, run "cdktf get" to generate providers in ${codeMakerOutput}`);
}

function appEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TF_VAR_")));
  if (!env.NODE_OPTIONS) env.NODE_OPTIONS = "--max-old-space-size=4096";
  // Set by the CLI for itself at start, so its app inherits them.
  env.NODE_ENV ||= "production";
  if (!["true", "1"].includes(env.CDKTF_DISABLE_PLUGIN_CACHE_ENV ?? "")) {
    env.TF_PLUGIN_CACHE_DIR ||= path.join(os.homedir(), ".terraform.d", "plugin-cache");
    mkdirSync(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
  }
  // The CLI puts cdktf.json's context into CDKTF_CONTEXT_JSON when it reads its config, so a
  // context in cdktf.json wins over one in the environment.
  const context = config.context ?? (process.env.CDKTF_CONTEXT_JSON ? JSON.parse(process.env.CDKTF_CONTEXT_JSON) : {});
  const relativeModules = (config.terraformModules ?? []).filter((m) => /^\.\.?\//.test(typeof m === "string" ? m : m.source));
  return {
    ...env,
    CDKTF_OUTDIR: outdir,
    CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true",
    CDKTF_CONTEXT_JSON: JSON.stringify({ ...context, cdktfRelativeModules: relativeModules }),
    SYNTH_HCL_OUTPUT: "false",
  };
}

/** Fails the run, after taking away every stack in the output folder (main.ts does so itself). */
function failed(what) {
  fail(`synthesis failed: ${what}; ${describeRemoved(outdir, removeSynthesizedStacks(outdir))}`);
}

// Ctrl-C reaches the app too (same process group); the cleanup below runs once it has exited.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

const earlier = stackFolders(outdir);
const run = spawnSync(config.app, { shell: true, stdio: "inherit", cwd, env: appEnv() });
if (run.error) failed(`cannot run the app "${config.app}": ${run.error.message}`);
if (run.signal) failed(`the app "${config.app}" was stopped by ${run.signal}`);
if (run.status !== 0) failed(`the app "${config.app}" exited with code ${run.status}`);

let manifest;
try {
  manifest = JSON.parse(readFileSync(path.join(outdir, MANIFEST), "utf8"));
} catch (e) {
  failed(`the app was expected to call synth() and write ${path.join(outdir, MANIFEST)} (${e.code === "ENOENT" ? "not written" : e.message})`);
}
const stacks = Object.values(manifest.stacks ?? {});
for (const stack of stacks) {
  try {
    JSON.parse(readFileSync(path.join(outdir, stack.synthesizedStackPath), "utf8"));
  } catch (e) {
    failed(`stack ${stack.name}: ${stack.synthesizedStackPath} ${e.code === "ENOENT" ? "was not written" : `is not valid JSON (${e.message})`}`);
  }
}
if (stacks.length === 0) console.error("ERROR: No Terraform code synthesized.");
// A stack of the earlier run that this one no longer has: its plan goes, and its folder too unless
// Terraform's files are in it (the CLI removes such a folder whole, Terraform's files included).
const names = new Set(stacks.map((s) => s.name));
removeSynthesizedStacks(outdir, earlier.filter((n) => !names.has(n)));

// The CLI's printAnnotations: every annotation on stdout; an error one fails the run.
let annotationError = false;
for (const stack of stacks) {
  for (const a of stack.annotations ?? []) {
    const level = { "@cdktf/info": "INFO", "@cdktf/warn": "WARN", "@cdktf/error": "ERROR" }[a.level] ?? a.level;
    console.log(`${level} [${a.constructPath}]: ${a.message}`);
    if (level === "ERROR") {
      annotationError = true;
      if (a.stacktrace) console.log(a.stacktrace.join("\n"));
    }
  }
}
if (annotationError) fail("While synthesizing one or more error annotations have been encountered. Please check the log output above.");
console.log(`Generated Terraform code for the stacks: ${stacks.map((s) => s.name).join(", ")}`);
