import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../helpers/synth";

/*
 * DevStack and ProdCloudStack skip cdktf's preparation pass (SelfContainedStack). Synthesizing
 * the whole app both ways must give byte-identical plans: that proves they refer to no other
 * stack, and that skipping the pass changes nothing.
 */
function synth(fullPrepare: boolean): Record<string, string> {
  const out = mkdtempSync(path.join(os.tmpdir(), "zt-prepare-"));
  const r = spawnSync(process.execPath, ["scripts/run-ts.cjs", "main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: out, N8N_ZT_FULL_PREPARE: fullPrepare ? "1" : "0" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Object.fromEntries(readdirSync(path.join(out, "stacks")).map((s) => [s, readFileSync(path.join(out, "stacks", s, "cdk.tf.json"), "utf8")]));
}

test("skipping cdktf's preparation pass for self-contained stacks yields identical plans", () => {
  const fast = synth(false);
  const full = synth(true);
  expect(Object.keys(fast).sort()).toEqual(Object.keys(full).sort());
  for (const stack of Object.keys(full)) expect([stack, fast[stack]]).toEqual([stack, full[stack]]);
});
