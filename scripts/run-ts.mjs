#!/usr/bin/env node
// Runs a TypeScript entry point with plain `node`: esbuild transpiles and bundles only the
// project's own sources (node_modules stay external) into .cache/, then the result is required.
// This keeps `cdktf synth` within a few tens of milliseconds of an empty cdktf app, where
// ts-node would add seconds of type-checking on every run. Type checking is `npm run typecheck`.
import { buildSync } from "esbuild";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
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
mkdirSync(path.dirname(outfile), { recursive: true });
buildSync({
  entryPoints: [entryPath],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
});
process.argv = [process.argv[0], entryPath, ...rest];
createRequire(import.meta.url)(outfile);
