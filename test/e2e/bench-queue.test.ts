import { Round } from "./bench-edge";
import { compareWorkers, queueBenchTable, queueBenchWorkflow, roundOrder } from "./bench-queue";

const round = (rps: number, p50ms = 100): Round => ({ requests: rps * 10, ok: rps * 10, seconds: 10, rps, p50ms, p99ms: p50ms * 3, statuses: { "200": rps * 10 } });

describe("bench:queue arithmetic", () => {
  test("the ratio is of the median-throughput rounds, two workers over one", () => {
    const r = compareWorkers([round(10), round(30), round(12)], [round(20), round(18), round(50)]);
    expect(r.oneWorker.rps).toBe(12);
    expect(r.twoWorkers.rps).toBe(20);
    expect(r.ratio).toBe(1.667);
    expect(compareWorkers([round(0)], [round(5)]).ratio).toBe(0);
  });

  test("rounds alternate which configuration goes first (ABBA), so a drift favours neither", () => {
    const order = [0, 1, 2, 3].flatMap((i) => roundOrder(i));
    expect(order).toEqual([1, 2, 2, 1, 1, 2, 2, 1]);
    // Each configuration goes first equally often.
    expect([0, 1, 2, 3].filter((i) => roundOrder(i)[0] === 1).length).toBe(2);
  });

  test("the README table names the connections and the ratio", () => {
    const t = queueBenchTable({ ...compareWorkers([round(10)], [round(17)]), options: { seconds: 15, rounds: 1, concurrency: 24 } });
    expect(t).toContain("executions/s (24 conn.)");
    expect(t.split("\n")[3]).toMatch(/^\| 2 \| 17 \|.*\| 170\.0% \|$/);
  });

  test("the workflow answers when its Code node finishes (every 2xx answer is a completed execution)", () => {
    const w = queueBenchWorkflow("zt-bench");
    const hook = w.nodes.find((n) => n.type === "n8n-nodes-base.webhook") as { parameters: Record<string, unknown> };
    expect(hook.parameters).toMatchObject({ path: "zt-bench", responseMode: "lastNode" });
    expect(w.nodes.map((n) => n.type)).toEqual(["n8n-nodes-base.webhook", "n8n-nodes-base.code"]);
    expect(w.connections).toEqual({ Webhook: { main: [[{ node: "Code", type: "main", index: 0 }]] } });
  });
});
