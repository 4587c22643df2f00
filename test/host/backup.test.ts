import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipBase64, USER_DATA_LIMIT_BYTES } from "../../constructs/aws/docker-host";
import {
  BACKUP_DEFAULT_METRIC_NAMESPACE,
  BACKUP_METRIC_DIMENSION,
  BACKUP_METRIC_NAME,
  BACKUP_METRIC_UNIT,
  BACKUP_PATHS,
  BACKUP_SERVICE,
  BACKUP_TIMER,
  backupFiles,
  BackupProps,
} from "../../constructs/host/backup";
import { BACKUP_SCRIPT, CONTAINER_DUMP_COMMAND } from "../../constructs/host/backup-script";
import { AGENT_PATHS, HostUserDataProps, secretsAgentInstallScript } from "../../constructs/host/secrets-agent";
import { hostUserData } from "../../constructs/host/user-data";
import { secretValueProblem } from "../../constructs/policy/secret-patterns";
import { agentSecrets } from "../../stacks/prod-cloud-stack";
import { problemFields, problemLines } from "../helpers/validation";
import { BackupHarness } from "./backup-harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { safeLoad(s: string): unknown };

/*
 * The backup script run for real (dash as `sh`, and bash, which is /bin/sh on Amazon Linux 2023),
 * with fake `systemctl`, `docker` and `aws` on PATH; the fake docker runs the container's command
 * under a real sh with a fake pg_dump. The password below is a stand-in with characters a shell
 * would mangle if it ever saw it unquoted.
 */

const BACKUP: BackupProps = { bucket: "example-n8n-prod-backups", region: "eu-central-1", postgresContainer: "n8n-postgres", database: "n8n" };
const PASSWORD = "su-pw-$(touch /tmp/pwned)'\"`;*?[x] \\n-end-9f8e7d6c5b4a";
/** A stand-in custom-format dump: the magic, then binary bytes (NUL, newline, high bytes). */
const DUMP = Buffer.concat([Buffer.from("PGDMP"), Buffer.from([1, 16, 0, 4, 8, 1, 1, 1, 0, 10, 255, 254, 0, 13, 10]), Buffer.from("n8n dump body\n".repeat(50))]);
const KEY_SHAPE = /^example-n8n-prod-backups\/backups\/n8n-(\d{8}T\d{6}Z)\.dump$/;
const LITERAL_READ = "$(cat /run/secrets/postgres-superuser-password)";

/** The one data point a successful run publishes, exactly as the CLI is asked to. */
const METRIC_WORDS = (namespace: string, database: string) => [
  "--namespace", namespace,
  "--metric-name", "BackupSucceeded",
  "--value", "1",
  "--unit", "Count",
  "--dimensions", `Database=${database}`,
  "--region", "eu-central-1",
];

function expectNoPassword(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain("9f8e7d6c5b4a");
  expect(text).not.toContain("su-pw-");
}

describe.each(["sh", "bash"])("backup script under %s", (shell) => {
  let h: BackupHarness;
  beforeEach(() => {
    h = new BackupHarness(BACKUP, shell);
    h.containerSecret(PASSWORD);
    h.dumpBytes(DUMP);
  });
  afterEach(() => h.cleanup());

  test("uploads exactly one object with the dump's bytes under <prefix><db>-<UTC stamp>.dump, then removes the temp file", () => {
    const before = new Date();
    const r = h.run();
    const after = new Date();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const objects = h.objects();
    expect([...objects.keys()]).toHaveLength(1);
    const [key, body] = [...objects.entries()][0];
    expect(key).toMatch(KEY_SHAPE);
    expect(body.equals(DUMP)).toBe(true);
    // The stamp is UTC, taken when the dump started.
    const s = KEY_SHAPE.exec(key)![1];
    const stamp = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15));
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
    expect(stamp).toBeLessThanOrEqual(after.getTime());
    // The file handed to aws was 0600 in a 0700 folder, and is gone now.
    expect(h.uploadSource()).toBe(`600 ${DUMP.length}\n700\n`);
    expect(h.leftovers()).toEqual([]);
    expect((statSync(h.backupDir).mode & 0o777).toString(8)).toBe("700");
    // Exactly one success data point, published after the upload (S3 already held the object).
    expect(h.metrics()).toEqual([{ words: METRIC_WORDS("n8n-zero-trust", "n8n"), options: expect.any(Object), objectsAtPublish: 1 }]);
    // The journal: names, sizes and keys.
    expect(r.stdout).toBe(
      `<6>dumping database n8n in container n8n-postgres\n<6>backup of n8n uploaded: s3://${key} (${DUMP.length} bytes)\n` +
        "<6>published the success metric BackupSucceeded (namespace n8n-zero-trust, Database=n8n)\n",
    );
  });

  test("the exported names are the ones the script publishes (the alarm uses them)", () => {
    expect([BACKUP_METRIC_NAME, BACKUP_METRIC_DIMENSION, BACKUP_METRIC_UNIT, BACKUP_DEFAULT_METRIC_NAMESPACE]).toEqual(["BackupSucceeded", "Database", "Count", "n8n-zero-trust"]);
    expect(h.run().status).toBe(0);
    const [m] = h.metrics();
    expect(m.options).toEqual({
      "--namespace": BACKUP_DEFAULT_METRIC_NAMESPACE,
      "--metric-name": BACKUP_METRIC_NAME,
      "--value": "1",
      "--unit": BACKUP_METRIC_UNIT,
      "--dimensions": `${BACKUP_METRIC_DIMENSION}=${BACKUP.database}`,
      "--region": BACKUP.region,
    });
  });

  test("the metric cannot be published: the object is uploaded, the run fails and says so, the temp file is removed", () => {
    h.failMetric(true);
    const r = h.run();
    expect(r.status).toBe(1);
    const keys = [...h.objects().keys()];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(KEY_SHAPE);
    expect(r.stderr).toContain("An error occurred (AccessDenied) when calling the PutMetricData operation");
    expect(r.stderr).toContain(
      `<3>backup uploaded as s3://${keys[0]}, but the success metric could not be published (the AWS CLI's message is above); the missing-backup alarm will fire\n`,
    );
    expect(r.stdout).toContain(`<6>backup of n8n uploaded: s3://${keys[0]}`);
    expect(r.stdout).not.toContain("published the success metric");
    expect(h.metrics()).toEqual([]);
    // It was attempted once, after the upload.
    const calls = h.argv().split("\n").filter((c) => c.startsWith("aws "));
    expect(calls.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual(["aws s3 cp", "aws cloudwatch put-metric-data"]);
    expect(h.leftovers()).toEqual([]);
    expectNoPassword(r.stdout + r.stderr);
  });

  test("another metricNamespace reaches the data point through the settings", () => {
    const other = new BackupHarness({ ...BACKUP, metricNamespace: "Acme/n8n-prod#backups:v1" }, shell);
    try {
      other.containerSecret(PASSWORD);
      other.dumpBytes(DUMP);
      const r = other.run();
      expect([r.status, r.stderr]).toEqual([0, ""]);
      expect(other.env.BACKUP_METRIC_NAMESPACE).toBe("Acme/n8n-prod#backups:v1");
      expect(other.metrics().map((m) => m.words)).toEqual([METRIC_WORDS("Acme/n8n-prod#backups:v1", "n8n")]);
    } finally {
      other.cleanup();
    }
  });

  test("the password stays in the container: pg_dump gets it in its environment, no argv and no log line holds it", () => {
    const r = h.run();
    expect(r.status).toBe(0);
    expect(h.pgDumpPassword()).toBe(PASSWORD);
    // The host passes the fixed command text, with the read itself, never a value.
    expect(h.dockerExecArgv()).toEqual(["exec", "n8n-postgres", "sh", "-c", CONTAINER_DUMP_COMMAND, "n8n-backup", "n8n"]);
    expect(CONTAINER_DUMP_COMMAND).toContain(`PGPASSWORD="${LITERAL_READ}"`);
    const argv = h.argv();
    expect(argv).toContain(LITERAL_READ);
    expect(argv).toContain("pg_dump -U postgres -w -Fc n8n\n");
    expectNoPassword(argv);
    expectNoPassword(r.stdout + r.stderr);
    // Every call, in order; the upload names no encryption (the bucket's default applies).
    const calls = argv.split("\n").filter(Boolean);
    expect(calls.map((c) => c.split(" ")[0])).toEqual(["systemctl", "docker", "docker", "cat", "pg_dump", "aws", "aws"]);
    expect(calls[1]).toBe("docker container inspect -f {{.State.Running}} n8n-postgres");
    expect(calls[5]).toMatch(
      new RegExp(`^aws s3 cp ${h.backupDir}/\\.n8n-backup\\.\\w{6} s3://example-n8n-prod-backups/backups/n8n-\\d{8}T\\d{6}Z\\.dump --region eu-central-1 --only-show-errors --checksum-algorithm SHA256$`),
    );
    expect(argv).not.toMatch(/--sse|aws:kms|AES256/);
    expect(calls[6]).toBe("aws cloudwatch put-metric-data --namespace n8n-zero-trust --metric-name BackupSucceeded --value 1 --unit Count --dimensions Database=n8n --region eu-central-1");
  });

  test.each([
    ["pg_dump fails half way (the partial output starts with PGDMP)", "fail", /pg_dump of n8n in n8n-postgres failed \(exit 1; its message is above\): nothing uploaded/],
    ["pg_dump exits 0 with something that is not a dump", "garbage", /does not start with PGDMP, so it is not a custom-format dump: nothing uploaded/],
    ["pg_dump exits 0 with no output", "empty", /wrote nothing: nothing uploaded/],
  ] as const)("%s: nothing is uploaded, the run fails, the temp file is removed", (_name, mode, message) => {
    h.pgDump(mode);
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(h.objects().size).toBe(0);
    expect(h.argv()).not.toContain("aws ");
    expect(h.metrics()).toEqual([]);
    expect(h.leftovers()).toEqual([]);
  });

  test("the container's secret file is missing: pg_dump never runs, nothing is uploaded", () => {
    h.containerSecret(undefined);
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("No such file or directory");
    expect(r.stderr).toContain("pg_dump of n8n in n8n-postgres failed (exit 1");
    expect(h.argv()).not.toMatch(/^pg_dump /m);
    expect(h.objects().size).toBe(0);
    expect(h.metrics()).toEqual([]);
    expect(h.leftovers()).toEqual([]);
  });

  test("the upload fails: the run fails naming the key, publishes nothing, the temp file is removed", () => {
    h.failUpload(true);
    const r = h.run();
    expect(r.status).toBe(1);
    expect(h.metrics()).toEqual([]);
    expect(h.argv()).not.toContain("cloudwatch");
    expect(r.stderr).toMatch(/<3>upload of \d+ bytes to s3:\/\/example-n8n-prod-backups\/backups\/n8n-\d{8}T\d{6}Z\.dump failed \(the AWS CLI's message is above\)/);
    expect(h.objects().size).toBe(0);
    expect(h.leftovers()).toEqual([]);
    expectNoPassword(r.stdout + r.stderr);
  });

  test("docker.service not active: asks docker nothing (no socket activation), takes and uploads nothing", () => {
    h.dockerRunning(false);
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("<3>docker.service is not active: no backup taken, nothing uploaded\n");
    expect(h.argv()).toBe("systemctl is-active --quiet docker.service\n");
    expect(h.objects().size).toBe(0);
    expect(h.metrics()).toEqual([]);
    expect(h.leftovers()).toBeUndefined();
  });

  test.each(["stopped", "missing"] as const)("the container is %s: no exec, nothing uploaded", (state) => {
    h.container("n8n-postgres", state);
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("<3>container n8n-postgres is not running (or does not exist): no backup taken, nothing uploaded\n");
    expect(h.dockerExecArgv()).toBeUndefined();
    expect(h.argv()).not.toContain("aws ");
    expect(h.objects().size).toBe(0);
    expect(h.metrics()).toEqual([]);
  });

  test("a temp file left by a killed run is removed; other files in the folder are not touched", () => {
    mkdirSync(h.backupDir, { recursive: true });
    writeFileSync(path.join(h.backupDir, ".n8n-backup.AbC123"), "PGDMP stale");
    writeFileSync(path.join(h.backupDir, "operator-notes.txt"), "keep");
    const r = h.run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`<6>removed ${h.backupDir}/.n8n-backup.AbC123, left by an interrupted run\n`);
    expect(h.leftovers()).toEqual(["operator-notes.txt"]);
    expect(h.objects().size).toBe(1);
  });

  test("SIGTERM during the dump (systemctl stop, TimeoutStartSec): nothing uploaded, temp file removed, exit 143", () => {
    if (spawnSync("sh", ["-c", "command -v timeout"]).status !== 0) return;
    h.pgDump("slow");
    const r = h.run({}, ["timeout", "--preserve-status", "-s", "TERM", "0.5"]);
    expect(r.status).toBe(143);
    expect(h.objects().size).toBe(0);
    expect(h.argv()).not.toContain("aws ");
    expect(h.metrics()).toEqual([]);
    expect(h.leftovers()).toEqual([]);
  });

  test("refuses settings that do not match what the generator allows, before calling anything", () => {
    for (const [name, value] of [
      ["BACKUP_DATABASE", "n8n; rm -rf /"],
      ["BACKUP_DATABASE", "-n8n"],
      ["BACKUP_CONTAINER", "-it"],
      ["BACKUP_BUCKET", "Bucket/x"],
      ["BACKUP_PREFIX", "backups"],
      ["BACKUP_PREFIX", "../x/"],
      ["BACKUP_PREFIX", "/abs/"],
      ["BACKUP_DIR", "relative/dir"],
      ["BACKUP_DIR", "/"],
      ["BACKUP_METRIC_NAMESPACE", "AWS/Backup"],
      ["BACKUP_METRIC_NAMESPACE", "n8n zero-trust"],
      ["BACKUP_METRIC_NAMESPACE", "n8n$(id)"],
      ["BACKUP_METRIC_NAMESPACE", "a".repeat(256)],
    ]) {
      const r = h.run({ [name]: value });
      expect([name, value, r.status]).toEqual([name, value, 2]);
      expect(h.argv()).toBe("");
    }
    // An unset or empty setting: the shell's own error (exit 1 in bash, 2 in dash).
    const unset = h.run({ AWS_REGION: undefined });
    expect(unset.status).not.toBe(0);
    expect(unset.stderr).toContain("AWS_REGION: is not set; run the backup with: systemctl start n8n-backup.service");
    expect(h.run({ BACKUP_DIR: "" }).status).not.toBe(0);
    expect(h.run({ BACKUP_METRIC_NAMESPACE: undefined }).status).not.toBe(0);
    expect(h.run({ BACKUP_METRIC_NAMESPACE: "a".repeat(255) }).status).toBe(0);
    expect(h.metrics().map((m) => m.options["--namespace"])).toEqual(["a".repeat(255)]);
  });

  test("another prefix and database name the key", () => {
    const other = new BackupHarness({ ...BACKUP, prefix: "prod/postgres/", database: "n8n_prod" }, shell);
    try {
      other.containerSecret(PASSWORD);
      other.dumpBytes(DUMP);
      const r = other.run();
      expect([r.status, r.stderr]).toEqual([0, ""]);
      expect([...other.objects().keys()][0]).toMatch(/^example-n8n-prod-backups\/prod\/postgres\/n8n_prod-\d{8}T\d{6}Z\.dump$/);
      expect(other.dockerExecArgv()!.slice(-2)).toEqual(["n8n-backup", "n8n_prod"]);
      expect(other.metrics().map((m) => m.options["--dimensions"])).toEqual(["Database=n8n_prod"]);
    } finally {
      other.cleanup();
    }
  });
});

describe("the backup script's source", () => {
  test("parses as POSIX sh (dash and bash --posix) and passes shellcheck where it is installed", () => {
    for (const [sh, args] of [
      ["dash", ["-n"]],
      ["bash", ["--posix", "-n"]],
    ] as const) {
      const r = spawnSync(sh, [...args], { input: BACKUP_SCRIPT, encoding: "utf8" });
      expect([sh, r.status, r.stderr]).toEqual([sh, 0, ""]);
    }
    if (spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0) {
      const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: BACKUP_SCRIPT, encoding: "utf8" });
      expect(r.stdout).toBe("");
      expect(r.status).toBe(0);
    }
  });

  test("never traces, never asks for a TTY, names no encryption and holds the container command in single quotes", () => {
    expect(BACKUP_SCRIPT).not.toMatch(/^\s*set\s+-[a-z]*x/m);
    expect(BACKUP_SCRIPT).not.toMatch(/docker exec[^\n]* -(t|it|ti)\b/);
    const code = BACKUP_SCRIPT.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
    expect(code).not.toMatch(/--sse|aws:kms|AES256/);
    expect(code).toContain("aws s3 cp ");
    // One place publishes the metric, after the upload and its failure exit.
    expect(code.match(/put-metric-data/g)).toHaveLength(1);
    expect(code.indexOf("put-metric-data")).toBeGreaterThan(code.indexOf("aws s3 cp "));
    expect(BACKUP_SCRIPT).toContain(`sh -c '${CONTAINER_DUMP_COMMAND}' n8n-backup "$BACKUP_DATABASE"`);
    expect(CONTAINER_DUMP_COMMAND).not.toContain("'");
  });
});

describe("backup units", () => {
  const files = backupFiles(BACKUP);
  const content = (p: string) => files.find((f) => f.path === p)!.content;

  test("the script, its settings, a sandboxed oneshot service and a persistent timer; root-owned, no secret", () => {
    expect(files.map((f) => [f.path, f.permissions, f.owner])).toEqual([
      ["/usr/local/sbin/n8n-backup", "0755", "root:root"],
      ["/etc/n8n-backup/backup.env", "0644", "root:root"],
      ["/etc/systemd/system/n8n-backup.service", "0644", "root:root"],
      ["/etc/systemd/system/n8n-backup.timer", "0644", "root:root"],
    ]);
    for (const f of files) expect([f.path, secretValueProblem(f.content)]).toEqual([f.path, undefined]);
    const env = content(BACKUP_PATHS.env);
    for (const line of ["AWS_REGION=eu-central-1", "BACKUP_BUCKET=example-n8n-prod-backups", "BACKUP_PREFIX=backups/", "BACKUP_CONTAINER=n8n-postgres", "BACKUP_DATABASE=n8n", "BACKUP_DIR=/var/lib/n8n-backup", "BACKUP_METRIC_NAMESPACE=n8n-zero-trust", "AWS_CONFIG_FILE=/dev/null"]) {
      expect(env).toMatch(new RegExp(`^${line.replace(/[.*/]/g, "\\$&")}$`, "m"));
    }
    const service = content(BACKUP_PATHS.service);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toMatch(/^ExecStart=\/usr\/local\/sbin\/n8n-backup$/m);
    expect(service).toMatch(/^StateDirectory=n8n-backup$/m);
    expect(service).toMatch(/^StateDirectoryMode=0700$/m);
    expect(service).toMatch(/^ProtectSystem=strict$/m);
    expect(service).toMatch(/^CapabilityBoundingSet=$/m);
    expect(service).toMatch(/^NoNewPrivileges=yes$/m);
    expect(service).toMatch(/^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$/m);
    // Never starts dockerd, and only the timer starts it.
    expect(service).not.toMatch(/^(Requires|Wants|BindsTo)=.*docker/m);
    expect(service).toMatch(/^After=.*docker\.service/m);
    expect(service).not.toContain("[Install]");
    expect(service).not.toMatch(/RemainAfterExit/);
    const timer = content(BACKUP_PATHS.timer);
    expect(timer).toMatch(/^OnCalendar=\*-\*-\* 02:30:00 UTC$/m);
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(timer).toMatch(/^RandomizedDelaySec=15min$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
    expect(backupFiles({ ...BACKUP, onCalendar: "Mon..Fri *-*-* 01:00:00 Europe/Berlin" }).find((f) => f.path === BACKUP_PATHS.timer)!.content).toMatch(/^OnCalendar=Mon\.\.Fri \*-\*-\* 01:00:00 Europe\/Berlin$/m);
  });

  test("systemd accepts the units and the calendar expressions where systemd-analyze is installed", () => {
    if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status !== 0) return;
    for (const cal of ["*-*-* 02:30:00 UTC", "daily", "Mon..Fri *-*-* 01:00:00 Europe/Berlin", "*-*-* 00/6:00:00"]) {
      const r = spawnSync("systemd-analyze", ["calendar", cal], { encoding: "utf8" });
      expect([cal, r.status, r.stderr]).toEqual([cal, 0, ""]);
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "zt-backup-units-"));
    try {
      for (const f of files.filter((x) => /\.(service|timer)$/.test(x.path))) writeFileSync(path.join(dir, path.basename(f.path)), f.content.replace(`ExecStart=${BACKUP_PATHS.script}`, "ExecStart=/bin/true"));
      const r = spawnSync("systemd-analyze", ["verify", "--man=no", path.join(dir, BACKUP_SERVICE), path.join(dir, BACKUP_TIMER)], { encoding: "utf8" });
      const ours = r.stderr.split("\n").filter((l) => l.includes("n8n-backup") && !/docker\.service|n8n-secrets-agent\.service|Failed to prepare filename|not found|EnvironmentFile/.test(l));
      expect(ours).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("backup validation", () => {
  test("names every bad field", () => {
    const lines = problemLines(() =>
      backupFiles({
        bucket: "Bad_Bucket",
        prefix: "backups",
        region: "Frankfurt",
        postgresContainer: "n8n postgres",
        database: "N8N;drop",
        onCalendar: "daily\nExecStartPre=/bin/sh",
        metricNamespace: "AWS/Backup",
      }),
    );
    expect(lines.map((l) => l.split(":")[0])).toEqual(["bucket", "prefix", "region", "postgresContainer", "database", "onCalendar", "metricNamespace"]);
    expect(lines.find((l) => l.startsWith("metricNamespace"))).toContain('not starting with "AWS/"');
    expect(lines.find((l) => l.startsWith("prefix"))).toMatch(/each ending in "\/"/);
    expect(lines.find((l) => l.startsWith("onCalendar"))).toContain('got "daily\\nExecStartPre=/bin/sh"');
  });

  test("bucket names follow S3's rules; prefixes are segments ending in /; OnCalendar keeps to a safe set", () => {
    const fields = (p: Partial<BackupProps>) => problemFields(() => backupFiles({ ...BACKUP, ...p }));
    for (const ok of ["abc", "my.bucket-1", "a".repeat(63)]) expect([ok, fields({ bucket: ok })]).toEqual([ok, []]);
    for (const bad of ["ab", "a".repeat(64), "-abc", "abc-", "a..b", "192.168.1.1", "ABC", "a_b", "xn--abc", "abc-s3alias", "${TfToken[TOKEN.1]}", ""]) expect([bad, fields({ bucket: bad })]).toEqual([bad, ["bucket"]]);
    for (const ok of ["backups/", "prod/postgres/", "a_b-c.d/"]) expect([ok, fields({ prefix: ok })]).toEqual([ok, []]);
    for (const bad of ["", "backups", "/backups/", "a//", "../", "./x/", ".hidden/", "a b/", "a$x/"]) expect([bad, fields({ prefix: bad })]).toEqual([bad, ["prefix"]]);
    for (const ok of ["daily", "*-*-* 02:30:00 UTC", "Mon..Fri *-*-* 01:00", "*-*-* 00/6:00:00", "Sun *-*-* 03:00:00 America/New_York", "*-*-* 04:00:00 Etc/GMT+1"]) expect([ok, fields({ onCalendar: ok })]).toEqual([ok, []]);
    for (const bad of ["", " daily", "daily ", "daily  x", "%H", "daily\n", "daily\nExecStart=/bin/sh", "$(id)", "daily;id", "daily # x", "'daily'", "a".repeat(101)]) expect([bad, fields({ onCalendar: bad })]).toEqual([bad, ["onCalendar"]]);
    for (const bad of ["", "-x", "n8n postgres", "a/b", "a".repeat(129)]) expect([bad, fields({ postgresContainer: bad })]).toEqual([bad, ["postgresContainer"]]);
    for (const bad of ["", "N8N", "1db", "n8n-prod", "n8n;x", "a".repeat(64)]) expect([bad, fields({ database: bad })]).toEqual([bad, ["database"]]);
    for (const ok of ["n8n-zero-trust", "Acme/n8n-prod", "a.b_c/d#e:f-g", "aws/lower", "AWSx/y", "a".repeat(255)]) expect([ok, fields({ metricNamespace: ok })]).toEqual([ok, []]);
    for (const bad of ["", "AWS/Backup", "AWS/", "a b", "a\nb", "n8n$(id)", "a'b", "a%b", "${TfToken[TOKEN.1]}", "a".repeat(256)]) {
      expect([bad, fields({ metricNamespace: bad })]).toEqual([bad, ["metricNamespace"]]);
    }
  });
});

describe("backups in the host user data and the install script", () => {
  const HOST: HostUserDataProps = {
    region: "eu-central-1",
    secretsDir: "/run/n8n-secrets",
    owner: { uid: 10001, gid: 10001 },
    acmeStorageDir: "/var/lib/n8n-zero-trust/acme",
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0mV9c3n6Jm0cP1pP6aG8b3y7H5k3d0Qm1m2n3o4p5 ops@example.com"],
    secrets: agentSecrets("n8n-prod", "n8n"),
  };
  const runcmd = (text: string) => ((yaml.safeLoad(text) as any).runcmd as (string | string[])[]).map((c) => (typeof c === "string" ? c : c.join(" ")));

  test("with backup: the four files byte for byte, the timer enabled and started with the agent's; without: none of it", () => {
    const withBackup = hostUserData({ ...HOST, backup: BACKUP });
    const doc = yaml.safeLoad(withBackup) as any;
    for (const f of backupFiles(BACKUP)) expect(doc.write_files.find((w: any) => w.path === f.path)).toEqual({ path: f.path, permissions: f.permissions, owner: "root:root", content: f.content });
    const cmds = runcmd(withBackup);
    expect(cmds).toContain("systemctl enable n8n-secrets-agent.service n8n-secrets-agent.timer docker.service n8n-backup.timer");
    expect(cmds[cmds.length - 1]).toBe("systemctl start docker.service n8n-secrets-agent.timer n8n-backup.timer");
    expect(secretValueProblem(withBackup)).toBeUndefined();

    const without = hostUserData(HOST);
    expect(without).not.toContain("n8n-backup");
    expect(runcmd(without)[runcmd(without).length - 1]).toBe("systemctl start docker.service n8n-secrets-agent.timer");
  });

  test("fits EC2's 16 KiB user-data limit with every prod secret and the backup, with room to grow", () => {
    const size = gzipBase64(hostUserData({ ...HOST, backup: BACKUP })).length;
    expect(size).toBeLessThan(USER_DATA_LIMIT_BYTES * 0.75);
  });

  test("the host props name backup problems under backup.*", () => {
    expect(problemFields(() => hostUserData({ ...HOST, backup: { ...BACKUP, bucket: "x", database: "N8N", onCalendar: "%n" } }))).toEqual(["backup.bucket", "backup.database", "backup.onCalendar"]);
    expect(problemFields(() => secretsAgentInstallScript({ ...HOST, backup: { ...BACKUP, prefix: "nope" } }))).toEqual(["backup.prefix"]);
    expect(problemFields(() => hostUserData({ ...HOST, backup: { ...BACKUP, metricNamespace: "AWS/EC2" } }))).toEqual(["backup.metricNamespace"]);
  });

  test.each(["sh", "bash"])("under %s the install script writes the backup files with their modes and (on a host) enables and restarts the timer", (shell) => {
    const root = mkdtempSync(path.join(os.tmpdir(), "backup-install-"));
    try {
      const script = secretsAgentInstallScript({ ...HOST, backup: BACKUP });
      const r = spawnSync(shell, ["-c", script], { env: { ...process.env, ROOT: root }, encoding: "utf8" });
      expect([r.status, r.stderr]).toEqual([0, ""]);
      for (const f of backupFiles(BACKUP)) {
        const written = path.join(root, f.path);
        expect([f.path, readFileSync(written, "utf8")]).toEqual([f.path, f.content]);
        expect([f.path, (statSync(written).mode & 0o777).toString(8).padStart(4, "0")]).toEqual([f.path, f.permissions]);
      }
      expect(readFileSync(path.join(root, AGENT_PATHS.script), "utf8").length).toBeGreaterThan(0);
      expect(script).toContain(`  systemctl start n8n-secrets-agent.service\n  systemctl enable n8n-backup.timer\n  systemctl restart n8n-backup.timer\nfi\n`);
      expect(secretsAgentInstallScript(HOST)).not.toContain("n8n-backup");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
