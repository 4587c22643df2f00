import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AGENT_SCRIPT } from "../../constructs/host/agent-script";
import { AgentSecret } from "../../constructs/host/secrets-agent";
import { AgentHarness } from "./agent-harness";

/*
 * Tenants' files below tenants/<id>/ in the one secrets folder (issue 16), run for real like
 * secrets-agent-script.test.ts: the real script, jq, mkdir, chmod, chown and mv; fake aws, docker
 * and systemctl. Up to three folders: tenants/<id>/tls/key.pem.
 */

const SHARED_TLS = "n8n-prod/traefik-tls";
const ACME_DB = "n8n-prod/acme/n8n-db-password";
const ACME_TLS = "n8n-prod/acme/postgres-tls";
const BETA_KEY = "n8n-prod/beta/n8n-encryption-key";

const SECRETS: AgentSecret[] = [
  { secretId: SHARED_TLS, files: [{ name: "tls/key.pem", jsonKey: "key" }], restart: [] },
  { secretId: ACME_DB, files: [{ name: "tenants/acme/n8n-db-password", jsonKey: "password" }, { name: "tenants/acme/n8n-db-user", jsonKey: "username" }], restart: ["n8n-acme-main"] },
  { secretId: ACME_TLS, files: [{ name: "tenants/acme/tls/key.pem", jsonKey: "key" }, { name: "tenants/acme/tls/cert.pem", jsonKey: "cert" }], restart: ["n8n-acme-postgres"] },
  { secretId: BETA_KEY, files: [{ name: "tenants/beta/n8n-encryption-key" }], restart: ["n8n-beta-main"] },
];
const V = (n: number) => `b1b2c3d4-0000-4000-8000-${String(n).padStart(12, "0")}`;
const VALUES = {
  sharedKey: "-----BEGIN PRIVATE KEY-----\nshared-edge-key\n-----END PRIVATE KEY-----\n",
  acmePassword: "acme-pw-$(id)'\"`;*?[x]-end",
  acmeUser: "n8n_acme",
  acmeKey: "-----BEGIN PRIVATE KEY-----\nacme-postgres-key\n-----END PRIVATE KEY-----\n",
  acmeCert: "-----BEGIN CERTIFICATE-----\nacme-cert\n-----END CERTIFICATE-----\n",
  betaKey: "beta-encryption-key-0123456789abcdef",
};
const FILES = ["tls/key.pem", "tenants/acme/n8n-db-password", "tenants/acme/n8n-db-user", "tenants/acme/tls/key.pem", "tenants/acme/tls/cert.pem", "tenants/beta/n8n-encryption-key"];
const FOLDERS = ["tls", "tenants", "tenants/acme", "tenants/acme/tls", "tenants/beta"];

describe.each(["sh", "bash"])("secrets agent with tenants' folders under %s", (shell) => {
  let h: AgentHarness;
  beforeEach(() => {
    h = new AgentHarness({ region: "eu-central-1", secretsDir: "/run/n8n-secrets", secrets: SECRETS }, shell);
    h.setSecret(SHARED_TLS, { key: VALUES.sharedKey }, V(1));
    h.setSecret(ACME_DB, { username: VALUES.acmeUser, password: VALUES.acmePassword }, V(2));
    h.setSecret(ACME_TLS, { key: VALUES.acmeKey, cert: VALUES.acmeCert }, V(3));
    h.setSecret(BETA_KEY, VALUES.betaKey, V(4));
    h.containers(["n8n-acme-main", "n8n-acme-postgres", "n8n-beta-main"]);
  });
  afterEach(() => h.cleanup());

  test("writes tenants/<id>/… and tenants/<id>/tls/… exactly; files 0400 and the owner's; every folder 0700 and the agent's (root on the host)", () => {
    const r = h.run();
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(FILES.map((f) => h.read(f))).toEqual([VALUES.sharedKey, VALUES.acmePassword, VALUES.acmeUser, VALUES.acmeKey, VALUES.acmeCert, VALUES.betaKey]);
    for (const f of FILES) {
      const st = statSync(path.join(h.secretsDir, f));
      expect([f, st.mode & 0o777, st.uid, st.gid]).toEqual([f, 0o400, h.uid, h.gid]);
    }
    for (const d of FOLDERS) {
      const st = statSync(path.join(h.secretsDir, d));
      expect([d, st.isDirectory(), st.mode & 0o777, st.uid]).toEqual([d, true, 0o700, process.getuid!()]);
    }
    expect(readdirSync(h.secretsDir).sort()).toEqual(["tenants", "tls"]);
    expect(readdirSync(path.join(h.secretsDir, "tenants/acme")).sort()).toEqual(["n8n-db-password", "n8n-db-user", "tls"]);
    expect(readdirSync(path.join(h.secretsDir, "tenants/acme/tls")).sort()).toEqual(["cert.pem", "key.pem"]);
    expect(r.stdout).toContain(`<6>${ACME_TLS}: version ${V(3)} written to tenants/acme/tls/key.pem tenants/acme/tls/cert.pem\n`);
  });

  test("a rotation replaces the nested files and restarts only that tenant's container", () => {
    h.run();
    h.setSecret(ACME_TLS, { key: "rotated-acme-key", cert: "rotated-acme-cert" }, V(13));
    const r = h.run();
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect([h.read("tenants/acme/tls/key.pem"), h.read("tenants/acme/tls/cert.pem")]).toEqual(["rotated-acme-key", "rotated-acme-cert"]);
    expect(h.restarts()).toEqual(["n8n-acme-postgres"]);
    expect(readdirSync(path.join(h.secretsDir, "tenants/acme/tls")).filter((f) => f.startsWith("."))).toEqual([]);
  });

  test("the script itself refuses a name with a dot segment or a hidden part, even in a list edited by hand", () => {
    h.setSecret("n8n-prod/beta/dot", "dot-secret-value", V(9));
    writeFileSync(
      h.env.SECRETS_CONF,
      [`${ACME_DB} ../x -`, `${ACME_TLS} tenants/.x -`, `n8n-prod/beta/dot tenants/beta/../../x -`, `${SHARED_TLS} tenants/acme/tls/key.pem=key -`, ""].join("\n"),
    );
    const r = h.run();
    expect(r.status).toBe(1);
    for (const [id, name] of [
      [ACME_DB, "../x"],
      [ACME_TLS, "tenants/.x"],
      ["n8n-prod/beta/dot", "tenants/beta/../../x"],
    ]) {
      expect(r.stderr).toContain(`<3>${id}: refusing file name ${name}\n`);
    }
    expect(existsSync(path.join(h.root, "run", "x"))).toBe(false);
    expect(existsSync(path.join(h.secretsDir, "tenants", ".x"))).toBe(false);
    expect(existsSync(path.join(h.secretsDir, "tenants", "beta"))).toBe(false);
    expect(h.read("tenants/acme/tls/key.pem")).toBe(VALUES.sharedKey);
  });
});

describe("the agent script's file-name check", () => {
  test.each(["dash", "bash"])("under %s: every name the TypeScript validation allows, and none with a dot segment, a hidden part or a shell character", (shell) => {
    const check = AGENT_SCRIPT.slice(AGENT_SCRIPT.indexOf("valid_file_name() {"), AGENT_SCRIPT.indexOf("\n}\n", AGENT_SCRIPT.indexOf("valid_file_name() {")) + 3);
    const accepted = (name: string) => spawnSync(shell, ["-c", `${check}valid_file_name "$1"`, "sh", name]).status === 0;
    for (const ok of ["n8n-db-password", "tls/key.pem", "tenants/acme/n8n-db-password", "tenants/acme/tls/key.pem", "a/b/c/d"]) expect([ok, accepted(ok)]).toEqual([ok, true]);
    for (const bad of ["", "/abs", "../x", "tenants/.x", "tenants/acme/../x", "tenants//x", "tenants/acme/", ".hidden", "a b", "x$(id)"]) expect([bad, accepted(bad)]).toEqual([bad, false]);
  });
});
