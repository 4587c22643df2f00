/**
 * A minimal YAML emitter for the config files this project uploads into containers (Traefik
 * static/dynamic config). Scalars are written as JSON scalars, which are valid YAML, so no value
 * can break out of its place; keys are quoted unless they are plain identifiers.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : JSON.stringify(k);
}

function isEmptyContainer(v: YamlValue): boolean {
  return (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === undefined));
}

function emit(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (typeof item === "object" && item !== null && !isEmptyContainer(item)) {
        const [first, ...rest] = emit(item, indent + "  ");
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${scalar(item)}`];
    });
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => {
        const val = v as YamlValue;
        if (typeof val === "object" && val !== null && !isEmptyContainer(val)) return [`${indent}${key(k)}:`, ...emit(val, indent + "  ")];
        return [`${indent}${key(k)}: ${scalar(val)}`];
      });
  }
  return [`${indent}${scalar(value)}`];
}

function scalar(v: YamlValue): string {
  if (Array.isArray(v)) return "[]";
  if (typeof v === "object" && v !== null) return "{}";
  return JSON.stringify(v);
}

/** Renders a plain object as a YAML document. */
export function toYaml(doc: { [key: string]: YamlValue | undefined }): string {
  return emit(doc as YamlValue, "").join("\n") + "\n";
}
