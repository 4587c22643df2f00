import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../helpers/synth";

/*
 * What makes `cdktf synth` fast must not change a byte of what it writes:
 * - DevStack and ProdCloudStack skip cdktf's preparation pass (SelfContainedStack). Synthesizing
 *   the whole app both ways must give byte-identical plans: that proves they refer to no other
 *   stack, and that skipping the pass changes nothing.
 * - scripts/run-ts.cjs bundles cdktf, constructs, zod and the providers with the sources and runs
 *   the bundle with V8's code cache; the plans equal those of node loading every package itself.
 */
function synth(env: Record<string, string> = {}): Record<string, string> {
  const out = mkdtempSync(path.join(os.tmpdir(), "zt-prepare-"));
  const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: out, N8N_ZT_FULL_PREPARE: "0", ...env },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stderr);
  const files: Record<string, string> = { "manifest.json": readFileSync(path.join(out, "manifest.json"), "utf8") };
  for (const s of readdirSync(path.join(out, "stacks"))) files[s] = readFileSync(path.join(out, "stacks", s, "cdk.tf.json"), "utf8");
  return files;
}

function expectSamePlans(actual: Record<string, string>, expected: Record<string, string>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const file of Object.keys(expected)) expect([file, actual[file]]).toEqual([file, expected[file]]);
}

const fast = synth();

test("skipping cdktf's preparation pass for self-contained stacks yields identical plans", () => {
  expectSamePlans(fast, synth({ N8N_ZT_FULL_PREPARE: "1" }));
});

test("the bundled app with its code cache writes the same plans as node loading every package", () => {
  expectSamePlans(fast, synth({ RUN_TS_BUNDLE_DEPS: "0", RUN_TS_CODE_CACHE: "0" }));
  expectSamePlans(synth({ RUN_TS_CODE_CACHE: "0" }), fast);
});

test("a code cache V8 rejects is replaced, and the plans do not change", () => {
  const dir = path.join(REPO_ROOT, ".cache", "run-ts");
  const caches = readdirSync(dir).filter((f) => f.startsWith("main.cjs.") && f.endsWith(".v8cache"));
  expect(caches.length).toBeGreaterThan(0);
  const garbage = new Map<string, Buffer>();
  for (const f of caches) {
    const file = path.join(dir, f);
    const data = readFileSync(file);
    // Keep the header (it names the bundle, so the cache is offered to V8), break the data.
    const header = data.subarray(0, data.indexOf(10) + 1);
    garbage.set(file, Buffer.concat([header, Buffer.alloc(4096, 7)]));
    writeFileSync(file, garbage.get(file)!);
  }
  expectSamePlans(synth(), fast);
  const rewritten = [...garbage].filter(([file, bad]) => !readFileSync(file).equals(bad));
  expect(rewritten.length).toBeGreaterThan(0);
});

test("esbuild, imported by the Lambda bundler, is loaded only when it is called", () => {
  // An entry point of its own (in the git-ignored cache folder): run-ts bundles it like main.ts.
  const dir = path.join(REPO_ROOT, ".cache", "run-ts-test");
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, "lazy-esbuild.ts");
  writeFileSync(
    entry,
    [
      `import { transformSync, version } from "esbuild";`,
      `const loaded = () => Object.keys(require.cache).some((f) => f.includes("/node_modules/esbuild/"));`,
      `const before = loaded();`,
      `const code = transformSync("let x: number = 1", { loader: "ts" }).code;`,
      `console.log(JSON.stringify({ before, after: loaded(), version, code }));`,
    ].join("\n"),
  );
  const run = () => spawnSync(process.execPath, ["scripts/run-ts.cjs", path.relative(REPO_ROOT, entry)], { cwd: REPO_ROOT, encoding: "utf8" });
  run(); // builds the bundle, with esbuild
  const r = run();
  expect(r.stderr).toBe("");
  const result = JSON.parse(r.stdout);
  expect(result).toEqual({ before: false, after: true, version: require("esbuild").version, code: "let x = 1;\n" });
});
