import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const ReadOnlyRoot: Rule = {
  id: "ZT-CTR-008",
  level: "warning",
  appliesTo: "docker_",
  cause: "A container's root filesystem is writable",
  explanation: "With read_only = true an attacker cannot replace binaries or drop tools into the image's filesystem; give the process tmpfs or volumes for the paths it must write.",
  evaluate: (_stack, ctx) => ctx.docker.containers.filter((c) => !c.readOnlyRoot).map((c) => containerFinding(c, `${c.name} has a writable root filesystem`)),
};
