import { Rule } from "../../rule";
import { isEdgeProxy, isSocketProxy } from "../docker/roles";
import { componentRule } from "./helpers";
import { SOCKET_PROXY_CONTAINER_READS, SOCKET_PROXY_CONTAINER_READS_SINCE, SOCKET_PROXY_LIFECYCLE } from "../../../common/socket-proxy-switches";
import { versionAtLeast } from "../../../common/validation";

/*
 * The Docker socket proxy's endpoint switches (linuxserver/socket-proxy, the same model as
 * tecnativa/docker-socket-proxy): an API section is served when its variable is 1; every method
 * but GET/HEAD is refused unless POST=1, except the lifecycle calls the ALLOW_* switches open.
 * From 3.4.3 on, linuxserver's image also refuses reads inside a container (ALLOW_ARCHIVE,
 * ALLOW_CHANGES, ALLOW_EXPORT, ALLOW_LOGS, ALLOW_TOP) even with CONTAINERS=1.
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
    "mounts /. Traefik only reads. Keep POST=0 and every lifecycle switch (ALLOW_START, ALLOW_STOP, ALLOW_RESTARTS, " +
    "ALLOW_PAUSE, ALLOW_UNPAUSE) at 0.",
  settings: [
    ["POST", "0 (the default): GET and HEAD only"],
    [SOCKET_PROXY_LIFECYCLE.join(", "), "0 (the default)"],
  ],
  check: (c) => ["POST", ...SOCKET_PROXY_LIFECYCLE].map((k) => on(c.env, k) && `${k}=1`),
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
    "Even narrowed to what Traefik needs, CONTAINERS=1 serves GET /containers/json and /containers/{id}/json for every " +
    "container on the host: names, images, labels, networks, mounts and environment. A client that reads them maps the " +
    "host and reads any secret another workload left in its environment. So the only client is the edge proxy itself: " +
    "keep the socket network internal (ZT-NET-004) with the socket proxy and the edge proxy as its only members.",
  settings: [["networks of the socket proxy", "shared with the edge proxy only"]],
  check: (c, ctx) => {
    const nets = new Set(c.networks.map((n) => n.name));
    return ctx.docker.containers
      .filter((x) => x !== c && !isEdgeProxy(x) && !isSocketProxy(x) && x.networks.some((n) => nets.has(n.name)))
      .map((x) => `${x.name} shares ${x.networks.filter((n) => nets.has(n.name)).map((n) => n.name).join(", ")} with it and can read the inspect data of every container${on(c.env, "CONTAINERS") ? " (CONTAINERS=1)" : ""}`);
  },
});

const LINUXSERVER_IMAGE = /(^|\/)linuxserver\/(docker-)?socket-proxy:v?(\d+)\.(\d+)\.(\d+)/;

/** The version of a linuxserver/socket-proxy image reference, when its tag says. */
function linuxserverVersion(image: string): number[] | undefined {
  const m = LINUXSERVER_IMAGE.exec(image);
  return m ? [Number(m[3]), Number(m[4]), Number(m[5])] : undefined;
}

export const SocketProxyContainerReads = componentRule({
  id: "ZT-SOCK-005",
  level: "error",
  component: "socket-proxy",
  cause: "The socket proxy serves reads inside containers: logs, file archives, filesystem exports, changes or processes",
  explanation:
    "GET /containers/{id}/archive downloads any file of any container (n8n's mounted secret files included), /export the " +
    "whole filesystem, /logs everything a container printed, /changes and /top what it wrote and runs. Traefik reads none " +
    "of them. linuxserver/socket-proxy refuses them from 3.4.3 on unless ALLOW_ARCHIVE, ALLOW_CHANGES, ALLOW_EXPORT, " +
    "ALLOW_LOGS or ALLOW_TOP is 1; earlier releases (the nginx-based 1.x/2.x) serve all of them with CONTAINERS=1. Pin " +
    "3.4.3 or later and keep the five switches at 0 (the attack suite reads them back as 403: attack.socket-proxy).",
  settings: [
    [SOCKET_PROXY_CONTAINER_READS.join(", "), "0 (the default)"],
    ["image", `linuxserver/socket-proxy ${SOCKET_PROXY_CONTAINER_READS_SINCE.join(".")} or later when CONTAINERS=1`],
  ],
  check: (c) => {
    const problems: (string | false)[] = SOCKET_PROXY_CONTAINER_READS.map((k) => on(c.env, k) && `${k}=1`);
    const v = linuxserverVersion(c.image);
    if (on(c.env, "CONTAINERS") && v && !versionAtLeast(v, SOCKET_PROXY_CONTAINER_READS_SINCE)) {
      problems.push(`${c.image} predates the sub-path switches (${SOCKET_PROXY_CONTAINER_READS_SINCE.join(".")}): with CONTAINERS=1 it serves every container's logs, archives and exports`);
    }
    return problems;
  },
});

export const SOCKET_PROXY_RULES: readonly Rule[] = [SocketProxyWrites, SocketProxySensitiveSections, SocketProxyInventory, SocketProxyClients, SocketProxyContainerReads];
