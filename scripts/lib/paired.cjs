// Paired ratios for the benchmarks (`npm run bench:synth`). Each round runs every subject once, in
// turn, so a round's A and B ran within a second of each other: the ratio A/B is taken round by
// round and its median is the figure, as farm-bench does. A shared machine (other jobs, a host
// that takes a core away for a while) slows the rounds it hits, both subjects of a round alike
// more than rounds far apart; the median of per-round ratios keeps one slow stretch from moving the
// figure, which a ratio of two medians does not (each median may come from another stretch).
//
// A gate on such a figure: a batch whose median is above the limit is measured again with as many
// rounds, and the verdict is on the median of all the rounds. A real regression (the app doing
// more work) is above the limit in every batch and stays so; a batch that a noisy minute pushed
// over does not. CommonJS for the .mjs scripts and the tests; types in paired.d.cts.
"use strict";

/** The median of a non-empty list of numbers. */
function median(xs) {
  if (xs.length === 0) throw new Error("median of no values");
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** a[i] / b[i] for each round i: both lists are one subject's figure per round, in round order. */
function pairedRatios(a, b) {
  if (a.length !== b.length) throw new Error(`paired ratios need as many rounds of each (got ${a.length} and ${b.length})`);
  return a.map((v, i) => v / b[i]);
}

/** The median, lowest and highest of the per-round ratios a[i] / b[i]. */
function pairedSummary(a, b) {
  const r = pairedRatios(a, b);
  return { median: median(r), min: Math.min(...r), max: Math.max(...r), rounds: r.length };
}

/**
 * The gate. `measure()` runs one batch of rounds and returns its rounds; `checks(rounds)` gives,
 * for all the rounds so far, the figures that have a limit: [{ what, value, limit }]. A figure above
 * its limit after the first batch makes one more batch; the verdict is on all the rounds.
 * Returns { rounds, over, confirmed } where `over` lists the figures above their limit at the end,
 * and `confirmed` says whether a second batch was measured.
 */
function gate(measure, checks, { onRetry } = {}) {
  let rounds = measure();
  let over = checks(rounds).filter((c) => c.value > c.limit);
  if (over.length === 0) return { rounds, over, confirmed: false };
  if (onRetry) onRetry(over);
  rounds = [...rounds, ...measure()];
  over = checks(rounds).filter((c) => c.value > c.limit);
  return { rounds, over, confirmed: true };
}

module.exports = { median, pairedRatios, pairedSummary, gate };
