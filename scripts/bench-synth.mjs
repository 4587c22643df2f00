#!/usr/bin/env node
// Measures, side by side in one run, the README's synthesis command (`npm run synth`), the app
// command of cdktf.json alone (what `npm run synth` and `cdktf synth` run), and an empty cdktf app
// run by plain node: wall time and peak RSS over several rounds, each running the three in turn.
// Each subject's figures are medians; each ratio is the median of the per-round ratios
// (scripts/lib/paired.cjs), printed with its lowest and highest.
//
//   npm run bench:synth                 # 7 rounds
//   npm run bench:synth -- --runs 11    # more rounds
//   npm run bench:synth -- --check      # exit 1 when a ratio exceeds its limit (README/app 2x, app/empty 2.5x; --max-ratio R sets both)
//                                       # after a second batch of as many rounds: the verdict is on all of them
//   npm run bench:synth -- --tenants 50 # the app with 50 tenants against 1 tenant (issue 16; limit 3x)
//
// Peak RSS is that of the largest process of a run (what /usr/bin/time -v reports for a command
// and its children); "all" adds up the peaks of every node process of the run (npm, synth.cjs and
// the app for the README's command), an upper bound of what they held together. The checks: the
// README's command within the limit of the app alone (time and largest process), and the app alone
// within the limit of the empty app.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import args from "./lib/args.cjs";
import paired from "./lib/paired.cjs";

const { median, pairedSummary, gate } = paired;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { options } = args.parseArgs(process.argv.slice(2), {
  usage: "usage: npm run bench:synth -- [--runs N] [--check] [--max-ratio R] [--tenants N]",
  options: { runs: { type: "string", check: args.wholeNumber(1) }, "max-ratio": { type: "string", check: args.positiveNumber }, check: { type: "boolean" }, tenants: { type: "string", check: args.wholeNumber(2) } },
});
const runs = Number(options.runs ?? "7");
const tenantCount = options.tenants === undefined ? undefined : Number(options.tenants);
const maxRatio = Number(options["max-ratio"] ?? (tenantCount === undefined ? "2" : "3"));
// The app against an empty cdktf app: 2.5x since prod-ecs made the app four stacks (2.07x-2.25x
// measured with it on 2 cores; 2x held with three). --max-ratio sets both limits.
const appRatio = options["max-ratio"] === undefined ? 2.5 : maxRatio;
const check = options.check === true;

const appCommand = JSON.parse(readFileSync(path.join(root, "cdktf.json"), "utf8")).app;
const work = mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));

/**
 * config/dev.tenants.json with `n` tenants: its first tenant repeated under ids t1..tn and hosts
 * n8n-t1..n8n-tn (each its own edge subnet, derived), written into the work folder.
 */
function tenantsConfig(n) {
  const c = JSON.parse(readFileSync(path.join(root, "config", "dev.tenants.json"), "utf8"));
  const t = c.tenants[0];
  c.tenants = Array.from({ length: n }, (_, i) => ({ ...t, id: `t${i + 1}`, host: `n8n-t${i + 1}` }));
  const file = path.join(work, `dev.${n}-tenants.json`);
  writeFileSync(file, JSON.stringify(c, null, 2));
  return file;
}

const subjects = tenantCount !== undefined
  ? [
      { key: "one", name: "the app, dev with 1 tenant", command: appCommand, outdir: true, env: { N8N_ZT_DEV_CONFIG: tenantsConfig(1) } },
      { key: "many", name: `the app, dev with ${tenantCount} tenants`, command: appCommand, outdir: true, env: { N8N_ZT_DEV_CONFIG: tenantsConfig(tenantCount) } },
    ]
  : [
  { key: "empty", name: "empty cdktf app (node)", command: `node ${JSON.stringify(path.join(root, "scripts/bench/empty-app.cjs"))}`, outdir: true },
  { key: "app", name: `the app alone (${appCommand})`, command: appCommand, outdir: true },
  // Exactly what the README says, writing cdktf.out as it does for a user.
  { key: "readme", name: "npm run synth (the README's command)", command: "npm run synth", outdir: false },
];
const probe = path.join(root, "scripts/bench/rss-probe.cjs");

function runOnce(subject, i) {
  const outdir = path.join(work, `out-${subject.key}-${i}`);
  const rssFile = path.join(work, `rss-${subject.key}-${i}`);
  writeFileSync(rssFile, "");
  const env = { ...process.env, ...subject.env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${JSON.stringify(probe)}`, ...(subject.outdir ? { CDKTF_OUTDIR: outdir } : {}) };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(subject.command, { cwd: root, env, shell: true, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    console.error(`${subject.name} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(2);
  }
  const lines = readFileSync(rssFile, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
  const peaks = lines.map(([kib]) => kib);
  rmSync(outdir, { recursive: true, force: true });
  const cpuMs = lines.reduce((a, [, us]) => a + us, 0) / 1000;
  return { ms, cpuMs, rssMiB: Math.max(...peaks) / 1024, allMiB: peaks.reduce((a, b) => a + b, 0) / 1024, processes: peaks.length };
}

for (const s of subjects) runOnce(s, "warmup"); // the page cache, the bundle and the code caches
let batch = 0;
/** One batch of `runs` rounds; a round runs every subject once, in turn: { [key]: result }. */
function measure() {
  batch += 1;
  const rounds = [];
  for (let i = 0; i < runs; i++) rounds.push(Object.fromEntries(subjects.map((s) => [s.key, runOnce(s, `${batch}-${i}`)])));
  return rounds;
}
const col = (rounds, key, field) => rounds.map((r) => r[key][field]);
/** Medians of each subject's figures, for the table. */
const table = (rounds) =>
  Object.fromEntries(
    subjects.map((s) => [s.key, { name: s.name, ms: median(col(rounds, s.key, "ms")), cpu: median(col(rounds, s.key, "cpuMs")), rss: median(col(rounds, s.key, "rssMiB")), all: median(col(rounds, s.key, "allMiB")), processes: Math.max(...col(rounds, s.key, "processes")) }]),
  );
/** The per-round ratios of subject a to subject b: median, lowest and highest. */
const ratio = (rounds, a, b) => ({
  time: pairedSummary(col(rounds, a, "ms"), col(rounds, b, "ms")),
  cpu: pairedSummary(col(rounds, a, "cpuMs"), col(rounds, b, "cpuMs")),
  rss: pairedSummary(col(rounds, a, "rssMiB"), col(rounds, b, "rssMiB")),
  all: pairedSummary(col(rounds, a, "allMiB"), col(rounds, b, "allMiB")),
});
const x = (v) => `${v.toFixed(2)}x`;
const spread = (p) => `${x(p.median)} (${x(p.min)}-${x(p.max)})`;

const limits =
  tenantCount !== undefined
    ? (rounds) => {
        const r = ratio(rounds, "many", "one");
        return [
          { what: `${tenantCount} tenants / 1 tenant, time`, value: r.time.median, limit: maxRatio },
          { what: `${tenantCount} tenants / 1 tenant, peak RSS`, value: r.rss.median, limit: maxRatio },
        ];
      }
    : (rounds) => {
        const readme = ratio(rounds, "readme", "app");
        const app = ratio(rounds, "app", "empty");
        return [
          { what: "README command / app alone, time", value: readme.time.median, limit: maxRatio },
          { what: "README command / app alone, peak RSS", value: readme.rss.median, limit: maxRatio },
          { what: "app alone / empty app, time", value: app.time.median, limit: appRatio },
          { what: "app alone / empty app, peak RSS", value: app.rss.median, limit: appRatio },
        ];
      };
const label = tenantCount !== undefined ? `bench:synth --tenants ${tenantCount}` : "bench:synth";
const describe = (over) => over.map((c) => `${c.what} ${x(c.value)} (limit ${c.limit}x)`).join(", ");
const result = check
  ? gate(measure, limits, { onRetry: (over) => console.log(`${label}: above the limit in the first ${runs} rounds (${describe(over)}); ${runs} more rounds, the verdict on all ${2 * runs}`) })
  : { rounds: measure(), over: [], confirmed: false };
rmSync(work, { recursive: true, force: true });
const rounds = result.rounds;
const row = table(rounds);
const heading = `${rounds.length} rounds, each subject once a round, in turn; medians per subject; ratios: the median of the per-round ratios (lowest-highest)`;

if (tenantCount !== undefined) {
  const r = ratio(rounds, "many", "one");
  console.log(`${label} — ${heading} (${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version})`);
  console.log(`  ${"".padEnd(40)} ${"wall".padStart(6)}    ${"cpu".padStart(6)}    peak RSS`);
  for (const s of subjects) {
    const v = row[s.key];
    console.log(`  ${v.name.padEnd(40)} ${v.ms.toFixed(0).padStart(6)} ms ${v.cpu.toFixed(0).padStart(6)} ms ${v.rss.toFixed(1).padStart(6)} MiB`);
  }
  console.log(`  ratio ${tenantCount} tenants / 1 tenant: time ${spread(r.time)}, cpu ${spread(r.cpu)}, peak RSS ${spread(r.rss)}  limit ${maxRatio}x`);
} else {
  const readme = ratio(rounds, "readme", "app");
  const app = ratio(rounds, "app", "empty");
  console.log(`${label} — ${heading} (${os.cpus().length} cores, node ${process.version})`);
  console.log(`  ${"".padEnd(52)} ${"wall".padStart(6)}    ${"cpu".padStart(6)}    peak RSS  (all node processes)`);
  for (const s of subjects) {
    const r = row[s.key];
    console.log(`  ${r.name.padEnd(52)} ${r.ms.toFixed(0).padStart(6)} ms ${r.cpu.toFixed(0).padStart(6)} ms ${r.rss.toFixed(1).padStart(6)} MiB  (${r.all.toFixed(1)} MiB in ${r.processes})`);
  }
  console.log(`  README command / app alone: time ${spread(readme.time)}, cpu ${spread(readme.cpu)}, peak RSS ${spread(readme.rss)}, all processes ${x(readme.all.median)}  limit ${maxRatio}x`);
  console.log(`  app alone / empty app:      time ${spread(app.time)}, cpu ${spread(app.cpu)}, peak RSS ${spread(app.rss)}  limit ${appRatio}x`);
}
if (result.confirmed) console.log(`${label}: ${result.over.length === 0 ? `within the limits on all ${rounds.length} rounds (the first batch's excess did not hold)` : `still above the limit on all ${rounds.length} rounds`}`);
if (result.over.length > 0) {
  console.error(`${label}: above the limit: ${describe(result.over)}`);
  process.exit(1);
}
