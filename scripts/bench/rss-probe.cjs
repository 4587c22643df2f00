// Loaded with NODE_OPTIONS=--require into every node process of a benchmark run: appends the
// process's peak resident set size (KiB) and its CPU time (user + system, µs) to $BENCH_RSS_FILE
// when it exits.
const fs = require("node:fs");
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const u = process.resourceUsage();
    fs.appendFileSync(file, `${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
  });
}
