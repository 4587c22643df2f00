/* Regenerates the generated sections of docs/policy.md (rule table, component settings, twins). */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { regenerate } from "./policy-docs-lib";

const file = path.resolve("docs", "policy.md");
const before = readFileSync(file, "utf8");
const after = regenerate(before);
writeFileSync(file, after);
console.log(before === after ? "docs/policy.md is up to date" : "docs/policy.md regenerated");
