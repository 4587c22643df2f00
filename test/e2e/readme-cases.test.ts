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
