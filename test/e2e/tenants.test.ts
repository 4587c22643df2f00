import { readFileSync } from "node:fs";
import path from "node:path";
import { devConfig, REPO_ROOT } from "../helpers/synth";
import { e2eTenants, isolationMatrix, rateLimitVerdict } from "./tenants";
import { suiteCaseIds, twinOf } from "./twins";

/* The tenant suite's pure helpers (bash test/e2e/run.sh --tenants runs the cases themselves). */
const config = devConfig(JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "dev.tenants.json"), "utf8")));
const [acme, globex] = e2eTenants(config, REPO_ROOT);

describe("tenant suite helpers", () => {
  test("the suite addresses each tenant by the names the stack derives", () => {
    expect(acme).toEqual(expect.objectContaining({
      id: "acme",
      host: "n8n-acme.localhost",
      cookieName: "__Host-n8n-acme-sso",
      containers: { main: "n8n-acme-main", runners: "n8n-acme-runners", postgres: "n8n-acme-postgres", sso: "n8n-acme-oauth2-proxy" },
      networks: { edge: "n8n-acme-edge", app: "n8n-acme-app", data: "n8n-acme-data", egress: "n8n-acme-egress" },
      postgres: { database: "n8n_acme", n8nRole: "n8n_acme" },
    }));
    expect(globex.rate).toEqual({ average: 10, burst: 20, periodSeconds: 1 });
    expect(globex.allowedEmailDomains).not.toContain(config.devIdp!.demoUserEmail.split("@")[1]);
  });

  test("the isolation matrix: from every network of A, B's n8n, runners and Postgres are denied; A's own n8n and Postgres are the positive controls", () => {
    const m = isolationMatrix(acme, globex);
    const denied = m.filter((a) => !a.expectOpen);
    expect(denied).toHaveLength(4 * 3);
    expect(new Set(denied.map((a) => a.fromNetwork))).toEqual(new Set(Object.values(acme.networks)));
    expect(new Set(denied.map((a) => a.target.container))).toEqual(new Set(["n8n-globex-main", "n8n-globex-runners", "n8n-globex-postgres"]));
    expect(m.filter((a) => a.expectOpen).map((a) => [a.fromNetwork, a.target.container])).toEqual([["n8n-acme-app", "n8n-acme-main"], ["n8n-acme-data", "n8n-acme-postgres"]]);
  });

  test("the rate-limit verdict: A limited after its burst, B served right after", () => {
    const served = (n: number) => Array.from({ length: n }, () => "404");
    expect(rateLimitVerdict([...served(50), "429", "429"], 50, "404")).toEqual([]);
    expect(rateLimitVerdict(served(60), 50, "404")).toEqual(["no 429 in 60 requests to the first tenant's webhook"]);
    expect(rateLimitVerdict(["429", ...served(60)], 50, "404")).toEqual(["429 within the first tenant's burst of 50"]);
    expect(rateLimitVerdict([...served(50), "429"], 50, "429")).toEqual(["the second tenant's webhook answered 429 right after: its bucket is not its own"]);
  });

  test("every tenant case has a twin and is listed in docs/tenants.md", () => {
    const ids = suiteCaseIds(readFileSync(path.join(__dirname, "tenants.ts"), "utf8"), "*");
    expect(ids.length).toBeGreaterThanOrEqual(10);
    expect(ids.filter((id) => !twinOf(id))).toEqual([]);
    const doc = readFileSync(path.join(REPO_ROOT, "docs", "tenants.md"), "utf8");
    expect(ids.filter((id) => !doc.includes(`\`${id}\``))).toEqual([]);
  });
});
