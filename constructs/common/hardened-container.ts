import { Construct } from "constructs";
import { Container, ContainerHealthcheck } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { FILE_ENV_PREFIX, FILES_LABEL, TENANT_CONTEXT, TENANT_LABEL } from "./labels";
import { boundMessage, inBound, MEMORY_MB } from "./bounds";
import { CPUS, formatProblem } from "./patterns";
import { secretLeakProblem, secretValueKind } from "./secret-patterns";
import { imageRefProblem, isUnresolved, Validator } from "./validation";

/** A network the container joins, with optional DNS aliases on that network. */
export interface ContainerNetworkAttachment {
  /** The Docker network. */
  readonly network: Network;
  /** Extra DNS names for the container on this network. @default - only the container name */
  readonly aliases?: string[];
  /** Fixed IPv4 address on this network (the network needs an explicit subnet). @default - assigned by Docker */
  readonly ipv4Address?: string;
}

/** A file or folder on the host mounted into the container. */
export interface HostPathMount {
  /** Absolute path on the Docker host. */
  readonly source: string;
  /** Absolute path in the container. */
  readonly target: string;
}

/** Where the container's logs go. */
export interface ContainerLogging {
  /** Docker log driver, e.g. `json-file` or `awslogs`. */
  readonly driver: string;
  /** Driver options. Never put a secret here: they are visible in `docker inspect`. */
  readonly options?: Record<string, string>;
}

export interface HardenedContainerProps {
  /** Container name on the host; also its DNS name on every network it joins. */
  readonly name: string;
  /** Image reference pinned to an exact version tag or a digest (`latest` is refused). */
  readonly image: string;
  /** The container's hostname (n8n names a queue-mode process `<type>-<hostname>` in its logs). @default - Docker's: the container id */
  readonly hostname?: string;
  /** Networks to join. The container gets no other network (no default bridge). */
  readonly networks: ContainerNetworkAttachment[];
  /** Hard memory limit in MiB, within MEMORY_MB (common/bounds: 32 to 65536). */
  readonly memoryMb: number;
  /** CPU limit, e.g. `"0.5"` (common/patterns CPUS: 0.01 to 99). @default - no CPU limit */
  readonly cpus?: string;
  /** Healthcheck command (`["CMD", ...]` or `["CMD-SHELL", "..."]`) and timings. Required. */
  readonly healthcheck: ContainerHealthcheck;
  /**
   * Mount the root filesystem read-only. Writable paths must be tmpfs or volumes.
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /** User (uid[:gid]) to run as. @default - the image's user */
  readonly user?: string;
  /**
   * Linux capabilities to add back after dropping ALL. Each one must be justified where it is
   * passed. @default - none
   */
  readonly capabilitiesAdd?: string[];
  /** Environment variables. Secret values are refused: pass secrets as files (`*_FILE`). */
  readonly env?: Record<string, string>;
  /** Container labels (Traefik routing). Secret values are refused. */
  readonly labels?: Record<string, string>;
  /** Command (arguments to the image's entrypoint). @default - the image's command */
  readonly command?: string[];
  /** Entrypoint override. @default - the image's entrypoint */
  readonly entrypoint?: string[];
  /** Host files mounted read-only (secrets directory, certificates). */
  readonly readOnlyMounts?: HostPathMount[];
  /** Host folders mounted read-write (state that must outlive the container, e.g. ACME storage). */
  readonly bindMounts?: HostPathMount[];
  /** Named volumes for state, mounted read-write: volume name → container path. */
  readonly volumes?: Record<string, string>;
  /** tmpfs mounts: container path → mount options (e.g. `"rw,noexec,nosuid,size=64m"`). */
  readonly tmpfs?: Record<string, string>;
  /** Namespaced kernel settings of the container (e.g. `net.ipv4.ip_unprivileged_port_start`). @default - none */
  readonly sysctls?: Record<string, string>;
  /** Host ports to publish. Only the edge proxy should have any. */
  readonly publishedPorts?: { readonly internal: number; readonly external: number; readonly ip?: string }[];
  /**
   * Non-secret files the container gets (configs, SQL), written when it starts into small tmpfs
   * folders owned by `user`; the image's own entrypoint runs after that (`imageEntrypoint`).
   * The contents travel in the container's environment (`N8NZT_FILE_<n>`; visible in
   * `docker inspect`, so secret-looking contents are refused like any env value), and the label
   * `org.n8n-zero-trust.files` maps each path to its variable for reviewers and the policy pack.
   * Why not Docker's copy API (the provider's `upload`): it extracts at `/`, and Docker refuses
   * any copy into a read-only root filesystem, even one whose target folder is a volume.
   */
  readonly uploads?: { readonly file: string; readonly content: string; readonly executable?: boolean }[];
  /**
   * The image's own ENTRYPOINT (and nothing else), run with `command` after the `uploads` are
   * written. Required with `uploads`, because the start-time writer replaces the entrypoint.
   */
  readonly imageEntrypoint?: string[];
  /** Log driver and options. @default - json-file with rotation (10 MB x 3) */
  readonly logging?: ContainerLogging;
  /** Restart policy. @default "unless-stopped" */
  readonly restart?: "no" | "on-failure" | "always" | "unless-stopped";
  /**
   * Run Docker's init (tini) as PID 1 to reap zombies and forward signals. Turn it off for images
   * whose own init must be PID 1 (s6-overlay in linuxserver.io images). @default true
   */
  readonly init?: boolean;
  /** Signal and grace period for a clean stop. @default - image default, 10 s */
  readonly stopTimeoutSeconds?: number;
  /** Other resources that must exist before this container is created. */
  readonly dependsOn?: Container[];
}

/** Paths of start-time files: quoted verbatim into the writer script, so a strict alphabet. */
const UPLOAD_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * The start-time file writer: one tmpfs per folder (owned by the container's user, `noexec`
 * unless it holds an executable), a POSIX sh prelude that writes each file from its env var
 * and then execs the image's entrypoint with the container's command.
 */
function startTimeFiles(uploads: NonNullable<HardenedContainerProps["uploads"]>, user: string | undefined, imageEntrypoint: string[]) {
  if (uploads.length === 0) return undefined;
  const [uid, gid] = /^(\d+)(?::(\d+))?$/.exec(user ?? "")?.slice(1) ?? [];
  const owner = uid !== undefined ? `,uid=${uid},gid=${gid ?? uid}` : "";
  const dirs = [...new Set(uploads.map((u) => u.file.slice(0, u.file.lastIndexOf("/"))))];
  const tmpfs = Object.fromEntries(
    dirs.map((d) => [d, `rw,${uploads.some((u) => u.executable && u.file.startsWith(`${d}/`)) ? "" : "noexec,"}nosuid,nodev,size=1m,mode=0755${owner}`]),
  );
  const env: Record<string, string> = {};
  const map: Record<string, string> = {};
  const lines = ["set -eu", "umask 022"];
  uploads.forEach((u, i) => {
    const name = `${FILE_ENV_PREFIX}${i + 1}`;
    env[name] = u.content;
    map[u.file] = name;
    lines.push(`printf '%s' "$${name}" > '${u.file}'${u.executable ? ` && chmod 0755 '${u.file}'` : ""}`);
  });
  // The variables are not needed once the files exist; the image's process never sees them.
  lines.push(`unset ${Object.values(map).join(" ")}`);
  lines.push(`exec ${imageEntrypoint.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")} "$@"`);
  return { env, labels: { [FILES_LABEL]: JSON.stringify(map) }, tmpfs, entrypoint: ["/bin/sh", "-c", lines.join("\n"), "n8nzt-files"] };
}

/**
 * The provider reads `cpus` back from Docker's NanoCpus as a decimal with at least one fraction
 * digit ("1.0", "0.5", "0.25"), and `cpus` forces replacement: any other spelling ("1") makes
 * every plan replace the container. Found on the first real deploy (a plan after apply).
 */
export function canonicalCpus(cpus: string): string {
  const n = Number(cpus);
  if (!Number.isFinite(n) || n <= 0) return cpus;
  const nano = Math.round(n * 1e9);
  const whole = Math.floor(nano / 1e9);
  const frac = String(nano % 1e9).padStart(9, "0").replace(/0+$/, "");
  return `${whole}.${frac || "0"}`;
}

/**
 * Durations as the provider reads them back from Docker (Go's time.Duration format: "1m0s", not
 * "60s"), so a plan after an apply shows no change (found on the first real plan after an apply).
 */
export function canonicalDuration(d: string): string {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m || d === "") return d;
  const total = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (total === 0) return "0s";
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h${min}m${sec}s` : min > 0 ? `${min}m${sec}s` : `${sec}s`;
}

function canonicalHealthcheck(h: ContainerHealthcheck): ContainerHealthcheck {
  const d = (x: string | undefined) => (x === undefined || isUnresolved(x) ? x : canonicalDuration(x));
  return { ...h, interval: d(h.interval), timeout: d(h.timeout), startPeriod: d(h.startPeriod) };
}

/**
 * Throws one ValidationError naming every bad prop: an unpinned image, no network, a memory limit
 * or CPU count out of bounds, a secret in env, labels or an uploaded file, SYS_ADMIN or ALL added
 * back, and start-time files the writer cannot place. Unresolved tokens are skipped.
 */
function validateContainerProps(path: string, props: HardenedContainerProps): void {
  const v = new Validator(`Invalid props for container ${path}`);
  if (!isUnresolved(props.image)) {
    const problem = imageRefProblem(props.image);
    if (problem) v.add("image", problem);
  }
  v.check(props.networks.length > 0, "networks", "must name at least one network; containers never join the default bridge");
  if (!isUnresolved(props.memoryMb)) {
    v.check(inBound(props.memoryMb, MEMORY_MB), "memoryMb", `${boundMessage(MEMORY_MB, " (MiB)")}, got ${props.memoryMb}`);
  }
  const cpusProblem = props.cpus === undefined || isUnresolved(props.cpus) ? undefined : formatProblem(CPUS, props.cpus);
  if (cpusProblem) v.add("cpus", cpusProblem);
  v.check(props.healthcheck.test.length > 0, "healthcheck.test", "must be a non-empty command");
  for (const [k, val] of Object.entries(props.env ?? {})) {
    const problem = secretLeakProblem(k, val);
    if (problem) v.add(`env.${k}`, problem);
  }
  for (const [k, val] of Object.entries(props.labels ?? {})) {
    const problem = secretLeakProblem(k, val);
    if (problem) v.add(`labels.${k}`, problem);
  }
  for (const cap of props.capabilitiesAdd ?? []) {
    const bare = cap.replace(/^CAP_/, "");
    v.check(/^[A-Z_]+$/.test(cap) && bare !== "SYS_ADMIN" && bare !== "ALL", "capabilitiesAdd", `"${cap}" is not allowed; SYS_ADMIN and ALL are never added back`);
  }
  const uploads = props.uploads ?? [];
  if (uploads.length > 0) {
    v.check(props.entrypoint === undefined, "entrypoint", "cannot be combined with uploads (the file writer is the entrypoint; set imageEntrypoint)");
    v.check((props.imageEntrypoint ?? []).length > 0, "imageEntrypoint", "is required with uploads: the image's own ENTRYPOINT, run after the files are written");
    for (const u of uploads) {
      // Each file's folder becomes a tmpfs of its own, so a file straight under / is refused.
      v.check(UPLOAD_PATH.test(u.file) && !u.file.split("/").includes("..") && u.file.lastIndexOf("/") > 0, "uploads.file", `"${u.file}" must be an absolute path of letters, digits, . _ - / inside a folder (not directly under /, no ..)`);
      const kind = secretValueKind(u.content);
      const problem = kind ? `looks like key material or an inline credential (${kind}); mount secrets from files instead` : undefined;
      if (problem) v.add(`uploads.${u.file}`, problem);
    }
    v.check(new Set(uploads.map((u) => u.file)).size === uploads.length, "uploads", "lists a file twice");
  }
  v.throwIfAny();
}

/**
 * A Docker container with the project's baseline hardening: pinned image, `no-new-privileges`,
 * ALL capabilities dropped (add back only what is justified), read-only root filesystem,
 * memory limit, healthcheck, restart policy, no default bridge network, rotated logs, and a
 * refusal of secret values in env or labels.
 *
 * @example
 * new HardenedContainer(this, "Whoami", {
 *   name: "whoami",
 *   image: "traefik/whoami:v1.10.3",
 *   networks: [{ network: networks.app }],
 *   memoryMb: 32,
 *   healthcheck: { test: ["CMD", "/whoami", "--help"] },
 * });
 */
export class HardenedContainer extends Construct {
  /** The `docker_image` resource (pulled once, kept locally). */
  public readonly image: Image;
  /** The `docker_container` resource. */
  public readonly container: Container;
  /** Container name, which is also its DNS name on its networks. */
  public readonly containerName: string;
  /** Host paths mounted read-only (secret files, certificates). */
  public readonly readOnlyMountSources: string[];

  constructor(scope: Construct, id: string, props: HardenedContainerProps) {
    super(scope, id);
    validateContainerProps(this.node.path, props);

    this.containerName = props.name;
    this.readOnlyMountSources = (props.readOnlyMounts ?? []).map((m) => m.source);
    this.image = new Image(this, "Image", { name: props.image, keepLocally: true });

    const logging = props.logging ?? { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } };
    const readOnlyRoot = props.readOnlyRootFilesystem ?? true;
    const files = startTimeFiles(props.uploads ?? [], props.user, props.imageEntrypoint ?? []);
    const mounts = [
      ...(props.readOnlyMounts ?? []).map((m) => ({ type: "bind", source: m.source, target: m.target, readOnly: true })),
      ...(props.bindMounts ?? []).map((m) => ({ type: "bind", source: m.source, target: m.target, readOnly: false })),
      ...Object.entries(props.volumes ?? {}).map(([source, target]) => ({ type: "volume", source, target, readOnly: false })),
    ];
    const env = { ...(props.env ?? {}), ...files?.env };
    // Inside a tenant's subtree (TENANT_CONTEXT), every container says whose it is.
    const tenant = this.node.tryGetContext(TENANT_CONTEXT) as string | undefined;
    const labels = { ...(props.labels ?? {}), ...files?.labels, ...(tenant ? { [TENANT_LABEL]: tenant } : {}) };

    this.container = new Container(this, "Resource", {
      name: props.name,
      ...(props.hostname !== undefined ? { hostname: props.hostname } : {}),
      image: this.image.imageId,
      restart: props.restart ?? "unless-stopped",
      mustRun: true,
      memory: props.memoryMb,
      memorySwap: props.memoryMb,
      cpus: props.cpus === undefined || isUnresolved(props.cpus) ? props.cpus : canonicalCpus(props.cpus),
      readOnly: readOnlyRoot,
      user: props.user,
      securityOpts: ["no-new-privileges:true"],
      // Docker reports added capabilities as CAP_<NAME>; writing them that way keeps plans free of
      // a replacement per apply (found on the first real plan after an apply).
      capabilities: { drop: ["ALL"], add: props.capabilitiesAdd?.map((cap) => (cap.startsWith("CAP_") ? cap : `CAP_${cap}`)) },
      privileged: false,
      init: props.init ?? true,
      env: Object.keys(env).length > 0 ? Object.entries(env).map(([k, val]) => `${k}=${val}`) : undefined,
      labels: Object.keys(labels).length > 0 ? Object.entries(labels).map(([label, value]) => ({ label, value })) : undefined,
      command: props.command,
      entrypoint: files?.entrypoint ?? props.entrypoint,
      mounts: mounts.length > 0 ? mounts : undefined,
      tmpfs: files ? { ...files.tmpfs, ...props.tmpfs } : props.tmpfs,
      sysctls: props.sysctls,
      ports: props.publishedPorts?.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip ?? "0.0.0.0", protocol: "tcp" })),
      healthcheck: canonicalHealthcheck({
        interval: "30s",
        timeout: "5s",
        retries: 3,
        startPeriod: "30s",
        ...props.healthcheck,
      }),
      // Joining only the listed networks; `network_mode` is left unset because the docker
      // provider shows a perpetual diff when it is set to "bridge" explicitly.
      networksAdvanced: props.networks.map((n) => ({ name: n.network.name, aliases: n.aliases, ipv4Address: n.ipv4Address })),
      logDriver: logging.driver,
      logOpts: logging.options,
      stopTimeout: props.stopTimeoutSeconds,
      dependsOn: props.dependsOn,
    });
  }
}
