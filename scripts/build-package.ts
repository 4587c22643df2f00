/*
 * npm run build: the package in dist/, as `npm pack` ships it (package.json "files").
 *
 * - tsc (tsconfig.build.json): JavaScript and .d.ts of the public entry point constructs/index.ts
 *   and of the review tool, with what they import.
 * - The rotation Lambda, bundled by esbuild exactly as synthesis in this repository bundles it,
 *   beside the compiled construct (dist/constructs/aws/rotation-lambda.zip): the package uses the
 *   prebuilt zip and never needs esbuild, a dev dependency here.
 * - The review tool's bin (dist/bin/n8n-zt-review.js) and the argument parser it requires.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { prebuiltLambdaZipPath } from "../constructs/aws/lambda-code";
import { bundleLambda, projectRoot } from "../lambda/build";
import { parseArgs } from "./lib/args.cjs";

parseArgs(process.argv.slice(2), { usage: "usage: npm run build (takes no arguments)" });

const repo = projectRoot();
const dist = path.join(repo, "dist");

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [repo] }), "-p", path.join(repo, "tsconfig.build.json")], { cwd: repo, stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

for (const name of ["rotation", "secret-sync", "queue-metrics"]) copyFileSync(bundleLambda(name, repo).zipPath, prebuiltLambdaZipPath(name, path.join(dist, "constructs", "aws")));

mkdirSync(path.join(dist, "scripts", "lib"), { recursive: true });
copyFileSync(path.join(repo, "scripts", "lib", "args.cjs"), path.join(dist, "scripts", "lib", "args.cjs"));
const bin = path.join(dist, "bin", "n8n-zt-review.js");
mkdirSync(path.dirname(bin), { recursive: true });
writeFileSync(bin, '#!/usr/bin/env node\n"use strict";\nrequire("../scripts/review.js");\n');
chmodSync(bin, 0o755);
console.log(`built ${path.relative(process.cwd(), dist) || "."}: constructs/index.js + .d.ts, the Lambda zips (rotation, secret-sync, queue-metrics), bin/n8n-zt-review.js`);
