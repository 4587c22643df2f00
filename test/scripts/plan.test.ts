import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/*
 * npm run plan: the offline plan a user runs without AWS credentials (issue 13, item 2). Real
 * terraform, providers from the local mirror only, every AWS_* variable removed.
 */
const root = path.join(__dirname, "..", "..");
const plan = (args: string[]) => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^AWS_/.test(k)) env[k] = v;
  return spawnSync("node", ["scripts/run-ts.cjs", "scripts/plan.ts", ...args], { cwd: root, env, encoding: "utf8", timeout: 240_000 });
};

test("prod-cloud plans offline: validate ok, a plan of every resource, and what a real diff needs", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "zt-plan-test-"));
  const r = plan(["prod-cloud", "--out", out]);
  expect([r.status, r.stderr.split("\n").filter((l) => l && !l.startsWith("[zero-trust]"))]).toEqual([0, []]);
  expect(r.stdout).toMatch(/^validate: ok$/m);
  const added = Number(/^Plan: (\d+) to add, 0 to change, 0 to destroy\.$/m.exec(r.stdout)?.[1]);
  expect(added).toBeGreaterThan(50);
  expect(r.stdout).toMatch(/^ +1 {2}aws_kms_key$/m);
  expect(r.stdout).toMatch(/needs AWS credentials for account \d{12}, region [a-z0-9-]+ .* and the state bucket/);
  const json = JSON.parse(readFileSync(path.join(out, "plan.json"), "utf8"));
  expect(json.resource_changes.filter((c: any) => c.mode === "managed").length).toBe(added);
  expect(existsSync(path.join(out, "plan.txt"))).toBe(true);
}, 240_000);

test("a stack that does not exist is refused with the allowed names and exit 2", () => {
  const r = plan(["staging"]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/unknown stack "staging"; allowed: dev, prod-cloud, prod-runtime/);
  expect(r.stderr).toMatch(/^usage: npm run plan -- /m);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
