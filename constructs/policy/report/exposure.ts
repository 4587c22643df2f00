import { DockerModel, findMiddleware, ModelRouter, traefikStaticConfig } from "../docker-model";
import { RuleContext } from "../rule";
import { hasSso, isDatabase, isEdgeProxy, networkRole, networkRoleSource, PUBLIC_REASON_LABEL } from "../rules/docker/roles";
import { gateKey, gateText, PortGate } from "./cross-stack";
import { cell, code, table } from "./markdown";

/** Entry point name → how it is reached: `:8443, host 0.0.0.0:443`. */
function entrypointAddresses(model: DockerModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of model.containers) {
    const cfg = traefikStaticConfig(c);
    if (!cfg) continue;
    for (const [k, v] of Object.entries(cfg.keys)) {
      const m = /^entrypoints\.([^.]+)\.address$/.exec(k);
      if (!m) continue;
      const port = Number(/:(\d+)(\/\w+)?$/.exec(v)?.[1]);
      const published = c.ports.filter((p) => p.internal === port).map((p) => `host ${p.ip ?? "0.0.0.0"}:${p.external}`);
      out.set(m[1], `${v}${published.length > 0 ? `, ${published.join(", ")}` : ", not published"}`);
    }
  }
  return out;
}

/** `service → container:port` for a router. */
export function serviceTarget(model: DockerModel, r: ModelRouter): string {
  const declarer = model.containers.find((c) => c.name === r.container);
  // Without a service label Traefik uses the container's only service (or one named after it).
  const own = declarer ? [...new Set(Object.keys(declarer.labels).map((k) => /^traefik\.http\.services\.([^.]+)\./.exec(k)?.[1]).filter((x): x is string => !!x))] : [];
  const svc = r.service ?? (own.length === 1 ? own[0] : declarer?.name ?? "(default service)");
  if (svc.endsWith("@internal")) return `${svc} (Traefik itself)`;
  const base = svc.replace(/@.*$/, "");
  const owner = model.containers.find((c) => Object.keys(c.labels).some((k) => k.startsWith(`traefik.http.services.${base}.`))) ?? model.containers.find((c) => c.name === r.container);
  const port = owner?.labels[`traefik.http.services.${base}.loadbalancer.server.port`];
  return `${svc} → ${owner?.name ?? "?"}${port ? `:${port}` : ""}`;
}

/** Entry point → router → middlewares → service, the networks and which of them reach which. */
export function exposureSection(ctx: RuleContext, gates: readonly PortGate[] = []): string {
  const model = ctx.docker;
  if (model.containers.length === 0) return "";
  const lines: string[] = ["### Exposure map", ""];

  lines.push("**Host ports** (who reaches each: loopback = this machine only; any other address = whatever reaches the host there):", "");
  const published = model.containers.filter((c) => c.ports.length > 0);
  const reach = (ip: string) => (/^127\./.test(ip) || ip === "::1" ? " — loopback only" : ip === "0.0.0.0" || ip === "::" ? " — every address of the host" : "");
  // A port matched to another stack's instance says what that instance's security groups admit (see cross-stack.ts).
  const gated = (c: { name: string }, p: { ip?: string; external?: number; internal: number }) => gates.find((g) => gateKey(g.container, g.ip, g.port) === gateKey(c.name, p.ip ?? "0.0.0.0", p.external ?? p.internal));
  lines.push(
    ...(published.length > 0
      ? published.flatMap((c) =>
          c.ports.map((p) => {
            const gate = gated(c, p);
            return `- \`${p.ip ?? "0.0.0.0"}:${p.external ?? "random"}\` → ${c.name}:${p.internal}${isEdgeProxy(c) ? " (edge proxy)" : " — **not the edge proxy**"}${gate ? ` — ${gateText(gate)}` : reach(p.ip ?? "0.0.0.0")}`;
          }),
        )
      : ["- none"]),
    "",
  );

  const eps = entrypointAddresses(model);
  lines.push("**Routes** (entry point → router → middlewares → service), highest priority first:", "");
  const rows = [...model.routers]
    .sort((a, b) => b.priority - a.priority)
    .map((r) => {
      const entry = (r.entrypoints.length > 0 ? r.entrypoints : ["(every entry point)"]).map((e) => (eps.has(e) ? `${e} (${eps.get(e)})` : e)).join(", ");
      const mws = r.middlewares.map((m) => {
        const mw = findMiddleware(model, m, r.provider ?? "docker");
        return `${m} (${mw?.type ?? "not declared in the plan"})`;
      });
      const name = `${r.name}${r.implicit ? " (implicit default router)" : ""}${r.provider === "file" ? " (file)" : ""}`;
      return [cell(entry), `${cell(name)} (${r.priority})`, code(r.rule || "(none)"), cell(mws.join(" → ") || "—"), hasSso(ctx, model, r) ? "yes" : "**no**", cell(serviceTarget(model, r)), r.tls ? "yes" : "entry point"];
    });
  lines.push(...(rows.length > 0 ? table(["entry point", "router (priority)", "rule", "middlewares, in order", "SSO", "service → container", "TLS"], rows) : ["No Traefik routers in this stack."]), "");

  const publicByDesign = model.containers.filter((c) => c.labels[PUBLIC_REASON_LABEL]);
  if (publicByDesign.length > 0) {
    lines.push(`**Public by design** (\`${PUBLIC_REASON_LABEL}\`; ZT-EDGE-001 accepts their routers without SSO):`, "");
    lines.push(...publicByDesign.map((c) => `- ${c.name}: ${c.labels[PUBLIC_REASON_LABEL]}`), "");
  }

  lines.push("**Networks**:", "");
  lines.push(
    ...table(
      ["network", "role", "internal", "members"],
      model.networks.map((n) => {
        const role = networkRole(n, model);
        const members = model.containers.filter((c) => c.networks.some((x) => x.name === n.name)).map((c) => c.name);
        return [cell(n.name), role ? `${role}${networkRoleSource(n) === "inferred" ? " (inferred)" : ""}` : "?", n.internal ? "yes" : "**no** (routed to the outside)", cell(members.join(", ") || "—")];
      }),
    ),
    "",
  );
  // Who reaches each data store (Postgres, queue mode's Valkey): the containers on its networks.
  const stores = model.containers.filter((c) => isDatabase(c));
  if (stores.length > 0) {
    lines.push("**Data stores** (who reaches each: every other container on one of its networks):", "");
    lines.push(
      ...stores.map((db) => {
        const nets = db.networks.map((n) => n.name);
        const peers = model.containers.filter((c) => c !== db && c.networks.some((n) => nets.includes(n.name))).map((c) => c.name);
        return `- ${db.name} (on ${nets.join(", ") || "no network"}): ${peers.length > 0 ? peers.join(", ") : "no other container"}${db.ports.length > 0 ? "; **also published on the host**" : ""}`;
      }),
      "",
    );
  }
  const bridges = new Map<string, Set<string>>();
  for (const c of model.containers) {
    const names = [...new Set(c.networks.map((n) => n.name))].sort();
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) bridges.set(`${names[i]} ↔ ${names[j]}`, (bridges.get(`${names[i]} ↔ ${names[j]}`) ?? new Set()).add(c.name));
  }
  lines.push("**Which networks reach which** (Docker does not route between networks; only a container on both bridges them):", "");
  lines.push(...(bridges.size > 0 ? [...bridges].map(([pair, via]) => `- ${pair} via ${[...via].join(", ")}`) : ["- no container joins two networks"]));
  const routed = model.networks.filter((n) => !n.internal).map((n) => n.name);
  lines.push(`- the outside (internet) is reachable from: ${routed.length > 0 ? routed.join(", ") : "no network"}`);
  return lines.join("\n") + "\n";
}
