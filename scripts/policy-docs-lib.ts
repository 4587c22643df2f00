/*
 * The generated parts of docs/policy.md (issue 19): the rule table, the per-component table of
 * security settings (from each component rule's `settings`), and the attack-case → twin-rule table.
 * `npm run docs:policy` writes them between their markers; test/policy/docs.test.ts fails when the
 * file differs from what this renders.
 */
import { COMPONENT_NAMES } from "../constructs/policy/component-config";
import { SUPPRESSION_RULE } from "../constructs/policy/engine";
import { ALL_RULES, COMPONENT_RULES, DOCKER_PACK } from "../constructs/policy/packs";
import { ATTACK_CASE_IDS } from "../test/e2e/attacks";
import { TWINS } from "../test/e2e/twins";

const esc = (s: string) => s.replace(/\|/g, "\\|");

export function renderRuleTable(): string {
  const rows = [...ALL_RULES.map((r) => ({ ...r, pack: DOCKER_PACK.includes(r) ? "docker" : "aws" })), { ...SUPPRESSION_RULE, pack: "(engine)", checkov: undefined }];
  return [
    "| ID | pack | level | cause | Checkov |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.id} | ${r.pack} | ${r.level} | ${esc(r.cause)} | ${(r.checkov ?? []).join(", ") || "—"} |`),
  ].join("\n");
}

export function renderComponentTables(): string {
  const out: string[] = [];
  for (const [component, name] of Object.entries(COMPONENT_NAMES)) {
    const rows = COMPONENT_RULES.flatMap((r) => (r.settings ?? []).filter((s) => s.component === component).map((s) => ({ ...s, rule: r })));
    if (rows.length === 0) continue;
    out.push(`#### ${name}`, "", "| setting | safe values | rule | level |", "|---|---|---|---|");
    for (const s of rows) out.push(`| \`${esc(s.setting)}\` | ${esc(s.safe)} | ${s.rule.id} | ${s.rule.level} |`);
    out.push("");
  }
  return out.join("\n").trimEnd();
}

export function renderTwinTable(): string {
  const attack = new Set(ATTACK_CASE_IDS);
  const order = Object.keys(TWINS).sort((a, b) => Number(attack.has(b)) - Number(attack.has(a)));
  return [
    "| deploy-suite case | twin rules (refuse the configuration that lets it through) | or why none |",
    "|---|---|---|",
    ...order.map((id) => `| \`${id}\` | ${(TWINS[id].rules ?? []).join(", ") || "—"} | ${esc(TWINS[id].reason ?? "")} |`),
  ].join("\n");
}

export const SECTIONS: Record<string, () => string> = { rules: renderRuleTable, components: renderComponentTables, twins: renderTwinTable };

/** The document with every generated section replaced; throws when a marker is missing. */
export function regenerate(doc: string): string {
  let out = doc;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name} [^>]*-->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/policy.md has no <!-- generated:${name} ... --> ... <!-- /generated:${name} --> markers`);
    out = out.replace(re, (_m, a, b) => `${a}\n\n${render()}\n\n${b}`);
  }
  return out;
}
