#!/usr/bin/env node
// npm run synth: what `cdktf synth` does, without the CLI's own start-up (about 3 s of loading
// its bundle, rendering a terminal UI and asking `terraform` for its version before the app even
// starts). Plain node, no TypeScript at start. The same observable things as cdktf-cli 0.21:
// - the app command of cdktf.json, in this folder, with the CLI's environment for it: every
//   variable except TF_VAR_*, NODE_OPTIONS=--max-old-space-size=4096 and NODE_ENV=production
//   unless set, TF_PLUGIN_CACHE_DIR (~/.terraform.d/plugin-cache, created, unless set or
//   CDKTF_DISABLE_PLUGIN_CACHE_ENV), CDKTF_OUTDIR, CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS=true,
//   CDKTF_CONTEXT_JSON (cdktf.json's context plus cdktfRelativeModules) and SYNTH_HCL_OUTPUT=false;
// - the same output folder (--output, else cdktf.json's "output", else cdktf.out);
// - the manifest read back, each stack's annotations printed as `LEVEL [path]: message` (an error
//   annotation fails the run), then "Generated Terraform code for the stacks: ...";
// - exit 0 on success, 1 on any failure, with one line saying what failed.
//
// Fast: an app command `node <script> [args]` (this project's) runs in this very process, as node
// would run it (the main module, the same argv), so the command costs one node start, not two: no
// shell, no second runtime of about 40 MiB. The CLI's heap setting is then a flag of this process
// (package.json runs `node --max-old-space-size=4096 scripts/synth.cjs`); without the flag the app
// keeps node's default heap and NODE_OPTIONS stays unset, so that a V8 code cache made under one
// set of flags is never offered to a process with another. Any other app command runs through a
// shell, as the CLI runs it.
//
// One difference, on purpose (issue 13, item 4): a failed run leaves no stack in the output folder
// at all, so nothing there passes for this run's plans — the earlier run's stacks go before the app
// starts, and whatever a failed app wrote goes after it (main.ts also cleans up when it fails under
// `cdktf synth`). Terraform's files in the stack folders (.terraform/, the lock file, a state file)
// are never removed (scripts/lib/synth-output.cjs): unlike the CLI, a stack the app no longer
// builds loses its plan but keeps them.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync, mkdirSync, readFileSync } = require("node:fs");
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");
const { parseArgs } = require("./lib/args.cjs");
const { MANIFEST, removeSynthesizedStacks, describeRemoved } = require("./lib/synth-output.cjs");

const HEAP_FLAG = "--max-old-space-size=4096";

const { options } = parseArgs(process.argv.slice(2), {
  usage: "usage: npm run synth -- [--output DIR]",
  options: { output: { type: "string" } },
});

/** A failure: what went wrong, for the one line the run ends with. */
class Failure extends Error {}

const cwd = process.cwd();
let config;
try {
  config = JSON.parse(readFileSync(path.join(cwd, "cdktf.json"), "utf8"));
  if (!config.language || !config.app) throw new Failure(`${cwd} is not a cdktf project directory: cdktf.json is missing language / app keys`);
  // The CLI's check before it runs the app: declared providers or modules need their bindings.
  const codeMakerOutput = config.codeMakerOutput ?? ".gen";
  if ([config.terraformProviders, config.terraformModules].some((l) => Array.isArray(l) && l.length > 0) && !existsSync(codeMakerOutput)) {
    throw new Failure(`synthesis failed, run "cdktf get" to generate providers in ${codeMakerOutput}`);
  }
} catch (e) {
  const message = e instanceof Failure ? e.message : `${cwd} is not a cdktf project directory: cdktf.json ${e.code === "ENOENT" ? "is missing" : `cannot be read (${e.message})`}`;
  console.error(`ERROR: ${message}`);
  process.exit(1);
}
const outdir = options.output ?? config.output ?? "cdktf.out";

/** The environment the CLI gives the app. */
function appEnv(inProcess) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("TF_VAR_")));
  if (!env.NODE_OPTIONS && (!inProcess || process.execArgv.includes(HEAP_FLAG))) env.NODE_OPTIONS = HEAP_FLAG;
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

/** What the CLI does once the app has exited: read the manifest back, print, decide. Returns the exit code. */
function finish(appFailure) {
  try {
    if (appFailure) throw new Failure(appFailure);
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(path.join(outdir, MANIFEST), "utf8"));
    } catch (e) {
      throw new Failure(`the app was expected to call synth() and write ${path.join(outdir, MANIFEST)} (${e.code === "ENOENT" ? "not written" : e.message})`);
    }
    const stacks = Object.values(manifest.stacks ?? {});
    for (const stack of stacks) {
      try {
        JSON.parse(readFileSync(path.join(outdir, stack.synthesizedStackPath), "utf8"));
      } catch (e) {
        throw new Failure(`stack ${stack.name}: ${stack.synthesizedStackPath} ${e.code === "ENOENT" ? "was not written" : `is not valid JSON (${e.message})`}`);
      }
    }
    if (stacks.length === 0) console.error("ERROR: No Terraform code synthesized.");
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
    if (annotationError) {
      console.error("ERROR: While synthesizing one or more error annotations have been encountered. Please check the log output above.");
      return 1;
    }
    console.log(`Generated Terraform code for the stacks: ${stacks.map((s) => s.name).join(", ")}`);
    return 0;
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    removeSynthesizedStacks(outdir);
    console.error(`ERROR: synthesis failed: ${e.message}; ${describeRemoved(outdir, earlier)}`);
    return 1;
  }
}

// The earlier run's stacks go first: even a run that is killed leaves none of them behind.
const earlier = removeSynthesizedStacks(outdir);
const direct = /^node((?:\s+[\w@%+=:,./-]+)+)\s*$/.exec(config.app);
if (direct && !direct[1].trim().split(/\s+/)[0].startsWith("-")) {
  const [script, ...args] = direct[1].trim().split(/\s+/);
  const env = { ...appEnv(true), PWD: cwd }; // PWD: what the CLI's shell would set
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
  const main = path.resolve(cwd, script);
  process.argv = [process.argv[0], main, ...args];
  // Whichever way the app ends (returns, process.exit, an uncaught error), this runs last.
  process.once("exit", (code) => {
    process.exitCode = finish(code === 0 ? undefined : `the app "${config.app}" exited with code ${code}`);
  });
  Module._load(main, null, true); // as node loads its entry point: require.main is the app
} else {
  // Ctrl-C reaches the app too (same process group); the cleanup runs once it has exited.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => {});
  const run = spawnSync(config.app, { shell: true, stdio: "inherit", cwd, env: appEnv(false) });
  const what = run.error ? `cannot run the app "${config.app}": ${run.error.message}` : run.signal ? `the app "${config.app}" was stopped by ${run.signal}` : run.status !== 0 ? `the app "${config.app}" exited with code ${run.status}` : undefined;
  process.exitCode = finish(what);
}
