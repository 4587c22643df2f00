#!/usr/bin/env node
// Runs a TypeScript entry point with plain `node`: esbuild transpiles and bundles only the
// project's own sources (node_modules stay external) into .cache/, then the result is required.
// The bundle is reused while none of its source files changed (one stat per file), so a repeat
// `cdktf synth` costs about what an empty cdktf app costs; ts-node would add seconds of type
// checking on every run. Type checking is `npm run typecheck`. (CommonJS on purpose: Node's ESM
// loader adds a few milliseconds to every start.)
"use strict";
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.cjs <entry.ts> [args...]");
  process.exit(2);
}
const entryPath = path.resolve(root, entry);
const outfile = path.join(root, ".cache", "run-ts", path.relative(root, entryPath).replace(/\.ts$/, ".cjs"));
const inputsFile = `${outfile}.inputs.json`;

/** True when the bundle exists and no source it was built from is newer (or gone). */
function isFresh() {
  try {
    const built = statSync(outfile).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
    return inputs.every((f) => statSync(path.join(root, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/**
 * Node resolves every bare `require("@cdktf/provider-aws/lib/<resource>")` through node_modules
 * and the package's exports map, on every run. The bundle refers to those files by absolute
 * path instead, resolved once at build.
 */
const resolveExternalsOnce = {
  name: "resolve-externals-once",
  setup(build) {
    build.onResolve({ filter: /^(@cdktf\/provider-[a-z0-9-]+\/lib\/|cdktf$|constructs$|zod$)/ }, (args) => ({ path: require.resolve(args.path, { paths: [root] }), external: true }));
  },
};

async function bundle() {
  const { build } = require("esbuild");
  mkdirSync(path.dirname(outfile), { recursive: true });
  // Build to a private name and rename: concurrent runs (parallel tests) never see half a file.
  const tmp = `${outfile}.${process.pid}.tmp`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entryPath],
    outfile: tmp,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "error",
    metafile: true,
    plugins: [resolveExternalsOnce],
  });
  writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(Object.keys(result.metafile.inputs)));
  renameSync(tmp, outfile);
  renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
}

function run() {
  process.argv = [process.argv[0], entryPath, ...rest];
  require(outfile);
}

if (isFresh()) run();
else
  bundle().then(run, (e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
