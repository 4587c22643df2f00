import { readFileSync } from "node:fs";
import path from "node:path";
import { ATTACK_CASE_IDS } from "./attacks";
import { suiteCaseIds } from "./twins";

/*
 * The README's table of what the deploy suite proves lists exactly the suite's cases: a case added
 * to test/e2e/suite.ts (or attacks.ts) without a row, or a row left behind, fails here.
 */
const root = path.join(__dirname, "..", "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const suiteSource = readFileSync(path.join(__dirname, "suite.ts"), "utf8");

/** Case ids of the suite; templated parts (`validate.${stack}`) become `*`. */
const suiteIds = new Set([...suiteCaseIds(suiteSource, "*"), ...ATTACK_CASE_IDS]);

function readmeIds(): Set<string> {
  const start = readme.indexOf("| case | claim |");
  const end = readme.indexOf("\n\n", start);
  const rows = readme.slice(start, end).split("\n").slice(2);
  return new Set(rows.flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/^validate\.(dev|prod-runtime)$/, "validate.*"))));
}

test("the README's case table lists every case of the deploy suite, and nothing else", () => {
  const documented = readmeIds();
  expect(documented.size).toBeGreaterThan(20);
  expect([...suiteIds].filter((id) => !documented.has(id)).sort()).toEqual([]);
  expect([...documented].filter((id) => !suiteIds.has(id)).sort()).toEqual([]);
});

test("each security claim at the top of the README points at cases of the deploy suite", () => {
  const intro = readme.slice(0, readme.indexOf("## Request path"));
  const claims = intro.split("\n- ").slice(1).map((b) => b.split("\n\n")[0]);
  expect(claims.length).toBeGreaterThanOrEqual(5);
  for (const claim of claims) {
    const title = /^\*\*([^*]+)\*\*/.exec(claim)?.[1] ?? claim.slice(0, 40);
    const named = [...claim.matchAll(/`([a-z0-9-]+\.[a-z0-9.*-]+)`/g)].map((m) => m[1]).filter((id) => suiteIds.has(id));
    // A claim that names no case is unproven on the running stack; one that names an unknown id points nowhere.
    expect([title, named.length > 0]).toEqual([title, true]);
    const unknown = [...claim.matchAll(/Proven[^.]*?:([^]*?)(\.|$)/g)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((x) => x[1])).filter((id) => !suiteIds.has(id));
    expect([title, unknown]).toEqual([title, []]);
  }
});
