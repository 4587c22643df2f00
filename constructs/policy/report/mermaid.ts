import { DockerModel, middlewareBaseName } from "../docker-model";
import { hasSso } from "../rules/docker/routers-without-sso";

/** Mermaid ids: letters, digits, underscore. */
const id = (prefix: string, s: string) => `${prefix}_${s.replace(/[^A-Za-z0-9_]/g, "_")}`;
/** Mermaid labels: quoted, with quotes and angle brackets made harmless. */
const label = (s: string) => `"${s.replace(/"/g, "'").replace(/[<>]/g, "").replace(/`/g, "")}"`;

/** A flowchart of networks (subgraphs), containers, published ports and routes. */
export function mermaidDiagram(model: DockerModel): string {
  if (model.containers.length === 0) return "";
  const out = ["flowchart LR", `  internet(${label("Internet")})`];
  // Containers appear in their first network's subgraph; further networks are dotted links.
  const home = new Map<string, string>();
  for (const n of model.networks) {
    const members = model.containers.filter((c) => c.networks[0]?.name === n.name);
    out.push(`  subgraph ${id("net", n.name)}[${label(`${n.name}${n.internal ? " (internal)" : ""}`)}]`);
    for (const c of members) {
      out.push(`    ${id("c", c.name)}[${label(c.name)}]`);
      home.set(c.name, n.name);
    }
    out.push("  end");
  }
  for (const c of model.containers.filter((x) => !home.has(x.name))) out.push(`  ${id("c", c.name)}[${label(c.name)}]`);
  for (const c of model.containers) {
    for (const n of c.networks.slice(1)) out.push(`  ${id("c", c.name)} -.- ${id("net", n.name)}`);
    for (const p of c.ports) out.push(`  internet -->|${label(`:${p.external}`)}| ${id("c", c.name)}`);
  }
  const edge = model.containers.find((c) => c.ports.length > 0);
  for (const r of model.routers) {
    const target = r.container;
    const sso = hasSso(model, r) ? "SSO" : "no SSO";
    const mws = r.middlewares.map(middlewareBaseName).join(", ");
    if (edge && target !== edge.name) out.push(`  ${id("c", edge.name)} -->|${label(`${r.name}: ${sso}${mws ? ` (${mws})` : ""}`)}| ${id("c", target)}`);
  }
  return out.join("\n") + "\n";
}
