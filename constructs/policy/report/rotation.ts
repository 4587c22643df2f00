import { parse as parseYaml } from "yaml";
import { AGENT_PATHS } from "../../host/secrets-agent";
import { refsIn } from "../rule";
import { attachedBy, block, displayName, nameTagOr } from "../rules/aws/helpers";
import { ROTATION_DECISION_TAG } from "../rules/aws/zt-aws-sm-003-secret-rotation";
import { userDataText } from "../rules/aws/zt-aws-ec2-005-ec2-user-data-secrets";
import { dockerProviderHosts, LinkedStack } from "./cross-stack";
import { cell, table } from "./markdown";

/*
 * Does each secret's rotation agree across stacks? The AWS stack says how a secret rotates
 * (aws_secretsmanager_secret_rotation, or a recorded decision); the project's secrets agent on the
 * host (its files in the instance's cloud-config: constructs/host/secrets-agent.ts) says how often
 * it fetches the secret, which files it writes and which containers it restarts on a new version;
 * the Docker stack says which containers mount those files.
 */

/** One line of the agent's secrets list. */
export interface AgentEntry {
  readonly secret: string;
  /** Files written under the secrets folder (`n8n-db-password`, `tls/cert.pem`). */
  readonly files: string[];
  readonly restarts: string[];
}

export interface HostAgent {
  readonly stack: string;
  readonly instance: string;
  /** Private addresses of the instance (to match the Docker stack that runs on it). */
  readonly privateIps: string[];
  readonly secretsDir?: string;
  readonly intervalMinutes?: number;
  readonly entries: AgentEntry[];
}

/** `5min`, `300s`, `1h`, `1d 2h` (systemd time spans) → minutes. */
export function timeSpanMinutes(span: string): number | undefined {
  const units: Record<string, number> = { us: 1 / 6e7, ms: 1 / 60000, s: 1 / 60, sec: 1 / 60, second: 1 / 60, seconds: 1 / 60, m: 1, min: 1, minute: 1, minutes: 1, h: 60, hr: 60, hour: 60, hours: 60, d: 1440, day: 1440, days: 1440, w: 10080, week: 10080, weeks: 10080 };
  let total = 0;
  const parts = [...span.trim().matchAll(/(\d+(?:\.\d+)?)\s*([a-z]*)/gi)];
  if (parts.length === 0) return undefined;
  for (const [, n, u] of parts) {
    const f = units[(u || "s").toLowerCase()];
    if (f === undefined) return undefined;
    total += Number(n) * f;
  }
  return total;
}

/** The secrets agent of each instance whose cloud-config writes the agent's files. */
export function hostAgents(stacks: LinkedStack[]): HostAgent[] {
  const out: HostAgent[] = [];
  for (const s of stacks) {
    for (const [key, i] of s.ctx.resources("aws_instance")) {
      const text = userDataText(i, "aws_instance");
      if (!text || !/^#cloud-config/.test(text)) continue;
      let doc: { write_files?: { path?: string; content?: string }[] };
      try {
        doc = parseYaml(text) ?? {};
      } catch {
        continue;
      }
      const file = (p: string) => doc.write_files?.find((f) => f.path === p)?.content;
      const list = file(AGENT_PATHS.secretsList);
      if (list === undefined) continue;
      const entries = list
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.split(/\s+/))
        .filter((f) => f.length >= 3)
        .map(([secret, files, restarts]) => ({ secret, files: files.split(",").map((f) => f.split("=")[0]), restarts: restarts === "-" ? [] : restarts.split(",") }));
      const secretsDir = /^SECRETS_DIR=(.+)$/m.exec(file(AGENT_PATHS.env) ?? "")?.[1]?.trim();
      const span = /^OnUnitActiveSec=(.+)$/m.exec(file(AGENT_PATHS.timer) ?? "")?.[1];
      out.push({ stack: s.name, instance: `instance ${nameTagOr(i, key)}`, privateIps: [i.private_ip].filter((x) => typeof x === "string"), secretsDir, intervalMinutes: span ? timeSpanMinutes(span) : undefined, entries });
    }
  }
  return out;
}

/** A secret's rotation as the AWS stack declares it. */
export interface CloudSecret {
  readonly stack: string;
  readonly name: string;
  /** Days between automatic rotations; undefined when not automatic or not a fixed rate. */
  readonly everyDays?: number;
  readonly rotation: string;
  readonly automatic: boolean;
}

export function cloudSecrets(stacks: LinkedStack[]): CloudSecret[] {
  const out: CloudSecret[] = [];
  for (const s of stacks) {
    const rotations = attachedBy(s.ctx, "aws_secretsmanager_secret_rotation", "secret_id", "aws_secretsmanager_secret", "name");
    for (const [key, sec] of s.ctx.resources("aws_secretsmanager_secret")) {
      const rot = rotations.get(`aws_secretsmanager_secret.${key}`)?.[0]?.[1];
      const rules = block(rot?.rotation_rules);
      const rate = /^rate\((\d+) days?\)$/.exec(String(rules?.schedule_expression ?? ""));
      const days = rules?.automatically_after_days !== undefined ? Number(rules.automatically_after_days) : rate ? Number(rate[1]) : undefined;
      const fn = refsIn(rot?.rotation_lambda_arn)[0];
      out.push({
        stack: s.name,
        name: displayName(sec, key),
        everyDays: days,
        automatic: !!rot,
        rotation: rot ? `every ${days !== undefined ? `${days} days` : String(rules?.schedule_expression ?? "?")}${fn ? ` by ${s.ctx.lookup(fn)?.function_name ?? fn}` : ""}` : sec.tags?.[ROTATION_DECISION_TAG] ? `${sec.tags[ROTATION_DECISION_TAG]} (recorded decision)` : "none",
      });
    }
  }
  return out;
}

export interface RotationRow {
  readonly secret: string;
  readonly cloud: string;
  readonly agent: string;
  readonly readers: string;
  readonly agrees: boolean;
  readonly why: string;
}

/** The Docker stack that runs on the agent's instance (provider host = its address), else every Docker stack. */
function runtimesFor(stacks: LinkedStack[], agent: HostAgent): LinkedStack[] {
  const docker = stacks.filter((s) => s.ctx.resources("docker_container").length > 0);
  const onHost = docker.filter((s) => dockerProviderHosts(s.json).some((h) => agent.privateIps.includes(h)));
  return onHost.length > 0 ? onHost : docker;
}

/** Per secret: rotation in the AWS stack, the agent's refresh and restarts, the readers in the Docker stack, and whether they agree. */
export function rotationAgreement(stacks: LinkedStack[]): { agent: HostAgent; runtimes: string[]; rows: RotationRow[] }[] {
  const secrets = cloudSecrets(stacks);
  return hostAgents(stacks).map((agent) => {
    const runtimes = runtimesFor(stacks, agent);
    const dir = agent.secretsDir?.replace(/\/+$/, "");
    // file (relative to the secrets folder) → readers
    const readers = new Map<string, string[]>();
    const containers = new Set<string>();
    for (const r of runtimes) {
      for (const c of r.ctx.docker.containers) {
        containers.add(c.name);
        for (const m of c.mounts) if (dir && m.source?.startsWith(`${dir}/`)) readers.set(m.source.slice(dir.length + 1), [...(readers.get(m.source.slice(dir.length + 1)) ?? []), c.name]);
      }
    }
    const rows: RotationRow[] = [];
    const interval = agent.intervalMinutes;
    for (const e of agent.entries) {
      const cloud = secrets.find((x) => x.name === e.secret);
      const fileReaders = [...new Set(e.files.flatMap((f) => readers.get(f) ?? []))];
      const problems: string[] = [];
      const notes: string[] = [];
      if (!cloud) problems.push(`no stack creates the secret ${e.secret}`);
      const unread = e.files.filter((f) => !readers.has(f));
      if (unread.length > 0) notes.push(`no container mounts ${unread.join(", ")}`);
      const missing = e.restarts.filter((c) => !containers.has(c));
      if (missing.length > 0) problems.push(`the agent restarts ${missing.join(", ")}, which ${runtimes.map((r) => r.name).join(", ") || "no stack"} does not run`);
      if (cloud?.automatic && cloud.everyDays !== undefined && interval !== undefined && interval >= cloud.everyDays * 1440) problems.push(`the agent refreshes every ${interval} min, not more often than the secret rotates`);
      if (cloud?.automatic && interval === undefined) problems.push("the agent's refresh interval is not in the plan");
      if (cloud?.automatic && e.restarts.length === 0 && fileReaders.length > 0) problems.push(`a rotated secret restarts none of its readers (${fileReaders.join(", ")})`);
      const notRestarted = fileReaders.filter((c) => !e.restarts.includes(c));
      if (notRestarted.length > 0 && (e.restarts.length > 0 || !cloud?.automatic)) notes.push(`not restarted on a new version: ${notRestarted.join(", ")} (reads the file when it starts)`);
      const why = problems.length > 0 ? problems.join("; ") : cloud?.automatic ? `a new version is on the host within ${interval} min${e.restarts.length > 0 ? ` and ${e.restarts.join(", ")} restart${e.restarts.length === 1 ? "s" : ""}` : ""}, far inside the ${cloud.everyDays ?? "?"}-day rotation` : cloud && /never/i.test(cloud.rotation) ? "never rotated; the agent keeps the file current" : "rotated by hand; the agent picks a new version up";
      rows.push({
        secret: e.secret,
        cloud: cloud ? `${cloud.rotation} (${cloud.stack})` : "**not created by any reviewed stack**",
        agent: `every ${interval ?? "?"} min → ${e.files.join(", ")}; restarts ${e.restarts.join(", ") || "nothing"}`,
        readers: fileReaders.join(", ") || "none",
        agrees: problems.length === 0,
        why: [why, ...notes].join("; "),
      });
    }
    // Files the Docker stack expects in the secrets folder that the agent never writes.
    const written = new Set(agent.entries.flatMap((e) => e.files));
    for (const [file, who] of readers) {
      if (!written.has(file)) rows.push({ secret: "(none)", cloud: "—", agent: `writes no ${file}`, readers: who.join(", "), agrees: false, why: `${who.join(", ")} mount${who.length === 1 ? "s" : ""} ${dir}/${file}, which the agent never writes` });
    }
    for (const c of secrets.filter((x) => x.stack === agent.stack && !agent.entries.some((e) => e.secret === x.name) && x.automatic)) {
      rows.push({ secret: c.name, cloud: `${c.rotation} (${c.stack})`, agent: "not fetched", readers: "—", agrees: false, why: "rotated, but the host never fetches it" });
    }
    return { agent, runtimes: runtimes.map((r) => r.name), rows };
  });
}

export function rotationSection(stacks: LinkedStack[]): string {
  const results = rotationAgreement(stacks);
  if (results.length === 0) return "";
  const lines = ["### Secret rotation across stacks", ""];
  for (const { agent, runtimes, rows } of results) {
    lines.push(
      `The secrets agent on ${agent.instance} (${agent.stack}, cloud-config) fetches every ${agent.intervalMinutes ?? "?"} minutes into ${agent.secretsDir ?? "?"}; the readers are the containers of ${runtimes.join(", ") || "no reviewed stack"} that mount files from there. ${rows.filter((r) => r.agrees).length} of ${rows.length} agree.`,
      "",
    );
    lines.push(...table(["secret", "rotation", "host agent: refresh → files; restarts", "read by", "agrees", "why"], rows.map((r) => [cell(r.secret), cell(r.cloud), cell(r.agent), cell(r.readers), r.agrees ? "yes" : "**no**", cell(r.why)])), "");
  }
  return lines.join("\n");
}
