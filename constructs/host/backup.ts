import { AWS_REGION, ON_CALENDAR, S3_BUCKET_NAME } from "../common/patterns";
import { SQL_IDENTIFIER_PATTERN, SQL_IDENTIFIER_RULE, Validator } from "../common/validation";
import { BACKUP_METRIC_DIMENSION, BACKUP_METRIC_NAME, BACKUP_SCRIPT, CONTAINER_DUMP_COMMAND } from "./backup-script";
import type { HostFile } from "./secrets-agent";
import { awsCliEnvironment, SYSTEMD_SANDBOX } from "./systemd";

/** Scheduled `pg_dump` of the n8n database from the Postgres container to the backup bucket. */
export interface BackupProps {
  /** Name of the backup bucket (a literal name, not a token: it is written into the user data). */
  readonly bucket: string;
  /**
   * Key prefix of every backup: path segments ending in "/". The host role may write only
   * `s3://<bucket>/backups/*`, so another prefix needs another grant. @default "backups/"
   */
  readonly prefix?: string;
  /** Region of the bucket, e.g. `eu-central-1`. */
  readonly region: string;
  /** Name of the Postgres container, e.g. `n8n-postgres`. */
  readonly postgresContainer: string;
  /** Database to dump, e.g. `n8n`. */
  readonly database: string;
  /** When the backup runs: a systemd `OnCalendar=` expression. @default "*-*-* 02:30:00 UTC" */
  readonly onCalendar?: string;
  /**
   * CloudWatch namespace of the success metric (`BACKUP_METRIC_NAME`, dimension
   * `Database=<database>`) each successful run publishes: 1-255 of A-Z a-z 0-9 . _ / # : -, not
   * starting with "AWS/". The host role's `cloudwatch:PutMetricData` grant and the alarm must use
   * the same namespace. @default "n8n-zero-trust" (`BACKUP_DEFAULT_METRIC_NAMESPACE`)
   */
  readonly metricNamespace?: string;
  /**
   * A name for this backup when the host runs several (one per tenant, issue 16): a tenant id,
   * `^[a-z][a-z0-9]{0,15}$` (`BACKUP_INSTANCE_PATTERN`), not "backup". With it the backup has its
   * own units (`n8n-backup-<instance>.service`, `.timer`), settings
   * (`/etc/n8n-backup/<instance>.env`), temp folder (`/var/lib/n8n-backup/<instance>`) and Docker
   * CLI folder (`/run/n8n-backup-<instance>/docker-cli`), so runs of different instances may
   * overlap; the script is shared. See `backupPaths`. @default - the host's one backup: `n8n-backup.service`
   */
  readonly instance?: string;
}

/** Where the backup's pieces live on the host. */
export const BACKUP_PATHS = {
  script: "/usr/local/sbin/n8n-backup",
  env: "/etc/n8n-backup/backup.env",
  service: "/etc/systemd/system/n8n-backup.service",
  timer: "/etc/systemd/system/n8n-backup.timer",
  /** Root-only (0700) folder on the root volume for the temp dump (the service's StateDirectory). */
  dir: "/var/lib/n8n-backup",
  /** The Docker CLI's config folder (the service's RuntimeDirectory, tmpfs). */
  dockerConfig: "/run/n8n-backup/docker-cli",
} as const;

export const BACKUP_SERVICE = "n8n-backup.service";
export const BACKUP_TIMER = "n8n-backup.timer";

/** A backup's `instance`: a tenant id (the same rule as `TENANT_ID_PATTERN` in constructs/app/tenants.ts). */
export const BACKUP_INSTANCE_PATTERN = /^[a-z][a-z0-9]{0,15}$/;
/** Not an instance name: `/etc/n8n-backup/backup.env` is the settings file of the backup without an instance. */
export const BACKUP_RESERVED_INSTANCE = "backup";

/** Where the pieces of one backup live on the host: `BACKUP_PATHS` without an instance. */
export interface BackupPaths {
  /** The script, shared by every instance. */
  readonly script: string;
  readonly env: string;
  readonly service: string;
  readonly timer: string;
  /** Root-only (0700) folder for the temp dump (the service's StateDirectory). */
  readonly dir: string;
  /** The Docker CLI's config folder (below the service's RuntimeDirectory, tmpfs). */
  readonly dockerConfig: string;
}

/**
 * The paths of one backup. With an instance: `/etc/n8n-backup/<instance>.env`,
 * `/etc/systemd/system/n8n-backup-<instance>.{service,timer}`, `/var/lib/n8n-backup/<instance>`
 * (a StateDirectory below the shared one: systemd never removes it) and
 * `/run/n8n-backup-<instance>/docker-cli` (its own RuntimeDirectory, not below /run/n8n-backup:
 * systemd removes a RuntimeDirectory with everything in it when its service stops, so a nested one
 * would vanish when the backup without an instance finishes first).
 */
export function backupPaths(instance?: string): BackupPaths {
  if (instance === undefined) return BACKUP_PATHS;
  return {
    script: BACKUP_PATHS.script,
    env: `/etc/n8n-backup/${instance}.env`,
    service: `/etc/systemd/system/${backupServiceName(instance)}`,
    timer: `/etc/systemd/system/${backupTimerName(instance)}`,
    dir: `${BACKUP_PATHS.dir}/${instance}`,
    dockerConfig: `/run/${backupUnitStem(instance)}/docker-cli`,
  };
}

/** `n8n-backup` or `n8n-backup-<instance>`: the units' name without the suffix. */
function backupUnitStem(instance?: string): string {
  return instance === undefined ? "n8n-backup" : `n8n-backup-${instance}`;
}

/** The backup's service: `n8n-backup.service` (`BACKUP_SERVICE`) or `n8n-backup-<instance>.service`. */
export function backupServiceName(instance?: string): string {
  return `${backupUnitStem(instance)}.service`;
}

/** The backup's timer: `n8n-backup.timer` (`BACKUP_TIMER`) or `n8n-backup-<instance>.timer`. */
export function backupTimerName(instance?: string): string {
  return `${backupUnitStem(instance)}.timer`;
}
export const BACKUP_DEFAULT_PREFIX = "backups/";
export const BACKUP_DEFAULT_ON_CALENDAR = "*-*-* 02:30:00 UTC";
/** The success metric's default CloudWatch namespace (see `BackupProps.metricNamespace`). */
export const BACKUP_DEFAULT_METRIC_NAMESPACE = "n8n-zero-trust";
/** The success metric: name, unit and only dimension, as `aws cloudwatch put-metric-data` publishes them. */
export { BACKUP_METRIC_DIMENSION, BACKUP_METRIC_NAME };
export const BACKUP_METRIC_UNIT = "Count";

const PREFIX = /^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)+$/;
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** CloudWatch's namespace rules (AWS/ is reserved); nothing a shell or systemd reads specially. */
const METRIC_NAMESPACE = /^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/;

/** Records every problem of `p`; `at` prefixes the field names (e.g. "backup."). */
export function validateBackupProps(v: Validator, p: BackupProps, at = ""): void {
  const prefix = p.prefix ?? BACKUP_DEFAULT_PREFIX;
  const onCalendar = p.onCalendar ?? BACKUP_DEFAULT_ON_CALENDAR;
  const metricNamespace = p.metricNamespace ?? BACKUP_DEFAULT_METRIC_NAMESPACE;
  v.check(
    typeof p.bucket === "string" && S3_BUCKET_NAME.pattern.test(p.bucket),
    `${at}bucket`,
    `must be an S3 bucket name (3-63 of a-z 0-9 . -, a letter or digit at both ends, no "..", not an IP address, no reserved prefix or suffix) written out, not a token; got "${p.bucket}"`,
  );
  v.check(PREFIX.test(prefix) && prefix.length <= 200, `${at}prefix`, `must be one or more path segments of A-Z a-z 0-9 . _ - (no leading dot), each ending in "/", e.g. "backups/"; got "${prefix}"`);
  v.check(AWS_REGION.pattern.test(p.region), `${at}region`, `must be an AWS region code such as "eu-central-1"; got "${p.region}"`);
  v.check(CONTAINER_NAME.test(p.postgresContainer), `${at}postgresContainer`, `must be a Docker container name: a letter or digit, then letters, digits, _ . - (at most 128); got "${p.postgresContainer}"`);
  v.check(SQL_IDENTIFIER_PATTERN.test(p.database), `${at}database`, `${SQL_IDENTIFIER_RULE}; got "${p.database}"`);
  v.check(
    ON_CALENDAR.pattern.test(onCalendar) && onCalendar.length <= 100,
    `${at}onCalendar`,
    `must be a systemd OnCalendar expression of A-Z a-z 0-9 * : , . / ~ _ + - and single spaces (at most 100 characters; no %, quotes or newlines), e.g. "*-*-* 02:30:00 UTC" or "daily"; got ${JSON.stringify(onCalendar)}`,
  );
  v.check(
    typeof metricNamespace === "string" && METRIC_NAMESPACE.test(metricNamespace),
    `${at}metricNamespace`,
    `must be a CloudWatch namespace: 1-255 of A-Z a-z 0-9 . _ / # : - written out (not a token), not starting with "AWS/", e.g. "${BACKUP_DEFAULT_METRIC_NAMESPACE}"; got ${JSON.stringify(metricNamespace)}`,
  );
  if (p.instance !== undefined) {
    v.check(
      typeof p.instance === "string" && BACKUP_INSTANCE_PATTERN.test(p.instance) && p.instance !== BACKUP_RESERVED_INSTANCE,
      `${at}instance`,
      `must be a tenant id: a lower-case letter, then up to 15 lower-case letters or digits (^[a-z][a-z0-9]{0,15}$), not "${BACKUP_RESERVED_INSTANCE}" (the settings file of the backup without an instance), e.g. "acme"; got ${JSON.stringify(p.instance)}`,
    );
  }
}

/**
 * Records every problem of several backups on one host (`at` names each one's fields, e.g.
 * "backups[1]."): each entry's own, and between them: at most one without an instance, no
 * instance twice, and no two backing up the same database name to the same S3 prefix or reporting
 * it in the same metric namespace (their keys and success metrics would be indistinguishable).
 */
export function validateBackupSet(v: Validator, entries: readonly { readonly at: string; readonly props: BackupProps }[]): void {
  const label = (at: string) => at.replace(/\.$/, "");
  const instances = new Map<string, string>();
  const destinations = new Map<string, string>();
  const metrics = new Map<string, string>();
  let unnamed: string | undefined;
  for (const { at, props } of entries) {
    validateBackupProps(v, props, at);
    if (props.instance === undefined) {
      v.check(unnamed === undefined, `${at}instance`, `must be set: ${unnamed} has no instance either, and only one backup per host may go without one (${BACKUP_SERVICE}); name each tenant's backup by its id`);
      unnamed ??= label(at);
    } else {
      const other = instances.get(props.instance);
      v.check(other === undefined, `${at}instance`, `"${props.instance}" is also the instance of ${other}; each instance has its own units and settings`);
      instances.set(props.instance, label(at));
    }
    const destination = `s3://${props.bucket}/${props.prefix ?? BACKUP_DEFAULT_PREFIX}${props.database}-`;
    const sameDestination = destinations.get(destination);
    v.check(sameDestination === undefined, `${at}prefix`, `${sameDestination} also uploads to ${destination}<stamp>.dump; give each backup its own prefix (a tenant's: backups/<id>/)`);
    destinations.set(destination, label(at));
    const namespace = props.metricNamespace ?? BACKUP_DEFAULT_METRIC_NAMESPACE;
    const metric = `${namespace}\n${props.database}`;
    const sameMetric = metrics.get(metric);
    v.check(
      sameMetric === undefined,
      `${at}database`,
      `${sameMetric} also reports ${BACKUP_METRIC_NAME} for ${BACKUP_METRIC_DIMENSION}=${props.database} in namespace ${namespace}; the missing-backup alarm could not tell the two apart`,
    );
    metrics.set(metric, label(at));
  }
}

/**
 * The backup's files, for cloud-init's `write_files` (or the install script): the script, its
 * settings, `n8n-backup.service` and `n8n-backup.timer` (with `instance`: the script,
 * `/etc/n8n-backup/<instance>.env`, `n8n-backup-<instance>.service` and `.timer`, using
 * `/var/lib/n8n-backup/<instance>` for the temp dump; see `backupPaths`). No secret value is among them.
 *
 * Behaviour: at `onCalendar` (missed runs are caught up after a boot, `Persistent=true`, with up to
 * 15 minutes' random delay), the service runs `pg_dump -Fc` of `database` inside
 * `postgresContainer` (the container's shell reads the superuser password from its own secret
 * file), writes it to a root-only temp file in /var/lib/n8n-backup, checks it is a non-empty
 * custom-format dump (starts with PGDMP) and uploads it with the instance role to
 * `s3://<bucket>/<prefix><database>-<yyyymmddThhmmssZ>.dump` (UTC, when the dump started), with the
 * bucket's default encryption. After the upload it publishes one CloudWatch data point,
 * `BACKUP_METRIC_NAME` = 1 (Count) with dimension `Database=<database>` in `metricNamespace`, so an
 * alarm can fire when none arrives. The temp file is removed on every exit. Nothing is uploaded
 * and nothing published when pg_dump fails; the run exits non-zero (the unit shows failed) when
 * docker.service is not active, the container is not running, the dump fails, the upload fails or
 * (after a successful upload) the metric cannot be published.
 *
 * @example
 * backupFiles({ bucket: "acme-n8n-prod-backups", region: "eu-central-1", postgresContainer: "n8n-postgres", database: "n8n" });
 */
export function backupFiles(props: BackupProps): HostFile[] {
  const v = new Validator("Invalid props for the host backup");
  validateBackupProps(v, props);
  v.throwIfAny();
  return backupFilesUnchecked(props);
}

/** `backupFiles` without validation, for callers that validated `props` already. */
export function backupFilesUnchecked(props: BackupProps): HostFile[] {
  if (CONTAINER_DUMP_COMMAND.includes("'")) throw new Error("the in-container command must not contain a single quote");
  const prefix = props.prefix ?? BACKUP_DEFAULT_PREFIX;
  const onCalendar = props.onCalendar ?? BACKUP_DEFAULT_ON_CALENDAR;
  const metricNamespace = props.metricNamespace ?? BACKUP_DEFAULT_METRIC_NAMESPACE;
  const root = "root:root";
  const instance = props.instance;
  const paths = backupPaths(instance);
  const stem = backupUnitStem(instance);
  const env = [
    `# ${stem} settings (systemd EnvironmentFile). Generated by constructs/host/backup.ts; no secret values.`,
    ...awsCliEnvironment(props.region),
    `DOCKER_CONFIG=${paths.dockerConfig}`,
    `BACKUP_BUCKET=${props.bucket}`,
    `BACKUP_PREFIX=${prefix}`,
    `BACKUP_CONTAINER=${props.postgresContainer}`,
    `BACKUP_DATABASE=${props.database}`,
    `BACKUP_DIR=${paths.dir}`,
    `BACKUP_METRIC_NAMESPACE=${metricNamespace}`,
    "",
  ].join("\n");

  const service = `[Unit]
Description=n8n backup: pg_dump of ${props.database} (container ${props.postgresContainer}) to s3://${props.bucket}/${prefix}
Documentation=file://${BACKUP_PATHS.script}
Wants=network-online.target
# Ordering only: a backup never starts dockerd (the script skips the run when it is not active).
After=network-online.target docker.service n8n-secrets-agent.service

[Service]
Type=oneshot
EnvironmentFile=${paths.env}
ExecStart=${paths.script}
TimeoutStartSec=1h
# ${paths.dir} (0700 root, root volume) for the temp dump; /run/${stem} for the Docker CLI.
StateDirectory=${paths.dir.slice("/var/lib/".length)}
StateDirectoryMode=0700
RuntimeDirectory=${stem}
RuntimeDirectoryMode=0700
UMask=0077
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
NoNewPrivileges=yes
# Root owns the folder and the Docker socket: no capability is needed.
CapabilityBoundingSet=
ProtectSystem=strict
${SYSTEMD_SANDBOX}
# AF_UNIX: the Docker socket (/run/docker.sock) and systemd; AF_INET/6: S3, CloudWatch (the success
# metric) and the instance metadata, all HTTPS through the AWS CLI.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
`;

  const timer = `[Unit]
Description=Scheduled n8n Postgres backup${instance === undefined ? "" : ` of ${instance}`} to S3

[Timer]
OnCalendar=${onCalendar}
# A run missed while the host was off runs after the next boot.
Persistent=true
RandomizedDelaySec=15min
AccuracySec=1min

[Install]
WantedBy=timers.target
`;

  return [
    { path: paths.script, permissions: "0755", owner: root, content: BACKUP_SCRIPT },
    { path: paths.env, permissions: "0644", owner: root, content: env },
    { path: paths.service, permissions: "0644", owner: root, content: service },
    { path: paths.timer, permissions: "0644", owner: root, content: timer },
  ];
}

/**
 * The files of several backups on one host (one per tenant, each with its own `instance`): the
 * shared script once, then each backup's settings, service and timer. Validates every entry and
 * the rules between them (`validateBackupSet`). With one entry it is `backupFiles`.
 *
 * @example
 * backupSetFiles(["acme", "beta"].map((id) => ({ instance: id, bucket: "acme-n8n-prod-backups", prefix: `backups/${id}/`,
 *   region: "eu-central-1", postgresContainer: `n8n-${id}-postgres`, database: `n8n_${id}` })));
 */
export function backupSetFiles(list: readonly BackupProps[]): HostFile[] {
  const v = new Validator("Invalid props for the host backups");
  validateBackupSet(
    v,
    list.map((props, i) => ({ at: `[${i}].`, props })),
  );
  v.throwIfAny();
  return backupSetFilesUnchecked(list);
}

/** `backupSetFiles` without validation, for callers that validated the list already (`hostUserData`). */
export function backupSetFilesUnchecked(list: readonly BackupProps[]): HostFile[] {
  const files = list.flatMap((props) => backupFilesUnchecked(props));
  return files.filter((f, i) => f.path !== BACKUP_PATHS.script || files.findIndex((g) => g.path === BACKUP_PATHS.script) === i);
}

/** The timers of several backups, in order (what `hostUserData` enables and starts). */
export function backupTimerNames(list: readonly BackupProps[]): string[] {
  return list.map((p) => backupTimerName(p.instance));
}
