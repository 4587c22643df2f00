import { writeFileSync } from "node:fs";
import path from "node:path";
import { AttackContext } from "./attacks";
import { CheckError, run } from "./harness";

/*
 * The cost of the edge (npm run bench:edge): the same requests through Traefik and straight to n8n,
 * measured side by side in one run, in alternating rounds, with the same load generator (hey, built
 * from the Go module proxy into the probe image) in a probe container:
 *   webhook  GET /webhook/<path> of a published workflow: through Traefik (TLS, security headers,
 *            the public router's rate limit — raised for the bench — and body limit) from the edge
 *            network, vs. http://<n8n>:5678 from the app network;
 *   rest     GET /rest/login as the signed-in owner: through Traefik and oauth2-proxy's forwardAuth
 *            (SSO cookie + n8n's auth cookie) from the edge network, vs. n8n's auth cookie alone
 *            from the app network.
 * Both clients run in a container on a Docker bridge, so neither pays the host's port forwarding.
 * Throughput is measured with several connections (n8n saturated: at saturation the latency only
 * mirrors the throughput), the added latency with one connection (nothing queued). Rounds
 * alternate which path goes first (ABBA), so a drift of the stack during the run (n8n warming
 * up, its database growing) does not favour either path.
 * This is a benchmark, not a test: the goals are reported, not asserted.
 */

export interface BenchOptions {
  /** Seconds per throughput round and path. */
  readonly seconds: number;
  /** Rounds per scenario (each runs both paths, alternating which goes first); the median round is reported. */
  readonly rounds: number;
  /** Concurrent connections of the throughput rounds. */
  readonly concurrency: number;
  /** Seconds per latency round and path (one connection). */
  readonly latencySeconds: number;
}

export const DEFAULT_BENCH: BenchOptions = { seconds: 8, rounds: 5, concurrency: 8, latencySeconds: 4 };
/** The goals of the issue: through the edge at least this share of direct throughput... */
export const GOAL_THROUGHPUT_RATIO = 0.8;
/** ...and at most this many milliseconds added to the median latency. */
export const GOAL_ADDED_P50_MS = 5;

export interface Round {
  readonly requests: number;
  readonly ok: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly statuses: Record<string, number>;
}

export interface Scenario {
  readonly name: string;
  /** Median throughput rounds (several connections). */
  readonly direct: Round;
  readonly edge: Round;
  /** Median latency rounds (one connection). */
  readonly latency: { direct: Round; edge: Round };
  readonly rounds: { direct: Round[]; edge: Round[]; latencyDirect: Round[]; latencyEdge: Round[] };
  readonly throughputRatio: number;
  /** From the one-connection rounds. */
  readonly addedP50ms: number;
  readonly addedP99ms: number;
  readonly goalsMet: boolean;
}

export interface Target {
  /** Docker network the client joins. */
  readonly network: string;
  readonly url: string;
  /** `--add-host` entries, so the edge client resolves the public host name to Traefik (SNI included). */
  readonly hosts?: readonly string[];
  /** Header lines; values reach the container through its environment, never the command line. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * One round from hey's CSV output (`-o csv`: response-time,DNS+dialup,DNS,Request-write,
 * Response-delay,Response-read,status-code,offset; times in seconds). Throughput counts only 2xx
 * answers, over the span from the first request's start to the last answer.
 */
export function parseHeyCsv(csv: string): Round {
  const rows = csv.trim().split("\n").filter((l) => /^\d/.test(l)).map((l) => l.split(","));
  const statuses: Record<string, number> = {};
  const okTimes: number[] = [];
  let end = 0;
  let start = Infinity;
  for (const r of rows) {
    const time = Number(r[0]);
    const status = r[6];
    const offset = Number(r[7]);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (/^2\d\d$/.test(status)) okTimes.push(time);
    start = Math.min(start, offset);
    end = Math.max(end, offset + time);
  }
  okTimes.sort((a, b) => a - b);
  const seconds = rows.length > 0 ? end - start : 0;
  return {
    requests: rows.length,
    ok: okTimes.length,
    seconds: round(seconds, 3),
    rps: seconds > 0 ? round(okTimes.length / seconds, 1) : 0,
    p50ms: round(percentile(okTimes, 50) * 1000, 2),
    p99ms: round(percentile(okTimes, 99) * 1000, 2),
    statuses,
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The round with the median throughput. */
export function medianRound(rounds: readonly Round[]): Round {
  return [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor((rounds.length - 1) / 2)];
}

/** Median of a list of numbers (the mean of the middle two for an even count). */
function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function compare(name: string, direct: readonly Round[], edge: readonly Round[], latencyDirect: readonly Round[] = direct, latencyEdge: readonly Round[] = edge): Scenario {
  const d = medianRound(direct);
  const e = medianRound(edge);
  const throughputRatio = d.rps > 0 ? round(e.rps / d.rps, 3) : 0;
  // Added latency: the median over rounds of each path's p50 (and p99), one connection.
  const addedP50ms = round(median(latencyEdge.map((r) => r.p50ms)) - median(latencyDirect.map((r) => r.p50ms)), 2);
  const addedP99ms = round(median(latencyEdge.map((r) => r.p99ms)) - median(latencyDirect.map((r) => r.p99ms)), 2);
  return {
    name,
    direct: d,
    edge: e,
    latency: { direct: medianRound(latencyDirect), edge: medianRound(latencyEdge) },
    rounds: { direct: [...direct], edge: [...edge], latencyDirect: [...latencyDirect], latencyEdge: [...latencyEdge] },
    throughputRatio,
    addedP50ms,
    addedP99ms,
    goalsMet: throughputRatio >= GOAL_THROUGHPUT_RATIO && addedP50ms <= GOAL_ADDED_P50_MS,
  };
}

/** One load-generator run in a throw-away probe container; its CSV parsed. */
export function hey(ctx: AttackContext, t: Target, opts: { seconds: number; concurrency: number }): Round {
  const headerEnv = Object.entries(t.headers ?? {}).map(([k, v], i) => [`BENCH_H${i}`, `${k}: ${v}`] as const);
  const headerArgs = headerEnv.map(([n]) => `-H "$${n}"`).join(" ");
  const script = `hey -z ${opts.seconds}s -c ${opts.concurrency} -t 10 -disable-redirects -o csv ${headerArgs} '${t.url}'`;
  const args = ["run", "--rm", "--network", t.network, ...(t.hosts ?? []).flatMap((h) => ["--add-host", h]), ...headerEnv.flatMap(([n]) => ["-e", n]), ctx.probeImage, "sh", "-c", script];
  const r = run("docker", args, { env: { ...ctx.env, ...Object.fromEntries(headerEnv) }, timeout: (opts.seconds + 60) * 1000, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new CheckError(`hey on ${t.network} for ${t.url} exited ${r.status}: ${r.stderr.slice(-600)}`);
  const result = parseHeyCsv(r.stdout);
  if (result.requests === 0) throw new CheckError(`hey on ${t.network} for ${t.url} made no request: ${r.stderr.slice(-600)}`);
  return result;
}

/** Rounds of both paths, alternating which goes first (ABBA), after a short warm-up of each. */
export function measure(ctx: AttackContext, name: string, direct: Target, edge: Target, opts: BenchOptions): Scenario {
  const warm = { seconds: 2, concurrency: opts.concurrency };
  hey(ctx, direct, warm);
  hey(ctx, edge, warm);
  const load = { seconds: opts.seconds, concurrency: opts.concurrency };
  const single = { seconds: opts.latencySeconds, concurrency: 1 };
  const out = { d: [] as Round[], e: [] as Round[], ld: [] as Round[], le: [] as Round[] };
  for (let i = 0; i < opts.rounds; i++) {
    const pair: [() => void, () => void] = [() => out.d.push(hey(ctx, direct, load)), () => out.e.push(hey(ctx, edge, load))];
    const latency: [() => void, () => void] = [() => out.ld.push(hey(ctx, direct, single)), () => out.le.push(hey(ctx, edge, single))];
    for (const step of i % 2 === 0 ? [pair[0], pair[1], latency[0], latency[1]] : [pair[1], pair[0], latency[1], latency[0]]) step();
  }
  return compare(name, out.d, out.e, out.ld, out.le);
}

export interface EdgeBenchInput {
  readonly webhookPath: string;
  /** n8n's auth cookie of the signed-in owner, and the browser id it is bound to. */
  readonly n8nAuth: { cookie: string; browserId: string };
  /** oauth2-proxy's session cookie (name=value). */
  readonly ssoCookie: string;
  /** Traefik's address on the edge network. */
  readonly traefikEdgeIp: string;
  /** n8n's container name (reached on the app network). */
  readonly n8nContainer: string;
}

export function benchEdge(ctx: AttackContext, input: EdgeBenchInput, opts: BenchOptions = DEFAULT_BENCH): { scenarios: Scenario[]; options: BenchOptions; file: string } {
  const P = ctx.prefix;
  const hosts = [`${ctx.n8nHost}:${input.traefikEdgeIp}`];
  const direct = `http://${input.n8nContainer}:5678`;
  const edge = `https://${ctx.n8nHost}`;
  const scenarios = [
    measure(ctx, "webhook", { network: `${P}-app`, url: `${direct}/webhook/${input.webhookPath}` }, { network: `${P}-edge`, url: `${edge}/webhook/${input.webhookPath}`, hosts }, opts),
    measure(
      ctx,
      "rest",
      { network: `${P}-app`, url: `${direct}/rest/login`, headers: { Cookie: input.n8nAuth.cookie, "browser-id": input.n8nAuth.browserId } },
      { network: `${P}-edge`, url: `${edge}/rest/login`, hosts, headers: { Cookie: `${input.ssoCookie}; ${input.n8nAuth.cookie}`, "browser-id": input.n8nAuth.browserId } },
      opts,
    ),
  ];
  const file = path.join(ctx.work, "bench-edge.json");
  writeFileSync(file, `${JSON.stringify({ measured: new Date().toISOString(), options: opts, goals: { throughputRatio: GOAL_THROUGHPUT_RATIO, addedP50ms: GOAL_ADDED_P50_MS }, scenarios }, null, 2)}\n`);
  return { scenarios, options: opts, file };
}

/** The Markdown table the README records. */
export function benchTable(scenarios: readonly Scenario[], opts: Pick<BenchOptions, "concurrency"> = DEFAULT_BENCH): string {
  const c = opts.concurrency;
  const lines = [
    `| requests | path | req/s (${c} conn.) | p50 / p99 (${c} conn.) | p50 / p99 (1 conn.) | edge / direct throughput | added p50 / p99 (1 conn.) |`,
    "|---|---|---|---|---|---|---|",
  ];
  for (const s of scenarios) {
    lines.push(`| ${s.name} | direct | ${s.direct.rps} | ${s.direct.p50ms} / ${s.direct.p99ms} ms | ${s.latency.direct.p50ms} / ${s.latency.direct.p99ms} ms | | |`);
    lines.push(`| ${s.name} | edge | ${s.edge.rps} | ${s.edge.p50ms} / ${s.edge.p99ms} ms | ${s.latency.edge.p50ms} / ${s.latency.edge.p99ms} ms | ${(s.throughputRatio * 100).toFixed(1)}% | ${s.addedP50ms} / ${s.addedP99ms} ms |`);
  }
  return lines.join("\n");
}
