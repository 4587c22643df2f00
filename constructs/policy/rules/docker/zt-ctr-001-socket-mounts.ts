import { Rule } from "../../rule";
import { containerFinding, isSocketProxy } from "./roles";

const SOCKET = /(^|\/)docker\.sock$|^\/var\/run\/docker$|^\/run\/docker$/;

/** The deprecated `volumes` blocks, which can bind host paths too. */
function legacyVolumes(v: unknown): Record<string, unknown>[] {
  return (Array.isArray(v) ? v : v ? [v] : []) as Record<string, unknown>[];
}

export const SocketMounts: Rule = {
  id: "ZT-CTR-001",
  level: "error",
  appliesTo: "docker_",
  cause: "A container other than the socket proxy mounts the Docker socket, or the proxy mounts it writable",
  explanation:
    "The Docker socket is root on the host: whoever can talk to it can start a privileged container. Only the socket proxy may " +
    "mount it, read-only, and it exposes a filtered, read-only API (no POST) to Traefik over an internal network.",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const sockets = [
        ...c.mounts.filter((m) => SOCKET.test(m.source ?? "")).map((m) => ({ source: m.source, readOnly: m.readOnly })),
        ...legacyVolumes(c.raw.volumes).filter((v) => SOCKET.test(String(v.host_path ?? ""))).map((v) => ({ source: String(v.host_path), readOnly: v.read_only === true })),
      ];
      if (sockets.length === 0) return [];
      if (isSocketProxy(c)) return sockets.every((s) => s.readOnly) ? [] : [containerFinding(c, `${c.name} mounts ${sockets[0].source} writable`)];
      return [containerFinding(c, `${c.name} mounts ${sockets.map((s) => s.source).join(", ")}`)];
    }),
};
