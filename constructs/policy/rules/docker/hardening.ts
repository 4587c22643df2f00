import { Rule } from "../../rule";

export const MissingHardening: Rule = {
  id: "ZT-CTR-003",
  level: "error",
  cause: "A container lacks no-new-privileges or does not drop ALL capabilities",
  explanation: "`no-new-privileges` stops setuid escalation inside the container; dropping ALL capabilities (adding back only what is proven necessary) limits what a compromised process can do.",
  evaluate: (ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const missing = [];
      if (!c.securityOpts.some((o) => /^no-new-privileges(:true)?$/.test(o))) missing.push("no-new-privileges");
      if (!c.capDrop.includes("ALL")) missing.push("cap_drop ALL");
      return missing.length > 0 ? [{ resource: c.address, path: c.path, detail: `${c.name} lacks ${missing.join(" and ")}` }] : [];
    }),
};

export const MissingLimits: Rule = {
  id: "ZT-CTR-005",
  level: "warning",
  cause: "A container has no memory limit, no healthcheck or a writable root filesystem",
  explanation: "Memory limits keep one runaway workflow from taking the host down; healthchecks let Docker restart a wedged service; a read-only root filesystem stops tampering with binaries.",
  evaluate: (ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const missing = [];
      if (!c.memoryMb) missing.push("memory limit");
      if (!c.hasHealthcheck) missing.push("healthcheck");
      if (!c.readOnlyRoot) missing.push("read-only root");
      return missing.length > 0 ? [{ resource: c.address, path: c.path, detail: `${c.name} lacks ${missing.join(", ")}` }] : [];
    }),
};
