/**
 * A small YAML emitter for cloud-config documents: enough for mappings, sequences, strings,
 * numbers and booleans, and nothing clever. Every string is quoted (JSON double quotes, which
 * YAML accepts) except multi-line text, which becomes a literal block (`|`) so scripts and unit
 * files stay readable in the user data. YAML 1.1 surprises (`on`, `yes`, `0644` read as booleans
 * or octal numbers) cannot happen because no string is ever plain.
 */
export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** JSON's string syntax is valid YAML; escape the few characters YAML 1.1 reads as line breaks or BOM. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Literal blocks only for plain printable text whose indentation YAML can detect on its own. */
function blockSafe(s: string): boolean {
  if (!s.includes("\n") || /[^\n\x20-\x7e]/.test(s)) return false;
  const firstLine = s.split("\n").find((l) => l.length > 0);
  return firstLine !== undefined && !firstLine.startsWith(" ");
}

function literalBlock(s: string, indent: number): string {
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing > 0 ? s.slice(0, -1) : s;
  const pad = " ".repeat(indent);
  return `|${chomp}\n${body
    .split("\n")
    .map((l) => (l.length > 0 ? pad + l : ""))
    .join("\n")}`;
}

function isScalar(v: YamlValue): v is string | number | boolean {
  return typeof v !== "object";
}

function scalar(v: string | number | boolean, indent: number): string {
  if (typeof v === "string") return blockSafe(v) ? literalBlock(v, indent) : quote(v);
  if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`YAML: ${v} is not a finite number`);
  return String(v);
}

function key(k: string): string {
  return SIMPLE_KEY.test(k) ? k : quote(k);
}

/** Lines for `value` at `indent` spaces, without a trailing newline. */
function emit(value: YamlValue, indent: number): string {
  const pad = " ".repeat(indent);
  if (isScalar(value)) return pad + scalar(value, indent + 2);
  if (Array.isArray(value)) {
    const items = value as readonly YamlValue[];
    if (items.length === 0) return `${pad}[]`;
    // A list of scalars (runcmd's argv) reads best on one line.
    if (items.every((i) => isScalar(i) && !(typeof i === "string" && blockSafe(i)))) return `${pad}[${items.map((i) => scalar(i as string, 0)).join(", ")}]`;
    return items
      .map((item) => {
        if (isScalar(item)) return `${pad}- ${scalar(item, indent + 2)}`;
        const nested = emit(item, indent + 2);
        return `${pad}- ${nested.slice(indent + 2)}`;
      })
      .join("\n");
  }
  const entries = Object.entries(value as { [key: string]: YamlValue | undefined }).filter((e): e is [string, YamlValue] => e[1] !== undefined);
  if (entries.length === 0) return `${pad}{}`;
  return entries
    .map(([k, v]) => {
      if (isScalar(v)) return `${pad}${key(k)}: ${scalar(v, indent + 2)}`;
      const nested = emit(v, indent + 2);
      // Empty collections and flow lists stay on the key's line.
      return /^\s*[[{]/.test(nested) && !nested.includes("\n") ? `${pad}${key(k)}: ${nested.trimStart()}` : `${pad}${key(k)}:\n${nested}`;
    })
    .join("\n");
}

/** A YAML document for `value` (a mapping or sequence at the top), ending with a newline. */
export function toYaml(value: YamlValue): string {
  return `${emit(value, 0)}\n`;
}
