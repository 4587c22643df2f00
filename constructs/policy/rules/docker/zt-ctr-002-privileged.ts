import { Rule } from "../../rule";
import { containerFinding } from "./roles";

const DANGEROUS_CAPS = new Set(["ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "NET_ADMIN", "DAC_READ_SEARCH", "BPF", "PERFMON"]);

export const Privileged: Rule = {
  id: "ZT-CTR-002",
  level: "error",
  appliesTo: "docker_",
  cause: "A container is privileged, adds a host-level capability, or shares a host namespace",
  explanation:
    "A privileged container, or one with SYS_ADMIN/SYS_PTRACE/NET_ADMIN-class capabilities, host devices, or the host's " +
    "network/PID/IPC/user namespace, can take over the host. Nothing in an n8n stack needs any of these.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const problems: string[] = [];
      if (c.privileged) problems.push("privileged = true");
      const caps = c.capAdd.map((x) => x.toUpperCase().replace(/^CAP_/, "")).filter((x) => DANGEROUS_CAPS.has(x));
      if (caps.length > 0) problems.push(`adds ${caps.join(", ")}`);
      for (const [attr, label] of [["network_mode", "network"], ["pid_mode", "PID"], ["ipc_mode", "IPC"], ["userns_mode", "user"]] as const) {
        if (c.raw[attr] === "host") problems.push(`shares the host's ${label} namespace`);
      }
      if (Array.isArray(c.raw.devices) && c.raw.devices.length > 0) problems.push("maps host devices");
      const opts = c.securityOpts.filter((o) => /^(seccomp|apparmor)[:=]unconfined$/.test(o));
      if (opts.length > 0) problems.push(`disables ${opts.join(", ")}`);
      return problems.length > 0 ? [containerFinding(c, `${c.name}: ${problems.join("; ")}`)] : [];
    }),
};
