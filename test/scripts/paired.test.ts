import { gate, median, pairedRatios, pairedSummary } from "../../scripts/lib/paired.cjs";

/*
 * The statistics of `npm run bench:synth`: ratios taken round by round, and a gate that measures a
 * second batch before it fails, deciding on all the rounds.
 */
describe("paired ratios", () => {
  test("each round's A over the same round's B; the median, lowest and highest of those", () => {
    // Round 2 ran on a slow stretch of the machine: both subjects took twice as long.
    const a = [200, 400, 210];
    const b = [100, 200, 100];
    expect(pairedRatios(a, b)).toEqual([2, 2, 2.1]);
    expect(pairedSummary(a, b)).toEqual({ median: 2, min: 2, max: 2.1, rounds: 3 });
    // A ratio of the two medians mixes rounds: 210 (round 3) over 100 (round 1 or 3) is 2.1.
    expect(median(a) / median(b)).toBeCloseTo(2.1);
  });

  test("a slow stretch that hit only B's half of one round moves the median of pairs by one place only", () => {
    const a = [300, 300, 300, 300, 300];
    const b = [150, 150, 60, 150, 150];
    expect(pairedSummary(a, b).median).toBe(2);
    expect(pairedSummary(a, b).max).toBe(5);
  });

  test("median of an even count is the mean of the middle two; unequal rounds and no values are errors", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => pairedRatios([1, 2], [1])).toThrow("paired ratios need as many rounds of each (got 2 and 1)");
    expect(() => median([])).toThrow("median of no values");
  });
});

describe("the gate", () => {
  const batches = (...values: number[][]) => {
    let i = 0;
    return () => values[i++].map((v) => ({ v }));
  };
  const checks = (rounds: { v: number }[]) => [{ what: "ratio", value: median(rounds.map((r) => r.v)), limit: 2.5 }];

  test("within the limit: one batch, no second", () => {
    const measure = jest.fn(batches([2.1, 2.2, 2.0]));
    const r = gate(measure, checks);
    expect(measure).toHaveBeenCalledTimes(1);
    expect(r).toEqual({ rounds: [{ v: 2.1 }, { v: 2.2 }, { v: 2.0 }], over: [], confirmed: false });
  });

  test("a noisy first batch over the limit, a second within: the verdict on all rounds passes", () => {
    const onRetry = jest.fn();
    const r = gate(batches([2.6, 2.7, 2.4], [2.0, 2.1, 2.2]), checks, { onRetry });
    expect(onRetry).toHaveBeenCalledWith([{ what: "ratio", value: 2.6, limit: 2.5 }]);
    expect(r.rounds).toHaveLength(6);
    expect(r.confirmed).toBe(true);
    expect(r.over).toEqual([]);
  });

  test("a regression is over the limit in both batches and fails", () => {
    const r = gate(batches([3.1, 3.0, 3.2], [2.9, 3.0, 3.1]), checks);
    expect(r.confirmed).toBe(true);
    expect(r.over).toEqual([{ what: "ratio", value: 3.05, limit: 2.5 }]);
  });

  test("at most two batches, even when the second is over too", () => {
    const measure = jest.fn(batches([3, 3], [3, 3], [1, 1]));
    gate(measure, checks);
    expect(measure).toHaveBeenCalledTimes(2);
  });
});
