import { secretValueProblem } from "../common/secret-patterns";
import { boundMessage, inBound, RUN_AS_ID, SECRETS_REFRESH_MINUTES } from "../common/bounds";
import { DOCKER_HOST_DEFAULTS } from "../common/defaults";
import { AWS_REGION, HOST_DIR, isWithin, persistentHostDirProblem, SECRETS_MANAGER_NAME, SSH_PUBLIC_KEY, UNIX_USER_NAME } from "../common/patterns";
import { Validator } from "../common/validation";
import { AGENT_SCRIPT } from "./agent-script";
import { awsCliEnvironment, SYSTEMD_SANDBOX } from "./systemd";
import { backupSetFilesUnchecked, BackupProps, backupTimerNames, validateBackupSet } from "./backup";

/** One Secrets Manager secret the host agent copies into files. */
export interface AgentSecret {
  /** Secrets Manager secret name (e.g. "n8n-prod/n8n-db-password"); names, not ARNs, so no tokens. */
  readonly secretId: string;
  /**
   * Files written from it into `secretsDir`: the whole SecretString, or one key of its JSON.
   * A name is `[A-Za-z0-9._-]` without a leading dot, optionally below up to three folders
   * (`SECRET_FILE_MAX_FOLDERS`) named the same way: `tls/key.pem`, `tenants/acme/n8n-db-password`,
   * `tenants/acme/tls/key.pem`. The agent creates the folders `0700 root`, like `secretsDir`.
   */
  readonly files: readonly { readonly name: string; readonly jsonKey?: string }[];
  /** Container names restarted when this secret's AWSCURRENT version changes (after the first fetch). */
  readonly restart: readonly string[];
}

export interface SecretsAgentProps {
  /** Region of the secrets, e.g. `eu-central-1`. */
  readonly region: string;
  /** tmpfs folder the files are written to, e.g. `/run/n8n-secrets` (must be under /run). */
  readonly secretsDir: string;
  /**
   * Owner of every file (mode 0400): the uid:gid the runtime's containers run as (`runAs`). Every
   * container runs as this one uid, and Postgres refuses a key file that others may read, so the
   * files are owner-read-only. Pick an id no host account has (e.g. 10001).
   */
  readonly owner: { readonly uid: number; readonly gid: number };
  /** Minutes between refreshes. @default 5 */
  readonly intervalMinutes?: number;
  readonly secrets: readonly AgentSecret[];
}

/** A file for cloud-init's `write_files`. */
export interface HostFile {
  readonly path: string;
  /** Octal mode as cloud-init expects it, e.g. "0644". */
  readonly permissions: string;
  /** `user:group`. */
  readonly owner?: string;
  readonly content: string;
}

export interface HostUserDataProps extends SecretsAgentProps {
  /** OpenSSH public keys of the deploy user. @default - none: nobody can log in over SSH */
  readonly sshAuthorizedKeys?: readonly string[];
  /** The user Terraform's docker provider connects as (`ssh://<user>@host`); member of `docker`. @default "n8n" */
  readonly deployUser?: string;
  /** Persistent folder for Traefik's ACME account and certificates (owned by `owner`, 0700). */
  readonly acmeStorageDir: string;
  /** Scheduled Postgres backups to the backup bucket (see `backupFiles`). @default - no backups */
  readonly backup?: BackupProps;
  /**
   * More scheduled backups on the same host, e.g. one per tenant database (each with its own
   * `instance`, see `backupSetFiles`). All of `backup` and `backups` are installed (the script
   * once) and their timers enabled and started. Both may be set: at most one of all the entries
   * may go without an `instance` (that one is `n8n-backup.service`), and no instance may repeat.
   * @default - none besides `backup`
   */
  readonly backups?: readonly BackupProps[];
}

/** Every backup of the host props, `backup` first, each with the field prefix its problems are named under. */
export function hostBackupEntries(props: Pick<HostUserDataProps, "backup" | "backups">): { readonly at: string; readonly props: BackupProps }[] {
  return [...(props.backup === undefined ? [] : [{ at: "backup.", props: props.backup }]), ...(props.backups ?? []).map((b, i) => ({ at: `backups[${i}].`, props: b }))];
}

/** Every backup the host runs: `backup`, then `backups`. */
export function hostBackups(props: Pick<HostUserDataProps, "backup" | "backups">): BackupProps[] {
  return hostBackupEntries(props).map((e) => e.props);
}

/** Where the agent's pieces live on the host. */
export const AGENT_PATHS = {
  script: "/usr/local/sbin/n8n-secrets-agent",
  env: "/etc/n8n-secrets-agent/agent.env",
  secretsList: "/etc/n8n-secrets-agent/secrets.conf",
  service: "/etc/systemd/system/n8n-secrets-agent.service",
  timer: "/etc/systemd/system/n8n-secrets-agent.timer",
  tmpfiles: "/etc/tmpfiles.d/n8n-secrets-agent.conf",
  /** Last VersionId per secret: tmpfs, so the first run after boot never restarts containers. */
  stateDir: "/run/n8n-secrets-agent",
} as const;

export const AGENT_SERVICE = "n8n-secrets-agent.service";
export const AGENT_TIMER = "n8n-secrets-agent.timer";

/** Folders a secret file may be below, in `secretsDir` (`tenants/<id>/tls/key.pem`: three). The agent script checks the same. */
export const SECRET_FILE_MAX_FOLDERS = 3;
const FILE_SEGMENT = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}";
const FILE_NAME = new RegExp(`^(${FILE_SEGMENT}/){0,${SECRET_FILE_MAX_FOLDERS}}${FILE_SEGMENT}$`);
const JSON_KEY = /^[A-Za-z0-9_.-]{1,128}$/;
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** Folders under /run that belong to the system; the secrets must not land in one of them. */
const RESERVED_RUN = new Set(["systemd", "user", "lock", "log", "docker", "containerd", "dbus", "udev", "cloud-init", "credentials", "secrets", "sshd", "initramfs", "chrony", "netns", "amazon", "n8n-secrets-agent"]);
/** Accounts the deploy user must not be (or shadow). */
export const RESERVED_USERS: ReadonlySet<string> = new Set(["root", "bin", "daemon", "adm", "nobody", "sshd", "docker", "ec2-user", "ssm-user", "systemd-network", "chrony"]);

function validateAgent(v: Validator, p: SecretsAgentProps): void {
  v.check(AWS_REGION.pattern.test(p.region), "region", `must be an AWS region code such as "eu-central-1"; got "${p.region}"`);
  const dirOk = HOST_DIR.pattern.test(p.secretsDir);
  v.check(dirOk && p.secretsDir.startsWith("/run/"), "secretsDir", `must be a folder under /run (tmpfs: secrets never touch the disk), segments of [A-Za-z0-9._-] without a leading dot, e.g. "/run/n8n-secrets"; got "${p.secretsDir}"`);
  if (dirOk && p.secretsDir.startsWith("/run/")) {
    const first = p.secretsDir.split("/")[2];
    v.check(!RESERVED_RUN.has(first), "secretsDir", `must not be inside /run/${first} (used by the system or the agent's own state); use e.g. "/run/n8n-secrets"`);
  }
  for (const [field, id] of [
    ["owner.uid", p.owner.uid],
    ["owner.gid", p.owner.gid],
  ] as const) {
    v.check(inBound(id, RUN_AS_ID), field, `must be an integer from 1 to 2147483647 (never 0: containers do not run as root); got ${id}`);
  }
  const interval = p.intervalMinutes ?? DOCKER_HOST_DEFAULTS.secretsRefreshMinutes;
  v.check(inBound(interval, SECRETS_REFRESH_MINUTES), "intervalMinutes", `${boundMessage(SECRETS_REFRESH_MINUTES, " (minutes)")}; got ${interval}`);
  v.check(p.secrets.length > 0, "secrets", "must list at least one secret");

  const seenIds = new Set<string>();
  const seenFiles = new Map<string, string>();
  p.secrets.forEach((s, i) => {
    const at = `secrets[${i}]`;
    v.check(SECRETS_MANAGER_NAME.pattern.test(s.secretId), `${at}.secretId`, `must be a Secrets Manager secret name: 1 to 512 of A-Z a-z 0-9 / _ + = . @ - (a name, not an ARN); got "${s.secretId}"`);
    v.check(!seenIds.has(s.secretId), `${at}.secretId`, `"${s.secretId}" is listed twice`);
    seenIds.add(s.secretId);
    v.check(s.files.length > 0, `${at}.files`, "must name at least one file");
    s.files.forEach((f, j) => {
      const fat = `${at}.files[${j}]`;
      v.check(
        FILE_NAME.test(f.name),
        `${fat}.name`,
        `must be 1 to 128 of A-Z a-z 0-9 . _ - without a leading dot, optionally below up to ${SECRET_FILE_MAX_FOLDERS} folders named the same way ("tls/key.pem", "tenants/acme/tls/key.pem"); no "..", no absolute path; got "${f.name}"`,
      );
      const other = seenFiles.get(f.name);
      v.check(other === undefined, `${fat}.name`, `"${f.name}" is also written by ${other}; each file has one source`);
      seenFiles.set(f.name, s.secretId);
      if (f.jsonKey !== undefined) v.check(JSON_KEY.test(f.jsonKey), `${fat}.jsonKey`, `must be 1 to 128 of A-Z a-z 0-9 _ . -; got "${f.jsonKey}"`);
    });
    s.restart.forEach((c, j) => {
      v.check(CONTAINER_NAME.test(c), `${at}.restart[${j}]`, `must be a Docker container name: a letter or digit, then letters, digits, _ . - (at most 128); got "${c}"`);
    });
  });
  // A file in a subfolder and a file with the folder's name (at any level) cannot both exist.
  for (const name of seenFiles.keys()) {
    const segments = name.split("/");
    for (let n = 1; n < segments.length; n++) {
      const folder = segments.slice(0, n).join("/");
      v.check(!seenFiles.has(folder), "secrets", `"${folder}" is both a file and the folder of "${name}"`);
    }
  }
}

/** The secrets list the script reads: one line per secret, fields separated by spaces. */
function secretsList(secrets: readonly AgentSecret[]): string {
  const lines = secrets.map((s) => {
    const files = s.files.map((f) => (f.jsonKey ? `${f.name}=${f.jsonKey}` : f.name)).join(",");
    const restart = s.restart.length > 0 ? [...new Set(s.restart)].join(",") : "-";
    return `${s.secretId} ${files} ${restart}`;
  });
  return ["# <secret name> <file[=json key],...> <containers restarted on a new version, or ->", "# Generated by constructs/host/secrets-agent.ts. Names only: the values stay in Secrets Manager.", ...lines, ""].join("\n");
}

/**
 * The host agent's files, for cloud-init's `write_files` (or any other way of placing files):
 * the script, its settings and secrets list, the systemd service and timer, and the tmpfiles
 * entry that creates its two tmpfs folders at boot. No secret value is among them.
 *
 * Behaviour: at boot, before `docker.service`, and then every `intervalMinutes`, the service
 * fetches each secret's AWSCURRENT version with the instance role and writes its files
 * atomically (temp file + rename, mode 0400, owned by `owner`, no trailing newline). When a
 * version differs from the one the last successful run wrote (never on the first run after
 * boot), it restarts the secret's containers. A failing secret keeps its old files, the others
 * are still updated, and the run exits non-zero so systemd marks the service failed. While
 * dockerd runs, a container named in a `restart` list whose last start failed (a file was
 * missing when dockerd started it) is started once all files of the secrets naming it exist;
 * one an operator stopped (no start error) is left alone.
 *
 * @example
 * secretsAgentFiles({
 *   region: "eu-central-1", secretsDir: "/run/n8n-secrets", owner: { uid: 10001, gid: 10001 },
 *   secrets: [{ secretId: "n8n-prod/n8n-db-password", restart: ["n8n-main"],
 *     files: [{ name: "n8n-db-password", jsonKey: "password" }, { name: "n8n-db-user", jsonKey: "username" }] }],
 * });
 */
export function secretsAgentFiles(props: SecretsAgentProps): HostFile[] {
  const v = new Validator("Invalid props for the secrets agent");
  validateAgent(v, props);
  v.throwIfAny();
  return secretsAgentFilesUnchecked(props);
}

/** `secretsAgentFiles` without validation, for callers that validated the props already (`hostUserData`). */
export function secretsAgentFilesUnchecked(props: SecretsAgentProps): HostFile[] {
  const interval = props.intervalMinutes ?? DOCKER_HOST_DEFAULTS.secretsRefreshMinutes;
  const root = "root:root";
  const env = [
    "# n8n-secrets-agent settings (systemd EnvironmentFile). Generated; no secret values.",
    ...awsCliEnvironment(props.region),
    `DOCKER_CONFIG=${AGENT_PATHS.stateDir}/docker-cli`,
    `SECRETS_DIR=${props.secretsDir}`,
    `STATE_DIR=${AGENT_PATHS.stateDir}`,
    `SECRETS_CONF=${AGENT_PATHS.secretsList}`,
    `OWNER_UID=${props.owner.uid}`,
    `OWNER_GID=${props.owner.gid}`,
    "",
  ].join("\n");

  const service = `[Unit]
Description=n8n secrets agent: AWS Secrets Manager to tmpfs files for the containers
Documentation=file://${AGENT_PATHS.script}
Wants=network-online.target
After=network-online.target systemd-tmpfiles-setup.service
# Containers with a restart policy start with dockerd and need their files already there.
Before=docker.service

[Service]
Type=oneshot
EnvironmentFile=${AGENT_PATHS.env}
ExecStart=${AGENT_PATHS.script}
TimeoutStartSec=300
UMask=0077
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE
ProtectSystem=full
${SYSTEMD_SANDBOX}
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native

[Install]
# Enabled: runs at boot, and whenever docker.service is started, before it.
WantedBy=multi-user.target docker.service
`;

  const timer = `[Unit]
Description=Refresh the n8n secrets from AWS Secrets Manager every ${interval} minutes

[Timer]
OnBootSec=${interval}min
OnUnitActiveSec=${interval}min
RandomizedDelaySec=${Math.min(60, interval * 6)}s
AccuracySec=15s

[Install]
WantedBy=timers.target
`;

  const tmpfiles = [
    "# n8n-secrets-agent: tmpfs folders, root only. Containers get single files by bind mount,",
    "# so they never need to enter the folder.",
    `d ${props.secretsDir} 0700 root root -`,
    `d ${AGENT_PATHS.stateDir} 0700 root root -`,
    "",
  ].join("\n");

  return [
    { path: AGENT_PATHS.script, permissions: "0755", owner: root, content: AGENT_SCRIPT },
    { path: AGENT_PATHS.env, permissions: "0644", owner: root, content: env },
    { path: AGENT_PATHS.secretsList, permissions: "0644", owner: root, content: secretsList(props.secrets) },
    { path: AGENT_PATHS.service, permissions: "0644", owner: root, content: service },
    { path: AGENT_PATHS.timer, permissions: "0644", owner: root, content: timer },
    { path: AGENT_PATHS.tmpfiles, permissions: "0644", owner: root, content: tmpfiles },
  ];
}

/** Validates everything of HostUserDataProps (one error naming every problem); returns the deploy user and its keys with defaults applied. */
export function validateHostProps(title: string, props: HostUserDataProps): { deployUser: string; keys: readonly string[] } {
  const deployUser = props.deployUser ?? "n8n";
  const keys = props.sshAuthorizedKeys ?? [];
  const v = new Validator(title);
  validateAgent(v, props);
  v.check(UNIX_USER_NAME.pattern.test(deployUser) && !RESERVED_USERS.has(deployUser), "deployUser", `must match ^[a-z_][a-z0-9_-]{0,31}$ and not be a system account (${[...RESERVED_USERS].join(", ")}); got "${deployUser}"`);
  keys.forEach((k, i) => {
    v.check(SSH_PUBLIC_KEY.pattern.test(k) && secretValueProblem(k) === undefined, `sshAuthorizedKeys[${i}]`, "must be one OpenSSH public key line (ed25519 or ecdsa, optional comment; RSA and private keys are not accepted)");
  });
  const acme = props.acmeStorageDir;
  const acmeProblem = persistentHostDirProblem(acme);
  v.check(acmeProblem === undefined, "acmeStorageDir", acmeProblem ?? "");
  v.check(!isWithin(acme, props.secretsDir) && !isWithin(props.secretsDir, acme), "acmeStorageDir", "must not overlap secretsDir");
  if (props.backups !== undefined && !Array.isArray(props.backups)) v.add("backups", "must be a list of backups");
  else validateBackupSet(v, hostBackupEntries(props));
  v.throwIfAny();
  return { deployUser, keys };
}

/**
 * A POSIX `sh` script that installs the agent's files on a running host and restarts the agent:
 * cloud-init writes them only when the host is created, so a later change (a new secret, another
 * interval) is applied with this script in a Session Manager shell. Files are written atomically
 * with their modes; `ROOT` (default empty) prefixes every path, for tests (and skips chown).
 *
 * When `sshAuthorizedKeys` is non-empty it also replaces `/home/<deployUser>/.ssh/authorized_keys`
 * with exactly those keys, as cloud-init installs them at creation (one per line; `.ssh` 0700 and
 * the file 0600, both owned by the user): adding or revoking a key needs no new host. With no keys
 * the file is left as it is. The deploy user must exist (the user data creates it).
 *
 * With `backup` (and `backups`) it also writes the backups' script, settings and units and enables
 * and restarts their timers (`n8n-backup.timer`, `n8n-backup-<instance>.timer`; a new `onCalendar`
 * applies at once). An installed backup that is no longer configured is left as it is (disable its
 * timer by hand: `systemctl disable --now n8n-backup-<instance>.timer`).
 */
export function secretsAgentInstallScript(props: HostUserDataProps): string {
  const { deployUser, keys } = validateHostProps("Invalid props for the secrets agent install script", props);
  const backups = hostBackups(props);
  const backupTimers = backupTimerNames(backups).join(" ");
  const files = [...secretsAgentFilesUnchecked(props), ...backupSetFilesUnchecked(backups)];
  const lines = [
    "#!/bin/sh",
    "# Installs the n8n secrets agent's files (generated by constructs/host/secrets-agent.ts) and restarts it.",
    "# No secret values: names and settings only. Run as root: sudo sh <this file>",
    "set -eu",
    'ROOT="${ROOT:-}"',
    // Before anything is written: the keys below need the deploy user.
    ...(keys.length > 0
      ? [
          `if [ -z "$ROOT" ] && ! id -u '${deployUser}' >/dev/null 2>&1; then`,
          `  echo "The deploy user ${deployUser} does not exist on this host (the user data creates it when the host is created); nothing was installed." >&2`,
          "  exit 1",
          "fi",
        ]
      : []),
    "install_file() { # <path> <mode> <owner>; content on stdin",
    '  mkdir -p "$(dirname "$ROOT$1")"',
    '  tmp=$(mktemp "$(dirname "$ROOT$1")/.install.XXXXXX")',
    '  cat >"$tmp"',
    '  chmod "$2" "$tmp"',
    '  if [ -z "$ROOT" ]; then chown "$3" "$tmp"; fi',
    '  mv -f "$tmp" "$ROOT$1"',
    "}",
  ];
  files.forEach((f, i) => {
    const delimiter = `N8N_ZT_FILE_${i}_END`;
    if (f.content.split("\n").includes(delimiter)) throw new Error(`file ${f.path} contains its heredoc delimiter`);
    const content = f.content.endsWith("\n") ? f.content : `${f.content}\n`;
    lines.push(`install_file '${f.path}' '${f.permissions}' '${f.owner ?? "root:root"}' <<'${delimiter}'`, content + delimiter);
  });
  if (keys.length > 0) {
    // The user may write to its home: refuse symbolic links there (root would follow them), and
    // write through a temp file in .ssh, so sshd sees the old list or the new one.
    const home = `/home/${deployUser}`;
    lines.push(
      `# The deploy user's SSH keys, exactly as cloud-init installs them (ssh_authorized_keys).`,
      `for p in "$ROOT${home}" "$ROOT${home}/.ssh" "$ROOT${home}/.ssh/authorized_keys"; do`,
      '  if [ -L "$p" ]; then echo "Refusing to write the SSH keys: $p is a symbolic link." >&2; exit 1; fi',
      "done",
      `mkdir -p "$ROOT${home}/.ssh"`,
      `chmod 0700 "$ROOT${home}/.ssh"`,
      `if [ -z "$ROOT" ]; then chown '${deployUser}:${deployUser}' "${home}/.ssh"; fi`,
      `tmp=$(mktemp "$ROOT${home}/.ssh/.authorized_keys.XXXXXX")`,
      `cat >"$tmp" <<'N8N_ZT_KEYS_END'`,
      ...keys,
      "N8N_ZT_KEYS_END",
      'chmod 0600 "$tmp"',
      `if [ -z "$ROOT" ]; then chown '${deployUser}:${deployUser}' "$tmp"; fi`,
      `mv -f "$tmp" "$ROOT${home}/.ssh/authorized_keys"`,
      `if [ -z "$ROOT" ] && command -v restorecon >/dev/null 2>&1; then restorecon -R "${home}/.ssh"; fi`,
    );
  }
  lines.push(
    'if [ -z "$ROOT" ]; then',
    "  systemd-tmpfiles --create " + AGENT_PATHS.tmpfiles,
    "  systemctl daemon-reload",
    `  systemctl restart ${AGENT_TIMER}`,
    `  systemctl start ${AGENT_SERVICE}`,
    // The backup timer (with a possibly new OnCalendar); a missing backup config leaves an installed one alone.
    ...(backups.length > 0 ? [`  systemctl enable ${backupTimers}`, `  systemctl restart ${backupTimers}`] : []),
    "fi",
    "",
  );
  return lines.join("\n");
}
