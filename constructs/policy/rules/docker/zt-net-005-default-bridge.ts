import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const DefaultBridge: Rule = {
  id: "ZT-NET-005",
  level: "warning",
  appliesTo: "docker_",
  cause: "A container sits on Docker's default bridge network",
  explanation:
    "Without networks_advanced (or network_mode) a container joins the default bridge, which every other such container on the " +
    "host shares and which routes to the internet. Attach it to the segmented networks it needs, or network_mode none.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers
      .filter((c) => c.networks.length === 0 && (c.networkMode === undefined || c.networkMode === "bridge" || c.networkMode === "default"))
      .map((c) => containerFinding(c, `${c.name} has no user-defined network`)),
};
