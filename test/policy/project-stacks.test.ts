import { evaluateStack } from "../../constructs/policy/engine";
import { synthProdCloud } from "../helpers/prod-cloud";
import { synthDev } from "../helpers/synth";

/*
 * The project's own stacks under every rule. prod-runtime joins here when stacks/prod-runtime-stack.ts
 * exists (the review test also covers every stack main.ts builds).
 */
describe("the project's stacks pass the zero-trust policy", () => {
  test("dev: no error and no warning", () => {
    const r = evaluateStack("dev", synthDev().json);
    expect(r.findings.map((f) => `${f.ruleId} ${f.path}: ${f.detail}`)).toEqual([]);
  });

  test("prod-cloud: no error finding", () => {
    const r = evaluateStack("prod-cloud", synthProdCloud().json);
    expect(r.errors.map((f) => `${f.ruleId} ${f.path}: ${f.detail}`)).toEqual([]);
  });
});
