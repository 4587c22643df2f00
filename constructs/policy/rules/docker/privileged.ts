import { Rule } from "../../rule";

export const Privileged: Rule = {
  id: "ZT-CTR-002",
  level: "error",
  cause: "A container is privileged, or adds SYS_ADMIN/ALL capabilities, or shares the host's network/PID namespace",
  explanation: "A privileged container is root on the host. Nothing in this stack needs it.",
  evaluate: (ctx) =>
    ctx.docker.containers
      .filter((c) => c.privileged || c.capAdd.some((x) => x === "SYS_ADMIN" || x === "ALL") || c.networkMode === "host" || c.raw.pid_mode === "host")
      .map((c) => ({ resource: c.address, path: c.path, detail: `${c.name}: privileged=${c.privileged}, cap_add=${c.capAdd.join(",") || "-"}, network_mode=${c.networkMode ?? "-"}` })),
};
