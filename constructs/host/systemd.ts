/** systemd sandboxing shared by the host's services (each adds its own ProtectSystem and capabilities). */
export const SYSTEMD_SANDBOX = [
  "ProtectHome=yes",
  "PrivateTmp=yes",
  "PrivateDevices=yes",
  "ProtectKernelTunables=yes",
  "ProtectKernelModules=yes",
  "ProtectKernelLogs=yes",
  "ProtectControlGroups=yes",
  "ProtectClock=yes",
  "ProtectHostname=yes",
  "RestrictSUIDSGID=yes",
  "RestrictRealtime=yes",
  "RestrictNamespaces=yes",
  "LockPersonality=yes",
].join("\n");

/** EnvironmentFile lines for the AWS CLI in the host's services: only the instance role (no shared config or credentials files, no IMDSv1), no pager, standard retries. */
export function awsCliEnvironment(region: string): string[] {
  return [
    `AWS_REGION=${region}`,
    `AWS_DEFAULT_REGION=${region}`,
    "AWS_CONFIG_FILE=/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
    "AWS_EC2_METADATA_V1_DISABLED=true",
    "AWS_PAGER=",
    "AWS_RETRY_MODE=standard",
    "AWS_MAX_ATTEMPTS=5",
  ];
}
