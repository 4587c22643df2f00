import { backupSetFilesUnchecked, backupTimerNames } from "./backup";
import { AGENT_PATHS, AGENT_SERVICE, AGENT_TIMER, HostFile, hostBackups, HostUserDataProps, secretsAgentFilesUnchecked, validateHostProps } from "./secrets-agent";
import { toYaml, YamlValue } from "./yaml";

/*
 * The Docker host's cloud-init document (Amazon Linux 2023). The secrets agent's own files and
 * the validation of the props live in secrets-agent.ts; the install script for a running host too.
 */

/**
 * dockerd defaults that hold for every container of the stack: no privilege gain through setuid
 * binaries, containers survive a dockerd restart or upgrade, published ports through iptables
 * (no docker-proxy process per port), no traffic between containers on the default bridge (the
 * stack uses only its own networks, which `icc` does not touch), rotated local logs for anything
 * not on awslogs. No user-namespace remapping: it would change the owner the secret files need.
 */
export const DOCKER_DAEMON_CONFIG = {
  "no-new-privileges": true,
  "live-restore": true,
  "userland-proxy": false,
  icc: false,
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "5" },
} as const;

/** The packages the host needs from the Amazon Linux repositories. */
export const HOST_PACKAGES = ["docker", "jq", "awscli-2"] as const;
/** Attempts of `dnf install` at first boot, and the seconds between them. */
export const INSTALL_ATTEMPTS = 20;
export const INSTALL_RETRY_SECONDS = 15;

/**
 * The first boot's package install, as a runcmd string (a line of cloud-init's runcmd script).
 * The Elastic IP attaches only once the instance runs, so the host may not reach the repositories
 * yet: retry, and after the last attempt say so on the console and `exit 1`, which ends the runcmd
 * script (the agent and Docker are not enabled or started; `cloud-init status` reports the error).
 */
const INSTALL_PACKAGES = [
  "n8n_zt_attempt=1;",
  `until dnf install -y ${HOST_PACKAGES.join(" ")}; do`,
  `if [ "$n8n_zt_attempt" -ge ${INSTALL_ATTEMPTS} ]; then echo "n8n-zero-trust: dnf install ${HOST_PACKAGES.join(" ")} failed ${INSTALL_ATTEMPTS} times; the secrets agent and Docker are NOT set up; once the host reaches the repositories: sudo sh /var/lib/cloud/instance/scripts/runcmd" >&2; exit 1; fi;`,
  `echo "n8n-zero-trust: dnf install failed (attempt $n8n_zt_attempt of ${INSTALL_ATTEMPTS}; no internet yet?), retrying in ${INSTALL_RETRY_SECONDS} s" >&2;`,
  `n8n_zt_attempt=$((n8n_zt_attempt + 1)); sleep ${INSTALL_RETRY_SECONDS};`,
  "done",
].join(" ");

/**
 * A complete `#cloud-config` document for the Docker host (Amazon Linux 2023): installs Docker,
 * jq and the AWS CLI (retried while the host has no internet yet), hardens dockerd and sshd, creates the deploy user (member of `docker`,
 * public keys only, no password, no sudo; no default `ec2-user`), creates the ACME folder, and
 * installs and starts the secrets agent before Docker. With `backup` (and `backups`, e.g. one per
 * tenant), it also installs the Postgres backups (`backupSetFiles`: the script once, each backup's
 * settings and units) and enables and starts their timers. Operators use SSM Session Manager; sshd
 * only serves the deploy user's key logins on the private network.
 *
 * Contains no secret: the agent fetches them at run time with the instance role.
 */
export function hostUserData(props: HostUserDataProps): string {
  const { deployUser, keys } = validateHostProps("Invalid props for the host user data", props);
  const files = hostFiles(props, deployUser);
  const backupTimer = backupTimerNames(hostBackups(props));

  const doc: { [key: string]: YamlValue } = {
    // No `default` entry: no ec2-user. The docker group is created here if the package has not yet.
    users: [
      {
        name: deployUser,
        gecos: "Terraform docker provider (ssh://)",
        groups: ["docker"],
        shell: "/bin/bash",
        lock_passwd: true,
        ...(keys.length > 0 ? { ssh_authorized_keys: [...keys] } : {}),
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    write_files: files.map((f) => ({ path: f.path, permissions: f.permissions, owner: f.owner ?? "root:root", content: f.content })),
    // runcmd runs once, after write_files and users: cloud-init joins the entries into one
    // `#!/bin/sh` script (lists quoted, strings verbatim), without `set -e`.
    runcmd: [
      // Need no package: first, so Session Manager works even if the install below gives up.
      ["systemctl", "enable", "--now", "amazon-ssm-agent"],
      ["systemctl", "try-reload-or-restart", "sshd.service"],
      // A string entry, so its `exit 1` ends the runcmd script: nothing below runs half-installed.
      INSTALL_PACKAGES,
      ["systemd-tmpfiles", "--create", AGENT_PATHS.tmpfiles, "/etc/tmpfiles.d/n8n-zero-trust-host.conf"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", AGENT_SERVICE, AGENT_TIMER, "docker.service", ...backupTimer],
      // The first fetch before dockerd starts; a failure here does not stop the rest (see the journal).
      ["systemctl", "start", AGENT_SERVICE],
      ["systemctl", "start", "docker.service", AGENT_TIMER, ...backupTimer],
    ],
  };
  return `#cloud-config\n${toYaml(doc)}`;
}

/** The files cloud-init writes: the agent's, dockerd's settings, the sshd drop-in, the ACME folder, the backup's. */
function hostFiles(props: HostUserDataProps, deployUser: string): HostFile[] {
  const { uid, gid } = props.owner;
  return [
    ...secretsAgentFilesUnchecked(props),
    { path: "/etc/docker/daemon.json", permissions: "0644", owner: "root:root", content: `${JSON.stringify(DOCKER_DAEMON_CONFIG, null, 2)}\n` },
    {
      // Before 50-redhat.conf: sshd takes the first value it reads.
      path: "/etc/ssh/sshd_config.d/10-n8n-zero-trust.conf",
      permissions: "0600",
      owner: "root:root",
      content: [
        "# Key logins of the deploy user only (Terraform's docker provider: ssh:// + docker system dial-stdio).",
        "# Operators use SSM Session Manager, which does not go through sshd.",
        `AllowUsers ${deployUser}`,
        "PermitRootLogin no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "AuthenticationMethods publickey",
        "AllowTcpForwarding no",
        "AllowAgentForwarding no",
        "AllowStreamLocalForwarding no",
        "X11Forwarding no",
        "PermitTunnel no",
        "",
      ].join("\n"),
    },
    {
      path: "/etc/tmpfiles.d/n8n-zero-trust-host.conf",
      permissions: "0644",
      owner: "root:root",
      content: `# Traefik's ACME account and certificates: persistent, only the containers' uid.\nd ${props.acmeStorageDir} 0700 ${uid} ${gid} -\n`,
    },
    ...backupSetFilesUnchecked(hostBackups(props)),
  ];
}
