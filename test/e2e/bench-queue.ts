import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AttackContext } from "./attacks";
import { hey, medianRound, Round, Target } from "./bench-edge";
import { CheckError, run, sleep } from "./harness";

/*
 * Queue mode's throughput (npm run bench:queue): the same webhook load with one worker and with two,
 * measured side by side in one run on the deployed queue-mode stack. The webhook answers when its
 * last node (a small Code node) finishes, so every 2xx answer is an execution a worker completed
 * (enqueued by the webhook processor, run by a worker and its task runners, recorded in Postgres).
 * "One worker" is the same stack with the second worker stopped (`docker stop`, nothing running on
 * it), so nothing else changes between the two: same containers, limits, database and Valkey.
 * Rounds alternate the order (ABBA), so a drift of the stack (the execution table growing) favours
 * neither. The load generator (hey) runs in a probe container on the edge network, through Traefik.
 * This is a benchmark, not a test: the figures are reported, not asserted.
 */

/**
 * The benchmark's workflow: a GET webhook answering when the last node finishes, and a Code node
 * (run by the worker's task runners) that adds a field: the shortest workflow that still takes
 * the whole queue path.
 */
export function queueBenchWorkflow(webhookPath: string): { nodes: Record<string, unknown>[]; connections: Record<string, unknown> } {
  return {
    nodes: [
      { name: "Webhook", type: "n8n-nodes-base.webhook", typeVersion: 2, parameters: { httpMethod: "GET", path: webhookPath, responseMode: "lastNode", responseData: "firstEntryJson", options: {} } },
      { name: "Code", type: "n8n-nodes-base.code", typeVersion: 2, parameters: { jsCode: "return $input.all().map((i) => ({ json: { ok: true, n: i.json.query?.n ?? null } }));" } },
    ],
    connections: { Webhook: { main: [[{ node: "Code", type: "main", index: 0 }]] } },
  };
}

export interface QueueBenchOptions {
  /** Seconds per round and configuration. */
  readonly seconds: number;
  /** Rounds (each measures both configurations, alternating which goes first). */
  readonly rounds: number;
  /** Concurrent connections of the load generator. */
  readonly concurrency: number;
}

export const DEFAULT_QUEUE_BENCH: QueueBenchOptions = { seconds: 15, rounds: 4, concurrency: 24 };

export interface QueueBenchInput {
  /** The webhook path of the published workflow (answers when its Code node finishes). */
  readonly webhookPath: string;
  /** Traefik's address on the edge network. */
  readonly traefikEdgeIp: string;
  /** The workers, in order: the first keeps running, the others are stopped for the one-worker rounds. */
  readonly workers: readonly string[];
  /** Waits until the named containers are healthy (bounded). */
  readonly healthy: (names: readonly string[]) => Promise<unknown>;
  /** What the stack runs: worker concurrency, CPU and memory limits, for the report. */
  readonly setup: Record<string, unknown>;
}

export interface QueueBenchResult {
  readonly machine: { cpus: number; memoryGiB: number; cpuModel: string };
  readonly options: QueueBenchOptions;
  readonly setup: Record<string, unknown>;
  readonly oneWorker: Round;
  readonly twoWorkers: Round;
  readonly rounds: { oneWorker: Round[]; twoWorkers: Round[] };
  /** Median two-worker throughput over median one-worker throughput. */
  readonly ratio: number;
  readonly file: string;
}

/** Median-throughput rounds of both configurations and their ratio (pure, for the unit test). */
export function compareWorkers(one: readonly Round[], two: readonly Round[]): { oneWorker: Round; twoWorkers: Round; ratio: number } {
  const a = medianRound(one);
  const b = medianRound(two);
  return { oneWorker: a, twoWorkers: b, ratio: a.rps > 0 ? Math.round((b.rps / a.rps) * 1000) / 1000 : 0 };
}

/** The order of the configurations in round `i` (ABBA: 1 2 | 2 1 | 1 2 ...): one switch per round boundary at most. */
export function roundOrder(i: number): readonly (1 | 2)[] {
  return i % 2 === 0 ? [1, 2] : [2, 1];
}

export async function benchQueue(ctx: AttackContext, input: QueueBenchInput, opts: QueueBenchOptions = DEFAULT_QUEUE_BENCH): Promise<QueueBenchResult> {
  if (input.workers.length < 2) throw new CheckError(`bench:queue needs at least 2 workers, the stack has ${input.workers.length}`);
  const target: Target = { network: `${ctx.prefix}-edge`, url: `https://${ctx.n8nHost}/webhook/${input.webhookPath}`, hosts: [`${ctx.n8nHost}:${input.traefikEdgeIp}`] };
  const extra = input.workers.slice(1);
  const docker = (...args: string[]) => {
    const r = run("docker", args, { env: ctx.env, timeout: 120000 });
    if (r.status !== 0) throw new CheckError(`docker ${args.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  };
  let running: 1 | 2 = 2;
  const use = async (n: 1 | 2) => {
    if (n === running) return;
    if (n === 1) docker("stop", "-t", "45", ...extra);
    else {
      docker("start", ...extra);
      await input.healthy(extra);
    }
    running = n;
    // Let the switch settle (a started worker's first jobs pay its warm-up).
    await sleep(3000);
  };
  const out = { 1: [] as Round[], 2: [] as Round[] };
  try {
    // Warm-up with both workers (n8n's first executions compile the Code node's sandbox).
    hey(ctx, target, { seconds: 5, concurrency: opts.concurrency });
    for (let i = 0; i < opts.rounds; i++) {
      for (const n of roundOrder(i)) {
        await use(n);
        out[n].push(hey(ctx, target, { seconds: opts.seconds, concurrency: opts.concurrency }));
      }
    }
  } finally {
    // The stack is left as deployed: every worker running.
    run("docker", ["start", ...extra], { env: ctx.env });
  }
  const cmp = compareWorkers(out[1], out[2]);
  const machine = { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), cpuModel: os.cpus()[0]?.model ?? "unknown" };
  const file = path.join(ctx.work, "bench-queue.json");
  const result = { machine, options: opts, setup: input.setup, ...cmp, rounds: { oneWorker: out[1], twoWorkers: out[2] }, file };
  writeFileSync(file, `${JSON.stringify({ measured: new Date().toISOString(), ...result }, null, 2)}\n`);
  return result;
}

/** The Markdown table the README records. */
export function queueBenchTable(r: Pick<QueueBenchResult, "oneWorker" | "twoWorkers" | "ratio" | "options">): string {
  const c = r.options.concurrency;
  return [
    `| workers | executions/s (${c} conn.) | p50 / p99 | answers (2xx / all) | vs. 1 worker |`,
    "|---|---|---|---|---|",
    `| 1 | ${r.oneWorker.rps} | ${r.oneWorker.p50ms} / ${r.oneWorker.p99ms} ms | ${r.oneWorker.ok} / ${r.oneWorker.requests} | |`,
    `| 2 | ${r.twoWorkers.rps} | ${r.twoWorkers.p50ms} / ${r.twoWorkers.p99ms} ms | ${r.twoWorkers.ok} / ${r.twoWorkers.requests} | ${(r.ratio * 100).toFixed(1)}% |`,
  ].join("\n");
}
