import { DockerModel, middlewareBaseName } from "../docker-model";
import { hasSso } from "../rules/docker/routers-without-sso";
import { networkRole } from "../rules/docker/roles";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Entry point → router → middlewares → service, and which networks reach which. */
export function exposureSection(model: DockerModel): string {
  if (model.containers.length === 0) return "";
  const lines: string[] = ["### Exposure map", ""];
  const published = model.containers.filter((c) => c.ports.length > 0);
  lines.push("Host ports:", "");
  lines.push(...(published.length ? published.flatMap((c) => c.ports.map((p) => `- \`${p.ip ?? "0.0.0.0"}:${p.external}\` → ${c.name}:${p.internal}`)) : ["- none"]), "");
  lines.push("| entry point | router | priority | rule | middlewares | SSO | service (container) |", "|---|---|---|---|---|---|---|");
  for (const r of [...model.routers].sort((a, b) => b.priority - a.priority)) {
    lines.push(
      `| ${r.entrypoints.join(", ") || "(all)"}${r.tls ? " (TLS)" : ""} | ${r.name} | ${r.priority} | \`\` ${cell(r.rule)} \`\` | ${r.middlewares.map((m) => `${middlewareBaseName(m)} (${model.middlewares.find((x) => x.name === middlewareBaseName(m))?.type ?? "file"})`).join(", ") || "—"} | ${hasSso(model, r) ? "yes" : "**no**"} | ${r.service ?? "?"} (${r.container}) |`,
    );
  }
  const publicReasons = model.containers.filter((c) => c.labels["org.n8n-zero-trust.public-reason"]);
  if (publicReasons.length) {
    lines.push("", "Public by design:", "", ...publicReasons.map((c) => `- ${c.name}: ${c.labels["org.n8n-zero-trust.public-reason"]}`));
  }
  lines.push("", "Networks and who is on them:", "", "| network | role | internal | members |", "|---|---|---|---|");
  for (const n of model.networks) {
    const members = model.containers.filter((c) => c.networks.some((x) => x.name === n.name)).map((c) => c.name);
    lines.push(`| ${n.name} | ${networkRole(n) ?? "?"} | ${n.internal ? "yes" : "**no** (routed outside)"} | ${members.join(", ") || "—"} |`);
  }
  // Networks are bridged only by containers that sit on both.
  const bridges = new Map<string, Set<string>>();
  for (const c of model.containers) {
    for (const a of c.networks) for (const b of c.networks) if (a.name < b.name) bridges.set(`${a.name} ↔ ${b.name}`, (bridges.get(`${a.name} ↔ ${b.name}`) ?? new Set()).add(c.name));
  }
  lines.push("", "Which networks reach which (only through a container on both):", "");
  lines.push(...([...bridges].map(([pair, via]) => `- ${pair} via ${[...via].join(", ")}`) || []));
  if (bridges.size === 0) lines.push("- no container joins two networks");
  return lines.join("\n") + "\n";
}
