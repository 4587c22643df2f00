import { Construct } from "constructs";
import { HardenedContainer, ContainerLogging } from "../common/hardened-container";
import { SegmentedNetworks } from "../network/segmented-networks";
import { SOCKET_PROXY_CONTAINER_READS, SOCKET_PROXY_LIFECYCLE } from "../common/socket-proxy-switches";
import { CONTAINER_LIMITS } from "../common/defaults";
import { CONTAINER_ROLES, roleLabels } from "../common/labels";

export interface DockerSocketProxyProps {
  /** The runtime's networks; the proxy joins only `socket` (internal). */
  readonly networks: Pick<SegmentedNetworks, "prefix" | "socket">;
  /**
   * Pinned image of linuxserver/socket-proxy, 3.4.3 or later (haproxy-based; runs with a
   * read-only root). Earlier releases have no switches for container sub-paths, so their
   * `CONTAINERS=1` also serves every container's logs, file archives and exports.
   */
  readonly image: string;
  /** Container name. @default `<networks.prefix>-socket-proxy` */
  readonly name?: string;
  /** Memory limit in MiB. @default 64 */
  readonly memoryMb?: number;
  /** CPU limit. @default "0.2" */
  readonly cpus?: string;
  /** Docker socket on the host. @default "/var/run/docker.sock" */
  readonly dockerSocketPath?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
}

/** The image's Podman (libpod) API switches. */
const LIBPOD_SWITCHES = [
  "LIBPOD_ALLOW_PAUSE", "LIBPOD_ALLOW_POD_PAUSE", "LIBPOD_ALLOW_POD_RESTARTS", "LIBPOD_ALLOW_POD_START", "LIBPOD_ALLOW_POD_STOP",
  "LIBPOD_ALLOW_POD_UNPAUSE", "LIBPOD_ALLOW_RESTARTS", "LIBPOD_ALLOW_START", "LIBPOD_ALLOW_STOP", "LIBPOD_ALLOW_UNPAUSE",
  "LIBPOD_CONTAINERS", "LIBPOD_EVENTS", "LIBPOD_EXEC", "LIBPOD_GENERATE", "LIBPOD_IMAGES", "LIBPOD_INFO", "LIBPOD_MANIFESTS",
  "LIBPOD_NETWORKS", "LIBPOD_PING", "LIBPOD_PLAY", "LIBPOD_PODS", "LIBPOD_SECRETS", "LIBPOD_SYSTEM", "LIBPOD_VERSION", "LIBPOD_VOLUMES",
];

/** TCP port the proxy listens on inside the `socket` network. */
export const SOCKET_PROXY_PORT = 2375;

/**
 * The only container that mounts the Docker socket, read-only, and exposes a filtered, read-only
 * subset of the Engine API to Traefik over the internal `socket` network: container list and
 * inspect, events, version and ping. Every write (`POST`, `DELETE`), exec, image, volume,
 * network, secret and swarm endpoint is refused, so a compromised Traefik cannot start a
 * privileged container on the host; so are the reads inside a container (logs, file archives,
 * exports, changes, processes), so it cannot read another container's files or output either.
 */
export class DockerSocketProxy extends Construct {
  public readonly container: HardenedContainer;
  /** `tcp://<name>:2375`, the endpoint for Traefik's docker provider. */
  public readonly endpoint: string;

  constructor(scope: Construct, id: string, props: DockerSocketProxyProps) {
    super(scope, id);
    const name = props.name ?? `${props.networks.prefix}-socket-proxy`;
    const socket = props.dockerSocketPath ?? "/var/run/docker.sock";
    // Endpoint switches of linuxserver/socket-proxy: 1 allows, 0 denies. Everything Traefik does
    // not need is denied explicitly, so a future image default cannot widen access.
    const allow = ["CONTAINERS", "EVENTS", "PING", "VERSION"];
    const deny = [
      // POST=0 allows only GET/HEAD; the ALLOW_* lifecycle calls are checked before it.
      "POST", ...SOCKET_PROXY_LIFECYCLE,
      // Reads inside a container, refused even though CONTAINERS=1.
      ...SOCKET_PROXY_CONTAINER_READS,
      "AUTH", "BUILD", "COMMIT", "CONFIGS", "DISTRIBUTION", "EXEC", "GRPC", "IMAGES", "INFO", "NETWORKS", "NODES", "PLUGINS",
      "SECRETS", "SERVICES", "SESSION", "SWARM", "SYSTEM", "TASKS", "VOLUMES",
      // The Podman (libpod) API: the image serves its ping and version by default.
      ...LIBPOD_SWITCHES,
    ];
    this.container = new HardenedContainer(this, "Container", {
      name,
      image: props.image,
      networks: [{ network: props.networks.socket }],
      memoryMb: props.memoryMb ?? CONTAINER_LIMITS.socketProxy.memoryMb,
      cpus: props.cpus ?? CONTAINER_LIMITS.socketProxy.cpus,
      env: {
        ...Object.fromEntries(allow.map((k) => [k, "1"])),
        ...Object.fromEntries(deny.map((k) => [k, "0"])),
        // The socket network is IPv4 only.
        DISABLE_IPV6: "1",
        LOG_LEVEL: "info",
      },
      readOnlyMounts: [{ source: socket, target: "/var/run/docker.sock" }],
      labels: roleLabels(CONTAINER_ROLES.socketProxy),
      tmpfs: { "/run": "rw,noexec,nosuid,size=8m", "/tmp": "rw,noexec,nosuid,size=8m" },
      // haproxy runs as root (the socket's owner) and its config chroots to "/": that call needs
      // SYS_CHROOT, and nothing else is added back (the worker exits without it).
      capabilitiesAdd: ["SYS_CHROOT"],
      healthcheck: { test: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${SOCKET_PROXY_PORT}/_ping || exit 1`] },
      logging: props.logging,
    });
    this.endpoint = `tcp://${name}:${SOCKET_PROXY_PORT}`;
  }
}
