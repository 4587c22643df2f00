import { Rule } from "../../rule";
import { isEdgeProxy } from "./roles";

export const EdgePorts: Rule = {
  id: "ZT-NET-002",
  level: "warning",
  cause: "The edge proxy publishes a port other than 80 and 443",
  explanation: "The edge needs HTTPS (443) and, for the redirect only, HTTP (80). Any other published port (a dashboard, a metrics endpoint) widens the attack surface.",
  evaluate: (ctx) =>
    ctx.docker.containers
      .filter(isEdgeProxy)
      .flatMap((c) => c.ports.filter((p) => p.external !== 80 && p.external !== 443).map((p) => ({ resource: c.address, path: c.path, detail: `${c.name} publishes ${p.external ?? "a random port"}` }))),
};
