import { makeContext } from "../../constructs/policy/rule";
import { costSection } from "../../constructs/policy/report/cost";
import { cloudStack } from "./report-fixtures";

describe("cost by region", () => {
  const cloud = (region?: string) => {
    const j = cloudStack("app/db db-password app", region ?? "us-east-1");
    if (!region) delete (j as any).provider;
    return j;
  };
  test("the stack's own region's prices when the table has it", () => {
    expect(costSection(makeContext("c", cloud("us-east-1")), cloud("us-east-1"))).toContain("List prices for us-east-1 (the stack's region) in USD");
  });
  test("a clear statement when no prices are known for the stack's region, or the plan sets none", () => {
    const text = costSection(makeContext("c", cloud("eu-west-1")), cloud("eu-west-1"));
    expect(text).toContain("**No prices are known for this stack's region (eu-west-1)**");
    expect(text).toContain("| item | quantity | basis | per month at us-east-1 prices |");
    expect(costSection(makeContext("c", cloud()), cloud())).toContain("(not set in the plan)");
  });
});
