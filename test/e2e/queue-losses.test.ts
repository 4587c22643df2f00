import { ExecutionRow, lossesNotOnKilledWorker, recoveredOriginals } from "./queue";

const row = (id: string, createdAt: string, extra: Partial<ExecutionRow> = {}): ExecutionRow => ({ id, status: "error", wf: "w", retryOf: null, retrySuccessId: null, createdAt, ...extra });
const KILL = "2026-12-02T16:20:08.512345+00:00";

describe("lossesNotOnKilledWorker (drill.worker-kill)", () => {
  it("accepts losses enqueued before the kill that no other worker started, logged by the victim or not", () => {
    expect(lossesNotOnKilledWorker([row("69", "2026-12-02T16:20:07.9+00:00"), row("73", "2026-12-02T16:20:08.5+00:00")], KILL, new Set(["70", "72"]))).toEqual([]);
  });
  it("names a loss enqueued after the kill: the killed worker cannot have held it", () => {
    expect(lossesNotOnKilledWorker([row("69", "2026-12-02T16:20:07.9+00:00"), row("80", "2026-12-02T16:20:09.01+00:00")], KILL, new Set())).toEqual(["80"]);
  });
  it("names a loss that another worker (or the restarted one) started", () => {
    expect(lossesNotOnKilledWorker([row("69", "2026-12-02T16:20:07.9+00:00")], KILL, new Set(["69"]))).toEqual(["69"]);
  });
  it("names a row whose creation time cannot be read, and refuses an unreadable kill time", () => {
    expect(lossesNotOnKilledWorker([row("5", "yesterday")], KILL, new Set())).toEqual(["5"]);
    expect(() => lossesNotOnKilledWorker([], "", new Set())).toThrow(/kill time/);
  });
});

describe("recoveredOriginals (drill.worker-kill's count of recovered executions)", () => {
  const t = "2026-12-02T16:20:07.9+00:00";
  it("counts a failed original whose retry, or a retry of its retry, succeeded", () => {
    const rows = [row("1", t), row("2", t, { retryOf: "1", status: "success" }), row("3", t), row("4", t, { retryOf: "3" }), row("5", t, { retryOf: "4", status: "success" })];
    expect([...recoveredOriginals(rows)].sort()).toEqual(["1", "3"]);
  });
  it("does not count a failed original whose retries all failed, nor one that succeeded itself", () => {
    const rows = [row("1", t), row("2", t, { retryOf: "1" }), row("3", t, { status: "success" })];
    expect([...recoveredOriginals(rows)]).toEqual([]);
  });
});
