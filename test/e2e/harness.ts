import { spawn, spawnSync, SpawnSyncOptions } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { twinOf } from "./twins";

/*
 * A small, strictly sequential test harness for the deploy suite. Cases run in order against one
 * live stack, so a case may name the cases it needs: when one of those failed, the case is not
 * attempted and counts as FAILED (never as skipped, so the suite cannot pass by not running).
 * Every case records what it observed; the whole list is written as JSON for the README table
 * and for the attack suite that builds on it.
 */

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly status: "passed" | "failed";
  readonly seconds: number;
  /** What the case saw on the running system (statuses, inspect fields, query results). */
  readonly observed?: unknown;
  readonly error?: string;
}

export class Suite {
  readonly results: CaseResult[] = [];

  /**
   * @param only when given, the cases of a narrower run (the edge benchmark): any other case is
   * left out entirely — not run and not recorded — so the summary counts only what ran.
   */
  constructor(private readonly resultsFile: string, private readonly only?: ReadonlySet<string>) {}

  /** Runs one case; the function returns what it observed, or throws with what was wrong. */
  async case(id: string, title: string, fn: () => unknown | Promise<unknown>, opts: { needs?: string[] } = {}): Promise<boolean> {
    if (this.only && !this.only.has(id)) return false;
    const start = Date.now();
    const missing = (opts.needs ?? []).filter((n) => this.results.find((r) => r.id === n)?.status !== "passed");
    const twin = twinOf(id);
    let result: CaseResult;
    if (!twin || (!twin.rules?.length && !twin.reason)) {
      // Every case names the policy rule that would have refused what it attacks, or says why none can (test/e2e/twins.ts).
      result = { id, title, status: "failed", seconds: 0, error: `no twin rule and no stated reason for ${id} in test/e2e/twins.ts` };
    } else if (missing.length > 0) {
      result = { id, title, status: "failed", seconds: 0, error: `not run: needs ${missing.join(", ")}, which did not pass` };
    } else {
      try {
        const observed = await fn();
        result = { id, title, status: "passed", seconds: (Date.now() - start) / 1000, observed };
      } catch (e) {
        result = { id, title, status: "failed", seconds: (Date.now() - start) / 1000, error: (e as Error).message, observed: (e as CheckError).observed };
      }
    }
    this.results.push(result);
    const mark = result.status === "passed" ? "PASS" : "FAIL";
    console.log(`${mark} ${id} — ${title} (${result.seconds.toFixed(1)} s)${result.error ? `\n     ${result.error.split("\n").join("\n     ")}` : ""}`);
    this.write();
    return result.status === "passed";
  }

  write(): void {
    writeFileSync(this.resultsFile, `${JSON.stringify({ results: this.results }, null, 2)}\n`);
  }

  summary(): { passed: number; failed: number } {
    const passed = this.results.filter((r) => r.status === "passed").length;
    return { passed, failed: this.results.length - passed };
  }
}

/** An assertion failure that carries what was observed. */
export class CheckError extends Error {
  constructor(
    message: string,
    readonly observed?: unknown,
  ) {
    super(message);
  }
}

/** Collects every mismatch of one case, so a failure names all of them at once. */
export class Expect {
  private readonly problems: string[] = [];
  equal(what: string, actual: unknown, expected: unknown): this {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) this.problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    return this;
  }
  ok(what: string, condition: boolean, detail?: string): this {
    if (!condition) this.problems.push(detail ? `${what}: ${detail}` : what);
    return this;
  }
  done(observed?: unknown): unknown {
    if (this.problems.length > 0) throw new CheckError(this.problems.join("\n"), observed);
    return observed;
  }
}

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (short commands: docker inspect, psql, terraform validate). */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** Like `run`, but throws with the command's output tail when it exits non-zero. */
export function runOk(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new CheckError(`${cmd} ${args.join(" ")} exited ${r.status}\n${tail(r.stderr || r.stdout, 30)}`);
  return r.stdout;
}

/**
 * Runs a long command (cdktf deploy/destroy) with its output streamed to a log file and a bounded
 * time; resolves with the exit status and the log's tail.
 */
export function runLogged(cmd: string, args: string[], logFile: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutSeconds: number }): Promise<{ status: number; tail: string }> {
  writeFileSync(logFile, `$ ${cmd} ${args.join(" ")}\n`);
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const onData = (d: Buffer) => {
      appendFileSync(logFile, d);
      out = (out + d.toString()).slice(-20000);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      appendFileSync(logFile, `\n[e2e] timed out after ${opts.timeoutSeconds} s, killing\n`);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, opts.timeoutSeconds * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? 1, tail: tail(out, 40) });
    });
  });
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
