/**
 * Names of the secret files the runtime reads. The same names are used by the dev generator
 * (`npm run secrets:dev`, into a git-ignored folder) and by the prod agent (tmpfs on the host),
 * so the runtime constructs do not care where a file came from.
 *
 * Every file holds exactly the secret, with no trailing newline: n8n's `_FILE` variables and
 * oauth2-proxy's `--*-file` flags use the bytes as they are.
 */
export const SECRET_FILES = {
  /** n8n's credential encryption key. Never rotated automatically. */
  n8nEncryptionKey: "n8n-encryption-key",
  /** Password of the n8n login role in Postgres. Rotated. */
  n8nDbPassword: "n8n-db-password",
  /**
   * The n8n login role currently in use (prod: rotation alternates between <role> and <role>_b).
   * Written by the host agent next to the password; not a secret, but it changes with it.
   */
  n8nDbUser: "n8n-db-user",
  /** Shared token between n8n's task broker and the external task runners. */
  n8nRunnersAuthToken: "n8n-runners-auth-token",
  /** Password of the Postgres bootstrap superuser (`postgres`); used only by the init scripts and DBAs. */
  postgresSuperuserPassword: "postgres-superuser-password",
  /** Password of the read-only reporting role. */
  postgresReportingPassword: "postgres-reporting-password",
  /** Password of the AI-agent data role (row-level security). */
  postgresAgentPassword: "postgres-agent-password",
  /** Password of the role the rotation function uses to set the n8n login roles' passwords (prod). */
  postgresRotatorPassword: "postgres-rotator-password",
  /** oauth2-proxy cookie secret: URL-safe base64 of 32 random bytes. Rotated. */
  oauth2ProxyCookieSecret: "oauth2-proxy-cookie-secret",
  /** OIDC client secret oauth2-proxy uses at the IdP. */
  oauth2ProxyClientSecret: "oauth2-proxy-client-secret",
  /** Dev only: the local IdP's (Dex) full config; it embeds the client secret and the demo user's bcrypt hash. */
  devIdpConfig: "dex-config.yaml",
  /** Dev only: the demo user's password for signing in (read by the developer, not by any container). */
  devIdpDemoPassword: "dex-demo-password",
} as const;

/** Non-secret TLS material the dev generator also writes (a local CA and a wildcard leaf certificate). */
export const TLS_FILES = {
  /** The local CA certificate: trust it in the browser to avoid warnings. */
  caCert: "tls/ca.pem",
  /** Leaf certificate for `*.<domain>` and `<domain>`, signed by the local CA. */
  cert: "tls/cert.pem",
  /** Private key of the leaf certificate (secret). */
  key: "tls/key.pem",
  /** Private key of the local CA (secret; stays in the secrets folder, never mounted). */
  caKey: "tls/ca-key.pem",
} as const;

/** Files only the prod host agent writes (derived from a Secrets Manager JSON secret); dev has none. */
export const HOST_AGENT_ONLY_FILES: readonly string[] = [SECRET_FILES.n8nDbUser];

export type SecretFileName = (typeof SECRET_FILES)[keyof typeof SECRET_FILES];

/** Where secret files are mounted inside containers. */
export const SECRETS_MOUNT_DIR = "/run/secrets";

/**
 * Secret files of queue mode (`n8n.mode: "queue"`), written only when the catalog has the queue
 * services (`queueModeCatalog`): regular mode's folder, plan and agent stay as they were.
 */
export const QUEUE_SECRET_FILES = {
  /** Password of Valkey's `n8n` ACL user; n8n reads it as `QUEUE_BULL_REDIS_PASSWORD_FILE`. */
  valkeyPassword: "valkey-password",
  /** Valkey's ACL file (`aclfile`): `default` off, a ping-only health user, `n8n` with the sha256 of its password. */
  valkeyAcl: "valkey-users.acl",
  /**
   * An n8n API key with the `execution:retry` scope only, for the execution recovery agent. n8n
   * mints API keys itself, so an operator creates it (Settings → n8n API) and stores it here (dev:
   * written in place into the empty file `npm run secrets:dev` leaves; prod: the secret's value).
   */
  recoveryApiKey: "n8n-recovery-api-key",
} as const;
