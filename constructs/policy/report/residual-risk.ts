import { parse as parseYaml } from "yaml";
import { findMiddleware } from "../docker-model";
import { StackResult } from "../engine";
import { nameTagOr } from "../rules/aws/helpers";
import { userDataText } from "../rules/aws/zt-aws-ec2-005-ec2-user-data-secrets";
import { hasSso, isEdgeProxy } from "../rules/docker/roles";
import { gateKey, gateText, LinkedStack, PortGate } from "./cross-stack";
import { serviceTarget } from "./exposure";
import { cell, code, table } from "./markdown";
import { cloudSecrets, hostAgents } from "./rotation";
import { secretReaders } from "./secrets";

/*
 * What stays open by design once every control passes: routes without SSO (public webhooks and
 * forms), who can read which secret (IAM principals, and containers and users on the host), secrets
 * that are not rotated automatically, and what suppressions accept.
 */

/** How the internet reaches the edge proxy's published ports: from the gates, else the bound address. */
function edgeReach(s: LinkedStack, gates: PortGate[]): string {
  const edge = s.ctx.docker.containers.find((c) => isEdgeProxy(c) && c.ports.length > 0);
  if (!edge) return "no published edge port";
  const https = edge.ports.find((p) => p.internal === 443 || p.external === 443) ?? edge.ports[0];
  const gate = gates.find((g) => gateKey(g.container, g.ip, g.port) === gateKey(edge.name, https.ip ?? "0.0.0.0", https.external ?? https.internal) && g.stack === s.name);
  if (gate) return gateText(gate);
  const ip = https.ip ?? "0.0.0.0";
  return /^127\./.test(ip) || ip === "::1" ? "loopback only (this machine)" : `${ip}:${https.external ?? "?"}: whatever reaches the host there`;
}

/** Users the instance's cloud-config puts in the docker group: root-equivalent on the host. */
function dockerGroupUsers(s: LinkedStack): { instance: string; users: string[] }[] {
  const out: { instance: string; users: string[] }[] = [];
  for (const [key, i] of s.ctx.resources("aws_instance")) {
    const text = userDataText(i, "aws_instance");
    if (!text || !/^#cloud-config/.test(text)) continue;
    try {
      const doc = parseYaml(text) as { users?: ({ name?: string; groups?: string | string[] } | string)[] };
      const users = (doc.users ?? []).filter((u): u is { name?: string; groups?: string | string[] } => typeof u === "object" && u !== null).filter((u) => (Array.isArray(u.groups) ? u.groups : String(u.groups ?? "").split(",")).map((g) => g.trim()).includes("docker")).map((u) => u.name ?? "?");
      if (users.length > 0) out.push({ instance: `instance ${nameTagOr(i, key)}`, users });
    } catch {
      // Not YAML: nothing to read.
    }
  }
  return out;
}

export function residualRiskSection(stacks: (LinkedStack & { result: StackResult })[], gates: PortGate[]): string {
  const lines = ["## Residual risk", "", "What stays open by design even when every control passes; each line is a decision someone should be able to name.", ""];

  // Public routes.
  const pub: string[] = [];
  for (const s of stacks) {
    const model = s.ctx.resources("docker_container").length > 0 ? s.ctx.docker : undefined;
    if (!model) continue;
    const open = model.routers.filter((r) => !hasSso(s.ctx, model, r));
    if (open.length === 0) continue;
    pub.push(`- **${s.name}** (edge: ${edgeReach(s, gates)}):`);
    for (const r of open) {
      const limits = r.middlewares.map((m) => findMiddleware(model, m, r.provider ?? "docker")?.type).filter((t): t is string => !!t && t !== "headers");
      pub.push(`  - ${r.name}: ${code(r.rule || "(every request)")} → ${serviceTarget(model, r)}, no SSO; ${limits.length > 0 ? `limited by ${[...new Set(limits)].join(", ")}` : "**no rate or body limit**"}`);
    }
  }
  lines.push("**Routes without SSO** (public webhooks and forms: anyone who knows a path can call the workflow; the workflow must authenticate what it accepts):", "");
  lines.push(...(pub.length > 0 ? pub : ["- none"]), "");

  // Who can read which secret.
  const agents = hostAgents(stacks);
  const rows: string[][] = [];
  for (const s of stacks) {
    for (const [key, sec] of s.ctx.resources("aws_secretsmanager_secret")) {
      const name = nameTagOr(sec, key);
      const onHost: string[] = [];
      for (const a of agents) {
        const e = a.entries.find((x) => x.secret === name);
        if (!e) continue;
        const dir = a.secretsDir?.replace(/\/+$/, "");
        const readers = new Set<string>();
        for (const r of stacks) for (const c of r.ctx.docker.containers) for (const m of c.mounts) if (dir && e.files.some((f) => m.source === `${dir}/${f}`)) readers.add(`${c.name} (${r.name})`);
        onHost.push(`${a.instance}: ${e.files.join(", ")} → ${[...readers].join(", ") || "no container"}`);
      }
      rows.push([cell(name), cell(s.name), cell(secretReaders(s.ctx, key, sec)), cell(onHost.join("; ") || "not fetched by a host agent in the reviewed stacks")]);
    }
  }
  // Secret files of Docker stacks no agent fills (dev's generated folder).
  for (const s of stacks) {
    const agentDirs = agents.map((a) => a.secretsDir?.replace(/\/+$/, "")).filter((d): d is string => !!d);
    const files = new Map<string, string[]>();
    for (const c of s.ctx.docker.containers) for (const m of c.mounts) if (m.target.startsWith("/run/secrets/") && m.source && !agentDirs.some((d) => m.source!.startsWith(`${d}/`)) && !/cert\.pem$|ca\.pem$/.test(m.target)) files.set(m.source, [...(files.get(m.source) ?? []), c.name]);
    for (const [src, who] of files) rows.push([cell(src), cell(s.name), "— (a file on the Docker host)", cell(`${who.join(", ")}; and whoever can read the host folder`)]);
  }
  if (rows.length > 0) {
    lines.push("**Who can read which secret**:", "");
    lines.push(...table(["secret", "stack", "IAM principals", "on the host: files → containers"], rows), "");
  }
  for (const s of stacks) {
    for (const { instance, users } of dockerGroupUsers(s)) lines.push(`- On ${instance} (${s.name}), ${users.join(", ")} ${users.length === 1 ? "is" : "are"} in the \`docker\` group: root-equivalent on the host, able to read every secret file and \`docker exec\` into every container (the deploy user of the Docker provider). Root and anyone with an SSM session on the host can too.`);
  }

  // Rotation decisions and accepted findings.
  const notRotated = cloudSecrets(stacks).filter((c) => !c.automatic);
  if (notRotated.length > 0) lines.push(`- Not rotated automatically: ${notRotated.map((c) => `${c.name} (${c.rotation})`).join(", ")}.`);
  for (const s of stacks) for (const f of s.result.suppressed) lines.push(`- Accepted by suppression in ${s.name}: ${f.ruleId} on ${f.path ?? f.resource} — ${f.suppressedBecause}.`);
  const internet = gates.filter((g) => g.verdict === "internet");
  const edgeNames = new Set(stacks.flatMap((s) => s.ctx.docker.containers.filter(isEdgeProxy).map((c) => `${s.name} ${c.name}`)));
  if (internet.length > 0) lines.push(`- Host ports the internet reaches: ${internet.map((g) => `${g.stack} ${g.ip}:${g.port} → ${g.container}${edgeNames.has(`${g.stack} ${g.container}`) ? " (the edge proxy)" : " — **not the edge proxy**"}`).join(", ")}.`);
  lines.push("");
  return lines.join("\n");
}
