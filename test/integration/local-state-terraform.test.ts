import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeSynthesizedStacks } from "../../scripts/lib/synth-output.cjs";
import { synthDev } from "../helpers/synth";
import { terraformIn } from "../helpers/terraform";

/*
 * The real Terraform, run where cdktf runs it (cdktf.out/stacks/dev), with dev's backend block as
 * synthesized, writes the state to state/ beside cdktf.out (issue 13, item 8), finds it there again,
 * and a failed synthesis emptying cdktf.out does not lose it. A built-in resource (terraform_data)
 * stands in for the Docker ones, so no provider is needed.
 */
test("Terraform in cdktf.out/stacks/dev keeps dev's state in state/terraform.dev.tfstate, which survives a synthesis that empties cdktf.out", () => {
  const project = mkdtempSync(path.join(os.tmpdir(), "zt-state-tf-"));
  const stackDir = path.join(project, "cdktf.out", "stacks", "dev");
  const backend = (synthDev().json as { terraform: { backend: unknown } }).terraform.backend;
  const plan = (input: string) => {
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify({ terraform: { backend }, resource: { terraform_data: { marker: { input } } } }));
  };
  plan("first");
  const emptyMirror = mkdtempSync(path.join(os.tmpdir(), "zt-no-providers-"));
  const tf = terraformIn(stackDir, { mirror: emptyMirror, providers: [] });
  tf.ok(["init", "-input=false", "-no-color"]);
  tf.ok(["apply", "-auto-approve", "-input=false", "-no-color"]);
  expect(existsSync(path.join(project, "state", "terraform.dev.tfstate"))).toBe(true);
  expect(readdirSync(stackDir).filter((f) => f.includes("tfstate"))).toEqual([]);

  // A failed synthesis takes every plan out of cdktf.out; the state stays, and the next plan finds it.
  removeSynthesizedStacks(path.join(project, "cdktf.out"));
  expect(existsSync(path.join(stackDir, "cdk.tf.json"))).toBe(false);
  expect(existsSync(path.join(project, "state", "terraform.dev.tfstate"))).toBe(true);
  plan("first");
  expect(tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"]).status).toBe(0);
  plan("second");
  expect(tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"]).stdout).toMatch(/terraform_data\.marker will be updated in-place/);
});

test("a state at the former place (cdktf.out/stacks/dev/terraform.dev.tfstate) moves with init -migrate-state, what cdktf deploy --migrate-state runs", () => {
  const project = mkdtempSync(path.join(os.tmpdir(), "zt-state-migrate-"));
  const stackDir = path.join(project, "cdktf.out", "stacks", "dev");
  mkdirSync(stackDir, { recursive: true });
  const write = (backend: unknown) => writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify({ terraform: { backend }, resource: { terraform_data: { marker: { input: "kept" } } } }));
  write({ local: { path: "terraform.dev.tfstate" } }); // the backend before issue 13
  const tf = terraformIn(stackDir, { mirror: mkdtempSync(path.join(os.tmpdir(), "zt-no-providers-")), providers: [] });
  tf.ok(["init", "-input=false", "-no-color"]);
  tf.ok(["apply", "-auto-approve", "-input=false", "-no-color"]);
  write((synthDev().json as { terraform: { backend: unknown } }).terraform.backend);
  expect(tf.run(["init", "-input=false", "-no-color"]).stderr).toMatch(/Backend configuration changed/);
  tf.ok(["init", "-input=false", "-no-color", "-migrate-state", "-force-copy"]);
  expect(existsSync(path.join(project, "state", "terraform.dev.tfstate"))).toBe(true);
  expect(tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"]).status).toBe(0);
});
