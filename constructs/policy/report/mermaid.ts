import { RuleContext } from "../rule";
import { hasSso, isEdgeProxy, networkRole } from "../rules/docker/roles";
import { gateKey, PortGate } from "./cross-stack";
import { serviceTarget } from "./exposure";

/** Mermaid ids: letters, digits and underscores, unique per kind. */
const id = (prefix: string, s: string) => `${prefix}_${s.replace(/[^A-Za-z0-9_]/g, "_")}`;
/** Mermaid labels: always quoted; quotes become #quot; and nothing else can end the label. */
const label = (s: string) => `"${s.replace(/"/g, "#quot;").replace(/[<>]/g, "").replace(/`/g, "'")}"`;

/**
 * A flowchart of the Docker topology: the internet, host ports, containers, networks (hexagons,
 * dashed when internal) with their members, routes from the edge proxy (thick when without SSO),
 * and which networks are routed to the outside.
 */
export function mermaidDiagram(ctx: RuleContext, gates: readonly PortGate[] = []): string {
  const model = ctx.docker;
  if (model.containers.length === 0) return "";
  const out = ["flowchart LR", `  internet((${label("Internet")}))`];
  for (const n of model.networks) {
    const role = networkRole(n, model);
    out.push(`  ${id("n", n.name)}{{${label(`${n.name}${role ? ` · ${role}` : ""}${n.internal ? " · internal" : " · routed"}`)}}}`);
  }
  for (const c of model.containers) out.push(`  ${id("c", c.name)}[${label(c.name)}]`);
  for (const c of model.containers) {
    // A port behind another stack's security group that does not admit the internet is drawn from that group, not from the internet.
    const gateOf = (p: (typeof c.ports)[number]) => gates.find((g) => gateKey(g.container, g.ip, g.port) === gateKey(c.name, p.ip ?? "0.0.0.0", p.external ?? p.internal));
    const open = c.ports.filter((p) => gateOf(p)?.verdict !== "gated" && gateOf(p)?.verdict !== "closed");
    const ports = open.map((p) => `:${p.external ?? "?"}→${p.internal}${gateOf(p) ? ` via SG ${gateOf(p)!.groups.join(", ")}` : ""}`).join(" ");
    if (ports) out.push(`  internet -->|${label(ports)}| ${id("c", c.name)}`);
    for (const p of c.ports.filter((x) => !open.includes(x))) {
      const g = gateOf(p)!;
      const node = id("g", `${c.name}_${p.external ?? p.internal}`);
      out.push(`  ${node}[${label(`SG ${g.groups.join(", ")} (${g.host.stack}) admits ${g.verdict === "closed" ? "nothing" : g.admits.map((a) => a.replace(/ \(used by [^)]*\)/g, "")).join("; ")}`)}]`);
      out.push(`  ${node} -->|${label(`${p.ip}:${p.external ?? "?"}→${p.internal}`)}| ${id("c", c.name)}`);
    }
    for (const n of c.networks) out.push(`  ${id("c", c.name)} --- ${id("n", n.name)}`);
  }
  const edge = model.containers.find((c) => isEdgeProxy(c) && c.ports.length > 0) ?? model.containers.find(isEdgeProxy);
  for (const r of model.routers) {
    const target = serviceTarget(model, r).split(" → ")[1]?.replace(/:\d+$/, "") ?? r.container;
    const to = model.containers.some((c) => c.name === target) ? id("c", target) : id("c", r.container);
    const sso = hasSso(ctx, model, r);
    if (edge && to !== id("c", edge.name)) out.push(`  ${id("c", edge.name)} ${sso ? "-->" : "==>"}|${label(`${r.name}: ${sso ? "SSO" : "no SSO"}`)}| ${to}`);
  }
  for (const n of model.networks.filter((x) => !x.internal)) out.push(`  ${id("n", n.name)} -.->|${label("outbound")}| internet`);
  out.push("  classDef internal stroke-dasharray: 4 2");
  const internal = model.networks.filter((n) => n.internal).map((n) => id("n", n.name));
  if (internal.length > 0) out.push(`  class ${internal.join(",")} internal`);
  return out.join("\n") + "\n";
}
