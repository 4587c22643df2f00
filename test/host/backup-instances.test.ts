import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipBase64, USER_DATA_LIMIT_BYTES } from "../../constructs/aws/docker-host";
import { TENANT_ID_PATTERN } from "../../constructs/app/tenants";
import {
  BACKUP_INSTANCE_PATTERN,
  BACKUP_PATHS,
  BACKUP_SERVICE,
  BACKUP_TIMER,
  backupFiles,
  backupPaths,
  BackupProps,
  backupServiceName,
  backupSetFiles,
  backupTimerName,
  backupTimerNames,
} from "../../constructs/host/backup";
import { BACKUP_SCRIPT } from "../../constructs/host/backup-script";
import { secretValueProblem } from "../../constructs/common/secret-patterns";
import { hostBackups, HostUserDataProps, secretsAgentInstallScript } from "../../constructs/host/secrets-agent";
import { hostUserData } from "../../constructs/host/user-data";
import { agentSecrets } from "../../stacks/prod-cloud-stack";
import { problemFields, problemLines } from "../helpers/validation";
import { BackupHarness } from "./backup-harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { safeLoad(s: string): unknown };

/*
 * Several backups on one host (issue 16: one per tenant database), each with its own `instance`:
 * its own units, settings and folders, one shared script.
 */

const SHARED: BackupProps = { bucket: "example-n8n-prod-backups", region: "eu-central-1", postgresContainer: "n8n-postgres", database: "n8n" };
/** A tenant's backup as prod derives it: `<name>-<id>-postgres`, `<db>_<id>`, `backups/<id>/`. */
const tenant = (id: string): BackupProps => ({ ...SHARED, instance: id, prefix: `backups/${id}/`, postgresContainer: `n8n-${id}-postgres`, database: `n8n_${id}`, metricNamespace: "N8nZeroTrust/n8n-prod" });
const ACME = tenant("acme");
const BETA = tenant("beta");

const HOST: HostUserDataProps = {
  region: "eu-central-1",
  secretsDir: "/run/n8n-secrets",
  owner: { uid: 10001, gid: 10001 },
  acmeStorageDir: "/var/lib/n8n-zero-trust/acme",
  sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0mV9c3n6Jm0cP1pP6aG8b3y7H5k3d0Qm1m2n3o4p5 ops@example.com"],
  secrets: agentSecrets("n8n-prod", "n8n"),
};
/** Every secret of each tenant, in its own folder, as prod-cloud lists them for a multi-tenant host. */
const tenantSecrets = (ids: string[]) => ids.flatMap((id) => agentSecrets(`n8n-prod/${id}`, `n8n-${id}`).map((s) => ({ ...s, files: s.files.map((f) => ({ ...f, name: `tenants/${id}/${f.name}` })) })));
const runcmd = (text: string) => ((yaml.safeLoad(text) as any).runcmd as (string | string[])[]).map((c) => (typeof c === "string" ? c : c.join(" ")));
const content = (files: { path: string; content: string }[], p: string) => files.find((f) => f.path === p)!.content;

describe("backup instances: names and paths", () => {
  test("without an instance every name and path is today's; with one each is the instance's own", () => {
    expect([backupServiceName(), backupTimerName(), backupPaths()]).toEqual([BACKUP_SERVICE, BACKUP_TIMER, BACKUP_PATHS]);
    expect([backupServiceName("acme"), backupTimerName("acme")]).toEqual(["n8n-backup-acme.service", "n8n-backup-acme.timer"]);
    expect(backupPaths("acme")).toEqual({
      script: "/usr/local/sbin/n8n-backup",
      env: "/etc/n8n-backup/acme.env",
      service: "/etc/systemd/system/n8n-backup-acme.service",
      timer: "/etc/systemd/system/n8n-backup-acme.timer",
      dir: "/var/lib/n8n-backup/acme",
      dockerConfig: "/run/n8n-backup-acme/docker-cli",
    });
    // An instance is a tenant id.
    expect(BACKUP_INSTANCE_PATTERN.source).toBe(TENANT_ID_PATTERN.source);
  });

  test("an unset instance is the backup of today, byte for byte", () => {
    expect(backupFiles({ ...SHARED, instance: undefined })).toEqual(backupFiles(SHARED));
    expect(backupSetFiles([SHARED])).toEqual(backupFiles(SHARED));
  });

  test("two instances: distinct units, settings, temp and Docker folders; the script once", () => {
    const files = backupSetFiles([ACME, BETA]);
    expect(files.map((f) => [f.path, f.permissions, f.owner])).toEqual([
      ["/usr/local/sbin/n8n-backup", "0755", "root:root"],
      ["/etc/n8n-backup/acme.env", "0644", "root:root"],
      ["/etc/systemd/system/n8n-backup-acme.service", "0644", "root:root"],
      ["/etc/systemd/system/n8n-backup-acme.timer", "0644", "root:root"],
      ["/etc/n8n-backup/beta.env", "0644", "root:root"],
      ["/etc/systemd/system/n8n-backup-beta.service", "0644", "root:root"],
      ["/etc/systemd/system/n8n-backup-beta.timer", "0644", "root:root"],
    ]);
    expect(content(files, BACKUP_PATHS.script)).toBe(BACKUP_SCRIPT);
    for (const f of files) expect([f.path, secretValueProblem(f.content)]).toEqual([f.path, undefined]);
    for (const id of ["acme", "beta"]) {
      const env = content(files, `/etc/n8n-backup/${id}.env`);
      for (const line of [`BACKUP_CONTAINER=n8n-${id}-postgres`, `BACKUP_DATABASE=n8n_${id}`, `BACKUP_PREFIX=backups/${id}/`, `BACKUP_DIR=/var/lib/n8n-backup/${id}`, `DOCKER_CONFIG=/run/n8n-backup-${id}/docker-cli`]) {
        expect([id, env.split("\n")]).toEqual([id, expect.arrayContaining([line])]);
      }
      const service = content(files, `/etc/systemd/system/n8n-backup-${id}.service`);
      expect(service).toMatch(new RegExp(`^EnvironmentFile=/etc/n8n-backup/${id}\\.env$`, "m"));
      expect(service).toMatch(/^ExecStart=\/usr\/local\/sbin\/n8n-backup$/m);
      expect(service).toMatch(new RegExp(`^StateDirectory=n8n-backup/${id}$`, "m"));
      expect(service).toMatch(/^StateDirectoryMode=0700$/m);
      // Not below /run/n8n-backup: systemd removes a RuntimeDirectory when its service stops.
      expect(service).toMatch(new RegExp(`^RuntimeDirectory=n8n-backup-${id}$`, "m"));
      expect(service).toMatch(/^ProtectSystem=strict$/m);
      expect(service).not.toContain("[Install]");
      const timer = content(files, `/etc/systemd/system/n8n-backup-${id}.timer`);
      expect(timer).toMatch(/^OnCalendar=\*-\*-\* 02:30:00 UTC$/m);
      expect(timer).toMatch(/^WantedBy=timers\.target$/m);
      expect(timer).toContain(`Description=Scheduled n8n Postgres backup of ${id} to S3\n`);
    }
    // Without an instance, next to the tenants: its own files, none of theirs.
    const mixed = backupSetFiles([SHARED, ACME]);
    expect(mixed.map((f) => f.path)).toEqual([BACKUP_PATHS.script, BACKUP_PATHS.env, BACKUP_PATHS.service, BACKUP_PATHS.timer, "/etc/n8n-backup/acme.env", "/etc/systemd/system/n8n-backup-acme.service", "/etc/systemd/system/n8n-backup-acme.timer"]);
    expect(mixed.slice(0, 4)).toEqual(backupFiles(SHARED));
    expect(backupTimerNames([SHARED, ACME, BETA])).toEqual(["n8n-backup.timer", "n8n-backup-acme.timer", "n8n-backup-beta.timer"]);
  });

  test("systemd accepts an instance's units where systemd-analyze is installed", () => {
    if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status !== 0) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), "zt-backup-instance-units-"));
    try {
      const units = backupFiles(ACME).filter((x) => /\.(service|timer)$/.test(x.path));
      for (const f of units) writeFileSync(path.join(dir, path.basename(f.path)), f.content.replace(`ExecStart=${BACKUP_PATHS.script}`, "ExecStart=/bin/true"));
      const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...units.map((f) => path.join(dir, path.basename(f.path)))], { encoding: "utf8" });
      const ours = r.stderr.split("\n").filter((l) => l.includes("n8n-backup") && !/docker\.service|n8n-secrets-agent\.service|Failed to prepare filename|not found|EnvironmentFile/.test(l));
      expect(ours).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("backup instances: validation", () => {
  test("an instance is a tenant id, and not \"backup\"; the message names the field and the rule", () => {
    const fields = (instance: string) => problemFields(() => backupFiles({ ...ACME, instance }));
    for (const ok of ["acme", "a", "t1", "a".repeat(16), "prod2"]) expect([ok, fields(ok)]).toEqual([ok, []]);
    for (const bad of ["", "Acme", "1acme", "a-b", "a_b", "a.b", "a".repeat(17), "acme/x", "../x", "a b", "a\n", "$(id)", "backup"]) expect([bad, fields(bad)]).toEqual([bad, ["instance"]]);
    const [line] = problemLines(() => backupFiles({ ...ACME, instance: "Acme" }));
    expect(line).toBe(
      'instance: must be a tenant id: a lower-case letter, then up to 15 lower-case letters or digits (^[a-z][a-z0-9]{0,15}$), not "backup" (the settings file of the backup without an instance), e.g. "acme"; got "Acme"',
    );
    expect(() => backupFiles({ ...ACME, instance: "Acme" })).toThrow(/^Invalid props for the host backup:\n {2}- instance: must be a tenant id/);
    expect(problemFields(() => backupFiles({ ...ACME, instance: 7 as unknown as string }))).toEqual(["instance"]);
  });

  test("between backups: at most one without an instance, no instance twice, no shared key prefix or metric", () => {
    expect(problemFields(() => backupSetFiles([SHARED, ACME, BETA]))).toEqual([]);
    expect(problemLines(() => backupSetFiles([ACME, { ...SHARED, postgresContainer: "other" }, { ...SHARED, database: "other" }]))).toEqual([
      "[2].instance: must be set: [1] has no instance either, and only one backup per host may go without one (n8n-backup.service); name each tenant's backup by its id",
    ]);
    expect(problemLines(() => backupSetFiles([ACME, { ...BETA, instance: "acme" }]))).toEqual(['[1].instance: "acme" is also the instance of [0]; each instance has its own units and settings']);
    expect(problemFields(() => backupSetFiles([ACME, { ...BETA, prefix: ACME.prefix, database: ACME.database }]))).toEqual(["[1].prefix", "[1].database"]);
    expect(problemLines(() => backupSetFiles([ACME, { ...BETA, database: ACME.database }]))).toEqual([
      "[1].database: [0] also reports BackupSucceeded for Database=n8n_acme in namespace N8nZeroTrust/n8n-prod; the missing-backup alarm could not tell the two apart",
    ]);
    // Another namespace and another prefix: two backups of databases with the same name are fine.
    expect(problemFields(() => backupSetFiles([ACME, { ...BETA, database: ACME.database, metricNamespace: "Other" }]))).toEqual([]);
    expect(problemFields(() => backupSetFiles([ACME, { ...BETA, bucket: "x", instance: "Nope" }]))).toEqual(["[1].bucket", "[1].instance"]);
  });

  test("host props: `backup` and `backups` together, problems named under backup.* and backups[i].*", () => {
    expect(problemFields(() => hostUserData({ ...HOST, backup: SHARED, backups: [ACME, BETA] }))).toEqual([]);
    expect(problemLines(() => hostUserData({ ...HOST, backup: SHARED, backups: [{ ...ACME, instance: undefined }] }))).toEqual([
      "backups[0].instance: must be set: backup has no instance either, and only one backup per host may go without one (n8n-backup.service); name each tenant's backup by its id",
    ]);
    expect(problemFields(() => hostUserData({ ...HOST, backups: [ACME, { ...BETA, instance: "acme" }] }))).toEqual(["backups[1].instance"]);
    expect(problemFields(() => hostUserData({ ...HOST, backup: ACME, backups: [{ ...BETA, instance: "acme" }] }))).toEqual(["backups[0].instance"]);
    expect(problemFields(() => hostUserData({ ...HOST, backups: [ACME, { ...BETA, instance: "Beta", database: "N8N" }] }))).toEqual(["backups[1].database", "backups[1].instance"]);
    expect(problemFields(() => secretsAgentInstallScript({ ...HOST, backups: [{ ...ACME, instance: "backup" }] }))).toEqual(["backups[0].instance"]);
    expect(hostBackups({ backup: SHARED, backups: [ACME] })).toEqual([SHARED, ACME]);
    expect(hostBackups({})).toEqual([]);
  });
});

describe("backup instances in the host user data and the install script", () => {
  test("with `backups`: every file once (the script once), both timers enabled and started with the agent's", () => {
    const text = hostUserData({ ...HOST, backups: [ACME, BETA] });
    const doc = yaml.safeLoad(text) as any;
    const paths = doc.write_files.map((w: any) => w.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.filter((p: string) => p === BACKUP_PATHS.script)).toHaveLength(1);
    for (const f of backupSetFiles([ACME, BETA])) expect(doc.write_files.find((w: any) => w.path === f.path)).toEqual({ path: f.path, permissions: f.permissions, owner: "root:root", content: f.content });
    expect(paths).not.toContain(BACKUP_PATHS.env);
    const cmds = runcmd(text);
    expect(cmds).toContain("systemctl enable n8n-secrets-agent.service n8n-secrets-agent.timer docker.service n8n-backup-acme.timer n8n-backup-beta.timer");
    expect(cmds[cmds.length - 1]).toBe("systemctl start docker.service n8n-secrets-agent.timer n8n-backup-acme.timer n8n-backup-beta.timer");
    expect(secretValueProblem(text)).toBeUndefined();

    const mixed = runcmd(hostUserData({ ...HOST, backup: SHARED, backups: [ACME] }));
    expect(mixed[mixed.length - 1]).toBe("systemctl start docker.service n8n-secrets-agent.timer n8n-backup.timer n8n-backup-acme.timer");
    // `backup` alone, and an empty `backups`, are exactly today's document.
    expect(hostUserData({ ...HOST, backup: SHARED, backups: [] })).toBe(hostUserData({ ...HOST, backup: SHARED }));
    expect(hostUserData({ ...HOST, backups: [SHARED] })).toBe(hostUserData({ ...HOST, backup: SHARED }));
  });

  test("fits EC2's 16 KiB user-data limit with three tenants (each with every secret in its folder and its backup)", () => {
    const ids = ["acme", "beta", "gamma"];
    const sizes = [1, 2, 3].map((n) => gzipBase64(hostUserData({ ...HOST, secrets: tenantSecrets(ids.slice(0, n)), backups: ids.slice(0, n).map(tenant) })).length);
    // Measured: about 11.4, 11.7 and 12.0 KB; each further tenant adds about 0.3 KB (0.17 of it its backup).
    expect(sizes[2]).toBeLessThan(USER_DATA_LIMIT_BYTES * 0.8);
    expect(sizes[2] - sizes[1]).toBeLessThan(600);
  });

  test.each(["sh", "bash"])("under %s the install script writes every backup's files once and (on a host) enables and restarts every timer", (shell) => {
    const root = mkdtempSync(path.join(os.tmpdir(), "backup-instances-install-"));
    try {
      const script = secretsAgentInstallScript({ ...HOST, backup: SHARED, backups: [ACME, BETA] });
      const r = spawnSync(shell, ["-c", script], { env: { ...process.env, ROOT: root }, encoding: "utf8" });
      expect([r.status, r.stderr]).toEqual([0, ""]);
      for (const f of backupSetFiles([SHARED, ACME, BETA])) {
        const written = path.join(root, f.path);
        expect([f.path, readFileSync(written, "utf8")]).toEqual([f.path, f.content]);
        expect([f.path, (statSync(written).mode & 0o777).toString(8).padStart(4, "0")]).toEqual([f.path, f.permissions]);
      }
      expect(script.split(`install_file '${BACKUP_PATHS.script}'`)).toHaveLength(2);
      expect(script).toContain("  systemctl enable n8n-backup.timer n8n-backup-acme.timer n8n-backup-beta.timer\n  systemctl restart n8n-backup.timer n8n-backup-acme.timer n8n-backup-beta.timer\nfi\n");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe.each(["sh", "bash"])("backup instances run for real under %s", (shell) => {
  const DUMP = Buffer.concat([Buffer.from("PGDMP"), Buffer.from([1, 16, 0, 4, 8, 0, 10, 255]), Buffer.from("tenant dump body\n".repeat(20))]);
  let h: BackupHarness;
  beforeEach(() => {
    h = new BackupHarness(ACME, shell);
    h.containerSecret("su-pw-stand-in");
    h.dumpBytes(DUMP);
  });
  afterEach(() => h.cleanup());

  test("one instance: its container, database, prefix, temp folder and metric, from its own settings file", () => {
    expect(h.env.BACKUP_DIR).toBe(path.join(h.root, "var/lib/n8n-backup/acme"));
    const r = h.run();
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const keys = [...h.objects().keys()];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^example-n8n-prod-backups\/backups\/acme\/n8n_acme-\d{8}T\d{6}Z\.dump$/);
    expect(h.objects().get(keys[0])!.equals(DUMP)).toBe(true);
    expect(h.dockerExecArgv()!.slice(0, 2)).toEqual(["exec", "n8n-acme-postgres"]);
    expect(h.dockerExecArgv()!.slice(-1)).toEqual(["n8n_acme"]);
    expect(h.metrics().map((m) => [m.options["--namespace"], m.options["--dimensions"]])).toEqual([["N8nZeroTrust/n8n-prod", "Database=n8n_acme"]]);
    expect(h.uploadSource()).toBe(`600 ${DUMP.length}\n700\n`);
    expect(h.leftovers()).toEqual([]);
    expect((statSync(h.backupDir).mode & 0o777).toString(8)).toBe("700");
  });

  test("runs of different backups overlap safely: another's run (with or without an instance) leaves a running one's temp dump alone", async () => {
    const beta = h.addBackup(BETA);
    const shared = h.addBackup(SHARED);
    expect([beta.BACKUP_DIR, shared.BACKUP_DIR]).toEqual([path.join(h.root, "var/lib/n8n-backup/beta"), path.join(h.root, "var/lib/n8n-backup")]);
    expect(readFileSync(h.script, "utf8")).toBe(BACKUP_SCRIPT);
    // acme's dump takes a while: start it and wait until its temp file exists.
    h.pgDumpOf("n8n_acme", "slow");
    const acme = h.start(h.env);
    const tempOf = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(".n8n-backup.")) : []);
    for (let waited = 0; tempOf(h.backupDir).length === 0; waited += 20) {
      if (waited > 5000) throw new Error("acme's run never created its temp file");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const acmeTemp = tempOf(h.backupDir);
    // Meanwhile beta's run and the one without an instance: each cleans only its own folder.
    for (const env of [beta, shared]) {
      const r = h.run(env);
      expect([env.BACKUP_DATABASE, r.status, r.stderr]).toEqual([env.BACKUP_DATABASE, 0, ""]);
      expect(r.stdout).not.toContain("left by an interrupted run");
    }
    expect(tempOf(h.backupDir)).toEqual(acmeTemp);
    const done = await acme;
    expect([done.status, done.stderr]).toEqual([0, ""]);
    const keys = [...h.objects().keys()].map((k) => k.replace(/-\d{8}T\d{6}Z\.dump$/, "")).sort();
    expect(keys).toEqual(["example-n8n-prod-backups/backups/acme/n8n_acme", "example-n8n-prod-backups/backups/beta/n8n_beta", "example-n8n-prod-backups/backups/n8n"]);
    expect(h.metrics().map((m) => m.options["--dimensions"]).sort()).toEqual(["Database=n8n", "Database=n8n_acme", "Database=n8n_beta"]);
    expect([h.leftovers(), h.leftovers(beta.BACKUP_DIR), h.leftovers(shared.BACKUP_DIR)!.sort()]).toEqual([[], [], ["acme", "beta"]]);
  });
});
