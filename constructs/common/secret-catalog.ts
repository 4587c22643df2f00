import { QUEUE_SECRET_FILES, SECRET_FILES, TLS_FILES } from "./secret-files";

/** One file the prod host agent writes from a secret: the whole SecretString, or one key of its JSON. */
export interface RuntimeSecretFile {
  /** File name in the secrets folder (`tls/key.pem` for one below a folder). */
  readonly name: string;
  /** Key of the secret's JSON whose value is the file's content. @default - the whole SecretString */
  readonly jsonKey?: string;
}

/**
 * How `npm run secrets:dev` makes a secret's value: random characters from [A-Za-z0-9], the hex
 * or base64url of random bytes, or oauth2-proxy's format (URL-safe base64 *with* padding).
 */
export type DevSecretFormat =
  | { readonly kind: "alnum"; readonly length: number }
  | { readonly kind: "hex"; readonly bytes: number }
  | { readonly kind: "base64url"; readonly bytes: number }
  | { readonly kind: "urlsafe-base64"; readonly bytes: number }
  /** Made by an operator after the deploy (an n8n API key): an empty file, filled in place, never overwritten. */
  | { readonly kind: "operator" };

/**
 * One secret of the runtime: a Secrets Manager secret `<aws prefix>/<id>` in prod (written into
 * files by the host agent), a generated file in dev.
 */
export interface RuntimeSecretSpec {
  /** Name after `<aws prefix>/` in Secrets Manager; also its file's name unless `files` says otherwise. */
  readonly id: string;
  /** What it is for (the secret's description in Secrets Manager). */
  readonly description: string;
  /** Never rotated and protected from deletion (n8n's encryption key). @default false */
  readonly neverRotate?: boolean;
  /** Files the host agent writes from it. @default - one file named `id` with the whole SecretString */
  readonly files?: readonly RuntimeSecretFile[];
  /**
   * How the dev generator makes its file. @default - not generated this way (a JSON secret whose
   * files the dev generator writes otherwise, e.g. the TLS files from its local CA)
   */
  readonly dev?: DevSecretFormat;
}

/** Secret holding Postgres' server certificate, key and CA (prod has no local CA generator). */
export const POSTGRES_TLS_SECRET = "postgres-tls";

/**
 * The runtime's secrets, in the order prod-cloud creates them and the host agent lists them.
 * Which container restarts when one rotates is the service catalog's business (`restartOn` in
 * constructs/app/service-catalog.ts), not this table's.
 */
export const RUNTIME_SECRETS: readonly RuntimeSecretSpec[] = [
  {
    id: SECRET_FILES.n8nEncryptionKey,
    description: "n8n credential encryption key (never rotated: a new key makes stored credentials unreadable)",
    neverRotate: true,
    dev: { kind: "base64url", bytes: 36 },
  },
  {
    id: SECRET_FILES.n8nDbPassword,
    description: "n8n's Postgres login as JSON {engine, host, port, dbname, username, password, masterarn}; rotated by alternating users",
    // One JSON secret, two files: the role in use alternates with each rotation.
    files: [
      { name: SECRET_FILES.n8nDbPassword, jsonKey: "password" },
      { name: SECRET_FILES.n8nDbUser, jsonKey: "username" },
    ],
    dev: { kind: "alnum", length: 32 },
  },
  { id: SECRET_FILES.n8nRunnersAuthToken, description: "Token between n8n's task broker and the task runners", dev: { kind: "hex", bytes: 32 } },
  { id: SECRET_FILES.postgresSuperuserPassword, description: "Postgres bootstrap superuser password", dev: { kind: "alnum", length: 32 } },
  { id: SECRET_FILES.postgresReportingPassword, description: "Password of the read-only reporting role", dev: { kind: "alnum", length: 32 } },
  { id: SECRET_FILES.postgresAgentPassword, description: "Password of the AI-agent data role", dev: { kind: "alnum", length: 32 } },
  {
    id: SECRET_FILES.postgresRotatorPassword,
    description: "The rotator role's login as JSON {engine, host, port, dbname, username, password}; it may only set the n8n login roles' passwords",
    files: [{ name: SECRET_FILES.postgresRotatorPassword, jsonKey: "password" }],
    dev: { kind: "alnum", length: 32 },
  },
  { id: SECRET_FILES.oauth2ProxyCookieSecret, description: "oauth2-proxy cookie secret (32 random bytes, URL-safe base64)", dev: { kind: "urlsafe-base64", bytes: 32 } },
  { id: SECRET_FILES.oauth2ProxyClientSecret, description: "OIDC client secret of oauth2-proxy at the organisation's IdP", dev: { kind: "alnum", length: 40 } },
  {
    id: POSTGRES_TLS_SECRET,
    description: "Postgres server TLS as JSON {cert, key, ca} (PEM): the host agent writes tls/cert.pem, tls/key.pem and tls/ca.pem",
    files: [
      { name: TLS_FILES.cert, jsonKey: "cert" },
      { name: TLS_FILES.key, jsonKey: "key" },
      { name: TLS_FILES.caCert, jsonKey: "ca" },
    ],
  },
];

/** Files the host agent writes from a secret. */
export function secretFilesOf(secret: RuntimeSecretSpec): readonly RuntimeSecretFile[] {
  return secret.files ?? [{ name: secret.id }];
}

/**
 * Queue mode's Valkey login as one JSON secret `{password, acl}`: the host agent writes the clear
 * password (for n8n) and the ACL file (for Valkey, which sees only the password's sha256) from one
 * version, so a rotation can never hand the two sides different passwords. Not in
 * `RUNTIME_SECRETS`: `queueModeCatalog` adds it. The dev generator makes both files (see
 * `renderValkeyAcl`).
 */
export const VALKEY_SECRET: RuntimeSecretSpec = {
  id: "valkey",
  description: "Valkey's n8n ACL user as JSON {password, acl}: the host agent writes valkey-password (n8n) and valkey-users.acl (Valkey, the password's sha256 only)",
  files: [
    { name: QUEUE_SECRET_FILES.valkeyPassword, jsonKey: "password" },
    { name: QUEUE_SECRET_FILES.valkeyAcl, jsonKey: "acl" },
  ],
};

/**
 * Queue mode's execution recovery agent's n8n API key (`execution:retry` only). Not in
 * `RUNTIME_SECRETS`: `queueModeCatalog` adds it. Nothing can generate it: n8n mints API keys, so
 * an operator creates one and stores it (prod: as this secret's value; until then the host agent
 * writes no file and the recovery agent does not start). Rotating it restarts the agent.
 */
export const RECOVERY_API_KEY_SECRET: RuntimeSecretSpec = {
  id: QUEUE_SECRET_FILES.recoveryApiKey,
  description: "n8n API key (scope execution:retry only) of the execution recovery agent: created by an operator in n8n (Settings > n8n API), stored here",
  dev: { kind: "operator" },
};
