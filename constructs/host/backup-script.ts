/**
 * The host's Postgres backup: one POSIX sh script, run by `n8n-backup.service` (started by
 * `n8n-backup.timer`), using the Docker CLI and the AWS CLI v2 that the host already has. Static
 * like the secrets agent's script: its settings come from the unit's EnvironmentFile, so what runs
 * on the host is exactly what shellcheck and the tests in test/host see.
 *
 * One script serves every backup of a host (`BackupProps.instance`, e.g. one per tenant, run by
 * `n8n-backup-<instance>.service`): everything that differs between them (container, database,
 * bucket and prefix, metric namespace, the temp folder BACKUP_DIR and the Docker CLI's
 * DOCKER_CONFIG) is in that backup's own EnvironmentFile; the script names no path of its own.
 * Its stale-temp-file cleanup only looks into its own BACKUP_DIR, so runs of two instances (each
 * with its own folder) may overlap.
 *
 * In the template below `\${` is a literal `${` of the shell.
 */

/** Where the secret file the in-container shell reads lives inside the Postgres container. */
export const POSTGRES_SUPERUSER_PASSWORD_IN_CONTAINER = "/run/secrets/postgres-superuser-password";

/**
 * The command text `docker exec <container> sh -c` runs inside the Postgres container (the database
 * name arrives as `$1`). The container's own shell reads the superuser password from its secret
 * file into pg_dump's environment: the value is in no argv, never on the host, never in the journal.
 * `-w`: never prompt; `-Fc`: custom format (compressed, restorable with pg_restore, starts with PGDMP).
 */
export const CONTAINER_DUMP_COMMAND = `PGPASSWORD="$(cat ${POSTGRES_SUPERUSER_PASSWORD_IN_CONTAINER})" || exit 1; export PGPASSWORD; exec pg_dump -U postgres -w -Fc "$1"`;

/**
 * The CloudWatch metric a successful run publishes (value 1, unit Count, one dimension
 * `Database=<database>`, in the namespace of the settings' BACKUP_METRIC_NAMESPACE). An alarm on
 * "no data point for a day" catches every way a backup can stop: a failed run, a stopped timer, a
 * dead host.
 */
export const BACKUP_METRIC_NAME = "BackupSucceeded";
/** The metric's only dimension: its value is the database name. */
export const BACKUP_METRIC_DIMENSION = "Database";

export const BACKUP_SCRIPT = `#!/bin/sh
# n8n-backup (constructs/host/backup-script.ts): pg_dump of one database in the Postgres container,
# uploaded to the backup bucket. Run by n8n-backup.service; settings (AWS_REGION, BACKUP_BUCKET,
# BACKUP_PREFIX, BACKUP_CONTAINER, BACKUP_DATABASE, BACKUP_DIR, BACKUP_METRIC_NAMESPACE) from its
# EnvironmentFile. Only a run that uploaded a backup publishes the success metric.
# The superuser password never leaves the container (see the docker exec below). The journal gets
# names, sizes and keys only. No set -x.
set -u
set -f
umask 077

info() { printf '<6>%s\\n' "$*"; }
error() { printf '<3>%s\\n' "$*" >&2; }

: "\${AWS_REGION:?is not set; run the backup with: systemctl start n8n-backup.service}"
: "\${BACKUP_BUCKET:?is not set}" "\${BACKUP_PREFIX:?is not set}" "\${BACKUP_CONTAINER:?is not set}"
: "\${BACKUP_DATABASE:?is not set}" "\${BACKUP_DIR:?is not set}" "\${BACKUP_METRIC_NAMESPACE:?is not set}"
# The generator validates these; checked again because they reach docker, an S3 key, rm and CloudWatch.
refuse() {
  error "$1 has a value this script does not accept; regenerate the settings (constructs/host/backup.ts)"
  exit 2
}
case $BACKUP_DATABASE in [!a-z]* | *[!a-z0-9_]*) refuse BACKUP_DATABASE ;; esac
case $BACKUP_CONTAINER in [!A-Za-z0-9]* | *[!A-Za-z0-9_.-]*) refuse BACKUP_CONTAINER ;; esac
case $BACKUP_BUCKET in [!a-z0-9]* | *[!a-z0-9.-]*) refuse BACKUP_BUCKET ;; esac
case $BACKUP_PREFIX in /* | .* | */.* | *//* | *[!A-Za-z0-9_./-]* | *[!/]) refuse BACKUP_PREFIX ;; esac
case $BACKUP_DIR in /*/*) ;; *) refuse BACKUP_DIR ;; esac
case $BACKUP_METRIC_NAMESPACE in AWS/* | *[!A-Za-z0-9._/#:-]*) refuse BACKUP_METRIC_NAMESPACE ;; esac
if [ \${#BACKUP_METRIC_NAMESPACE} -gt 255 ]; then refuse BACKUP_METRIC_NAMESPACE; fi

# The temp dump is removed on every exit: success, failure, INT or TERM (systemctl stop, timeout).
dump=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ -n "$dump" ]; then rm -f "$dump"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Never start dockerd for a backup (asking docker would socket-activate it).
if ! systemctl is-active --quiet docker.service; then
  error "docker.service is not active: no backup taken, nothing uploaded"
  exit 1
fi
running=$(docker container inspect -f '{{.State.Running}}' "$BACKUP_CONTAINER" 2>/dev/null) || running=""
if [ "$running" != true ]; then
  error "container $BACKUP_CONTAINER is not running (or does not exist): no backup taken, nothing uploaded"
  exit 1
fi

# A root-only folder on the (encrypted) root volume: the dump can be larger than a tmpfs.
if [ -L "$BACKUP_DIR" ] || ! mkdir -p "$BACKUP_DIR" || ! chmod 0700 "$BACKUP_DIR"; then
  error "cannot create the root-only folder $BACKUP_DIR: no backup taken"
  exit 1
fi
# A run killed with SIGKILL skips the trap; systemd never runs two at once, so a leftover is stale.
set +f
for old in "$BACKUP_DIR"/.n8n-backup.*; do
  if [ -f "$old" ] && rm -f "$old"; then info "removed $old, left by an interrupted run"; fi
done
set -f
if ! dump=$(mktemp "$BACKUP_DIR/.n8n-backup.XXXXXX"); then
  dump=""
  error "cannot create a temp file in $BACKUP_DIR: no backup taken"
  exit 1
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
key="$BACKUP_PREFIX$BACKUP_DATABASE-$stamp.dump"
info "dumping database $BACKUP_DATABASE in container $BACKUP_CONTAINER"
# The text after sh -c is fixed and single-quoted here, so the host's shell expands nothing in it:
# the container's shell reads the superuser password from the container's own secret file into
# pg_dump's environment. The value is in no argv (host or container), never on the host and never
# in the journal. The database name arrives as $1. No -t: a TTY would mangle the binary dump.
# shellcheck disable=SC2016 # expanded by the container's shell, on purpose
docker exec "$BACKUP_CONTAINER" sh -c '${CONTAINER_DUMP_COMMAND}' n8n-backup "$BACKUP_DATABASE" </dev/null >"$dump"
rc=$?
# Nothing is uploaded unless pg_dump succeeded and the file is a custom-format dump: no truncated backups.
if [ "$rc" -ne 0 ]; then
  error "pg_dump of $BACKUP_DATABASE in $BACKUP_CONTAINER failed (exit $rc; its message is above): nothing uploaded"
  exit 1
fi
size=$(wc -c <"$dump" | tr -d ' ')
if [ "$size" = 0 ]; then
  error "pg_dump of $BACKUP_DATABASE in $BACKUP_CONTAINER wrote nothing: nothing uploaded"
  exit 1
fi
# pg_dump's custom format starts with the magic bytes PGDMP (hex 50 47 44 4d 50).
magic=$(dd if="$dump" bs=5 count=1 2>/dev/null | od -An -tx1 | tr -d ' \\n')
if [ "$magic" != 5047444d50 ]; then
  error "the output of pg_dump ($size bytes) does not start with PGDMP, so it is not a custom-format dump: nothing uploaded"
  exit 1
fi

# No --sse or --sse-kms-key-id on purpose: the bucket's default encryption (SSE-KMS with the
# project's customer key) applies to an upload that names none, and the bucket policy refuses any
# other algorithm or key. The checksum lets S3 verify the bytes, and S3 requires one (Content-MD5
# or x-amz-checksum-*) when an Object Lock default retention applies to the upload.
if ! aws s3 cp "$dump" "s3://$BACKUP_BUCKET/$key" --region "$AWS_REGION" --only-show-errors --checksum-algorithm SHA256 </dev/null; then
  error "upload of $size bytes to s3://$BACKUP_BUCKET/$key failed (the AWS CLI's message is above)"
  exit 1
fi
info "backup of $BACKUP_DATABASE uploaded: s3://$BACKUP_BUCKET/$key ($size bytes)"

# The success metric, published only here (after the upload): the alarm fires when none arrives.
# When it cannot be published the run fails too, so the unit shows what the alarm will report.
if ! aws cloudwatch put-metric-data --namespace "$BACKUP_METRIC_NAMESPACE" --metric-name ${BACKUP_METRIC_NAME} --value 1 --unit Count --dimensions "${BACKUP_METRIC_DIMENSION}=$BACKUP_DATABASE" --region "$AWS_REGION" </dev/null; then
  error "backup uploaded as s3://$BACKUP_BUCKET/$key, but the success metric could not be published (the AWS CLI's message is above); the missing-backup alarm will fire"
  exit 1
fi
info "published the success metric ${BACKUP_METRIC_NAME} (namespace $BACKUP_METRIC_NAMESPACE, ${BACKUP_METRIC_DIMENSION}=$BACKUP_DATABASE)"
exit 0
`;
