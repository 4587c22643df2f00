import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const NoNewPrivileges: Rule = {
  id: "ZT-CTR-003",
  level: "error",
  appliesTo: "docker_",
  cause: "A container does not set no-new-privileges",
  explanation: "security_opts `no-new-privileges:true` stops setuid binaries and file capabilities from raising a process's privileges inside the container.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.filter((c) => !c.securityOpts.some((o) => /^no-new-privileges(:true|=true)?$/.test(o))).map((c) => containerFinding(c, `${c.name} has no no-new-privileges security option`)),
};
