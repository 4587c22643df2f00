import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const MemoryLimit: Rule = {
  id: "ZT-CTR-006",
  level: "warning",
  appliesTo: "docker_",
  cause: "A container has no memory limit",
  explanation: "Without `memory`, one runaway workflow or a memory-exhaustion attack takes the whole host (and every other tenant) down.",
  evaluate: (_stack, ctx) => ctx.docker.containers.filter((c) => !c.memoryMb || c.memoryMb <= 0).map((c) => containerFinding(c, `${c.name} has no memory limit`)),
};
