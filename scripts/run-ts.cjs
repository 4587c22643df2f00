#!/usr/bin/env node
// Runs a TypeScript entry point with plain `node`: esbuild bundles the project's sources together
// with cdktf, constructs, zod and the provider modules they import into one CommonJS file under
// .cache/, and node runs it with V8's code cache for it. ts-node would add seconds of type
// checking on every run; type checking is `npm run typecheck`. (CommonJS on purpose: Node's ESM
// loader adds a few milliseconds to every start.)
//
// Where the time goes: an empty cdktf app spends most of its ~200 ms finding, reading and
// compiling cdktf's ~380 modules; this app would load ~420 (cdktf, providers, zod). One bundle
// read once, with a code cache that holds the functions compiled by the previous run, needs
// neither module resolution nor parsing: the whole app costs little more than the empty one.
//
// - The bundle is reused while every file it was built from, and this runner, is unchanged (same mtime and size;
//   one stat per file, node_modules included, so `npm ci` with other versions rebuilds it).
// - The code cache belongs to one bundle file and one node binary and set of flags; anything else
//   is a miss, and that run writes a new one when it exits.
// - RUN_TS_CODE_CACHE=0 neither reads nor writes the code cache; RUN_TS_BUNDLE_DEPS=0 bundles only
//   the project's sources and lets node load every package (the former behaviour, in its own
//   cache folder). Both give the same results; the tests compare them.
"use strict";
const { createHash } = require("node:crypto");
const { isAscii } = require("node:buffer");
const { mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const root = path.resolve(__dirname, "..");
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.cjs <entry.ts> [args...]");
  process.exit(2);
}
const bundleDeps = process.env.RUN_TS_BUNDLE_DEPS !== "0";
const useCodeCache = process.env.RUN_TS_CODE_CACHE !== "0";
const entryPath = path.resolve(root, entry);
const outfile = path.join(root, ".cache", bundleDeps ? "run-ts" : "run-ts-external", path.relative(root, entryPath).replace(/\.ts$/, ".cjs"));
const inputsFile = `${outfile}.inputs.json`;
// V8 rejects a code cache made under other flags: one cache per set of node options.
const flags = createHash("sha1").update(JSON.stringify([process.execArgv, process.env.NODE_OPTIONS ?? ""])).digest("hex").slice(0, 8);
const cacheFile = `${outfile}.${flags}.v8cache`;

/** True when the bundle exists and every file it was built from is unchanged. */
function isFresh() {
  try {
    const built = statSync(outfile).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, "utf8"));
    if (inputs.built !== built) return false;
    for (const [file, mtimeMs, size] of inputs.files) {
      const s = statSync(path.join(root, file), { throwIfNoEntry: false });
      if (s === undefined || s.mtimeMs !== mtimeMs || s.size !== size) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Packages bundled with the sources (with everything they import); any other package stays external. */
const BUNDLED = /^(cdktf|constructs|zod|@cdktf\/provider-[a-z0-9-]+)(\/|$)/;
/** External packages the sources import but a run rarely calls: loaded on first use, not at start. */
const LAZY = /^esbuild$/;

const insideNodeModules = (file) => file.split(path.sep).includes("node_modules");

const plugin = {
  name: "run-ts",
  setup(build) {
    build.onResolve({ filter: /.*/, namespace: "run-ts-lazy" }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (insideNodeModules(args.importer)) return undefined; // a bundled package's own import
      if (args.path.startsWith("node:")) return undefined;
      if (LAZY.test(args.path)) return { path: require.resolve(args.path, { paths: [root] }), namespace: "run-ts-lazy" };
      // Bundled, or external by absolute path (resolved once here, not by node on every run).
      if (BUNDLED.test(args.path)) return bundleDeps ? undefined : { path: require.resolve(args.path, { paths: [root] }), external: true };
      return { path: args.path, external: true };
    });
    // A stand-in with the package's exports as getters: `require` runs on first use.
    build.onLoad({ filter: /.*/, namespace: "run-ts-lazy" }, (args) => {
      const exported = require(args.path);
      const lines = [`let m;\nconst load = () => (m ??= require(${JSON.stringify(args.path)}));`];
      for (const key of Object.getOwnPropertyNames(exported)) {
        const { enumerable } = Object.getOwnPropertyDescriptor(exported, key);
        // Read by the import helpers at start: a value, not a getter that would load the package.
        if (key === "__esModule") lines.push(`Object.defineProperty(exports, "__esModule", { value: ${exported.__esModule === true} });`);
        else lines.push(`Object.defineProperty(exports, ${JSON.stringify(key)}, { enumerable: ${enumerable}, get: () => load()[${JSON.stringify(key)}] });`);
      }
      return { contents: lines.join("\n"), loader: "js", resolveDir: path.dirname(args.path), watchFiles: [args.path] };
    });
    // cdktf zips ARCHIVE assets by running its own fs module as a script (`node ${__filename} ...`);
    // in the bundle __filename would be the bundle, so that module keeps its real file name.
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      return { contents: text.replace(/\b__filename\b/g, JSON.stringify(realpathSync(args.path))), loader: "js", resolveDir: path.dirname(args.path) };
    });
  },
};

async function bundle() {
  const { build } = require("esbuild");
  mkdirSync(path.dirname(outfile), { recursive: true });
  const started = Date.now();
  // Build to a private name and rename: concurrent runs (parallel tests) never see half a file.
  const tmp = `${outfile}.${process.pid}.tmp`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entryPath],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "error",
    metafile: true,
    plugins: [plugin],
  });
  // This runner's own file too: a change to the plugin above changes what the bundle holds.
  const sources = [...Object.keys(result.metafile.inputs).map((key) => key.replace(/^run-ts-lazy:/, "")), __filename];
  const files = sources.map((f) => {
    const s = statSync(path.resolve(root, f));
    // Changed while esbuild ran: record a state that can never match, so the next run rebuilds.
    return [path.relative(root, path.resolve(root, f)), s.mtimeMs >= started ? -1 : s.mtimeMs, s.size];
  });
  renameSync(tmp, outfile);
  const inputsTmp = `${inputsFile}.${process.pid}.tmp`;
  writeFileSync(inputsTmp, JSON.stringify({ built: statSync(outfile).mtimeMs, files }));
  renameSync(inputsTmp, inputsFile);
  // Code caches of the previous bundle can never match it again.
  const prefix = `${path.basename(outfile)}.`;
  for (const f of readdirSync(path.dirname(outfile))) if (f.startsWith(prefix) && f.endsWith(".v8cache")) rmSync(path.join(path.dirname(outfile), f), { force: true });
}

/** The bundle file a code cache was made for: V8 itself checks only the source's length. */
function bundleIdentity() {
  const s = statSync(outfile);
  return Buffer.from(`${s.ino}:${s.size}:${s.mtimeMs}:${process.version}:${process.arch}\n`);
}

function readCodeCache(identity) {
  if (!useCodeCache) return undefined;
  try {
    const data = readFileSync(cacheFile);
    return data.subarray(0, identity.length).equals(identity) ? data.subarray(identity.length) : undefined;
  } catch {
    return undefined;
  }
}

function run() {
  process.argv = [process.argv[0], entryPath, ...rest];
  const identity = bundleIdentity();
  const cachedData = readCodeCache(identity);
  const bytes = readFileSync(outfile);
  // esbuild writes ASCII (it escapes other characters), and a one-byte string is the cheaper read.
  const source = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString("utf8");
  // The wrapper node puts around a CommonJS module, on the bundle's first line (line numbers hold).
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: outfile, cachedData });
  if (useCodeCache && (cachedData === undefined || script.cachedDataRejected)) {
    // Written when the run ends, so the functions it compiled on the way are in the cache too.
    process.once("exit", () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([identity, script.createCachedData()]));
        renameSync(tmp, cacheFile);
      } catch {
        // No cache only costs time.
      }
    });
  }
  const mod = new Module(outfile, module);
  mod.filename = outfile;
  mod.paths = Module._nodeModulePaths(path.dirname(outfile));
  const req = (id) => mod.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  req.main = require.main;
  req.cache = Module._cache;
  Module._cache[outfile] = mod;
  script.runInThisContext()(mod.exports, req, mod, outfile, path.dirname(outfile));
  mod.loaded = true;
}

if (isFresh()) run();
else
  bundle().then(run, (e) => {
    console.error(e.message ?? e);
    process.exit(1);
  });
