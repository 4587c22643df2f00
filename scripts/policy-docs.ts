/* Regenerates the generated sections of docs/policy.md (rule table, component settings, twins). */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "./lib/args.cjs";
import { regenerate } from "./policy-docs-lib";

parseArgs(process.argv.slice(2), { usage: "usage: npm run docs:policy (takes no arguments)" });

const file = path.resolve("docs", "policy.md");
const before = readFileSync(file, "utf8");
const after = regenerate(before);
writeFileSync(file, after);
console.log(before === after ? "docs/policy.md is up to date" : "docs/policy.md regenerated");
