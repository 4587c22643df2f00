import { Rule } from "../../rule";
import { containerFinding, isEdgeProxy } from "./roles";

export const EdgeExtraPorts: Rule = {
  id: "ZT-NET-002",
  level: "warning",
  appliesTo: "docker_",
  cause: "The edge proxy publishes a port other than 80 and 443",
  explanation:
    "The edge needs HTTPS (443) and, for the redirect only, HTTP (80). Any other published port (Traefik's 8080 dashboard, a " +
    "metrics port) widens the attack surface.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers
      .filter(isEdgeProxy)
      .flatMap((c) => c.ports.filter((p) => p.external !== 80 && p.external !== 443).map((p) => containerFinding(c, `${c.name} publishes ${p.external ?? "a random port"}->${p.internal}`))),
};
