import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const Healthcheck: Rule = {
  id: "ZT-CTR-007",
  level: "warning",
  appliesTo: "docker_",
  cause: "A container has no healthcheck",
  explanation: "A healthcheck lets Docker (and the operator) see a wedged service, and lets dependants wait until it is really ready.",
  evaluate: (_stack, ctx) => ctx.docker.containers.filter((c) => !c.hasHealthcheck).map((c) => containerFinding(c, `${c.name} has no healthcheck`)),
};
