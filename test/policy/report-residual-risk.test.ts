import { portGates } from "../../constructs/policy/report/cross-stack";
import { reviewStacks } from "../../constructs/policy/report/report";
import { residualRiskSection } from "../../constructs/policy/report/residual-risk";
import { cloudStack, linked, runtimeStack } from "./report-fixtures";

describe("residual risk", () => {
  const stacks = linked({ cloud: cloudStack(), runtime: runtimeStack() }).map((s) => ({ ...s, result: reviewStacks([{ name: s.name, json: s.json }], { rules: [] })[0].result }));
  const text = residualRiskSection(stacks, portGates(stacks));

  test("routes without SSO, with how the edge is reached and whether anything limits them", () => {
    expect(text).toContain("- **runtime** (edge: **internet-exposed**");
    expect(text).toContain("  - hook: `` PathPrefix(`/webhook/`) `` → app → edge, no SSO; **no rate or body limit**");
  });

  test("who can read which secret: IAM principals, and the files and containers on the host; docker-group users", () => {
    expect(text).toContain("| app/db | cloud | no IAM grant in this stack | instance web-host: db-password → db (runtime), app (runtime) |");
    expect(text).toContain("On instance web-host (cloud), deploy is in the `docker` group");
    expect(text).toContain("Not rotated automatically: app/token (manual (recorded decision))");
  });
});
