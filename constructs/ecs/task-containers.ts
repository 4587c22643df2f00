import { SECRETS_MOUNT_DIR } from "../common/secret-files";

/*
 * ECS container definitions for n8n's tasks, as plain data (the `container_definitions` JSON).
 *
 * ECS injects secrets only as environment variables (`secrets` with `valueFrom`), and n8n prefers
 * files (`*_FILE`). So each task starts with a short-lived `secrets-init` container: it alone gets
 * the secrets as environment variables (values never in the task definition or the state: only
 * their ARNs), writes each into a file (mode 0400, owned by n8n's user, no trailing newline) on a
 * task-local volume, and exits; n8n and the runners start only after it succeeded and read their
 * files. n8n's own environment holds no secret value. The runners get a volume with only their token.
 */

/** One secret file the init container writes: from a secret (ARN, optionally `:jsonKey::`) or, for public material, from a literal. */
export interface SecretFileSpec {
  /** Path under the volume, e.g. `n8n-db-password` or `tls/ca.pem`. */
  readonly file: string;
  /** `valueFrom` of ECS `secrets`: a secret ARN, or `<arn>:<json key>::`. */
  readonly valueFrom?: string;
  /** Public content (a CA bundle), written as is. */
  readonly literal?: string;
}

/** A task-local volume and the files the init container writes into it. */
export interface InitVolume {
  readonly name: string;
  readonly files: readonly SecretFileSpec[];
}

/** Linux capabilities Docker grants by default; the init container keeps only CHOWN. */
const DEFAULT_CAPABILITIES = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

/** Where the init container mounts a volume. */
const initMount = (volume: string) => `/zt/${volume}`;

/**
 * The init container's program (node, from the n8n image): create each scratch volume's root
 * owned by the user, then write each file from its environment variable, mode 0400. No `${`
 * anywhere: Terraform would read it as an interpolation inside container_definitions.
 */
const INIT_SCRIPT = [
  'const fs=require("fs"),path=require("path");',
  "const uid=+process.env.ZT_UID,gid=+process.env.ZT_GID;",
  "const own=(p,m)=>{fs.chownSync(p,uid,gid);fs.chmodSync(p,m)};",
  "for(const d of JSON.parse(process.env.ZT_DIRS))own(d,0o700);",
  "for(const f of JSON.parse(process.env.ZT_FILES)){",
  "const v=process.env[f.env];if(v===undefined)throw new Error(\"missing \"+f.env);",
  "fs.mkdirSync(path.dirname(f.path),{recursive:true,mode:0o700});own(path.dirname(f.path),0o700);",
  "fs.writeFileSync(f.path,v,{mode:0o400});own(f.path,0o400)}",
].join("");

export interface LogSettings {
  readonly group: string;
  readonly region: string;
}

const awslogs = (log: LogSettings, prefix: string) => ({ logDriver: "awslogs", options: { "awslogs-group": log.group, "awslogs-region": log.region, "awslogs-stream-prefix": prefix } });
const env = (vars: Record<string, string>) => Object.entries(vars).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }));
const nodeHttpCheck = (url: string) => ["CMD", "node", "-e", `fetch(${JSON.stringify(url)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`];

/** The init container that writes `volumes`' files and prepares `scratch` volumes for `uid:gid`. */
export function secretsInitContainer(p: { image: string; uid: number; gid: number; volumes: readonly InitVolume[]; scratch: readonly string[]; log: LogSettings }): Record<string, unknown> {
  const secrets: { name: string; valueFrom: string }[] = [];
  const literals: Record<string, string> = {};
  const files: { env: string; path: string }[] = [];
  p.volumes.forEach((v) =>
    v.files.forEach((f) => {
      const name = `ZT_SECRET_${secrets.length + Object.keys(literals).length}`;
      if (f.valueFrom) secrets.push({ name, valueFrom: f.valueFrom });
      else literals[name] = f.literal ?? "";
      files.push({ env: name, path: `${initMount(v.name)}/${f.file}` });
    }),
  );
  return {
    name: "secrets-init",
    image: p.image,
    essential: false,
    // Root only to hand the files to n8n's user (CHOWN; every other capability dropped); it exits at once.
    user: "0",
    entryPoint: ["node", "-e"],
    command: [INIT_SCRIPT],
    readonlyRootFilesystem: true,
    privileged: false,
    environment: env({ ZT_UID: String(p.uid), ZT_GID: String(p.gid), ZT_FILES: JSON.stringify(files), ZT_DIRS: JSON.stringify(p.scratch.map(initMount)), ...literals }),
    secrets,
    mountPoints: [...p.volumes.map((v) => v.name), ...p.scratch].map((v) => ({ sourceVolume: v, containerPath: initMount(v), readOnly: false })),
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: DEFAULT_CAPABILITIES.filter((c) => c !== "CHOWN"), add: [] } },
    memory: 128,
    cpu: 0,
    logConfiguration: awslogs(p.log, "secrets-init"),
  };
}

export interface N8nContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly uid: number;
  readonly gid: number;
  readonly command?: string[];
  readonly environment: Record<string, string>;
  /** The volume with this container's secret files (mounted read-only at /run/secrets). */
  readonly secretsVolume: string;
  /** Scratch volumes: name → path. */
  readonly scratch: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  /** Port published to the ALB (main, webhook). @default - none */
  readonly port?: number;
  /** Health URL inside the task. */
  readonly healthUrl: string;
  readonly stopTimeoutSeconds: number;
  readonly dependsOn: readonly { readonly containerName: string; readonly condition: "START" | "SUCCESS" | "HEALTHY" }[];
  readonly log: LogSettings;
}

/** A hardened container: non-root, read-only root, every capability dropped, init process, health check. */
export function hardenedContainer(c: N8nContainerSpec): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    essential: true,
    user: `${c.uid}:${c.gid}`,
    ...(c.command ? { command: c.command } : {}),
    readonlyRootFilesystem: true,
    privileged: false,
    environment: env(c.environment),
    mountPoints: [{ sourceVolume: c.secretsVolume, containerPath: SECRETS_MOUNT_DIR, readOnly: true }, ...Object.entries(c.scratch).map(([v, path]) => ({ sourceVolume: v, containerPath: path, readOnly: false }))],
    portMappings: c.port ? [{ containerPort: c.port, protocol: "tcp" }] : [],
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"], add: [] } },
    healthCheck: { command: nodeHttpCheck(c.healthUrl), interval: 15, timeout: 5, retries: 3, startPeriod: 90 },
    memory: c.memoryMb,
    cpu: 0,
    stopTimeout: c.stopTimeoutSeconds,
    dependsOn: c.dependsOn,
    logConfiguration: awslogs(c.log, c.name),
  };
}

/** Environment-variable names a task's containers may never carry with a literal value (they are files). */
export const SECRET_ENV_NAMES = ["N8N_ENCRYPTION_KEY", "DB_POSTGRESDB_PASSWORD", "N8N_RUNNERS_AUTH_TOKEN", "QUEUE_BULL_REDIS_PASSWORD"] as const;
