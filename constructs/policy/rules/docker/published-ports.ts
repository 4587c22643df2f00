import { Rule } from "../../rule";
import { isEdgeProxy } from "./roles";

export const PublishedPorts: Rule = {
  id: "ZT-NET-001",
  level: "error",
  cause: "A container other than the edge proxy publishes host ports",
  explanation:
    "Only the edge proxy may be reachable from outside the host; everything else is reached through it, behind TLS and SSO. A published database or app port bypasses every control at the edge.",
  evaluate: (ctx) =>
    ctx.docker.containers
      .filter((c) => c.ports.length > 0 && !isEdgeProxy(c))
      .map((c) => ({ resource: c.address, path: c.path, detail: `${c.name} publishes ${c.ports.map((p) => `${p.external ?? "random"}->${p.internal}`).join(", ")}` })),
};
