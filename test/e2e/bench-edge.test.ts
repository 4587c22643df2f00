import { benchTable, compare, medianRound, parseHeyCsv, percentile } from "./bench-edge";

// hey -o csv: response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
const csv = [
  "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset",
  "0.0100,0.0010,0.0000,0.0000,0.0090,0.0000,200,0.0000",
  "0.0200,0.0000,0.0000,0.0000,0.0200,0.0000,200,0.0100",
  "0.0300,0.0000,0.0000,0.0000,0.0300,0.0000,200,0.0300",
  "0.0050,0.0000,0.0000,0.0000,0.0050,0.0000,429,0.0600",
  "0.0400,0.0000,0.0000,0.0000,0.0400,0.0000,200,0.0600",
].join("\n");

describe("bench:edge arithmetic", () => {
  test("nearest-rank percentiles", () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(v, 50), percentile(v, 99), percentile(v, 100), percentile(v, 1)]).toEqual([5, 10, 10, 1]);
    expect(percentile([], 50)).toBeNaN();
  });

  test("a round from hey's CSV counts only 2xx answers for throughput and latency, over the whole span", () => {
    const r = parseHeyCsv(csv);
    expect(r.requests).toBe(5);
    expect(r.ok).toBe(4);
    expect(r.statuses).toEqual({ "200": 4, "429": 1 });
    expect(r.seconds).toBe(0.1); // from offset 0 to 0.06 + 0.04
    expect(r.rps).toBe(40);
    expect(r.p50ms).toBe(20);
    expect(r.p99ms).toBe(40);
  });

  test("the median round by throughput is reported, and the ratio and added latency follow from it", () => {
    const mk = (rps: number, p50ms: number) => ({ requests: 1, ok: 1, seconds: 1, rps, p50ms, p99ms: p50ms * 2, statuses: {} });
    expect(medianRound([mk(3, 1), mk(1, 1), mk(2, 1)]).rps).toBe(2);
    // Throughput from the loaded rounds; added latency from the one-connection rounds (medians of p50s).
    const s = compare("webhook", [mk(1000, 40), mk(1100, 40), mk(900, 50)], [mk(850, 60), mk(800, 70), mk(900, 60)], [mk(50, 2), mk(50, 3)], [mk(40, 4), mk(40, 6)]);
    expect([s.direct.rps, s.edge.rps, s.throughputRatio, s.addedP50ms, s.addedP99ms, s.goalsMet]).toEqual([1000, 850, 0.85, 2.5, 5, true]);
    const slow = compare("rest", [mk(1000, 4)], [mk(700, 12)]);
    expect([slow.throughputRatio, slow.addedP50ms, slow.goalsMet]).toEqual([0.7, 8, false]);
    const laggy = compare("rest", [mk(1000, 4)], [mk(900, 5)], [mk(10, 1)], [mk(10, 7)]);
    expect([laggy.throughputRatio, laggy.addedP50ms, laggy.goalsMet]).toEqual([0.9, 6, false]);
    expect(benchTable([s], { concurrency: 8 })).toContain("| webhook | edge | 850 | 60 / 120 ms | 4 / 8 ms | 85.0% | 2.5 / 5 ms |");
  });
});
