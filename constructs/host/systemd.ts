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
