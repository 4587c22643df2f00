export interface PairedSummary {
  median: number;
  min: number;
  max: number;
  rounds: number;
}
export interface Check {
  what: string;
  value: number;
  limit: number;
}
export declare function median(xs: number[]): number;
export declare function pairedRatios(a: number[], b: number[]): number[];
export declare function pairedSummary(a: number[], b: number[]): PairedSummary;
export declare function gate<R>(
  measure: () => R[],
  checks: (rounds: R[]) => Check[],
  opts?: { onRetry?: (over: Check[]) => void },
): { rounds: R[]; over: Check[]; confirmed: boolean };
