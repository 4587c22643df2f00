import { Rule } from "../../rule";
import { containerFinding, isEdgeProxy } from "./roles";

export const PublishedPorts: Rule = {
  id: "ZT-NET-001",
  level: "error",
  appliesTo: "docker_",
  cause: "A container other than the edge proxy publishes host ports",
  explanation:
    "Only the edge proxy may be reachable from outside the host; everything else is reached through it, behind TLS and SSO. " +
    "A published database or app port bypasses every control at the edge (and Docker's port publishing bypasses host firewalls such as ufw).",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers
      .filter((c) => c.ports.length > 0 && !isEdgeProxy(c))
      .map((c) => containerFinding(c, `${c.name} publishes ${c.ports.map((p) => `${p.ip ? `${p.ip}:` : ""}${p.external ?? "random"}->${p.internal}`).join(", ")}`)),
};
