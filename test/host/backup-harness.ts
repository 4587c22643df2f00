import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BACKUP_PATHS, backupFiles, backupPaths, BackupProps } from "../../constructs/host/backup";
import { readEnvironmentFile, RunResult } from "./agent-harness";

/*
 * Runs the generated backup script for real: its files are written below a temp root and the script
 * runs under a real shell with the real mktemp, chmod, dd, od, wc and rm. Only the boundaries are
 * fakes on PATH: `systemctl`, `aws` (S3 is a folder) and `docker`. The fake docker's `exec` runs the
 * container command it is given under a real `sh`, with a fake `cat` (the container's secret file is
 * a fixture) and a fake `pg_dump` on PATH. Every fake records its argv, so a test can prove the
 * password is in none of them.
 */

const REAL_CAT = execFileSync("sh", ["-c", "command -v cat"], { encoding: "utf8" }).trim();

export const FAKE_SYSTEMCTL = `#!/bin/sh
printf 'systemctl %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
[ "$*" = "is-active --quiet docker.service" ] || { echo "fake systemctl: unexpected $*" >&2; exit 2; }
[ -f "$FAKE_ROOT/docker-active" ]
`;

const FAKE_DOCKER = `#!/bin/sh
printf 'docker %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
case $1 in
  container)
    [ "$2 $3 $4" = "inspect -f {{.State.Running}}" ] && [ $# -eq 5 ] || { echo "fake docker: unexpected $*" >&2; exit 2; }
    [ -f "$FAKE_ROOT/containers/$5" ] || { echo "Error: No such container: $5" >&2; exit 1; }
    ${REAL_CAT} "$FAKE_ROOT/containers/$5"
    exit 0 ;;
  exec)
    # Exactly what the host passed, one word per NUL-terminated field.
    printf '%s\\0' "$@" >"$FAKE_ROOT/docker-exec.argv"
    [ -f "$FAKE_ROOT/containers/$2" ] || { echo "Error: No such container: $2" >&2; exit 1; }
    [ "$3 $4" = "sh -c" ] || { echo "fake docker: unexpected exec $*" >&2; exit 2; }
    shift 4
    # The container: its own shell runs the command text, with its own cat and pg_dump.
    PATH="$FAKE_ROOT/container-bin:$PATH" exec sh -c "$@" ;;
esac
echo "fake docker: unexpected $*" >&2
exit 2
`;

/** The container's cat: only ever asked for the superuser password file, which is a fixture here. */
const CONTAINER_CAT = `#!/bin/sh
printf 'cat %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
[ "$*" = /run/secrets/postgres-superuser-password ] || { echo "fake cat: unexpected $*" >&2; exit 2; }
[ -f "$FAKE_ROOT/container-secret" ] || { echo "cat: can't open '/run/secrets/postgres-superuser-password': No such file or directory" >&2; exit 1; }
exec ${REAL_CAT} "$FAKE_ROOT/container-secret"
`;

/** The container's pg_dump: records its argv and the PGPASSWORD it received, then behaves as $FAKE_ROOT/pg_dump-mode says. */
const CONTAINER_PG_DUMP = `#!/bin/sh
printf 'pg_dump %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
printf '%s' "\${PGPASSWORD-<unset>}" >"$FAKE_ROOT/pg_dump-password"
mode=ok
[ -f "$FAKE_ROOT/pg_dump-mode" ] && mode=$(${REAL_CAT} "$FAKE_ROOT/pg_dump-mode")
# The database is the last word; $FAKE_ROOT/pg_dump-mode.<database> is that database's mode.
for db in "$@"; do :; done
[ -f "$FAKE_ROOT/pg_dump-mode.$db" ] && mode=$(${REAL_CAT} "$FAKE_ROOT/pg_dump-mode.$db")
case $mode in
  ok) exec ${REAL_CAT} "$FAKE_ROOT/dump" ;;
  # Dies half way: a truncated dump that still starts with the magic bytes.
  fail) printf 'PGDMP\\001\\016\\000partial'; echo 'pg_dump: error: query failed: server closed the connection unexpectedly' >&2; exit 1 ;;
  garbage) printf 'pg_dump: warning: this is not a dump\\n'; exit 0 ;;
  empty) exit 0 ;;
  slow) printf 'PGDMP\\001\\016\\000partial'; sleep 2; ${REAL_CAT} "$FAKE_ROOT/dump"; exit 0 ;;
esac
exit 3
`;

export const FAKE_AWS = `#!/bin/sh
printf 'aws %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
if [ "$1 $2" = "cloudwatch put-metric-data" ]; then
  shift 2
  # Every option takes exactly one value; anything else is a call the script must not make.
  n=0
  for a in "$@"; do
    if [ $((n % 2)) -eq 0 ]; then
      case $a in --namespace | --metric-name | --value | --unit | --dimensions | --region) ;; *) echo "fake aws: unexpected put-metric-data option $a" >&2; exit 2 ;; esac
    fi
    n=$((n + 1))
  done
  [ $((n % 2)) -eq 0 ] || { echo "fake aws: put-metric-data option without a value" >&2; exit 2; }
  if [ -f "$FAKE_ROOT/metric-fail" ]; then
    echo "An error occurred (AccessDenied) when calling the PutMetricData operation: User is not authorized to perform: cloudwatch:PutMetricData" >&2
    exit 254
  fi
  # One record per data point: its options (NUL-separated), then how many objects S3 held when it was published.
  mkdir -p "$FAKE_ROOT/metrics"
  rec="$FAKE_ROOT/metrics/$(ls "$FAKE_ROOT/metrics" | grep -c -v '[.]objects$')"
  printf '%s\\0' "$@" >"$rec"
  ls "$FAKE_ROOT/s3" 2>/dev/null | wc -l | tr -d ' ' >"$rec.objects"
  exit 0
fi
[ "$1 $2" = "s3 cp" ] || { echo "fake aws: unexpected $*" >&2; exit 2; }
src=$3
dest=$4
case $dest in s3://?*/?*) ;; *) echo "fake aws: bad destination $dest" >&2; exit 2 ;; esac
[ -f "$src" ] || { echo "fake aws: The user-provided path $src does not exist." >&2; exit 255; }
# What the source looked like when it was uploaded.
stat -c '%a %s' "$src" >"$FAKE_ROOT/upload-source"
stat -c '%a' "$(dirname "$src")" >>"$FAKE_ROOT/upload-source"
if [ -f "$FAKE_ROOT/aws-fail" ]; then
  echo "upload failed: $src to $dest An error occurred (AccessDenied) when calling the PutObject operation: Access Denied" >&2
  exit 1
fi
mkdir -p "$FAKE_ROOT/s3"
${REAL_CAT} "$src" >"$FAKE_ROOT/s3/$(printf '%s' "\${dest#s3://}" | tr '/' '%')"
`;

/** One `aws cloudwatch put-metric-data` call: its words after `put-metric-data`, as options, and how many objects S3 held at that moment. */
export interface PublishedMetric {
  readonly words: string[];
  readonly options: Record<string, string>;
  readonly objectsAtPublish: number;
}

export type PgDumpMode = "ok" | "fail" | "garbage" | "empty" | "slow";

export class BackupHarness {
  readonly root = mkdtempSync(path.join(os.tmpdir(), "zt-backup-"));
  /** Stands in for /var/lib/n8n-backup (with an instance: /var/lib/n8n-backup/<instance>). */
  readonly backupDir: string;
  readonly fakeRoot = path.join(this.root, "fake");
  readonly script: string;
  readonly env: Record<string, string>;

  constructor(
    readonly props: BackupProps,
    readonly shell = "sh",
  ) {
    this.backupDir = path.join(this.root, backupPaths(props.instance).dir);
    this.writeFiles(props);
    this.script = path.join(this.root, BACKUP_PATHS.script);
    const bin = path.join(this.root, "fake-bin");
    const containerBin = path.join(this.fakeRoot, "container-bin");
    mkdirSync(bin);
    mkdirSync(containerBin, { recursive: true });
    mkdirSync(path.join(this.fakeRoot, "containers"));
    const fakes: [string, string][] = [
      [path.join(bin, "systemctl"), FAKE_SYSTEMCTL],
      [path.join(bin, "docker"), FAKE_DOCKER],
      [path.join(bin, "aws"), FAKE_AWS],
      [path.join(containerBin, "cat"), CONTAINER_CAT],
      [path.join(containerBin, "pg_dump"), CONTAINER_PG_DUMP],
    ];
    for (const [file, content] of fakes) {
      writeFileSync(file, content);
      chmodSync(file, 0o755);
    }
    // The generated settings, as systemd's EnvironmentFile= would load them, with the folders
    // moved below the temp root.
    const fromFile = readEnvironmentFile(path.join(this.root, backupPaths(props.instance).env));
    this.env = {
      ...fromFile,
      PATH: `${bin}:${process.env.PATH}`,
      LANG: "C",
      BACKUP_DIR: this.backupDir,
      DOCKER_CONFIG: props.instance === undefined ? path.join(this.root, "docker-cli") : path.join(this.root, fromFile.DOCKER_CONFIG),
      FAKE_ROOT: this.fakeRoot,
    };
    this.dockerRunning(true);
    this.container(props.postgresContainer, "running");
  }

  private writeFiles(props: BackupProps): void {
    for (const f of backupFiles(props)) {
      const target = path.join(this.root, f.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: parseInt(f.permissions, 8) });
    }
  }

  /**
   * Installs another backup on the same host (its files below the same root; the script is the
   * same file) with its container running; returns its settings as its unit would load them, with
   * its folders below the root, for `run` and `start`.
   */
  addBackup(props: BackupProps): Record<string, string> {
    this.writeFiles(props);
    this.container(props.postgresContainer, "running");
    const p = backupPaths(props.instance);
    const fromFile = readEnvironmentFile(path.join(this.root, p.env));
    return { ...fromFile, PATH: this.env.PATH, LANG: "C", BACKUP_DIR: path.join(this.root, fromFile.BACKUP_DIR), DOCKER_CONFIG: path.join(this.root, fromFile.DOCKER_CONFIG), FAKE_ROOT: this.fakeRoot };
  }

  /** Starts the script with exactly `env` (e.g. another backup's, from `addBackup`) without waiting for it. */
  start(env: Record<string, string>): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.shell, [this.script], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  }

  /** pg_dump's mode for one database only (the others keep `pgDump`'s). */
  pgDumpOf(database: string, mode: PgDumpMode): void {
    writeFileSync(path.join(this.fakeRoot, `pg_dump-mode.${database}`), mode);
  }

  dockerRunning(running: boolean): void {
    const marker = path.join(this.fakeRoot, "docker-active");
    if (running) writeFileSync(marker, "");
    else rmSync(marker, { force: true });
  }

  /** What `docker container inspect -f '{{.State.Running}}'` reports; "missing": no such container. */
  container(name: string, state: "running" | "stopped" | "missing"): void {
    const f = path.join(this.fakeRoot, "containers", name);
    if (state === "missing") rmSync(f, { force: true });
    else writeFileSync(f, `${state === "running"}\n`);
  }

  /** The content of the container's /run/secrets/postgres-superuser-password (undefined: missing). */
  containerSecret(value: string | undefined): void {
    const f = path.join(this.fakeRoot, "container-secret");
    if (value === undefined) rmSync(f, { force: true });
    else writeFileSync(f, value);
  }

  /** What pg_dump writes in "ok" mode. */
  dumpBytes(bytes: Buffer): void {
    writeFileSync(path.join(this.fakeRoot, "dump"), bytes);
  }

  pgDump(mode: PgDumpMode): void {
    writeFileSync(path.join(this.fakeRoot, "pg_dump-mode"), mode);
  }

  failUpload(fail: boolean): void {
    const marker = path.join(this.fakeRoot, "aws-fail");
    if (fail) writeFileSync(marker, "");
    else rmSync(marker, { force: true });
  }

  /** Makes `aws cloudwatch put-metric-data` fail (as an IAM denial would). */
  failMetric(fail: boolean): void {
    const marker = path.join(this.fakeRoot, "metric-fail");
    if (fail) writeFileSync(marker, "");
    else rmSync(marker, { force: true });
  }

  run(extraEnv: Record<string, string | undefined> = {}, wrapper: string[] = []): RunResult {
    const env = { ...this.env, ...extraEnv };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const [cmd, ...args] = [...wrapper, this.shell, this.script];
    const r = spawnSync(cmd, args, { env: env as Record<string, string>, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Uploaded objects: "bucket/key" to content. */
  objects(): Map<string, Buffer> {
    const dir = path.join(this.fakeRoot, "s3");
    if (!existsSync(dir)) return new Map();
    return new Map(readdirSync(dir).map((f) => [f.replace(/%/g, "/"), readFileSync(path.join(dir, f))]));
  }

  /** Every data point published with `aws cloudwatch put-metric-data`, in order. */
  metrics(): PublishedMetric[] {
    const dir = path.join(this.fakeRoot, "metrics");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^\d+$/.test(f))
      .sort((a, b) => +a - +b)
      .map((f) => {
        const words = readFileSync(path.join(dir, f), "utf8").split("\0").slice(0, -1);
        const options: Record<string, string> = {};
        for (let i = 0; i < words.length; i += 2) options[words[i]] = words[i + 1];
        return { words, options, objectsAtPublish: Number(readFileSync(path.join(dir, `${f}.objects`), "utf8").trim()) };
      });
  }

  /** Files left in the backup folder, or in `dir` (undefined: the folder does not exist). */
  leftovers(dir = this.backupDir): string[] | undefined {
    return existsSync(dir) ? readdirSync(dir) : undefined;
  }

  /** Every argv the script (and the container's shell) gave to systemctl, docker, aws, cat and pg_dump. */
  argv(): string {
    const f = path.join(this.fakeRoot, "argv.log");
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  }

  /** The words of the `docker exec` call, exactly as the host passed them. */
  dockerExecArgv(): string[] | undefined {
    const f = path.join(this.fakeRoot, "docker-exec.argv");
    return existsSync(f) ? readFileSync(f, "utf8").split("\0").slice(0, -1) : undefined;
  }

  /** The PGPASSWORD pg_dump found in its environment. */
  pgDumpPassword(): string | undefined {
    const f = path.join(this.fakeRoot, "pg_dump-password");
    return existsSync(f) ? readFileSync(f, "utf8") : undefined;
  }

  /** "<mode> <size>\n<folder mode>\n" of the file handed to `aws s3 cp`. */
  uploadSource(): string | undefined {
    const f = path.join(this.fakeRoot, "upload-source");
    return existsSync(f) ? readFileSync(f, "utf8") : undefined;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
