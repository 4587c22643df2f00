import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { localStatePath, prepareLocalState } from "../../stacks/local-state";
import { synthDev } from "../helpers/synth";

/*
 * dev's Terraform state lives in state/ beside the output folder, not in cdktf.out (issue 13,
 * item 8): cdktf.out is pure build output that a synthesis may empty (a failed one does).
 */
describe("dev's local state", () => {
  test("the backend path leads from the stack's folder (cdktf.out/stacks/dev) to state/terraform.dev.tfstate, the same in every checkout", () => {
    const backend = (synthDev().json as { terraform: { backend: Record<string, unknown> } }).terraform.backend;
    expect(backend).toEqual({ local: { path: "../../../state/terraform.dev.tfstate" } });
    const repo = "/home/me/n8n-zt";
    expect(path.resolve(repo, "cdktf.out", "stacks", "dev", localStatePath("dev"))).toBe(`${repo}/state/terraform.dev.tfstate`);
  });

  test("a synthesis into the project's cdktf.out creates state/ only you can enter; one into a folder elsewhere leaves it to Terraform", () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "zt-state-"));
    expect(prepareLocalState(path.join(project, "cdktf.out"), ["dev"], project)).toEqual([]);
    expect(statSync(path.join(project, "state")).mode & 0o777).toBe(0o700);
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), "zt-state-"));
    prepareLocalState(path.join(elsewhere, "out"), ["dev"], project);
    expect(existsSync(path.join(elsewhere, "state"))).toBe(false);
  });

  test("a state file at the former place (cdktf.out/stacks/dev/) is named with how to move it, and never touched", () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "zt-state-"));
    const former = path.join(project, "cdktf.out", "stacks", "dev", "terraform.dev.tfstate");
    mkdirSync(path.dirname(former), { recursive: true });
    writeFileSync(former, "{}");
    const [moved] = prepareLocalState(path.join(project, "cdktf.out"), ["dev"], project);
    expect(moved).toBe(`dev: the state moved to ${project}/state/terraform.dev.tfstate; ${former} is the former place: run \`npx cdktf deploy dev --migrate-state\` once and Terraform copies it`);
    writeFileSync(path.join(project, "state", "terraform.dev.tfstate"), "{}");
    expect(prepareLocalState(path.join(project, "cdktf.out"), ["dev"], project)).toEqual([expect.stringMatching(/^dev: .* is the former place of the state and is no longer read/)]);
    expect(existsSync(former)).toBe(true);
  });
});
