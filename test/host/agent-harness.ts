import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AGENT_PATHS, secretsAgentFiles, SecretsAgentProps } from "../../constructs/host/secrets-agent";

/*
 * Runs the generated agent for real: the generated files are written below a temp root, the script
 * runs under a real shell with the real jq, mktemp, chmod, chown and mv. Only the boundaries are
 * fakes on PATH: `aws` (Secrets Manager answers from fixture files), `docker` and `systemctl`.
 * jq is wrapped by a pass-through that records its argv, so a test can prove no value is passed as
 * an argument.
 */

const REAL_JQ = execFileSync("sh", ["-c", "command -v jq"], { encoding: "utf8" }).trim();

const FAKE_AWS = `#!/bin/sh
printf 'aws %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
id=""
stage=""
while [ $# -gt 0 ]; do
  case $1 in
    --secret-id) id=$2; shift ;;
    --version-stage) stage=$2; shift ;;
  esac
  shift
done
[ "$stage" = AWSCURRENT ] || { echo "fake aws: expected --version-stage AWSCURRENT" >&2; exit 252; }
f="$FAKE_ROOT/secrets/$(printf '%s' "$id" | tr '/' '%').json"
if [ ! -f "$f" ]; then
  echo "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret." >&2
  exit 254
fi
cat "$f"
`;

const FAKE_DOCKER = `#!/bin/sh
printf 'docker %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
# State of a container: $FAKE_ROOT/state/<name> holds what -f '{{.State.Running}} {{.State.Error}}'
# prints (default: running). restart and start leave it running.
case "$1 \${2:-}" in
  "container inspect")
    format=""
    if [ "$3" = -f ]; then format=$4; shift 2; fi
    grep -qx "$3" "$FAKE_ROOT/containers" 2>/dev/null || { echo "Error: No such container: $3" >&2; exit 1; }
    [ -n "$format" ] || { echo "[]"; exit 0; }
    [ "$format" = '{{.State.Running}} {{.State.Error}}' ] || { echo "fake docker: unexpected format $format" >&2; exit 2; }
    if [ -f "$FAKE_ROOT/state/$3" ]; then cat "$FAKE_ROOT/state/$3"; else echo "true "; fi
    exit 0 ;;
  "restart "* | "start "*)
    grep -qx "$2" "$FAKE_ROOT/containers" 2>/dev/null || { echo "Error response from daemon: No such container: $2" >&2; exit 1; }
    if grep -qx "$2" "$FAKE_ROOT/failing-containers" 2>/dev/null; then echo "Error response from daemon: Cannot $1 container $2" >&2; exit 1; fi
    printf '%s\\n' "$2" >>"$FAKE_ROOT/$1s.log"
    rm -f "$FAKE_ROOT/state/$2"
    echo "$2"; exit 0 ;;
esac
echo "fake docker: unexpected $*" >&2
exit 2
`;

const FAKE_SYSTEMCTL = `#!/bin/sh
printf 'systemctl %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
[ "$*" = "is-active --quiet docker.service" ] || { echo "fake systemctl: unexpected $*" >&2; exit 2; }
[ -f "$FAKE_ROOT/docker-active" ]
`;

const JQ_RECORDER = `#!/bin/sh
printf 'jq %s\\n' "$*" >>"$FAKE_ROOT/argv.log"
exec ${REAL_JQ} "$@"
`;

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class AgentHarness {
  readonly root = mkdtempSync(path.join(os.tmpdir(), "zt-agent-"));
  /** Stands in for /run/n8n-secrets (tmpfs on the host). */
  readonly secretsDir = path.join(this.root, "run", "n8n-secrets");
  /** Stands in for /run/n8n-secrets-agent: deleting it is a reboot. */
  readonly stateDir = path.join(this.root, "run", "n8n-secrets-agent");
  readonly fakeRoot = path.join(this.root, "fake");
  readonly script: string;
  readonly env: Record<string, string>;
  /** As root (CI containers) the files go to a foreign uid:gid, as on the host; otherwise to our own. */
  readonly uid = process.getuid!() === 0 ? 10001 : process.getuid!();
  readonly gid = process.getuid!() === 0 ? 10002 : process.getgid!();

  constructor(
    props: Omit<SecretsAgentProps, "owner"> & { owner?: SecretsAgentProps["owner"] },
    readonly shell = "sh",
  ) {
    const files = secretsAgentFiles({ ...props, owner: props.owner ?? { uid: this.uid, gid: this.gid } });
    for (const f of files) {
      const target = path.join(this.root, f.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: parseInt(f.permissions, 8) });
    }
    this.script = path.join(this.root, AGENT_PATHS.script);
    const bin = path.join(this.root, "fake-bin");
    mkdirSync(bin);
    mkdirSync(path.join(this.fakeRoot, "secrets"), { recursive: true });
    for (const [name, content] of Object.entries({ aws: FAKE_AWS, docker: FAKE_DOCKER, systemctl: FAKE_SYSTEMCTL, jq: JQ_RECORDER })) {
      writeFileSync(path.join(bin, name), content);
      chmodSync(path.join(bin, name), 0o755);
    }
    // The generated settings, as systemd's EnvironmentFile= would load them, with the folders
    // moved below the temp root.
    const fromFile = readEnvironmentFile(path.join(this.root, AGENT_PATHS.env));
    this.env = {
      ...fromFile,
      PATH: `${bin}:${process.env.PATH}`,
      LANG: "C",
      SECRETS_DIR: this.secretsDir,
      STATE_DIR: this.stateDir,
      SECRETS_CONF: path.join(this.root, AGENT_PATHS.secretsList),
      DOCKER_CONFIG: path.join(this.root, "docker-cli"),
      FAKE_ROOT: this.fakeRoot,
    };
    this.dockerRunning(true);
  }

  /** What Secrets Manager returns as AWSCURRENT for `id` (the shape of the agent's --query). */
  setSecret(id: string, value: string | object, versionId: string): void {
    const secretString = typeof value === "string" ? value : JSON.stringify(value);
    writeFileSync(path.join(this.fakeRoot, "secrets", `${id.replace(/\//g, "%")}.json`), JSON.stringify({ VersionId: versionId, SecretString: secretString }, null, 4));
  }

  removeSecret(id: string): void {
    rmSync(path.join(this.fakeRoot, "secrets", `${id.replace(/\//g, "%")}.json`), { force: true });
  }

  containers(names: string[]): void {
    writeFileSync(path.join(this.fakeRoot, "containers"), names.map((n) => `${n}\n`).join(""));
  }

  /**
   * What `docker container inspect -f '{{.State.Running}} {{.State.Error}}'` reports for a
   * container (default: running, no error). A failed start is `{ running: false, error: "…" }`;
   * a container an operator stopped is `{ running: false, error: "" }`.
   */
  containerState(name: string, state: { running: boolean; error: string }): void {
    mkdirSync(path.join(this.fakeRoot, "state"), { recursive: true });
    writeFileSync(path.join(this.fakeRoot, "state", name), `${state.running} ${state.error}\n`);
  }

  /** Containers `docker start` started, in order. */
  starts(): string[] {
    const f = path.join(this.fakeRoot, "starts.log");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
  }

  /** `docker restart` and `docker start` of these fail. */
  failRestartOf(names: string[]): void {
    writeFileSync(path.join(this.fakeRoot, "failing-containers"), names.map((n) => `${n}\n`).join(""));
  }

  dockerRunning(running: boolean): void {
    const marker = path.join(this.fakeRoot, "docker-active");
    if (running) writeFileSync(marker, "");
    else rmSync(marker, { force: true });
  }

  /** A reboot: /run is empty again (the files and the version state are gone). */
  reboot(): void {
    rmSync(path.join(this.root, "run"), { recursive: true, force: true });
  }

  run(extraEnv: Record<string, string | undefined> = {}): RunResult {
    const env = { ...this.env, ...extraEnv };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const r = spawnSync(this.shell, [this.script], { env: env as Record<string, string>, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  read(name: string): string {
    return readFileSync(path.join(this.secretsDir, name), "utf8");
  }

  restarts(): string[] {
    const f = path.join(this.fakeRoot, "restarts.log");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
  }

  clearRestarts(): void {
    rmSync(path.join(this.fakeRoot, "restarts.log"), { force: true });
  }

  /** Every argv the agent gave to aws, jq, docker and systemctl. */
  argv(): string {
    const f = path.join(this.fakeRoot, "argv.log");
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A systemd EnvironmentFile as the unit would load it: `NAME=value` lines, comments skipped. */
export function readEnvironmentFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}
