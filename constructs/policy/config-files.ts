import { parse as parseToml } from "smol-toml";
import { parseDocument } from "yaml";

/*
 * Config files the policy pack reads out of a plan (uploaded into a container, or written at start
 * from the environment): parsed with real parsers — YAML 1.2 (`yaml`), TOML 1.0 (`smol-toml`), JSON —
 * never matched with regular expressions over the text. Also the command-line flags beside them.
 */

export type ConfigFormat = "yaml" | "toml" | "json";

/** The format a file's name says it has; undefined for anything else (not parsed). */
export function formatOf(file: string): ConfigFormat | undefined {
  if (/\.ya?ml$/i.test(file)) return "yaml";
  if (/\.toml$/i.test(file)) return "toml";
  if (/\.json$/i.test(file)) return "json";
  return undefined;
}

/** A parsed document, or why it could not be parsed (a rule then treats its settings as unknown). */
export interface ParsedConfig {
  readonly doc?: unknown;
  readonly error?: string;
}

export function parseConfig(text: string, format: ConfigFormat): ParsedConfig {
  try {
    if (format === "toml") return { doc: parseToml(text) };
    if (format === "json") return { doc: JSON.parse(text) };
    // Merge keys (`<<: *anchor`) on: Traefik's YAML decoder (yaml.v3) resolves them.
    const d = parseDocument(text, { uniqueKeys: true, prettyErrors: false, merge: true });
    if (d.errors.length > 0) return { error: d.errors[0].message };
    return { doc: d.toJS() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Flattens a parsed document into dotted keys → string values (`entrypoints.web.address` → ":80").
 * Keys are lower-cased when `lowerKeys` (Traefik's keys are case-insensitive); list items get their
 * index; an empty map or list is kept as "{}" / "[]" (Traefik treats `tls: {}` as "on").
 */
export function flattenDoc(doc: unknown, lowerKeys = true): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0 && path) out[path] = "[]";
      v.forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i)));
    } else if (v instanceof Date) {
      out[path] = v.toISOString();
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0 && path) out[path] = "{}";
      for (const [k, x] of entries) walk(x, path ? `${path}.${lowerKeys ? k.toLowerCase() : k}` : lowerKeys ? k.toLowerCase() : k);
    } else if (path) {
      out[path] = v === null || v === undefined ? "" : String(v);
    }
  };
  walk(doc, "");
  return out;
}

/** Parses and flattens a config file by its name's format; {} when the format is unknown or the text does not parse. */
export function flattenConfigFile(file: string, text: string, lowerKeys = true): Record<string, string> {
  const format = formatOf(file);
  if (!format) return {};
  const parsed = parseConfig(text, format);
  return parsed.doc === undefined ? {} : flattenDoc(parsed.doc, lowerKeys);
}

// ---- command-line flags ----------------------------------------------------------------------

/**
 * GNU-style flags (`--name=value`, `--name value`, `--bool`) of a command line, each name with every
 * value it was given (flags that repeat, like oauth2-proxy's `--email-domain`, keep them all).
 * `booleans` names flags that take no separate value (`--name` alone means "true").
 */
export function parseFlags(args: readonly string[], booleans: ReadonlySet<string> = new Set()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => out.set(k, [...(out.get(k) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([A-Za-z0-9][A-Za-z0-9._-]*)(?:=([\s\S]*))?$/.exec(args[i]);
    if (!m) continue;
    const name = m[1].toLowerCase();
    if (m[2] !== undefined) add(name, m[2]);
    else if (!booleans.has(name) && i + 1 < args.length && !args[i + 1].startsWith("-")) add(name, args[++i]);
    else add(name, "true");
  }
  return out;
}
