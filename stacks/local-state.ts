import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

/*
 * Where a stack with a local backend (dev) keeps its Terraform state: in `state/` beside the
 * output folder (`<repo>/state/` for the default cdktf.out), not inside it. cdktf.out is then pure
 * build output: a synthesis may remove every stack in it (a failed one does) without touching a
 * state file. The backend path is relative to the stack's working folder `<outdir>/stacks/<id>`,
 * where Terraform runs, so the plan is the same in every checkout.
 */

/** The folder beside the output folder that holds local state. */
export const LOCAL_STATE_FOLDER = "state";

/** The local backend's `path` for stack `stackId`, relative to `<outdir>/stacks/<stackId>`. */
export function localStatePath(stackId: string): string {
  return `../../../${LOCAL_STATE_FOLDER}/terraform.${stackId}.tfstate`;
}

/**
 * Creates `<outdir>/../state` (0700: the state is yours alone to read) when the output folder is in
 * `projectDir` (cdktf.out, the default) and the folder is missing; elsewhere (a test's temp folder)
 * Terraform creates it at the first deploy. Returns what the user should know about a state file
 * still at its former place, `<outdir>/stacks/<id>/`.
 */
export function prepareLocalState(outdir: string, stackIds: readonly string[], projectDir: string): string[] {
  const folder = path.resolve(outdir, "..", LOCAL_STATE_FOLDER);
  if (path.dirname(path.resolve(outdir)) === path.resolve(projectDir)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  const notes: string[] = [];
  for (const id of stackIds) {
    const stackDir = path.join(outdir, "stacks", id);
    const former = path.join(stackDir, `terraform.${id}.tfstate`);
    if (!existsSync(former)) continue;
    const current = path.resolve(stackDir, localStatePath(id));
    notes.push(
      existsSync(current)
        ? `${id}: ${former} is the former place of the state and is no longer read (the state is ${current}); delete it once you have checked`
        : `${id}: the state moved to ${current}; ${former} is the former place: run \`npx cdktf deploy ${id} --migrate-state\` once and Terraform copies it`,
    );
  }
  return notes;
}
