import { execFileSync, spawnSync } from "node:child_process";
import { linkSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AGENT_SCRIPT } from "../../constructs/host/agent-script";
import { AgentSecret } from "../../constructs/host/secrets-agent";
import { AgentHarness } from "./agent-harness";

/*
 * The agent script run for real (dash as `sh`, and bash, which is /bin/sh on Amazon Linux 2023),
 * with fake `aws`, `docker` and `systemctl` on PATH. Every value below is a stand-in secret; the
 * tests check it reaches its file byte for byte and nowhere else.
 */

const DB = "n8n-prod/n8n-db-password";
const KEY = "n8n-prod/n8n-encryption-key";
const TOKEN = "n8n-prod/n8n-runners-auth-token";
const COOKIE = "n8n-prod/oauth2-proxy-cookie-secret";
const TLS = "n8n-prod/postgres-tls";

const SECRETS: AgentSecret[] = [
  { secretId: DB, files: [{ name: "n8n-db-password", jsonKey: "password" }, { name: "n8n-db-user", jsonKey: "username" }], restart: ["n8n-main"] },
  { secretId: KEY, files: [{ name: "n8n-encryption-key" }], restart: ["n8n-main"] },
  { secretId: TOKEN, files: [{ name: "n8n-runners-auth-token" }], restart: ["n8n-main", "n8n-runners"] },
  { secretId: COOKIE, files: [{ name: "oauth2-proxy-cookie-secret" }], restart: ["n8n-oauth2-proxy"] },
  { secretId: TLS, files: [{ name: "tls/key.pem", jsonKey: "key" }, { name: "tls/cert.pem", jsonKey: "cert" }], restart: [] },
];

const V = (n: number) => `a1b2c3d4-0000-4000-8000-${String(n).padStart(12, "0")}`;
/** Stand-in values: distinctive, with characters a shell would mangle if it ever saw them unquoted. */
const VALUES = {
  dbPassword: "pw-$(touch /tmp/pwned)'\"`;*?[x] \\n-end",
  dbUser: "n8n_b",
  key: "encryption-key-value-0123456789abcdefghij",
  token: "runner-token-value-with trailing newline\n",
  cookie: "Y29va2llLXNlY3JldC0zMi1ieXRlcy1sb25nLXh4eHg=",
  tlsKey: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
  tlsCert: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
};
const ALL_VALUES = [...Object.values(VALUES), "rotated-password-value-2", "rotated-token-value-2", "not-json-but-secret-value"];

function seed(h: AgentHarness): void {
  h.setSecret(DB, { engine: "postgres", host: "10.20.1.10", port: 5432, dbname: "n8n", username: VALUES.dbUser, password: VALUES.dbPassword }, V(1));
  h.setSecret(KEY, VALUES.key, V(2));
  h.setSecret(TOKEN, VALUES.token, V(3));
  h.setSecret(COOKIE, VALUES.cookie, V(4));
  h.setSecret(TLS, { key: VALUES.tlsKey, cert: VALUES.tlsCert }, V(5));
  h.containers(["n8n-main", "n8n-runners", "n8n-oauth2-proxy"]);
}

function expectNoValueIn(text: string): void {
  for (const v of ALL_VALUES) {
    expect(text).not.toContain(v.trim());
    // Also no recognisable piece of a value (a value split across lines or quoted differently).
    for (const part of v.split(/[\s\n]+/).filter((p) => p.length >= 12 && !p.startsWith("-----"))) expect(text).not.toContain(part);
  }
}

const shells = ["sh", "bash"];

describe.each(shells)("secrets agent under %s", (shell) => {
  let h: AgentHarness;
  const inode = (f: string) => statSync(path.join(h.secretsDir, f)).ino;

  beforeEach(() => {
    h = new AgentHarness({ region: "eu-central-1", secretsDir: "/run/n8n-secrets", secrets: SECRETS }, shell);
    seed(h);
  });
  afterEach(() => h.cleanup());

  test("first run: every file holds exactly its value (no newline added), JSON secrets are split by key, nothing restarts", () => {
    const r = h.run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(h.read("n8n-db-password")).toBe(VALUES.dbPassword);
    expect(h.read("n8n-db-user")).toBe(VALUES.dbUser);
    expect(h.read("n8n-encryption-key")).toBe(VALUES.key);
    // A newline that is part of the value stays; none is added to any file.
    expect(h.read("n8n-runners-auth-token")).toBe(VALUES.token);
    expect(h.read("oauth2-proxy-cookie-secret")).toBe(VALUES.cookie);
    expect(h.read("tls/key.pem")).toBe(VALUES.tlsKey);
    expect(h.read("tls/cert.pem")).toBe(VALUES.tlsCert);
    expect(h.restarts()).toEqual([]);
    // Every container is running: nothing is started either.
    expect(h.argv()).not.toMatch(/^docker (restart|start) /m);
  });

  test("files are 0400 and owned by the containers' uid:gid; the folders are 0700; no temp file is left", () => {
    h.run();
    for (const f of ["n8n-db-password", "n8n-db-user", "n8n-encryption-key", "n8n-runners-auth-token", "oauth2-proxy-cookie-secret", "tls/key.pem", "tls/cert.pem"]) {
      const st = statSync(path.join(h.secretsDir, f));
      expect([f, st.mode & 0o777, st.uid, st.gid]).toEqual([f, 0o400, h.uid, h.gid]);
    }
    for (const d of [h.secretsDir, path.join(h.secretsDir, "tls"), h.stateDir]) expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(readdirSync(h.secretsDir).sort()).toEqual(["n8n-db-password", "n8n-db-user", "n8n-encryption-key", "n8n-runners-auth-token", "oauth2-proxy-cookie-secret", "tls"]);
  });

  test("logs secret names and version ids only: no value on stdout, stderr or in any argv the agent passes (aws, jq, docker, systemctl)", () => {
    const first = h.run();
    expect(first.stdout).toContain(`<6>${DB}: version ${V(1)} written to n8n-db-password n8n-db-user`);
    h.setSecret(DB, { username: "n8n", password: "rotated-password-value-2" }, V(11));
    h.setSecret(TOKEN, "rotated-token-value-2", V(13));
    h.setSecret(COOKIE, "not-json-but-secret-value", V(14));
    h.setSecret(TLS, "not-json-but-secret-value", V(15));
    const second = h.run();
    expect(second.status).toBe(1);
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr, h.argv()]) expectNoValueIn(out);
    expect(h.argv()).toMatch(/^aws secretsmanager get-secret-value --secret-id n8n-prod\/n8n-db-password --version-stage AWSCURRENT --region eu-central-1 /m);
  });

  test("an unchanged version rewrites nothing and restarts nothing", () => {
    h.run();
    const before = inode("n8n-db-password");
    const r = h.run();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(inode("n8n-db-password")).toBe(before);
    expect(h.restarts()).toEqual([]);
  });

  test("a new version replaces the files atomically (a new inode; the old one is intact for whoever still has it open) and restarts the secret's containers once", () => {
    h.run();
    const oldInode = inode("n8n-db-password");
    // A hard link keeps the old inode reachable: an in-place rewrite would change it too.
    const held = path.join(h.root, "held-old-password");
    linkSync(path.join(h.secretsDir, "n8n-db-password"), held);
    h.setSecret(DB, { username: "n8n", password: "rotated-password-value-2" }, V(11));
    h.setSecret(TOKEN, "rotated-token-value-2", V(13));
    const r = h.run();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(h.read("n8n-db-password")).toBe("rotated-password-value-2");
    expect(h.read("n8n-db-user")).toBe("n8n");
    expect(inode("n8n-db-password")).not.toBe(oldInode);
    expect(readFileSync(held, "utf8")).toBe(VALUES.dbPassword);
    // n8n-main is named by both changed secrets but restarts once, before the runners.
    expect(h.restarts()).toEqual(["n8n-main", "n8n-runners"]);
    expect(r.stdout).toContain(`${DB}: version ${V(11)} (was ${V(1)})`);
    // Recorded: the next run is quiet.
    h.clearRestarts();
    expect(h.run().stdout).toBe("");
    expect(h.restarts()).toEqual([]);
  });

  test("after a reboot (empty /run) the first run writes the current version and restarts nothing, even if it changed meanwhile", () => {
    h.run();
    h.reboot();
    h.setSecret(DB, { username: "n8n", password: "rotated-password-value-2" }, V(11));
    const r = h.run();
    expect(r.status).toBe(0);
    expect(h.read("n8n-db-password")).toBe("rotated-password-value-2");
    expect(h.restarts()).toEqual([]);
  });

  test("one failing secret keeps its old files and fails the run, while the others are still updated", () => {
    h.run();
    const oldInode = inode("n8n-db-password");
    h.setSecret(DB, { username: "n8n" }, V(11)); // the password key is missing
    h.setSecret(KEY, VALUES.key, V(2));
    h.setSecret(COOKIE, "not-json-but-secret-value", V(14)); // whole-string secret: fine
    h.removeSecret(TOKEN); // e.g. deleted, or access denied
    h.setSecret(TLS, "not-json-but-secret-value", V(15)); // not JSON
    const r = h.run();
    expect(r.status).toBe(1);
    // The JSON secret's files change together or not at all.
    expect(h.read("n8n-db-password")).toBe(VALUES.dbPassword);
    expect(h.read("n8n-db-user")).toBe(VALUES.dbUser);
    expect(inode("n8n-db-password")).toBe(oldInode);
    expect(h.read("n8n-runners-auth-token")).toBe(VALUES.token);
    expect(h.read("tls/key.pem")).toBe(VALUES.tlsKey);
    expect(h.read("oauth2-proxy-cookie-secret")).toBe("not-json-but-secret-value");
    expect(h.restarts()).toEqual(["n8n-oauth2-proxy"]);
    expect(r.stderr).toContain(`<3>${DB}: version ${V(11)} is not a JSON object with a non-empty string at key password; the old files stay in place`);
    expect(r.stderr).toContain(`<3>${TOKEN}: GetSecretValue failed`);
    expect(r.stderr).toContain("ResourceNotFoundException");
    expect(r.stderr).toContain(`<3>${TLS}: version ${V(15)} is not a JSON object`);
    expectNoValueIn(r.stdout + r.stderr);
    expect(readdirSync(h.secretsDir).filter((f) => f.startsWith("."))).toEqual([]);
    expect(readdirSync(path.join(h.secretsDir, "tls")).filter((f) => f.startsWith("."))).toEqual([]);
    // Once fixed, the next run writes it and restarts its container (its version was never recorded).
    h.clearRestarts();
    h.setSecret(DB, { username: "n8n", password: "rotated-password-value-2" }, V(12));
    h.setSecret(TOKEN, VALUES.token, V(3));
    h.setSecret(TLS, { key: VALUES.tlsKey, cert: VALUES.tlsCert }, V(5));
    expect(h.run().status).toBe(0);
    expect(h.read("n8n-db-password")).toBe("rotated-password-value-2");
    expect(h.restarts()).toEqual(["n8n-main"]);
  });

  test("an empty secret or one without a SecretString is an error, not an empty file", () => {
    h.run();
    h.setSecret(KEY, "", V(21));
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${KEY}: version ${V(21)} has no SecretString (or it is empty)`);
    expect(h.read("n8n-encryption-key")).toBe(VALUES.key);
  });

  test("a failed restart fails the run and is retried by the next run; a missing container or a stopped dockerd is not an error", () => {
    h.run();
    h.setSecret(TOKEN, "rotated-token-value-2", V(13));
    h.failRestartOf(["n8n-runners"]);
    const failed = h.run();
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("<3>restarting n8n-runners failed; the next run tries again");
    expect(h.restarts()).toEqual(["n8n-main"]);
    h.failRestartOf([]);
    h.clearRestarts();
    expect(h.run().status).toBe(0);
    expect(h.restarts()).toEqual(["n8n-main", "n8n-runners"]);

    h.clearRestarts();
    h.containers(["n8n-main"]); // the runners container is not deployed (yet)
    h.setSecret(TOKEN, VALUES.token, V(23));
    const missing = h.run();
    expect(missing.status).toBe(0);
    expect(missing.stdout).toContain("container n8n-runners does not exist; nothing to restart");
    expect(h.restarts()).toEqual(["n8n-main"]);

    h.clearRestarts();
    h.dockerRunning(false);
    h.setSecret(COOKIE, "rotated-token-value-2", V(24));
    const stopped = h.run();
    expect(stopped.status).toBe(0);
    expect(stopped.stdout).toContain("docker.service is not running");
    expect(h.argv()).not.toMatch(/^docker restart n8n-oauth2-proxy/m);
    expect(h.read("oauth2-proxy-cookie-secret")).toBe("rotated-token-value-2");
  });

  describe("containers whose start failed because a file was missing", () => {
    /** What dockerd records when a bind mount's source file does not exist. */
    const bindError = (file: string) => `error while creating mount source path '/run/n8n-secrets/${file}': mkdir /run/n8n-secrets/${file}: read-only file system`;
    const ALL = ["n8n-main", "n8n-runners", "n8n-oauth2-proxy", "traefik"];

    /** The boot run cannot write the runners token and the cookie secret (no value yet); dockerd then starts anyway. */
    function bootWithMissingSecrets(): void {
      h.removeSecret(TOKEN);
      h.removeSecret(COOKIE);
      h.dockerRunning(false);
      expect(h.run().status).toBe(1);
      h.dockerRunning(true);
      h.containers(ALL);
      h.containerState("n8n-main", { running: false, error: bindError("n8n-runners-auth-token") });
      h.containerState("n8n-runners", { running: false, error: bindError("n8n-runners-auth-token") });
      h.containerState("n8n-oauth2-proxy", { running: false, error: bindError("oauth2-proxy-cookie-secret") });
      // Not named by any secret: out of the agent's scope, whatever its state.
      h.containerState("traefik", { running: false, error: "driver failed programming external connectivity" });
    }

    test("a later run starts each once all files of every secret naming it exist, and logs it; one still missing a file stays down until then", () => {
      bootWithMissingSecrets();
      h.setSecret(TOKEN, VALUES.token, V(3)); // the token gets its value; the cookie secret still has none
      const r = h.run();
      expect(r.status).toBe(1); // the cookie secret still fails
      expect(h.read("n8n-runners-auth-token")).toBe(VALUES.token);
      // No previous version (first write since boot), so nothing was restarted: without the fix they stayed down.
      expect(h.restarts()).toEqual([]);
      expect(h.starts()).toEqual(["n8n-main", "n8n-runners"]);
      expect(r.stdout).toContain("<6>started n8n-main (its last start had failed; its files are in place now)\n");
      expect(r.stdout).toContain("<6>started n8n-runners (");
      expect(r.stdout).toContain("<6>container n8n-oauth2-proxy failed to start and some of its files are still missing; the next run tries again\n");
      expect(h.argv()).toMatch(/^docker container inspect -f \{\{\.State\.Running\}\} \{\{\.State\.Error\}\} n8n-oauth2-proxy$/m);
      expect(h.argv()).not.toMatch(/^docker (start|restart|container inspect .*) traefik$/m);
      expectNoValueIn(r.stdout + r.stderr);

      h.setSecret(COOKIE, VALUES.cookie, V(4));
      const next = h.run();
      expect([next.status, next.stderr]).toEqual([0, ""]);
      // The two started before are running now: only the proxy is started.
      expect(h.starts()).toEqual(["n8n-main", "n8n-runners", "n8n-oauth2-proxy"]);
      expect(h.run().stdout).toBe("");
      expect(h.starts()).toHaveLength(3);
    });

    test("a container an operator stopped (no start error) stays down, as does a running one", () => {
      bootWithMissingSecrets();
      h.containerState("n8n-main", { running: false, error: "" });
      h.containerState("n8n-oauth2-proxy", { running: true, error: "" });
      h.setSecret(TOKEN, VALUES.token, V(3));
      h.setSecret(COOKIE, VALUES.cookie, V(4));
      const r = h.run();
      expect(r.status).toBe(0);
      expect(h.starts()).toEqual(["n8n-runners"]);
      expect(r.stdout).not.toContain("n8n-main");
    });

    test("while docker.service is not active nothing is inspected or started (docker would socket-activate dockerd)", () => {
      bootWithMissingSecrets();
      h.dockerRunning(false);
      h.setSecret(TOKEN, VALUES.token, V(3));
      h.setSecret(COOKIE, VALUES.cookie, V(4));
      const before = h.argv();
      expect(h.run().status).toBe(0);
      const thisRun = h.argv().slice(before.length);
      expect(thisRun).toContain("systemctl is-active --quiet docker.service");
      expect(thisRun).not.toMatch(/^docker /m);
      expect(h.starts()).toEqual([]);
      // Once dockerd runs, the next run starts them.
      h.dockerRunning(true);
      expect(h.run().status).toBe(0);
      expect(h.starts()).toEqual(["n8n-main", "n8n-runners", "n8n-oauth2-proxy"]);
    });

    test("a failing start fails the run and is tried again by the next; a container queued for a restart this run is not also started", () => {
      bootWithMissingSecrets();
      h.setSecret(TOKEN, VALUES.token, V(3));
      h.setSecret(COOKIE, VALUES.cookie, V(4));
      h.failRestartOf(["n8n-runners"]);
      const r = h.run();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("<3>starting n8n-runners failed; the next run tries again\n");
      expect(r.stderr).not.toMatch(/n8n-main|n8n-oauth2-proxy/);
      expect(h.starts()).toEqual(["n8n-main", "n8n-oauth2-proxy"]);

      // n8n-main fails again while its password rotates: the restart is tried (and fails), not a second start.
      h.failRestartOf(["n8n-main"]);
      h.containerState("n8n-main", { running: false, error: "OCI runtime create failed" });
      h.setSecret(DB, { username: "n8n", password: "rotated-password-value-2" }, V(11));
      const rotated = h.run();
      expect(rotated.status).toBe(1);
      expect(rotated.stderr).toContain("<3>restarting n8n-main failed; the next run tries again\n");
      expect(rotated.stderr).not.toMatch(/\bstart(ing)? (container )?n8n-main/);
      expect(h.restarts()).toEqual([]);
      expect(h.starts()).toEqual(["n8n-main", "n8n-oauth2-proxy", "n8n-runners"]);

      h.failRestartOf([]);
      expect(h.run().status).toBe(0);
      expect(h.restarts()).toEqual(["n8n-main"]);
      expect(h.starts()).toHaveLength(3);
    });
  });

  test("refuses to run without its settings, and refuses a file name that escapes the folder even if the list was edited by hand", () => {
    const r = h.run({ AWS_REGION: undefined });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("AWS_REGION");
    expect(h.run({ OWNER_UID: "0; rm -rf /" }).stderr).toContain("OWNER_UID and OWNER_GID must be numbers");
    const conf = h.env.SECRETS_CONF;
    writeFileSync(conf, `${KEY} ../escaped -\n${COOKIE} oauth2-proxy-cookie-secret -\n`);
    const edited = h.run();
    expect(edited.status).toBe(1);
    expect(edited.stderr).toContain(`${KEY}: refusing file name ../escaped`);
    expect(readdirSync(path.dirname(h.secretsDir))).not.toContain("escaped");
    expect(h.read("oauth2-proxy-cookie-secret")).toBe(VALUES.cookie);
  });
});

describe("the agent script's source", () => {
  test("parses as POSIX sh (dash and bash --posix) and passes shellcheck where it is installed", () => {
    for (const [shell, args] of [
      ["dash", ["-n"]],
      ["bash", ["--posix", "-n"]],
    ] as const) {
      const r = spawnSync(shell, [...args], { input: AGENT_SCRIPT, encoding: "utf8" });
      expect([shell, r.status, r.stderr]).toEqual([shell, 0, ""]);
    }
    const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
    if (hasShellcheck) {
      const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: AGENT_SCRIPT, encoding: "utf8" });
      expect(r.stdout).toBe("");
      expect(r.status).toBe(0);
    }
  });

  test("never traces, and never puts the response on a command line", () => {
    expect(AGENT_SCRIPT).not.toMatch(/^\s*set\s+-[a-z]*x/m);
    expect(AGENT_SCRIPT).not.toMatch(/\becho\b/);
    // The response only ever goes through printf (a builtin) into a pipe.
    const uses = AGENT_SCRIPT.split("\n").filter((l) => l.includes("$response"));
    expect(uses.length).toBeGreaterThan(0);
    for (const l of uses) expect(l.trim()).toMatch(/^(version=\$\(|if ! )?printf '%s' "\$response" \| jq /);
    expect(execFileSync("sh", ["-c", "command -v jq"]).length).toBeGreaterThan(0);
  });
});
