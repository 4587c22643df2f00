import { Rule } from "../../rule";
import { isSocketProxy } from "./roles";

export const SocketMounts: Rule = {
  id: "ZT-CTR-001",
  level: "error",
  cause: "A container other than the socket proxy mounts the Docker socket (or the proxy mounts it writable)",
  explanation: "The Docker socket is root on the host. Only the socket proxy may mount it, read-only, and expose a filtered read-only API to Traefik.",
  evaluate: (ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const sockets = [...c.mounts.filter((m) => (m.source ?? "").endsWith("docker.sock")), ...c.volumesLegacy.filter((v) => (v.hostPath ?? "").endsWith("docker.sock")).map(() => ({ readOnly: false }))];
      if (sockets.length === 0) return [];
      if (isSocketProxy(c) && sockets.every((m) => m.readOnly)) return [];
      return [{ resource: c.address, path: c.path, detail: isSocketProxy(c) ? `${c.name} mounts the socket writable` : `${c.name} mounts the Docker socket` }];
    }),
};
