import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { checkDevSecrets, generateDevSecrets } from "../../constructs/common/dev-secrets";
import { HOST_AGENT_ONLY_FILES, SECRET_FILES, TLS_FILES } from "../../constructs/common/secret-files";
import { devSecretsOptions } from "../helpers/dev-secrets-options";

const options = (dir: string) => devSecretsOptions(dir);

const root = mkdtempSync(path.join(os.tmpdir(), "zt-secrets-"));
const dir = path.join(root, "dev");
const first = generateDevSecrets(options(dir));
const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
const mode = (f: string) => statSync(path.join(dir, f)).mode & 0o777;

function allFiles(d: string, prefix = ""): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

describe("dev secrets generator", () => {
  test("creates every secret file, the dex config and the TLS material", () => {
    expect(first.kept).toEqual([]);
    const expected = [...Object.values(SECRET_FILES).filter((f) => !HOST_AGENT_ONLY_FILES.includes(f)), ...Object.values(TLS_FILES)];
    expect(first.created.sort()).toEqual(expected.sort());
  });

  test("the folder is 0700 and every secret file 0600; only certificates are world-readable", () => {
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, "tls")).mode & 0o777).toBe(0o700);
    for (const f of allFiles(dir)) {
      expect([f, mode(f)]).toEqual([f, f === TLS_FILES.cert || f === TLS_FILES.caCert ? 0o644 : 0o600]);
    }
  });

  test("no secret file ends with a newline", () => {
    for (const f of Object.values(SECRET_FILES).filter((x) => !HOST_AGENT_ONLY_FILES.includes(x))) expect(read(f)).not.toMatch(/[\r\n]$/);
  });

  test("formats: the cookie secret decodes (URL-safe base64) to exactly 32 bytes; passwords are long and connection-string safe", () => {
    const cookie = read(SECRET_FILES.oauth2ProxyCookieSecret);
    expect(cookie).toMatch(/^[A-Za-z0-9_-]+=*$/);
    expect(Buffer.from(cookie, "base64url").length).toBe(32);
    for (const f of [SECRET_FILES.n8nDbPassword, SECRET_FILES.postgresSuperuserPassword, SECRET_FILES.postgresReportingPassword, SECRET_FILES.postgresAgentPassword]) {
      expect(read(f)).toMatch(/^[A-Za-z0-9]{32}$/);
    }
    expect(read(SECRET_FILES.n8nRunnersAuthToken)).toMatch(/^[0-9a-f]{64}$/);
    expect(read(SECRET_FILES.n8nEncryptionKey).length).toBeGreaterThanOrEqual(32);
  });

  test("each secret is different from every other", () => {
    const values = Object.values(SECRET_FILES).filter((f) => f !== SECRET_FILES.devIdpConfig && !HOST_AGENT_ONLY_FILES.includes(f)).map(read);
    expect(new Set(values).size).toBe(values.length);
  });

  test("a second run keeps every file byte-identical (the encryption key is never regenerated)", () => {
    const before = Object.fromEntries(allFiles(dir).map((f) => [f, read(f)]));
    const again = generateDevSecrets(options(dir));
    expect(again.created).toEqual([]);
    expect(Object.fromEntries(allFiles(dir).map((f) => [f, read(f)]))).toEqual(before);
  });

  test("an existing file is never overwritten; a missing one is filled in", () => {
    const d = path.join(root, "partial");
    mkdirSync(d, { mode: 0o700 });
    writeFileSync(path.join(d, SECRET_FILES.n8nEncryptionKey), "key-from-a-backup", { mode: 0o600 });
    const r = generateDevSecrets(options(d));
    expect(r.kept).toContain(SECRET_FILES.n8nEncryptionKey);
    expect(readFileSync(path.join(d, SECRET_FILES.n8nEncryptionKey), "utf8")).toBe("key-from-a-backup");
    expect(r.created).toContain(SECRET_FILES.n8nDbPassword);
  });

  test("the dex config has the issuer, the client, the redirect URI, the client secret and a bcrypt hash of the demo password", () => {
    const dex = JSON.parse(read(SECRET_FILES.devIdpConfig));
    expect(dex.issuer).toBe("https://auth.localhost/dex");
    expect(dex.enablePasswordDB).toBe(true);
    expect(dex.staticClients).toEqual([{ id: "n8n-oauth2-proxy", name: expect.any(String), secret: read(SECRET_FILES.oauth2ProxyClientSecret), redirectURIs: ["https://n8n.localhost/oauth2/callback"] }]);
    const [user] = dex.staticPasswords;
    expect(user.email).toBe("demo@example.com");
    expect(user.hash).toMatch(/^\$2[aby]\$12\$/);
    expect(bcrypt.compareSync(read(SECRET_FILES.devIdpDemoPassword), user.hash)).toBe(true);
    expect(user.userID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("the leaf certificate verifies against the local CA and names every dev host", () => {
    const out = execFileSync("openssl", ["verify", "-CAfile", path.join(dir, TLS_FILES.caCert), path.join(dir, TLS_FILES.cert)], { encoding: "utf8" });
    expect(out.trim()).toMatch(/: OK$/);
    const cert = new X509Certificate(read(TLS_FILES.cert));
    expect(cert.subjectAltName!.split(", ").sort()).toEqual(["DNS:*.localhost", "DNS:auth.localhost", "DNS:localhost", "DNS:n8n-postgres", "DNS:n8n.localhost"]);
    expect(cert.ca).toBe(false);
    expect(cert.checkPrivateKey(require("node:crypto").createPrivateKey(read(TLS_FILES.key)))).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86400000;
    expect(days).toBeLessThanOrEqual(398);
    expect(new X509Certificate(read(TLS_FILES.caCert)).ca).toBe(true);
  });

  test("checkDevSecrets accepts a complete folder and names a missing file, a newline and a loose mode", () => {
    expect(checkDevSecrets(dir)).toEqual([]);
    const d = path.join(root, "broken");
    generateDevSecrets(options(d));
    require("node:fs").unlinkSync(path.join(d, SECRET_FILES.n8nDbPassword));
    writeFileSync(path.join(d, SECRET_FILES.oauth2ProxyClientSecret), "abc\n");
    chmodSync(path.join(d, SECRET_FILES.n8nEncryptionKey), 0o644);
    expect(checkDevSecrets(d).sort()).toEqual([
      `${SECRET_FILES.n8nDbPassword}: missing`,
      `${SECRET_FILES.n8nEncryptionKey}: mode 644 lets others read it; expected 600`,
      `${SECRET_FILES.oauth2ProxyClientSecret}: ends with a newline (n8n and oauth2-proxy read the bytes as they are)`,
    ]);
  });
});

export { dir as generatedSecretsDir };

describe("secret files belong to the uid the containers run as", () => {
  // Found on the first real deploy (test/e2e): run as root, the generator left every 0600 file owned by
  // root, so n8n, Postgres, Traefik, oauth2-proxy and Dex (all running as runAs) could not read them.
  test("with an owner, the folder and every file are handed to it; modes stay 0600/0700", () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "zt-owner-")), "secrets");
    const root = process.getuid?.() === 0;
    // Only root can give files away; anyone else can still "chown" to themselves.
    const owner = root ? { uid: 4242, gid: 4343 } : { uid: process.getuid!(), gid: process.getgid!() };
    const r = generateDevSecrets({ ...options(dir), owner });
    expect(r.created.length).toBeGreaterThan(10);
    for (const f of [".", "tls", ...r.created]) {
      const st = statSync(path.join(dir, f));
      expect([f, st.uid, st.gid]).toEqual([f, owner.uid, owner.gid]);
      if (f === "." || f === "tls") expect([f, st.mode & 0o777]).toEqual([f, 0o700]);
      else if (!f.endsWith(".pem") || f.endsWith("key.pem")) expect([f, st.mode & 0o777]).toEqual([f, 0o600]);
    }
  });
});
