import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { collectProvenance, provenanceSection } from "../../constructs/policy/report/provenance";
import { REPO_ROOT } from "../helpers/synth";

describe("provenance", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zt-provenance-"));
  const plan = path.join(dir, "cdk.tf.json");
  writeFileSync(plan, JSON.stringify({ "//": { metadata: { version: "0.21.0" } } }));
  const config = path.join(dir, "prod.json");
  writeFileSync(config, "{}");
  const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

  test("outside a git tree: no commit, the config's and each plan's sha256, the tool's versions", () => {
    const p = collectProvenance({ cwd: dir, stacks: [{ name: "s", file: plan, json: { "//": { metadata: { version: "0.21.0" } } } }], configs: [config], configNote: "as given", packageJson: path.join(REPO_ROOT, "package.json") });
    expect(p.commit).toBeUndefined();
    expect(p.plans).toEqual([{ stack: "s", file: plan, sha256: sha(plan), bytes: expect.any(Number) }]);
    expect(p.configs[0].sha256).toBe(sha(config));
    expect(p.tool).toMatchObject({ name: "n8n-zero-trust-cdktf", node: process.version, cdktf: ["0.21.0"] });
    const text = provenanceSection(p);
    expect(text).toContain("not a git working tree: no commit recorded");
    expect(text).toContain(`| s | \`${plan}\` |`);
  });

  test("in this repository: the commit HEAD points at, and each config's git state", () => {
    const p = collectProvenance({ cwd: REPO_ROOT, stacks: [], configs: [path.join(REPO_ROOT, "config/dev.json"), config], configNote: "n" });
    expect(p.commit?.sha).toBe(execFileSync("git", ["-C", REPO_ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).trim());
    expect(p.configs[1].state).toBe("outside the working tree");
  });
});
