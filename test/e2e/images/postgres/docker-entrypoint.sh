#!/usr/bin/env bash
# Entrypoint of the e2e stand-in for the official postgres image (docker-library/postgres, 17).
# Written for this project; it implements the documented contract of the official entrypoint:
#
# - `postgres ...` (or arguments starting with "-", which get `postgres` in front) starts the
#   server; anything else is executed as it is.
# - Started as root, it prepares PGDATA and /var/run/postgresql and re-runs itself as `postgres`
#   (uid 999). Started as any other uid (docker run --user), it runs as that uid; initdb then gets
#   a passwd entry for it through nss_wrapper.
# - On an empty PGDATA (no PG_VERSION): initdb with POSTGRES_USER and POSTGRES_PASSWORD
#   (or POSTGRES_PASSWORD_FILE) plus POSTGRES_INITDB_ARGS (and POSTGRES_INITDB_WALDIR); a
#   "host all all all <method>" line appended to PGDATA/pg_hba.conf (POSTGRES_HOST_AUTH_METHOD,
#   default: the server's password_encryption); then a socket-only temporary server, started
#   with the same server arguments, creates POSTGRES_DB and processes /docker-entrypoint-initdb.d/
#   in sorted order: *.sh run when executable for the current user, sourced otherwise; *.sql,
#   *.sql.gz, *.sql.xz, *.sql.zst fed to psql; anything else ignored. PGPASSWORD is exported
#   meanwhile so psql can log in when local connections need a password. The temporary server
#   is stopped and the real one exec'd with the given arguments.
# - A PGDATA that already holds a cluster skips all of that.
# Every *_FILE variant (POSTGRES_PASSWORD_FILE, POSTGRES_USER_FILE, POSTGRES_DB_FILE,
# POSTGRES_INITDB_ARGS_FILE) reads the value from a file; setting both forms is an error.
set -Eeo pipefail

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# from_file NAME [DEFAULT]: NAME from $NAME, else from the file named by ${NAME}_FILE, else DEFAULT.
from_file() {
  local name=$1 file_name="${1}_FILE" default=${2:-} value
  if [ -n "${!name:-}" ] && [ -n "${!file_name:-}" ]; then
    die "$name and $file_name are both set; use one of them"
  fi
  value=$default
  if [ -n "${!name:-}" ]; then
    value=${!name}
  elif [ -n "${!file_name:-}" ]; then
    value=$(<"${!file_name}")
  fi
  export "$name=$value"
  unset "$file_name"
}

wants_help() {
  local a
  for a; do
    case "$a" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

load_settings() {
  from_file POSTGRES_PASSWORD
  from_file POSTGRES_USER postgres
  from_file POSTGRES_DB "$POSTGRES_USER"
  from_file POSTGRES_INITDB_ARGS
  POSTGRES_HOST_AUTH_METHOD=${POSTGRES_HOST_AUTH_METHOD:-}
  : "${PGDATA:?PGDATA must be set}"
  if [ -s "$PGDATA/PG_VERSION" ]; then CLUSTER_EXISTS=1; else CLUSTER_EXISTS=; fi
}

prepare_dirs() {
  mkdir -p "$PGDATA"
  # May fail on a directory we do not own; postgres itself then says what is wrong.
  chmod 0700 "$PGDATA" 2>/dev/null || :
  mkdir -p /var/run/postgresql 2>/dev/null || :
  chmod 3775 /var/run/postgresql 2>/dev/null || :
  if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
    mkdir -p "$POSTGRES_INITDB_WALDIR"
    [ "$(id -u)" != 0 ] || chown -R postgres: "$POSTGRES_INITDB_WALDIR"
    chmod 0700 "$POSTGRES_INITDB_WALDIR"
  fi
  if [ "$(id -u)" = 0 ]; then
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres: {} +
  fi
}

check_password_given() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    die "the database is not initialised and no superuser password was given: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust, not recommended)"
  fi
  if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
    log "WARNING: POSTGRES_HOST_AUTH_METHOD=trust lets anyone who reaches the port in without a password"
  fi
}

run_initdb() {
  local uid gid lib preloaded=
  uid=$(id -u)
  gid=$(id -g)
  # initdb needs a passwd entry for the uid it runs as.
  if ! getent passwd "$uid" >/dev/null 2>&1; then
    for lib in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so /lib/*/libnss_wrapper.so; do
      [ -s "$lib" ] || continue
      NSS_WRAPPER_PASSWD=$(mktemp)
      NSS_WRAPPER_GROUP=$(mktemp)
      printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$uid" "$gid" "$PGDATA" >"$NSS_WRAPPER_PASSWD"
      printf 'postgres:x:%s:\n' "$gid" >"$NSS_WRAPPER_GROUP"
      export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP LD_PRELOAD=$lib
      preloaded=1
      break
    done
  fi
  local extra=()
  [ -z "${POSTGRES_INITDB_WALDIR:-}" ] || extra=(--waldir "$POSTGRES_INITDB_WALDIR")
  # initdb refuses an empty password file, hence the newline. POSTGRES_INITDB_ARGS is shell
  # words (quotes allowed), as in the official image.
  eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "${extra[@]}"'
  if [ -n "$preloaded" ]; then
    rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
    unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
  fi
}

# Appends the catch-all host rule to PGDATA/pg_hba.conf. Arguments: the server arguments.
add_host_rule() {
  [ "${1:-}" != postgres ] || shift
  local method=$POSTGRES_HOST_AUTH_METHOD
  [ -n "$method" ] || method=$(postgres -C password_encryption "$@")
  {
    echo
    [ "$method" != trust ] || echo '# trust: every connection is let in without a password'
    echo "host all all all $method"
  } >>"$PGDATA/pg_hba.conf"
}

# psql as the superuser over the local socket, stopping at the first error.
docker_process_sql() {
  local cmd=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  [ -z "$POSTGRES_DB" ] || cmd+=(--dbname "$POSTGRES_DB")
  PGHOST= PGHOSTADDR= "${cmd[@]}" "$@"
}
# Init scripts written for the official image may use "${psql[@]}".
psql=(docker_process_sql)

start_temp_server() {
  [ "${1:-}" != postgres ] || shift
  local opts
  opts=$(printf '%q ' "$@" -c "listen_addresses=" -p "${PGPORT:-5432}")
  NOTIFY_SOCKET= PGUSER=${PGUSER:-$POSTGRES_USER} pg_ctl -D "$PGDATA" -o "$opts" -w start
}

stop_temp_server() {
  PGUSER=${PGUSER:-postgres} pg_ctl -D "$PGDATA" -m fast -w stop
}

create_database() {
  local found
  found=$(POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
  if [ -z "${found//[[:space:]]/}" ]; then
    POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
}

run_init_files() {
  local f
  echo
  for f; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          log "running $f"
          "$f"
        else
          log "sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) log "running $f"; docker_process_sql -f "$f"; echo ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | docker_process_sql; echo ;;
      *.sql.xz) log "running $f"; xzcat "$f" | docker_process_sql; echo ;;
      *.sql.zst) log "running $f"; zstd -dc "$f" | docker_process_sql; echo ;;
      *) log "ignoring $f" ;;
    esac
    echo
  done
}

main() {
  if [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
  fi
  if [ "$1" = postgres ] && ! wants_help "$@"; then
    load_settings
    prepare_dirs
    if [ "$(id -u)" = 0 ]; then
      exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    if [ -z "$CLUSTER_EXISTS" ]; then
      check_password_given
      # Fail now, not half-way, when the init folder cannot be read.
      ls /docker-entrypoint-initdb.d/ >/dev/null
      run_initdb
      add_host_rule "$@"
      export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
      start_temp_server "$@"
      create_database
      run_init_files /docker-entrypoint-initdb.d/*
      stop_temp_server
      unset PGPASSWORD
      echo
      log "PostgreSQL init process complete; ready for start up."
      echo
    else
      echo
      log "PostgreSQL database directory appears to contain a database; skipping initialization"
      echo
    fi
  fi
  exec "$@"
}

main "$@"
