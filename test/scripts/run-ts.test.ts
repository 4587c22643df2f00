import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../helpers/synth";

/*
 * scripts/run-ts.cjs (the app runner of cdktf.json) reuses its bundle only while nothing it was
 * built from changed: the entry's sources, and the runner itself (whose esbuild plugin decides
 * what the bundle holds).
 */
describe("scripts/run-ts.cjs: when the bundle is rebuilt", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "run-ts-"));
    mkdirSync(path.join(dir, "scripts"));
    copyFileSync(path.join(REPO_ROOT, "scripts/run-ts.cjs"), path.join(dir, "scripts/run-ts.cjs"));
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = () => spawnSync(process.execPath, ["scripts/run-ts.cjs", "hello.ts"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  const bundleMtime = () => statSync(path.join(dir, ".cache/run-ts/hello.cjs")).mtimeMs;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test("same sources: the same bundle; an edited source or an edited runner: a new one", async () => {
    writeFileSync(path.join(dir, "hello.ts"), 'const who: string = "one";\nconsole.log(who);\n');
    expect(run()).toMatchObject({ status: 0, stdout: "one\n" });
    const first = bundleMtime();

    await sleep(20);
    expect(run()).toMatchObject({ status: 0, stdout: "one\n" });
    expect(bundleMtime()).toBe(first);

    await sleep(20);
    writeFileSync(path.join(dir, "hello.ts"), 'const who: string = "two!";\nconsole.log(who);\n');
    expect(run()).toMatchObject({ status: 0, stdout: "two!\n" });
    const second = bundleMtime();
    expect(second).toBeGreaterThan(first);

    await sleep(20);
    appendFileSync(path.join(dir, "scripts/run-ts.cjs"), "// an edit to the runner\n");
    expect(run()).toMatchObject({ status: 0, stdout: "two!\n" });
    expect(bundleMtime()).toBeGreaterThan(second);
  });
});
