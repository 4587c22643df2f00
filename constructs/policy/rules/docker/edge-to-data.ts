import { Rule } from "../../rule";
import { networkRole } from "./roles";

export const EdgeToData: Rule = {
  id: "ZT-NET-003",
  level: "error",
  cause: "A container on an edge network also reaches a data network",
  explanation: "Whatever faces the internet must not share a network with the database: a compromised edge container would reach Postgres directly. Put the app in between.",
  evaluate: (ctx) =>
    ctx.docker.containers
      .filter((c) => c.networks.some((n) => networkRole(n) === "edge") && c.networks.some((n) => networkRole(n) === "data"))
      .map((c) => ({ resource: c.address, path: c.path, detail: `${c.name} joins ${c.networks.map((n) => n.name).join(", ")}` })),
};
