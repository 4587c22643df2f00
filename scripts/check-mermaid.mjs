#!/usr/bin/env node
// Parses every ```mermaid block of a Markdown file with the real mermaid library (under jsdom,
// since mermaid expects a DOM). Exits 1 with the parser's message when a diagram does not parse.
//   node scripts/check-mermaid.mjs report.md
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const blocks = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
if (blocks.length === 0) {
  console.error("no mermaid block found");
  process.exit(1);
}
for (const [i, block] of blocks.entries()) {
  try {
    const r = await mermaid.parse(block);
    console.log(`diagram ${i + 1}: ${r.diagramType} ok`);
  } catch (e) {
    console.error(`diagram ${i + 1} does not parse: ${e.message}`);
    process.exit(1);
  }
}
