import { Construct } from "constructs";
import { HardenedContainer, ContainerLogging } from "../common/hardened-container";
import { SegmentedNetworks } from "../network/segmented-networks";

export interface DockerSocketProxyProps {
  /** The runtime's networks; the proxy joins only `socket` (internal). */
  readonly networks: SegmentedNetworks;
  /** Pinned image of linuxserver/socket-proxy (nginx-based; runs with a read-only root). */
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

/** TCP port the proxy listens on inside the `socket` network. */
export const SOCKET_PROXY_PORT = 2375;

/**
 * The only container that mounts the Docker socket, read-only, and exposes a filtered, read-only
 * subset of the Engine API to Traefik over the internal `socket` network: container list and
 * inspect, events, version and ping. Every write (`POST`, `DELETE`), exec, image, volume,
 * network, secret and swarm endpoint is refused, so a compromised Traefik cannot start a
 * privileged container on the host.
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
    const deny = ["POST", "DELETE", "ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS", "AUTH", "BUILD", "COMMIT", "CONFIGS", "DISTRIBUTION", "EXEC", "IMAGES", "INFO", "NETWORKS", "NODES", "PLUGINS", "SECRETS", "SERVICES", "SESSION", "SWARM", "SYSTEM", "TASKS", "VOLUMES"];
    this.container = new HardenedContainer(this, "Container", {
      name,
      image: props.image,
      networks: [{ network: props.networks.socket }],
      memoryMb: props.memoryMb ?? 64,
      cpus: props.cpus ?? "0.2",
      env: {
        ...Object.fromEntries(allow.map((k) => [k, "1"])),
        ...Object.fromEntries(deny.map((k) => [k, "0"])),
        LOG_LEVEL: "info",
      },
      readOnlyMounts: [{ source: socket, target: "/var/run/docker.sock" }],
      labels: { "org.n8n-zero-trust.role": "socket-proxy" },
      // linuxserver.io images start with s6-overlay, which refuses to run unless it is PID 1.
      init: false,
      tmpfs: { "/run": "rw,noexec,nosuid,size=8m", "/tmp": "rw,noexec,nosuid,size=8m" },
      // nginx starts as root to open the socket and then drops its workers to an unprivileged
      // user: that switch needs SETUID/SETGID and nothing else.
      capabilitiesAdd: ["SETUID", "SETGID"],
      healthcheck: { test: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${SOCKET_PROXY_PORT}/_ping || exit 1`] },
      logging: props.logging,
    });
    this.endpoint = `tcp://${name}:${SOCKET_PROXY_PORT}`;
  }
}
