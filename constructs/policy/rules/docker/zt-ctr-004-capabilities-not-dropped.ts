import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const CapabilitiesNotDropped: Rule = {
  id: "ZT-CTR-004",
  level: "error",
  appliesTo: "docker_",
  cause: "A container does not drop ALL capabilities",
  explanation:
    "Docker grants 14 capabilities by default (CHOWN, SETUID, NET_RAW...). Drop ALL (capabilities { drop = [\"ALL\"] }) and add " +
    "back only what is proven necessary, so a compromised process can do as little as possible.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.filter((c) => !c.capDrop.some((x) => x.toUpperCase() === "ALL")).map((c) => containerFinding(c, `${c.name} drops ${c.capDrop.join(", ") || "no capabilities"}`)),
};
