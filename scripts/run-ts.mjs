#!/usr/bin/env node
// Runs a TypeScript entry point with plain `node`: esbuild transpiles and bundles only the
// project's own sources (node_modules stay external) into .cache/, then the result is required.
// The bundle is reused while none of its source files changed (one stat per file), so a repeat
// `cdktf synth` costs about what an empty cdktf app costs; ts-node would add seconds of type
// checking on every run. Type checking is `npm run typecheck`.
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.mjs <entry.ts> [args...]");
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
 * and the package's exports map, on every run; that lookup cost more than the modules
 * themselves. The bundle refers to those files by absolute path instead, resolved once at build.
 */
const resolveExternalsOnce = {
  name: "resolve-externals-once",
  setup(build) {
    const req = createRequire(path.join(root, "package.json"));
    build.onResolve({ filter: /^(@cdktf\/provider-[a-z0-9-]+\/lib\/|cdktf$|constructs$|zod$)/ }, (args) => ({ path: req.resolve(args.path), external: true }));
  },
};

if (!isFresh()) {
  const { build } = await import("esbuild");
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
process.argv = [process.argv[0], entryPath, ...rest];
createRequire(import.meta.url)(outfile);
