/*
 * Fargate's task sizes (AWS's table for Linux tasks): each CPU value allows a memory range, in
 * steps. A size outside the table is refused by RegisterTaskDefinition; the config and the
 * constructs refuse it at synth, naming the allowed values.
 */

/** CPU units → allowed memory (MiB): from, to, step. */
export const FARGATE_SIZES: Readonly<Record<number, { readonly min: number; readonly max: number; readonly step: number; readonly extra?: readonly number[] }>> = {
  256: { min: 512, max: 2048, step: 1024, extra: [512, 1024, 2048] },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** Memory values a CPU size allows. */
export function fargateMemoryFor(cpu: number): number[] {
  const s = FARGATE_SIZES[cpu];
  if (!s) return [];
  if (s.extra) return [...s.extra];
  const out: number[] = [];
  for (let m = s.min; m <= s.max; m += s.step) out.push(m);
  return out;
}

/** What is wrong with a Fargate task size (which field, and what it allows), or undefined. */
export function fargateSizeProblem(cpu: number, memoryMb: number): { field: "cpu" | "memoryMb"; message: string } | undefined {
  if (!FARGATE_SIZES[cpu]) return { field: "cpu", message: `must be one of ${Object.keys(FARGATE_SIZES).join(", ")} (Fargate CPU units), got ${cpu}` };
  const allowed = fargateMemoryFor(cpu);
  if (!allowed.includes(memoryMb)) {
    const s = FARGATE_SIZES[cpu];
    return { field: "memoryMb", message: `must be one of Fargate's sizes for cpu ${cpu}: ${s.extra ? allowed.join(", ") : `${s.min} to ${s.max} in steps of ${s.step}`} (MiB), got ${memoryMb}` };
  }
  return undefined;
}
