import { parseRule, positivePathLiterals, ruleMatches } from "../../constructs/policy/traefik-rules";

const req = (path: string, host = "n8n.example.com") => ({ host, path });

describe("Traefik rule evaluation", () => {
  test("Host and PathPrefix with && and ||", () => {
    const e = parseRule("Host(`n8n.example.com`) && (PathPrefix(`/webhook/`) || PathPrefix(`/form/`))");
    expect(ruleMatches(e, req("/webhook/x"))).toBe(true);
    expect(ruleMatches(e, req("/form/x"))).toBe(true);
    expect(ruleMatches(e, req("/rest/x"))).toBe(false);
    expect(ruleMatches(e, req("/webhook/x", "other.example.com"))).toBe(false);
  });

  test("negation excludes paths, and && binds tighter than ||", () => {
    const e = parseRule("Host(`a.b`) && !PathPrefix(`/metrics`) || Path(`/x`)");
    expect(ruleMatches(e, req("/", "a.b"))).toBe(true);
    expect(ruleMatches(e, req("/metrics", "a.b"))).toBe(false);
    expect(ruleMatches(e, req("/x", "c.d"))).toBe(true);
  });

  test("positive path literals skip negated ones", () => {
    expect(positivePathLiterals(parseRule("Host(`a.b`) && !PathPrefix(`/metrics`) && PathPrefix(`/api`)"))).toEqual(["/api"]);
  });

  test("malformed rules are reported, not guessed", () => {
    expect(() => parseRule("Host(`a.b`")).toThrow();
    expect(() => parseRule("Host(`a.b`) &&")).toThrow();
    expect(() => ruleMatches(parseRule("ClientIP(`1.2.3.4`)"), req("/"))).toThrow(/unsupported matcher ClientIP/);
  });
});
