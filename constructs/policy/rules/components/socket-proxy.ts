import { Rule } from "../../rule";
import { isEdgeProxy, isSocketProxy } from "../docker/roles";
import { componentRule } from "./helpers";

/*
 * The Docker socket proxy's endpoint switches (linuxserver/socket-proxy, the same model as
 * tecnativa/docker-socket-proxy): an API section is served when its variable is 1; POST and DELETE
 * are refused unless POST=1 / DELETE=1, except the start/stop/restart calls ALLOW_* opens.
 * Defaults of the image: EVENTS, PING and VERSION on, everything else off.
 */

const DEFAULT_ON = new Set(["EVENTS", "PING", "VERSION"]);
const on = (env: Record<string, string>, k: string) => (env[k] ?? (DEFAULT_ON.has(k) ? "1" : "0")).trim() === "1";

/** Sections whose read API hands out secrets or reaches into containers, or that are swarm-wide. */
const SENSITIVE_SECTIONS = ["AUTH", "BUILD", "COMMIT", "CONFIGS", "DISTRIBUTION", "EXEC", "GRPC", "NODES", "PLUGINS", "SECRETS", "SERVICES", "SESSION", "SWARM", "SYSTEM", "TASKS"];
/** Read-only sections Traefik does not need: they reveal the host's images, networks and volumes. */
const INVENTORY_SECTIONS = ["IMAGES", "INFO", "NETWORKS", "VOLUMES"];

export const SocketProxyWrites = componentRule({
  id: "ZT-SOCK-001",
  level: "error",
  component: "socket-proxy",
  cause: "The socket proxy lets clients change the Docker engine (POST, DELETE, start, stop, restart)",
  explanation:
    "Write access to the Engine API is root on the host: a client that may POST can create a privileged container that " +
    "mounts /. Traefik only reads. Keep POST=0 and DELETE=0 and every ALLOW_* at 0.",
  settings: [
    ["POST, DELETE", "0 (the default)"],
    ["ALLOW_START, ALLOW_STOP, ALLOW_RESTARTS", "0 (the default)"],
  ],
  check: (c) => ["POST", "DELETE", "ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS"].map((k) => on(c.env, k) && `${k}=1`),
});

export const SocketProxySensitiveSections = componentRule({
  id: "ZT-SOCK-002",
  level: "error",
  component: "socket-proxy",
  cause: "The socket proxy serves API sections that hand out secrets or reach into containers (exec, secrets, configs, swarm...)",
  explanation:
    "Even read-only, /configs returns config contents, /secrets and /services list secret references and service specs " +
    "(environment included), /exec and /session reach into running containers, /build, /commit, /plugins, /system and " +
    "/distribution act on the engine. Traefik needs none of them: keep each at 0.",
  settings: [[SENSITIVE_SECTIONS.join(", "), "0 (the default)"]],
  check: (c) => SENSITIVE_SECTIONS.map((k) => on(c.env, k) && `${k}=1`),
});

export const SocketProxyInventory = componentRule({
  id: "ZT-SOCK-003",
  level: "warning",
  component: "socket-proxy",
  cause: "The socket proxy serves host inventory Traefik does not need (images, info, networks, volumes)",
  explanation:
    "Traefik's docker provider reads containers, events, ping and version. /info, /images, /networks and /volumes tell a " +
    "compromised edge proxy what else runs on the host and where its data is. Keep them at 0.",
  settings: [
    [INVENTORY_SECTIONS.join(", "), "0 (the default)"],
    ["CONTAINERS, EVENTS, PING, VERSION", "1: what Traefik's docker provider reads"],
  ],
  check: (c) => INVENTORY_SECTIONS.map((k) => on(c.env, k) && `${k}=1`),
});

export const SocketProxyClients = componentRule({
  id: "ZT-SOCK-004",
  level: "error",
  component: "socket-proxy",
  cause: "A container other than the edge proxy can reach the Docker socket proxy",
  explanation:
    "The proxy's switches work per API section, and linuxserver/socket-proxy (like tecnativa's) opens all of /containers/ " +
    "with CONTAINERS=1 — not only the list and inspect calls Traefik needs, but also every container's logs, file downloads " +
    "(GET /containers/{id}/archive: n8n's secret files included) and filesystem exports; the attack suite shows them " +
    "answering (attack.socket-proxy). So the only safe client is the edge proxy itself: keep the socket network internal " +
    "(ZT-NET-004) with the socket proxy and the edge proxy as its only members.",
  settings: [["networks of the socket proxy", "shared with the edge proxy only (CONTAINERS=1 also serves logs, /archive and /export)"]],
  check: (c, ctx) => {
    const nets = new Set(c.networks.map((n) => n.name));
    return ctx.docker.containers
      .filter((x) => x !== c && !isEdgeProxy(x) && !isSocketProxy(x) && x.networks.some((n) => nets.has(n.name)))
      .map((x) => `${x.name} shares ${x.networks.filter((n) => nets.has(n.name)).map((n) => n.name).join(", ")} with it and can read container logs, files and exports${on(c.env, "CONTAINERS") ? " (CONTAINERS=1)" : ""}`);
  },
});

export const SOCKET_PROXY_RULES: readonly Rule[] = [SocketProxyWrites, SocketProxySensitiveSections, SocketProxyInventory, SocketProxyClients];
