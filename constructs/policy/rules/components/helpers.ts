import { Component, componentOf } from "../../component-config";
import { ModelContainer } from "../../docker-model";
import { Rule, RuleContext, RuleFinding, RuleLevel, SettingDoc } from "../../rule";
import { containerFinding } from "../docker/roles";

export interface ComponentRuleSpec {
  readonly id: string;
  readonly level: RuleLevel;
  readonly component: Component;
  /** Further components the same check applies to (their containers read the same settings). */
  readonly alsoOn?: readonly Component[];
  readonly cause: string;
  readonly explanation: string;
  readonly checkov?: readonly string[];
  /** `[setting, safe values]` pairs for docs/policy.md. */
  readonly settings: readonly (readonly [string, string])[];
  /** Problems of one container running the component (each becomes a finding), or none. */
  readonly check: (c: ModelContainer, ctx: RuleContext) => readonly (string | undefined | false)[] | string | undefined | false;
}

/** A rule over every container that runs one component. */
export function componentRule(spec: ComponentRuleSpec): Rule {
  const settings: SettingDoc[] = spec.settings.map(([setting, safe]) => ({ component: spec.component, setting, safe }));
  return {
    id: spec.id,
    level: spec.level,
    cause: spec.cause,
    explanation: spec.explanation,
    checkov: spec.checkov,
    settings,
    appliesTo: "docker_",
    evaluate: (_stack, ctx) => {
      const out: RuleFinding[] = [];
      const on = new Set<Component | undefined>([spec.component, ...(spec.alsoOn ?? [])]);
      for (const c of ctx.docker.containers) {
        if (!on.has(componentOf(c))) continue;
        const r = spec.check(c, ctx);
        for (const p of Array.isArray(r) ? r : [r]) if (p) out.push(containerFinding(c, `${c.name}: ${p}`));
      }
      return out;
    },
  };
}

/**
 * An environment value as n8n's config loader sees it: surrounding quotes stripped
 * (normalizeEnvValue); undefined when unset.
 */
export function envValue(env: Record<string, string>, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) ? t.slice(1, -1) : t;
}

/** An environment value as a boolean the way n8n's config reads it (true/1, false/0, any case); undefined when unset or unreadable. */
export function envBool(env: Record<string, string>, name: string): boolean | undefined {
  const v = envValue(env, name);
  if (v === undefined) return undefined;
  if (/^(true|1)$/i.test(v.trim())) return true;
  if (/^(false|0)$/i.test(v.trim())) return false;
  return undefined;
}

/** A flag's boolean value (last one wins, like pflag); undefined when not given. */
export function flagBool(settings: Map<string, string[]>, name: string): boolean | undefined {
  const v = settings.get(name);
  if (!v || v.length === 0) return undefined;
  return /^(true|1|t)$/i.test(v[v.length - 1].trim());
}

/** The last value of a flag. */
export function flagValue(settings: Map<string, string[]>, name: string): string | undefined {
  const v = settings.get(name);
  return v && v.length > 0 ? v[v.length - 1] : undefined;
}

/** Every value of a list flag, comma lists split (pflag StringSlice semantics). */
export function flagList(settings: Map<string, string[]>, name: string): string[] {
  return (settings.get(name) ?? []).flatMap((v) => v.split(",")).map((x) => x.trim()).filter(Boolean);
}

/** Go duration text ("8h", "1h30m", "168h0m0s", "30s") in seconds; undefined when it does not parse. */
export function goDurationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (t === "0") return 0;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let rest = t;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return t.length > 0 ? total : undefined;
}

/** True for an address range that includes every IPv4 or IPv6 address. */
export function isEverywhere(cidr: string): boolean {
  return /^(0\.0\.0\.0\/0|::\/0|0\/0)$/.test(cidr.trim());
}
