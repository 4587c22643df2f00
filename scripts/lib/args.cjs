// The one argument parser of the project's scripts (TypeScript ones through run-ts.cjs, and the
// .mjs ones run by plain node, hence CommonJS with its types in args.d.cts). Strict: an unknown
// option, a missing or empty value, a value an option does not take, a repeated option, or too
// many or too few arguments print the problem and the script's one-line usage to stderr and exit
// 2, with no stack trace. --help / -h prints the usage to stdout and exits 0.
//
// Accepted forms: `--name value`, `--name=value`, boolean `--flag`, and `--` before arguments
// that begin with a dash.
"use strict";

/** Prints `message` and the usage line to stderr and exits 2. */
function usageError(usage, message) {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

/**
 * @param {string[]} argv the script's arguments (process.argv.slice(2))
 * @param {{ usage: string, options?: Record<string, { type: "string" | "boolean", values?: string[], check?: (v: string) => string | undefined }>, positionals?: { min?: number, max?: number, missing?: string } }} spec
 * @returns {{ options: Record<string, string | boolean | undefined>, positionals: string[] }}
 */
function parseArgs(argv, spec) {
  const defs = spec.options ?? {};
  const min = spec.positionals?.min ?? 0;
  const max = spec.positionals?.max ?? 0;
  const fail = (message) => usageError(spec.usage, message);
  const options = {};
  const positionals = [];
  let rest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (rest || a === "-" || !a.startsWith("-")) {
      positionals.push(a);
      continue;
    }
    if (a === "--") {
      rest = true;
      continue;
    }
    if (a === "--help" || a === "-h") {
      process.stdout.write(`${spec.usage}\n`);
      process.exit(0);
    }
    const eq = a.indexOf("=");
    const name = a.startsWith("--") ? a.slice(2, eq < 0 ? undefined : eq) : undefined;
    const def = name !== undefined && Object.prototype.hasOwnProperty.call(defs, name) ? defs[name] : undefined;
    if (!def) {
      const known = Object.keys(defs).map((n) => `--${n}`);
      fail(`unknown option ${eq < 0 ? a : a.slice(0, eq)}${known.length ? `; allowed: ${known.join(", ")}` : "; this command takes no options"}`);
    }
    if (Object.prototype.hasOwnProperty.call(options, name)) fail(`--${name} is given twice`);
    if (def.type === "boolean") {
      if (eq >= 0) fail(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    let value;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) value = argv[++i];
    if (value === undefined || value === "") fail(`--${name} needs a value`);
    if (def.values && !def.values.includes(value)) fail(`--${name} must be one of ${def.values.join(", ")} (got "${value}")`);
    const problem = def.check ? def.check(value) : undefined;
    if (problem) fail(`--${name} ${problem}${problem.includes(`"${value}"`) ? "" : ` (got "${value}")`}`);
    options[name] = value;
  }
  if (positionals.length > max) {
    fail(max === 0 ? `unexpected argument "${positionals[0]}"` : `too many arguments (at most ${max}): ${positionals.map((p) => `"${p}"`).join(" ")}`);
  }
  if (positionals.length < min) fail(spec.positionals?.missing ?? `missing arguments (${min} needed, ${positionals.length} given)`);
  return { options, positionals };
}

/** For `check`: a whole number of at least `least`. */
const wholeNumber = (least) => (v) => (/^\d+$/.test(v) && Number(v) >= least ? undefined : `must be a whole number of at least ${least}`);
/** For `check`: a number above zero. */
const positiveNumber = (v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0 ? undefined : "must be a number above 0");

module.exports = { parseArgs, usageError, wholeNumber, positiveNumber };
