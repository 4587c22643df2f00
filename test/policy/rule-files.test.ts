import { readdirSync } from "node:fs";
import path from "node:path";
import { AWS_PACK, COMPONENT_RULES, DOCKER_PACK } from "../../constructs/policy/packs";
import { Rule } from "../../constructs/policy/rule";
import { REPO_ROOT } from "../helpers/synth";

/*
 * cdk-nag keeps a rule's file name, export and id the same, so a reader goes from a finding to its
 * file: every file under rules/docker/ and rules/aws/ that defines one rule is named
 * `<id in lower case>-<export name in kebab case>.ts`. Files that are not one rule (helpers) keep
 * their names; rules/components/ holds one file per component with several rules each.
 */
const NOT_ONE_RULE = new Set(["helpers.ts", "roles.ts"]);
const kebab = (name: string) => name.replace(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/g, "-").toLowerCase();
const isRule = (x: unknown): x is Rule => typeof x === "object" && x !== null && typeof (x as Rule).id === "string" && typeof (x as Rule).evaluate === "function";

const ruleFiles = (["docker", "aws"] as const).flatMap((dir) =>
  readdirSync(path.join(REPO_ROOT, "constructs/policy/rules", dir))
    .filter((f) => f.endsWith(".ts") && !NOT_ONE_RULE.has(f))
    .map((file) => {
      const exports = require(path.join(REPO_ROOT, "constructs/policy/rules", dir, file)) as Record<string, unknown>;
      return { dir, file, rules: Object.entries(exports).filter(([, v]) => isRule(v)) as [string, Rule][] };
    }),
);

describe("rule files", () => {
  test("each file under rules/docker/ and rules/aws/ (helpers aside) defines exactly one rule", () => {
    expect(ruleFiles.filter((f) => f.rules.length !== 1).map((f) => `${f.dir}/${f.file}: ${f.rules.map(([n]) => n).join(", ") || "no rule"}`)).toEqual([]);
  });

  test("a single-rule file is named <id in lower case>-<export in kebab case>.ts", () => {
    const misnamed = ruleFiles
      .filter((f) => f.rules.length === 1)
      .map((f) => ({ actual: `${f.dir}/${f.file}`, expected: `${f.dir}/${f.rules[0][1].id.toLowerCase()}-${kebab(f.rules[0][0])}.ts` }))
      .filter((f) => f.actual !== f.expected);
    expect(misnamed).toEqual([]);
    expect(kebab("Ec2Imdsv2")).toBe("ec2-imdsv2");
    expect(kebab("CapabilitiesNotDropped")).toBe("capabilities-not-dropped");
  });

  test("every pack rule outside rules/components/ lives in its own file, in the folder of its pack", () => {
    const inFiles = new Map(ruleFiles.flatMap((f) => f.rules.map(([, r]) => [r, f.dir] as const)));
    const expected = [...DOCKER_PACK.filter((r) => !COMPONENT_RULES.includes(r)).map((r) => [r.id, "docker"]), ...AWS_PACK.map((r) => [r.id, "aws"])];
    expect([...inFiles].map(([r, dir]) => [r.id, dir]).sort()).toEqual(expected.sort());
  });
});
