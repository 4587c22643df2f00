import { spawnSync } from "node:child_process";
import { gzipBase64, USER_DATA_LIMIT_BYTES } from "../../constructs/aws/docker-host";
import { SECRET_FILES } from "../../constructs/common/secret-files";
import { secretValueProblem } from "../../constructs/common/secret-patterns";
import { AGENT_PATHS, AgentSecret, HostUserDataProps, secretsAgentFiles } from "../../constructs/host/secrets-agent";
import { DOCKER_DAEMON_CONFIG, hostUserData } from "../../constructs/host/user-data";
import { toYaml, YamlValue } from "../../constructs/host/yaml";
import { agentSecrets } from "../../stacks/prod-cloud-stack";
import { RUNTIME_SECRETS } from "../../constructs/common/secret-catalog";
import { problemFields, problemLines } from "../helpers/validation";

// js-yaml is in node_modules (through the toolchain); YAML 1.2 like cloud-init's PyYAML for these documents.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { safeLoad(s: string): unknown };

/** A hand-written list of every kind of entry (whole value, JSON keys, restarts, none). */
const RUNTIME: AgentSecret[] = [
  { secretId: `n8n-prod/${SECRET_FILES.n8nEncryptionKey}`, files: [{ name: SECRET_FILES.n8nEncryptionKey }], restart: ["n8n-main"] },
  { secretId: `n8n-prod/${SECRET_FILES.n8nDbPassword}`, files: [{ name: SECRET_FILES.n8nDbPassword, jsonKey: "password" }, { name: SECRET_FILES.n8nDbUser, jsonKey: "username" }], restart: ["n8n-main"] },
  { secretId: `n8n-prod/${SECRET_FILES.n8nRunnersAuthToken}`, files: [{ name: SECRET_FILES.n8nRunnersAuthToken }], restart: ["n8n-main", "n8n-runners"] },
  ...[SECRET_FILES.postgresSuperuserPassword, SECRET_FILES.postgresReportingPassword, SECRET_FILES.postgresAgentPassword].map((f) => ({ secretId: `n8n-prod/${f}`, files: [{ name: f }], restart: [] })),
  { secretId: `n8n-prod/${SECRET_FILES.postgresRotatorPassword}`, files: [{ name: SECRET_FILES.postgresRotatorPassword, jsonKey: "password" }], restart: [] },
  { secretId: `n8n-prod/${SECRET_FILES.oauth2ProxyCookieSecret}`, files: [{ name: SECRET_FILES.oauth2ProxyCookieSecret }], restart: ["n8n-oauth2-proxy"] },
  { secretId: `n8n-prod/${SECRET_FILES.oauth2ProxyClientSecret}`, files: [{ name: SECRET_FILES.oauth2ProxyClientSecret }], restart: ["n8n-oauth2-proxy"] },
];

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0mV9c3n6Jm0cP1pP6aG8b3y7H5k3d0Qm1m2n3o4p5 ops@example.com";

const PROPS: HostUserDataProps = {
  region: "eu-central-1",
  secretsDir: "/run/n8n-secrets",
  owner: { uid: 10001, gid: 10001 },
  secrets: RUNTIME,
  acmeStorageDir: "/var/lib/n8n-zero-trust/acme",
  sshAuthorizedKeys: [KEY],
};

const text = hostUserData(PROPS);
const doc = yaml.safeLoad(text) as any;
const file = (p: string) => doc.write_files.find((f: any) => f.path === p);

describe("host user data (cloud-init, Amazon Linux 2023)", () => {
  test("is a #cloud-config YAML document whose files are exactly the agent's files, byte for byte", () => {
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    for (const f of secretsAgentFiles(PROPS)) expect(file(f.path)).toEqual({ path: f.path, permissions: f.permissions, owner: "root:root", content: f.content });
    for (const f of doc.write_files) expect(f.permissions).toMatch(/^0[0-7]{3}$/);
  });

  test("parses the same with PyYAML (cloud-init's parser) where python3-yaml is installed", () => {
    const py = spawnSync("python3", ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], { input: text, encoding: "utf8" });
    if (py.status === 0) expect(JSON.parse(py.stdout)).toEqual(doc);
    else expect(py.stderr).toMatch(/No module named|not found|ENOENT/);
  });

  test("fits EC2's 16 KiB user-data limit (gzip + base64, as the instance gets it) with every secret prod-cloud creates, with room to grow", () => {
    const prodText = hostUserData({ ...PROPS, secrets: agentSecrets("n8n-prod", "n8n") });
    expect(prodText.split("\n").filter((l) => l.startsWith("      n8n-prod/")).length).toBe(RUNTIME_SECRETS.length);
    expect(gzipBase64(prodText).length).toBeLessThan(USER_DATA_LIMIT_BYTES * 0.75);
  });

  test("contains no secret: no key material, no credential-looking value; names only", () => {
    expect(secretValueProblem(text)).toBeUndefined();
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN /);
    expect(file(AGENT_PATHS.secretsList).content).toContain("n8n-prod/n8n-db-password n8n-db-password=password,n8n-db-user=username n8n-main\n");
  });

  test("the deploy user: docker group, keys only, no password, no sudo; no default ec2-user; no root or password SSH", () => {
    expect(doc.users).toEqual([{ name: "n8n", gecos: expect.any(String), groups: ["docker"], shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: [KEY] }]);
    expect(doc.disable_root).toBe(true);
    expect(doc.ssh_pwauth).toBe(false);
    const sshd = file("/etc/ssh/sshd_config.d/10-n8n-zero-trust.conf").content;
    expect(sshd).toMatch(/^AllowUsers n8n$/m);
    expect(sshd).toMatch(/^PermitRootLogin no$/m);
    expect(sshd).toMatch(/^PasswordAuthentication no$/m);
    expect(hostUserData({ ...PROPS, sshAuthorizedKeys: undefined, deployUser: "deploy" })).not.toContain("ssh_authorized_keys");
  });

  test("dockerd hardening that the stack tolerates; the ACME folder persists and belongs to the containers' uid", () => {
    expect(JSON.parse(file("/etc/docker/daemon.json").content)).toEqual(DOCKER_DAEMON_CONFIG);
    expect(DOCKER_DAEMON_CONFIG).not.toHaveProperty("userns-remap");
    expect(file("/etc/tmpfiles.d/n8n-zero-trust-host.conf").content).toContain("d /var/lib/n8n-zero-trust/acme 0700 10001 10001 -\n");
    expect(file(AGENT_PATHS.tmpfiles).content).toContain("d /run/n8n-secrets 0700 root root -\n");
  });

  test("runcmd: Session Manager first, then the tools (retried), then the secrets before dockerd starts, then the timer", () => {
    const cmds = (doc.runcmd as (string | string[])[]).map((c) => (typeof c === "string" ? c : c.join(" ")));
    const at = (s: string) => cmds.findIndex((c) => c.includes(s));
    expect(cmds.slice(0, 2)).toEqual(["systemctl enable --now amazon-ssm-agent", "systemctl try-reload-or-restart sshd.service"]);
    // A string entry (a line of cloud-init's runcmd script), so its exit ends the script.
    expect(typeof doc.runcmd[2]).toBe("string");
    expect(cmds[2]).toContain("until dnf install -y docker jq awscli-2; do");
    expect(at("systemd-tmpfiles --create")).toBeGreaterThan(2);
    expect(at("systemctl enable n8n-secrets-agent.service n8n-secrets-agent.timer docker.service")).toBeGreaterThan(at("daemon-reload"));
    expect(at("systemctl start n8n-secrets-agent.service")).toBeLessThan(at("systemctl start docker.service"));
    expect(cmds[cmds.length - 1]).toBe("systemctl start docker.service n8n-secrets-agent.timer");
  });

  describe.each(["sh", "bash"])("the runcmd script cloud-init builds, run under %s with fake dnf, sleep and systemctl", (shell) => {
    /** cloud-init's util.shellify: a list entry is single-quoted word by word, a string is a line as it is. */
    const shellify = (cmds: (string | string[])[]) =>
      `#!/bin/sh\n${cmds.map((c) => (typeof c === "string" ? c : c.map((w) => `'${String(w).replace(/'/g, "'\\''")}'`).join(" "))).join("\n")}\n`;
    const fake = (log: string) => `#!/bin/sh\nprintf '%s\\n' "$(basename "$0") $*" >>"${log}"\n`;

    /** Runs the runcmd script with a dnf that fails `failures` times before it succeeds. */
    function runWithDnfFailing(failures: number) {
      const { mkdtempSync, writeFileSync, readFileSync, chmodSync, rmSync } = require("node:fs") as typeof import("node:fs");
      const dir = mkdtempSync(`${require("node:os").tmpdir()}/zt-runcmd-`);
      try {
        const log = `${dir}/calls.log`;
        const bin = `${dir}/bin`;
        require("node:fs").mkdirSync(bin);
        const fakes: Record<string, string> = {
          dnf: `${fake(log)}n=$(cat "${dir}/dnf-count" 2>/dev/null || echo 0); echo $((n + 1)) >"${dir}/dnf-count"\n[ "$n" -ge ${failures} ] || { echo "Curl error (6): Could not resolve host" >&2; exit 1; }\n`,
          sleep: fake(log),
          systemctl: fake(log),
          "systemd-tmpfiles": fake(log),
        };
        for (const [name, content] of Object.entries(fakes)) {
          writeFileSync(`${bin}/${name}`, content);
          chmodSync(`${bin}/${name}`, 0o755);
        }
        writeFileSync(`${dir}/runcmd`, shellify(doc.runcmd));
        const r = spawnSync(shell, [`${dir}/runcmd`], { env: { PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
        return { status: r.status, stderr: r.stderr, calls: readFileSync(log, "utf8").split("\n").filter(Boolean) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const DNF = "dnf install -y docker jq awscli-2";
    const AFTER_INSTALL = [
      "systemd-tmpfiles --create /etc/tmpfiles.d/n8n-secrets-agent.conf /etc/tmpfiles.d/n8n-zero-trust-host.conf",
      "systemctl daemon-reload",
      "systemctl enable n8n-secrets-agent.service n8n-secrets-agent.timer docker.service",
      "systemctl start n8n-secrets-agent.service",
      "systemctl start docker.service n8n-secrets-agent.timer",
    ];
    const BEFORE_INSTALL = ["systemctl enable --now amazon-ssm-agent", "systemctl try-reload-or-restart sshd.service"];

    test("no internet for the first attempts: dnf is retried every 15 s, then the agent runs before dockerd starts", () => {
      const r = runWithDnfFailing(3);
      expect(r.status).toBe(0);
      expect(r.calls).toEqual([...BEFORE_INSTALL, DNF, "sleep 15", DNF, "sleep 15", DNF, "sleep 15", DNF, ...AFTER_INSTALL]);
      expect(r.stderr).toContain("n8n-zero-trust: dnf install failed (attempt 3 of 20; no internet yet?), retrying in 15 s");
    });

    test("still no repositories after 20 attempts: says so, fails the runcmd script, and enables and starts nothing that needs the packages", () => {
      const r = runWithDnfFailing(1000);
      expect(r.status).toBe(1);
      expect(r.calls.filter((c) => c === DNF)).toHaveLength(20);
      expect(r.calls.filter((c) => c === "sleep 15")).toHaveLength(19);
      expect(r.calls.slice(0, 2)).toEqual(BEFORE_INSTALL);
      expect(r.calls[r.calls.length - 1]).toBe(DNF);
      expect(r.stderr).toContain("n8n-zero-trust: dnf install docker jq awscli-2 failed 20 times; the secrets agent and Docker are NOT set up");
    });
  });

  test("the service runs before docker.service, is pulled in by it, and the timer fires every intervalMinutes", () => {
    const files = secretsAgentFiles({ ...PROPS, intervalMinutes: 7 });
    const service = files.find((f) => f.path === AGENT_PATHS.service)!.content;
    const timer = files.find((f) => f.path === AGENT_PATHS.timer)!.content;
    expect(service).toMatch(/^Before=docker\.service$/m);
    expect(service).toMatch(/^After=network-online\.target/m);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).not.toMatch(/RemainAfterExit/); // the timer must be able to start it again
    expect(service).toMatch(/^WantedBy=multi-user\.target docker\.service$/m);
    expect(timer).toMatch(/^OnUnitActiveSec=7min$/m);
    expect(timer).toMatch(/^OnBootSec=7min$/m);
    const env = files.find((f) => f.path === AGENT_PATHS.env)!.content;
    expect(env).toMatch(/^AWS_REGION=eu-central-1$/m);
    expect(env).toMatch(/^OWNER_UID=10001$/m);
    expect(env).toMatch(/^SECRETS_DIR=\/run\/n8n-secrets$/m);
  });

  test("systemd accepts the unit files where systemd-analyze is installed", () => {
    if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status !== 0) {
      expect(secretsAgentFiles(PROPS).filter((f) => f.path.endsWith(".service") || f.path.endsWith(".timer"))).toHaveLength(2);
      return;
    }
    const { mkdtempSync, writeFileSync } = require("node:fs") as typeof import("node:fs");
    const dir = mkdtempSync(`${require("node:os").tmpdir()}/zt-units-`);
    for (const f of secretsAgentFiles(PROPS).filter((x) => /\.(service|timer)$/.test(x.path))) writeFileSync(`${dir}/${f.path.split("/").pop()}`, f.content.replace(`ExecStart=${AGENT_PATHS.script}`, "ExecStart=/bin/true"));
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", `${dir}/n8n-secrets-agent.service`, `${dir}/n8n-secrets-agent.timer`], { encoding: "utf8" });
    // Only complaints about our own files count (the build machine's other units are not ours).
    const ours = r.stderr.split("\n").filter((l) => l.includes("n8n-secrets-agent") && !/docker\.service|Failed to prepare filename|not found/.test(l));
    expect(ours).toEqual([]);
  });
});

describe("validation", () => {
  test("names every bad field with the allowed values", () => {
    const lines = problemLines(() =>
      hostUserData({
        region: "Frankfurt",
        secretsDir: "/var/lib/secrets",
        owner: { uid: 0, gid: 1.5 },
        intervalMinutes: 0,
        secrets: [
          { secretId: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:x", files: [{ name: "../etc/passwd" }], restart: ["n8n main"] },
          { secretId: "n8n-prod/db", files: [{ name: "db", jsonKey: "pass word" }, { name: ".hidden" }], restart: [] },
          { secretId: "n8n-prod/db", files: [{ name: "db" }], restart: [] },
          { secretId: "n8n-prod/none", files: [], restart: [] },
        ],
        deployUser: "root",
        sshAuthorizedKeys: ["-----BEGIN OPENSSH PRIVATE KEY-----", "ssh-rsa AAAAB3NzaC1yc2E= x"],
        acmeStorageDir: "/run/acme",
      }),
    );
    expect(lines.map((l) => l.split(":")[0])).toEqual([
      "region",
      "secretsDir",
      "owner.uid",
      "owner.gid",
      "intervalMinutes",
      "secrets[0].secretId",
      "secrets[0].files[0].name",
      "secrets[0].restart[0]",
      "secrets[1].files[0].jsonKey",
      "secrets[1].files[1].name",
      "secrets[2].secretId",
      "secrets[2].files[0].name",
      "secrets[3].files",
      "deployUser",
      "sshAuthorizedKeys[0]",
      "sshAuthorizedKeys[1]",
      "acmeStorageDir",
    ]);
    expect(lines).toContain('region: must be an AWS region code such as "eu-central-1"; got "Frankfurt"');
    expect(lines.find((l) => l.startsWith("secretsDir"))).toMatch(/must be a folder under \/run \(tmpfs/);
    expect(lines.find((l) => l.startsWith("secrets[0].files[0].name"))).toMatch(/no "\.\."/);
    expect(lines.find((l) => l.startsWith("secrets[2].secretId"))).toMatch(/listed twice/);
    expect(lines.find((l) => l.startsWith("secrets[2].files[0].name"))).toMatch(/also written by n8n-prod\/db/);
    expect(lines.find((l) => l.startsWith("acmeStorageDir"))).toMatch(/persist across reboots/);
  });

  test("secretsDir must be on tmpfs and not in a system folder of /run", () => {
    const fields = (secretsDir: string) => problemFields(() => secretsAgentFiles({ ...PROPS, secretsDir }));
    expect(fields("/run/n8n-secrets")).toEqual([]);
    expect(fields("/run/tenant-a/secrets")).toEqual([]);
    for (const bad of ["/run", "/run/", "/var/run/n8n", "/run/docker/x", "/run/n8n-secrets-agent", "/run/../etc", "/run/a b", "run/n8n", "/run/.x"]) expect([bad, fields(bad)]).toEqual([bad, ["secretsDir"]]);
  });

  test("file names: up to three optional folders, no dot segments, no absolute path; container names as Docker allows", () => {
    const fields = (name: string) => problemFields(() => secretsAgentFiles({ ...PROPS, secrets: [{ secretId: "a/b", files: [{ name }], restart: ["n8n-main"] }] }));
    for (const ok of ["n8n-db-password", "tls/key.pem", "dex-config.yaml", "a/b/c", "tenants/acme/n8n-db-password", "tenants/acme/tls/key.pem", "a_1/b-2/c.3/d"]) expect([ok, fields(ok)]).toEqual([ok, []]);
    for (const bad of ["", "/abs", "a/b/c/d/e", "tenants/acme/tls/x/key.pem", "tls/../x", "../x", "tenants/.x", "tenants/acme/.tls/key.pem", "tenants/../acme/x", "tenants//x", "tenants/acme/", "..", ".", "a b", "a;b", "a=b", "a,b", "tls/.k", "x$(id)"]) {
      expect([bad, fields(bad)]).toEqual([bad, ["secrets[0].files[0].name"]]);
    }
    expect(problemLines(() => secretsAgentFiles({ ...PROPS, secrets: [{ secretId: "a/b", files: [{ name: "tenants/.x" }], restart: [] }] }))).toEqual([
      'secrets[0].files[0].name: must be 1 to 128 of A-Z a-z 0-9 . _ - without a leading dot, optionally below up to 3 folders named the same way ("tls/key.pem", "tenants/acme/tls/key.pem"); no "..", no absolute path; got "tenants/.x"',
    ]);
  });

  test("a file name is not also the folder of another, at any level", () => {
    const lines = (names: string[]) => problemLines(() => secretsAgentFiles({ ...PROPS, secrets: [{ secretId: "a/b", files: names.map((name) => ({ name })), restart: [] }] }));
    expect(lines(["tls", "tls/key.pem"])).toEqual(['secrets: "tls" is both a file and the folder of "tls/key.pem"']);
    expect(lines(["tenants/acme", "tenants/acme/tls/key.pem"])).toEqual(['secrets: "tenants/acme" is both a file and the folder of "tenants/acme/tls/key.pem"']);
    expect(lines(["tenants/acme/tls", "tenants/acme/tls/key.pem"])).toEqual(['secrets: "tenants/acme/tls" is both a file and the folder of "tenants/acme/tls/key.pem"']);
    expect(lines(["tenants/acme/tls/key.pem", "tenants/acme/tls/cert.pem", "tenants/beta/tls/key.pem", "tls/key.pem"])).toEqual([]);
  });
});

describe("toYaml", () => {
  test("round-trips tricky strings, YAML 1.1 look-alikes and nesting", () => {
    const value: YamlValue = {
      plain: ["yes", "on", "0644", "1e3", "~", "null", "- x", "# y", "a: b", "", " lead", "trail ", "tab\there", "ünïcödé", "\u2028"],
      script: "#!/bin/sh\necho \"$x\" '${y}'\n\n  indented\n",
      noNewline: "a\nb",
      manyNewlines: "a\n\n\n",
      leadingSpace: "  x\ny\n",
      crlf: "a\r\nb\n",
      nested: [{ a: 1, b: [true, false], c: { d: "e" } }, [["x"]], [], {}],
      "weird key": 2,
    };
    expect(yaml.safeLoad(toYaml(value))).toEqual(value);
  });
});
