import { pathOf, Rule } from "../../rule";
import { networkRole } from "./roles";

const MUST_BE_INTERNAL = new Set(["socket", "app", "data", "runners"]);

export const InternalNetworks: Rule = {
  id: "ZT-NET-004",
  level: "error",
  appliesTo: "docker_",
  cause: "A network that needs no outbound access (socket, app, data) is not internal",
  explanation:
    "Docker routes every bridge network to the outside unless `internal` is true. The socket, app and data networks never need " +
    "outbound traffic; leaving them routed lets a compromised container exfiltrate data or fetch tooling.",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    return model.networks
      .filter((n) => MUST_BE_INTERNAL.has(networkRole(n, model) ?? "") && !n.internal)
      .map((n) => ({ resource: n.address, path: pathOf(ctx.lookup(n.address)), detail: `${n.name} (${networkRole(n, model)}) has internal = false` }));
  },
};
