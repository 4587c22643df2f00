import { Rule } from "../../rule";
import { networkRole } from "./roles";

const MUST_BE_INTERNAL = new Set(["socket", "app", "data"]);

export const InternalNetworks: Rule = {
  id: "ZT-NET-004",
  level: "error",
  cause: "A network that needs no outbound access (socket, app, data) is not internal",
  explanation: "Docker networks are routed to the internet unless `internal` is set. The socket, app and data networks never need outbound traffic; leaving them routed lets a compromised container exfiltrate data.",
  evaluate: (ctx) =>
    ctx.docker.networks
      .filter((n) => MUST_BE_INTERNAL.has(networkRole(n) ?? "") && !n.internal)
      .map((n) => ({ resource: n.address, detail: `${n.name} (${networkRole(n)}) has internal = false` })),
};
