#!/usr/bin/env node
// Checks every ```mermaid block of a Markdown file with the real mermaid library: its parser
// (mermaid.parse) and its renderer (mermaid.render, which runs the flowchart layout and fails on
// problems the parser accepts, e.g. a subgraph cycle). mermaid needs a DOM: jsdom provides one,
// with text measuring stubbed (jsdom has no layout engine), so the SVG's geometry is approximate
// but every step mermaid takes to draw the diagram runs. Exits 1 with mermaid's message on failure.
//   node scripts/check-mermaid.mjs report.md
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";
import args from "./lib/args.cjs";

const { positionals } = args.parseArgs(process.argv.slice(2), { usage: "usage: node scripts/check-mermaid.mjs [file.md] (standard input without one)", positionals: { max: 1 } });

const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
// jsdom has no layout: give SVG text a size from its length so the layout has numbers to work with.
const svgProto = dom.window.SVGElement.prototype;
svgProto.getBBox = function () {
  return { x: 0, y: 0, width: 7 * (this.textContent ?? "").length + 2, height: 16 };
};
svgProto.getComputedTextLength = function () {
  return 7 * (this.textContent ?? "").length;
};
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { htmlLabels: false } });

const text = readFileSync(positionals[0] ?? 0, "utf8");
const blocks = [...text.matchAll(/```mermaid\r?\n([\s\S]*?)```/g)].map((m) => m[1]);
if (blocks.length === 0) {
  console.error("no mermaid block found");
  process.exit(1);
}
for (const [i, block] of blocks.entries()) {
  try {
    const { diagramType } = await mermaid.parse(block);
    const { svg } = await mermaid.render(`diagram${i + 1}`, block);
    if (!/^<svg[\s\S]*<\/svg>$/.test(svg.trim())) throw new Error("renderer returned no SVG");
    const nodes = (svg.match(/class="node[ "]/g) ?? []).length;
    const edges = (svg.match(/class="edgePath|data-edge="true"/g) ?? []).length;
    console.log(`diagram ${i + 1}: ${diagramType} parsed and rendered (${nodes} nodes, ${edges} edges, ${svg.length} bytes of SVG)`);
  } catch (e) {
    console.error(`diagram ${i + 1} does not ${/render|layout|parent|cycle/i.test(String(e?.message)) ? "render" : "parse"}: ${e?.message ?? e}`);
    process.exit(1);
  }
}
