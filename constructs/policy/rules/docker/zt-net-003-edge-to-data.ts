import { Rule } from "../../rule";
import { containerFinding, networkRole } from "./roles";

export const EdgeToData: Rule = {
  id: "ZT-NET-003",
  level: "error",
  appliesTo: "docker_",
  cause: "A container on an edge network also reaches a data network",
  explanation:
    "Whatever faces the internet must not share a network with the database: a compromised proxy or IdP would reach Postgres " +
    "directly. Put the application between them (edge → app → data).",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    return model.containers
      .filter((c) => c.networks.some((n) => networkRole(n, model) === "edge") && c.networks.some((n) => networkRole(n, model) === "data"))
      .map((c) => containerFinding(c, `${c.name} joins ${c.networks.map((n) => `${n.name} (${networkRole(n, model) ?? "?"})`).join(", ")}`));
  },
};
