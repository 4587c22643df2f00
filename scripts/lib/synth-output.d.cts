/** Types of synth-output.cjs (what a synthesis owns in its output folder). */
export const MANIFEST: string;
export const STACKS_FOLDER: string;
/** Entries of a stack folder that cdktf writes; everything else there is kept. */
export const GENERATED_IN_STACK: readonly string[];
/** The stack folders in `outdir`. */
export function stackFolders(outdir: string): string[];
/** Removes the manifest and each stack's plan and assets (with `only`, those stacks' alone); returns the stacks whose plan it removed. */
export function removeSynthesizedStacks(outdir: string, only?: readonly string[]): string[];
/** One line on what a failed synthesis left in `outdir`. */
export function describeRemoved(outdir: string, removed: readonly string[]): string;
