/** Types of args.cjs (the shared argument parser of scripts/). */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** The only values a string option takes. */
  readonly values?: readonly string[];
  /** What is wrong with a string option's value (the message follows "--name "), or undefined. */
  readonly check?: (value: string) => string | undefined;
}

export interface ArgsSpec<O extends Record<string, OptionSpec>> {
  /** One line: "usage: npm run x -- [--flag]". */
  readonly usage: string;
  readonly options?: O;
  /** How many positional arguments the command takes. @default none */
  readonly positionals?: {
    readonly min?: number;
    readonly max?: number;
    /** The message when fewer than min are given. @default - "missing arguments (N needed, M given)" */
    readonly missing?: string;
  };
}

export type ParsedOptions<O extends Record<string, OptionSpec>> = { [K in keyof O]?: O[K]["type"] extends "boolean" ? true : string };

export function parseArgs<O extends Record<string, OptionSpec>>(argv: readonly string[], spec: ArgsSpec<O>): { options: ParsedOptions<O>; positionals: string[] };
export function usageError(usage: string, message: string): never;
export function wholeNumber(least: number): (value: string) => string | undefined;
export function positiveNumber(value: string): string | undefined;
