// Loaded with NODE_OPTIONS=--require into every node process of a benchmark run: appends the
// process's peak resident set size (KiB) to $BENCH_RSS_FILE when it exits.
const fs = require("node:fs");
const file = process.env.BENCH_RSS_FILE;
if (file) process.on("exit", () => fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
