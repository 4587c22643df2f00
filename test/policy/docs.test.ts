import { readFileSync } from "node:fs";
import path from "node:path";
import { SUPPRESSION_RULE } from "../../constructs/policy/engine";
import { ALL_RULES, COMPONENT_RULES, DOCKER_PACK } from "../../constructs/policy/packs";
import { regenerate } from "../../scripts/policy-docs-lib";
import { REPO_ROOT } from "../helpers/synth";

describe("docs/policy.md", () => {
  const doc = readFileSync(path.join(REPO_ROOT, "docs/policy.md"), "utf8");
  const rows = new Map([...doc.matchAll(/^\| (ZT-[A-Z0-9-]+) \| ([^|]+) \| (error|warning) \| ((?:[^|\\]|\\.)+) \| ([^|]+) \|$/gm)].map((m) => [m[1], m]));

  test("its generated sections (rules, component settings, twins) are what npm run docs:policy writes", () => {
    expect(doc).toBe(regenerate(doc));
  });

  test("the rule table lists every rule with its pack, level, cause and Checkov ids, and nothing else", () => {
    const expected = [...ALL_RULES.map((r) => ({ ...r, pack: DOCKER_PACK.includes(r) ? "docker" : "aws" })), { ...SUPPRESSION_RULE, pack: "(engine)", checkov: undefined }];
    expect([...rows.keys()].sort()).toEqual(expected.map((r) => r.id).sort());
    for (const r of expected) {
      const m = rows.get(r.id)!;
      expect([m[2], m[3], m[4].replace(/\\\|/g, "|"), m[5].trim()]).toEqual([r.pack, r.level, r.cause, (r.checkov ?? []).join(", ") || "—"]);
    }
  });

  test("every setting a component rule reads has a row in the per-component table", () => {
    const esc = (x: string) => x.replace(/\|/g, "\\|");
    for (const r of COMPONENT_RULES) for (const s of r.settings ?? []) expect(doc).toContain(`| \`${esc(s.setting)}\` | ${esc(s.safe)} | ${r.id} | ${r.level} |`);
    expect(COMPONENT_RULES.flatMap((r) => r.settings ?? []).length).toBeGreaterThan(60);
  });
});
