import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import bcrypt from "bcryptjs";
import { DevSecretFormat, RUNTIME_SECRETS, RuntimeSecretSpec, VALKEY_SECRET } from "./secret-catalog";
import { QUEUE_SECRET_FILES, SECRET_FILES, TLS_FILES } from "./secret-files";
import { valkeyAclForPassword } from "./valkey-acl";

/*
 * Generates the dev secrets once into a git-ignored folder: every file 0600 (public certificates
 * 0644) in a 0700 folder, no trailing newline, written atomically, never overwritten. Rotating
 * or regenerating is a decision a developer makes by deleting a file, not something a re-run does:
 * a new n8n encryption key would make every stored credential unreadable.
 */

export interface DevSecretsOptions {
  /** Folder to write (created 0700). */
  readonly dir: string;
  /** Base domain; the certificate covers it and `*.<domain>`. */
  readonly domain: string;
  /** n8n's public host. */
  readonly n8nHost: string;
  /** The dev IdP's public host. */
  readonly authHost: string;
  /** OIDC issuer of the dev IdP. */
  readonly issuerUrl: string;
  /** OIDC client id oauth2-proxy uses. */
  readonly clientId: string;
  /** oauth2-proxy's callback URL. */
  readonly redirectUrl: string;
  readonly demoUserEmail: string;
  readonly demoUserName: string;
  /** How long Dex's ID tokens are valid (a Go duration); refresh tokens renew them. @default "1h" */
  readonly idTokenLifetime?: string;
  /** Extra DNS names for the certificate (e.g. the Postgres container, which n8n verifies). */
  readonly extraSans?: string[];
  /** Make a new leaf certificate even when one exists (the CA is kept). @default false */
  readonly renewCertificate?: boolean;
  /** Dex listen ports (must match the container). @default { http: 5556, telemetry: 5558 } */
  readonly idpPorts?: { readonly http: number; readonly telemetry: number };
  /**
   * Owner of the folder and every file in it: the uid:gid the containers run as (`runAs`). The
   * files are 0600, so a container running as anyone else cannot read them. Changing owners needs
   * root; the caller passes this when it runs as root. @default - the user who runs the generator
   */
  readonly owner?: { readonly uid: number; readonly gid: number };
  /** The runtime's secrets; each with a `dev` format gets a file. @default RUNTIME_SECRETS (the service catalog's `secrets`) */
  readonly secrets?: readonly RuntimeSecretSpec[];
  /**
   * The dev IdP's OIDC clients, each with the file holding its secret (a tenant's own
   * oauth2-proxy client secret, issue 16). The IdP's config is written again when this list
   * changes (it holds nothing that is not derived from other files).
   * @default - one client: `clientId` with `redirectUrl` and this folder's oauth2-proxy client secret
   */
  readonly clients?: readonly DevIdpClient[];
}

/** One OIDC client of the dev IdP. */
export interface DevIdpClient {
  readonly id: string;
  readonly redirectUrl: string;
  /** Absolute path of the file with its secret. */
  readonly secretFile: string;
}

export interface DevSecretsResult {
  /** Files created by this run (relative to `dir`). */
  readonly created: string[];
  /** Files that existed and were kept. */
  readonly kept: string[];
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random string over [A-Za-z0-9]: safe in connection strings, URLs, YAML and shells. */
export function randomAlnum(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** URL-safe base64 with padding of `bytes` random bytes (oauth2-proxy's cookie secret format). */
export function randomUrlSafeBase64(bytes: number): string {
  return randomBytes(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** A random value in the given format. */
function makeSecret(format: DevSecretFormat): string {
  switch (format.kind) {
    case "alnum":
      return randomAlnum(format.length);
    case "hex":
      return randomBytes(format.bytes).toString("hex");
    case "base64url":
      return randomBytes(format.bytes).toString("base64url");
    case "urlsafe-base64":
      return randomUrlSafeBase64(format.bytes);
    case "operator":
      return "";
  }
}

/** The secret files and how each is made: the catalog's secrets, then the dev IdP's demo password. */
function generatedFiles(secrets: readonly RuntimeSecretSpec[] = RUNTIME_SECRETS): { file: string; make: () => string }[] {
  return [
    ...secrets.flatMap((s) => (s.dev ? [{ file: s.id, make: () => makeSecret(s.dev!) }] : [])),
    { file: SECRET_FILES.devIdpDemoPassword, make: () => randomAlnum(20) },
  ];
}

/** Writes a new file atomically with the given mode; refuses to replace an existing one. */
function writeNew(file: string, content: string | Buffer, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode, flag: "wx" });
  chmodSync(tmp, mode);
  if (existsSync(file)) {
    unlinkSync(tmp);
    throw new Error(`${file} appeared while generating; not overwritten`);
  }
  renameSync(tmp, file);
}

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === "ENOENT") throw new Error("openssl is required to create the local CA and certificates; install it (e.g. apt-get install openssl) and run again");
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

/**
 * A new leaf key and certificate for `sans` (first one the CN), signed by the CA in `caDir`; the
 * working files are made in `work` and removed by the caller.
 */
function issueLeaf(work: string, caDir: string, sans: readonly string[]): { key: Buffer; cert: Buffer } {
  for (const s of sans) if (!/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(s)) throw new Error(`not a DNS name for the certificate: ${JSON.stringify(s)}`);
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path.join(work, "key.pem")]);
  const leafCnf = path.join(work, "leaf.cnf");
  writeFileSync(
    leafCnf,
    `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=${sans[0]}\n[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.map((s) => `DNS:${s}`).join(",")}\n`,
  );
  openssl(["req", "-new", "-key", path.join(work, "key.pem"), "-config", leafCnf, "-out", path.join(work, "leaf.csr")]);
  openssl(["x509", "-req", "-in", path.join(work, "leaf.csr"), "-CA", path.join(caDir, TLS_FILES.caCert), "-CAkey", path.join(caDir, TLS_FILES.caKey), "-set_serial", `0x${randomBytes(16).toString("hex")}`, "-days", "397", "-sha256", "-extfile", leafCnf, "-extensions", "v3", "-out", path.join(work, "cert.pem")]);
  return { key: readFileSync(path.join(work, "key.pem")), cert: readFileSync(path.join(work, "cert.pem")) };
}

/** The local CA and a leaf certificate for the dev hosts, made with the openssl CLI. */
function ensureTls(opts: DevSecretsOptions, created: string[], kept: string[]): void {
  const dir = opts.dir;
  const p = (f: string) => path.join(dir, f);
  mkdirSync(path.join(dir, "tls"), { recursive: true, mode: 0o700 });
  chmodSync(path.join(dir, "tls"), 0o700);
  const work = path.join(dir, "tls", `.work-${process.pid}`);
  mkdirSync(work, { mode: 0o700 });
  try {
    if (!existsSync(p(TLS_FILES.caCert)) || !existsSync(p(TLS_FILES.caKey))) {
      openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path.join(work, "ca-key.pem")]);
      const caCnf = path.join(work, "ca.cnf");
      writeFileSync(caCnf, "[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nCN=n8n zero-trust dev CA\n[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n");
      openssl(["req", "-x509", "-new", "-key", path.join(work, "ca-key.pem"), "-sha256", "-days", "825", "-config", caCnf, "-out", path.join(work, "ca.pem")]);
      writeNew(p(TLS_FILES.caKey), readFileSync(path.join(work, "ca-key.pem")), 0o600);
      writeNew(p(TLS_FILES.caCert), readFileSync(path.join(work, "ca.pem")), 0o644);
      created.push(TLS_FILES.caKey, TLS_FILES.caCert);
    } else kept.push(TLS_FILES.caKey, TLS_FILES.caCert);

    const leafExists = existsSync(p(TLS_FILES.cert)) && existsSync(p(TLS_FILES.key));
    if (leafExists && !opts.renewCertificate) {
      kept.push(TLS_FILES.cert, TLS_FILES.key);
      return;
    }
    const sans = [...new Set([opts.domain, `*.${opts.domain}`, opts.n8nHost, opts.authHost, ...(opts.extraSans ?? [])])];
    for (const s of sans) if (!/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(s)) throw new Error(`not a DNS name for the certificate: ${JSON.stringify(s)}`);
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path.join(work, "key.pem")]);
    const leafCnf = path.join(work, "leaf.cnf");
    writeFileSync(
      leafCnf,
      `[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=${opts.n8nHost}\n[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.map((s) => `DNS:${s}`).join(",")}\n`,
    );
    openssl(["req", "-new", "-key", path.join(work, "key.pem"), "-config", leafCnf, "-out", path.join(work, "leaf.csr")]);
    openssl(["x509", "-req", "-in", path.join(work, "leaf.csr"), "-CA", p(TLS_FILES.caCert), "-CAkey", p(TLS_FILES.caKey), "-set_serial", `0x${randomBytes(16).toString("hex")}`, "-days", "397", "-sha256", "-extfile", leafCnf, "-extensions", "v3", "-out", path.join(work, "cert.pem")]);
    if (leafExists) {
      unlinkSync(p(TLS_FILES.cert));
      unlinkSync(p(TLS_FILES.key));
    }
    writeNew(p(TLS_FILES.key), readFileSync(path.join(work, "key.pem")), 0o600);
    writeNew(p(TLS_FILES.cert), readFileSync(path.join(work, "cert.pem")), 0o644);
    created.push(TLS_FILES.cert, TLS_FILES.key);
  } finally {
    for (const f of ["ca-key.pem", "ca.pem", "ca.cnf", "key.pem", "leaf.cnf", "leaf.csr", "cert.pem"]) if (existsSync(path.join(work, f))) unlinkSync(path.join(work, f));
    require("node:fs").rmdirSync(work);
  }
}

/** The Dex config (JSON, which Dex reads as YAML): static client and demo user from the secret files. */
export function renderDexConfig(opts: DevSecretsOptions, clientSecret: string, demoPasswordHash: string, clients?: readonly { id: string; redirectUrl: string; secret: string }[]): string {
  const ports = opts.idpPorts ?? { http: 5556, telemetry: 5558 };
  const userId = createHash("sha256").update(opts.demoUserEmail).digest("hex");
  const uuid = `${userId.slice(0, 8)}-${userId.slice(8, 12)}-4${userId.slice(13, 16)}-a${userId.slice(17, 20)}-${userId.slice(20, 32)}`;
  return JSON.stringify(
    {
      issuer: opts.issuerUrl,
      storage: { type: "memory" },
      web: { http: `0.0.0.0:${ports.http}` },
      telemetry: { http: `0.0.0.0:${ports.telemetry}` },
      logger: { level: "info", format: "json" },
      oauth2: { skipApprovalScreen: true, responseTypes: ["code"] },
      expiry: { idTokens: opts.idTokenLifetime ?? "1h", refreshTokens: { validIfNotUsedFor: "24h" } },
      enablePasswordDB: true,
      staticClients: clients
        ? clients.map((c) => ({ id: c.id, name: `n8n (oauth2-proxy, ${c.id})`, secret: c.secret, redirectURIs: [c.redirectUrl] }))
        : [{ id: opts.clientId, name: "n8n (oauth2-proxy)", secret: clientSecret, redirectURIs: [opts.redirectUrl] }],
      staticPasswords: [{ email: opts.demoUserEmail, hash: demoPasswordHash, username: opts.demoUserName, userID: uuid }],
    },
    null,
    2,
  );
}

/** Creates whatever is missing; keeps everything that exists. */
export function generateDevSecrets(opts: DevSecretsOptions): DevSecretsResult {
  const created: string[] = [];
  const kept: string[] = [];
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  chmodSync(opts.dir, 0o700);
  for (const g of generatedFiles(opts.secrets)) {
    const file = path.join(opts.dir, g.file);
    if (existsSync(file)) {
      kept.push(g.file);
      continue;
    }
    writeNew(file, g.make(), 0o600);
    created.push(g.file);
  }
  const dexFile = path.join(opts.dir, SECRET_FILES.devIdpConfig);
  const clients = opts.clients?.map((c) => ({ id: c.id, redirectUrl: c.redirectUrl, secret: readFileSync(c.secretFile, "utf8") }));
  if (existsSync(dexFile) && (!clients || dexClientsMatch(readFileSync(dexFile, "utf8"), clients))) kept.push(SECRET_FILES.devIdpConfig);
  else {
    const read = (f: string) => readFileSync(path.join(opts.dir, f), "utf8");
    const hash = bcrypt.hashSync(read(SECRET_FILES.devIdpDemoPassword), 12);
    // Derived from the other files only: a changed client list (a tenant added) rewrites it.
    if (existsSync(dexFile)) unlinkSync(dexFile);
    writeNew(dexFile, renderDexConfig(opts, read(SECRET_FILES.oauth2ProxyClientSecret), hash, clients), 0o600);
    created.push(SECRET_FILES.devIdpConfig);
  }
  if ((opts.secrets ?? RUNTIME_SECRETS).some((x) => x.id === VALKEY_SECRET.id)) ensureValkeyLogin(opts.dir, created, kept);
  ensureTls(opts, created, kept);
  if (opts.owner) chownTree(opts.dir, opts.owner.uid, opts.owner.gid);
  return { created, kept };
}

/** True when a Dex config's static clients are exactly `clients` (ids, redirect URLs, secrets, in order). */
export function dexClientsMatch(dexConfig: string, clients: readonly { id: string; redirectUrl: string; secret: string }[]): boolean {
  try {
    const have = (JSON.parse(dexConfig).staticClients ?? []) as { id: string; secret: string; redirectURIs: string[] }[];
    return have.length === clients.length && have.every((h, i) => h.id === clients[i].id && h.secret === clients[i].secret && h.redirectURIs.length === 1 && h.redirectURIs[0] === clients[i].redirectUrl);
  } catch {
    return false;
  }
}

export interface TenantSecretsOptions {
  /** The tenant's folder (created 0700), `<secretsDir>/tenants/<id>`. */
  readonly dir: string;
  /** The shared secrets folder holding the dev CA (`tls/ca.pem`, `tls/ca-key.pem`); its key is never copied. */
  readonly caDir: string;
  /** The tenant's Postgres container name: its certificate's only name (n8n verifies it). */
  readonly postgresHost: string;
  /** Its secrets. @default RUNTIME_SECRETS */
  readonly secrets?: readonly RuntimeSecretSpec[];
  /** Make a new Postgres certificate even when one exists. @default false */
  readonly renewCertificate?: boolean;
  /** Owner of the folder and its files (see DevSecretsOptions.owner). */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/**
 * One tenant's own secrets (issue 16): every runtime secret made anew for it (cookie and client
 * secret, encryption key, database passwords, runners token), the dev CA's public certificate,
 * and its Postgres' certificate signed by the shared CA. Nothing is shared with another tenant.
 */
export function generateTenantSecrets(opts: TenantSecretsOptions): DevSecretsResult {
  const created: string[] = [];
  const kept: string[] = [];
  mkdirSync(path.join(opts.dir, "tls"), { recursive: true, mode: 0o700 });
  chmodSync(opts.dir, 0o700);
  chmodSync(path.join(opts.dir, "tls"), 0o700);
  for (const g of generatedFiles(opts.secrets).filter((f) => f.file !== SECRET_FILES.devIdpDemoPassword)) {
    const file = path.join(opts.dir, g.file);
    if (existsSync(file)) {
      kept.push(g.file);
      continue;
    }
    writeNew(file, g.make(), 0o600);
    created.push(g.file);
  }
  const ca = readFileSync(path.join(opts.caDir, TLS_FILES.caCert));
  const caCopy = path.join(opts.dir, TLS_FILES.caCert);
  if (existsSync(caCopy) && readFileSync(caCopy).equals(ca)) kept.push(TLS_FILES.caCert);
  else {
    if (existsSync(caCopy)) unlinkSync(caCopy);
    writeNew(caCopy, ca, 0o644);
    created.push(TLS_FILES.caCert);
  }
  const leaf = [TLS_FILES.cert, TLS_FILES.key].map((f) => path.join(opts.dir, f));
  if (leaf.every((f) => existsSync(f)) && !opts.renewCertificate) kept.push(TLS_FILES.cert, TLS_FILES.key);
  else {
    const work = path.join(opts.dir, "tls", `.work-${process.pid}`);
    mkdirSync(work, { mode: 0o700 });
    try {
      const issued = issueLeaf(work, opts.caDir, [opts.postgresHost]);
      for (const f of leaf) if (existsSync(f)) unlinkSync(f);
      writeNew(leaf[1], issued.key, 0o600);
      writeNew(leaf[0], issued.cert, 0o644);
      created.push(TLS_FILES.cert, TLS_FILES.key);
    } finally {
      for (const f of ["key.pem", "leaf.cnf", "leaf.csr", "cert.pem"]) if (existsSync(path.join(work, f))) unlinkSync(path.join(work, f));
      require("node:fs").rmdirSync(work);
    }
  }
  if (opts.owner) chownTree(opts.dir, opts.owner.uid, opts.owner.gid);
  return { created, kept };
}

/** Problems of a tenant's folder: a secret or certificate missing, readable by others, or ending in a newline. */
export function checkTenantSecrets(dir: string, secrets: readonly RuntimeSecretSpec[] = RUNTIME_SECRETS): string[] {
  const generated = generatedFiles(secrets).filter((f) => f.file !== SECRET_FILES.devIdpDemoPassword).map((g) => g.file);
  const problems: string[] = [];
  for (const f of [...generated, TLS_FILES.key, TLS_FILES.cert, TLS_FILES.caCert]) {
    const file = path.join(dir, f);
    if (!existsSync(file)) {
      problems.push(`${f}: missing`);
      continue;
    }
    const mode = statSync(file).mode & 0o777;
    if (f !== TLS_FILES.cert && f !== TLS_FILES.caCert && (mode & 0o077) !== 0) problems.push(`${f}: mode ${mode.toString(8)} lets others read it; expected 600`);
    if (generated.includes(f) && /[\r\n]$/.test(readFileSync(file, "utf8"))) problems.push(`${f}: ends with a newline`);
  }
  return problems;
}

/**
 * Queue mode's Valkey login: the password (n8n reads it) and the ACL file with its sha256 (Valkey
 * reads that), made from the password file, so the two always agree; neither is overwritten.
 */
function ensureValkeyLogin(dir: string, created: string[], kept: string[]): void {
  const pw = path.join(dir, QUEUE_SECRET_FILES.valkeyPassword);
  const acl = path.join(dir, QUEUE_SECRET_FILES.valkeyAcl);
  if (existsSync(pw)) kept.push(QUEUE_SECRET_FILES.valkeyPassword);
  else {
    writeNew(pw, randomAlnum(32), 0o600);
    created.push(QUEUE_SECRET_FILES.valkeyPassword);
  }
  if (existsSync(acl)) kept.push(QUEUE_SECRET_FILES.valkeyAcl);
  else {
    writeNew(acl, valkeyAclForPassword(readFileSync(pw, "utf8")), 0o600);
    created.push(QUEUE_SECRET_FILES.valkeyAcl);
  }
}

/** Problems of queue mode's Valkey login files: both there, private, and the ACL file made from this password with the default user off. */
function valkeyLoginProblems(dir: string): string[] {
  const pw = path.join(dir, QUEUE_SECRET_FILES.valkeyPassword);
  const acl = path.join(dir, QUEUE_SECRET_FILES.valkeyAcl);
  const missing = [pw, acl].filter((f) => !existsSync(f)).map((f) => `${path.relative(dir, f)}: missing`);
  if (missing.length > 0) return missing;
  const problems: string[] = [];
  for (const f of [pw, acl]) {
    const mode = statSync(f).mode & 0o777;
    if ((mode & 0o077) !== 0) problems.push(`${path.relative(dir, f)}: mode ${mode.toString(8)} lets others read it; expected 600`);
  }
  const password = readFileSync(pw, "utf8");
  if (/[\r\n]$/.test(password)) problems.push(`${QUEUE_SECRET_FILES.valkeyPassword}: ends with a newline (n8n would log in with other bytes than the ACL file's hash)`);
  if (readFileSync(acl, "utf8") !== valkeyAclForPassword(password)) {
    problems.push(`${QUEUE_SECRET_FILES.valkeyAcl}: is not the ACL file for ${QUEUE_SECRET_FILES.valkeyPassword} (delete it and run npm run secrets:dev to make it again)`);
  }
  return problems;
}

/** Hands the folder to the containers' uid:gid (modes stay 0600/0700; certificates 0644). */
function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else if (entry.isFile()) chownSync(p, uid, gid);
  }
}

/** Problems with a secrets folder (missing files, loose modes, trailing newlines, bad formats). */
export function checkDevSecrets(dir: string, secrets: readonly RuntimeSecretSpec[] = RUNTIME_SECRETS): string[] {
  const problems: string[] = [];
  const generated = generatedFiles(secrets);
  const secretFiles = [...generated.map((g) => g.file), SECRET_FILES.devIdpConfig, TLS_FILES.key, TLS_FILES.caKey];
  for (const f of [...secretFiles, TLS_FILES.cert, TLS_FILES.caCert]) {
    const file = path.join(dir, f);
    if (!existsSync(file)) {
      problems.push(`${f}: missing`);
      continue;
    }
    const mode = statSync(file).mode & 0o777;
    if (secretFiles.includes(f) && (mode & 0o077) !== 0) problems.push(`${f}: mode ${mode.toString(8)} lets others read it; expected 600`);
    const content = readFileSync(file, "utf8");
    if (generated.some((g) => g.file === f) && /[\r\n]$/.test(content)) problems.push(`${f}: ends with a newline (n8n and oauth2-proxy read the bytes as they are)`);
  }
  if (secrets.some((x) => x.id === VALKEY_SECRET.id)) problems.push(...valkeyLoginProblems(dir));
  const cookie = path.join(dir, SECRET_FILES.oauth2ProxyCookieSecret);
  if (existsSync(cookie)) {
    const bytes = Buffer.from(readFileSync(cookie, "utf8").replace(/-/g, "+").replace(/_/g, "/"), "base64").length;
    if (![16, 24, 32].includes(bytes)) problems.push(`${SECRET_FILES.oauth2ProxyCookieSecret}: decodes to ${bytes} bytes; oauth2-proxy needs 16, 24 or 32`);
  }
  return problems;
}
