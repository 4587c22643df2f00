#!/usr/bin/env node
// Measures the app command in cdktf.json (what `cdktf synth` runs) against an empty cdktf app run
// by plain node: wall time and peak RSS, medians over several alternating runs, and the ratios.
//
//   npm run bench:synth                 # 7 runs each
//   npm run bench:synth -- --runs 11    # more runs
//   npm run bench:synth -- --check      # exit 1 when a ratio exceeds --max-ratio (default 2)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import args from "./lib/args.cjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { options } = args.parseArgs(process.argv.slice(2), {
  usage: "usage: npm run bench:synth -- [--runs N] [--check] [--max-ratio R]",
  options: { runs: { type: "string", check: args.wholeNumber(1) }, "max-ratio": { type: "string", check: args.positiveNumber }, check: { type: "boolean" } },
});
const runs = Number(options.runs ?? "7");
const maxRatio = Number(options["max-ratio"] ?? "2");
const check = options.check === true;

const appCommand = JSON.parse(readFileSync(path.join(root, "cdktf.json"), "utf8")).app;
const subjects = [
  { name: "empty cdktf app (node)", command: `node ${JSON.stringify(path.join(root, "scripts/bench/empty-app.cjs"))}` },
  { name: `this app (${appCommand})`, command: appCommand },
];

const work = mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
const probe = path.join(root, "scripts/bench/rss-probe.cjs");

function runOnce(subject, i) {
  const outdir = path.join(work, `out-${subject.idx}-${i}`);
  const rssFile = path.join(work, `rss-${subject.idx}-${i}`);
  writeFileSync(rssFile, "");
  const env = { ...process.env, CDKTF_OUTDIR: outdir, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${JSON.stringify(probe)}` };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(subject.command, { cwd: root, env, shell: true, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    console.error(`${subject.name} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(2);
  }
  const rssKiB = Math.max(...readFileSync(rssFile, "utf8").trim().split("\n").map(Number));
  rmSync(outdir, { recursive: true, force: true });
  return { ms, rssMiB: rssKiB / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

subjects.forEach((s, idx) => (s.idx = idx));
for (const s of subjects) runOnce(s, "warmup"); // fill the page cache and esbuild's output folder
const results = subjects.map(() => []);
for (let i = 0; i < runs; i++) subjects.forEach((s, idx) => results[idx].push(runOnce(s, i)));
rmSync(work, { recursive: true, force: true });

const rows = subjects.map((s, idx) => ({
  name: s.name,
  ms: median(results[idx].map((r) => r.ms)),
  rss: median(results[idx].map((r) => r.rssMiB)),
}));
const timeRatio = rows[1].ms / rows[0].ms;
const rssRatio = rows[1].rss / rows[0].rss;
console.log(`bench:synth — ${runs} runs each, medians (${os.cpus().length} cores, node ${process.version})`);
for (const r of rows) console.log(`  ${r.name.padEnd(48)} ${r.ms.toFixed(0).padStart(6)} ms  ${r.rss.toFixed(1).padStart(7)} MiB`);
console.log(`  ratio (this app / empty app)                     time ${timeRatio.toFixed(2)}x  peak RSS ${rssRatio.toFixed(2)}x  (limit ${maxRatio}x)`);
if (check && (timeRatio > maxRatio || rssRatio > maxRatio)) {
  console.error(`bench:synth: ratio above ${maxRatio}x`);
  process.exit(1);
}
