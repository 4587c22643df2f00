/**
 * The host's secrets agent: one POSIX sh script, run by systemd, using the AWS CLI v2 and jq that
 * Amazon Linux 2023 ships. It is static (settings come from its environment and its secrets list),
 * so what runs on the host is exactly what shellcheck and the tests in test/host see.
 *
 * Kept as a TypeScript string (not a .sh file read at run time) because main.ts is bundled into
 * one file by scripts/run-ts.cjs, where a neighbouring file would not be found. In the template
 * below `\${` is a literal `${` of the shell.
 */
export const AGENT_SCRIPT = `#!/bin/sh
# n8n-secrets-agent (constructs/host/agent-script.ts): AWSCURRENT secrets from Secrets Manager
# into tmpfs files for containers. Run by n8n-secrets-agent.service; settings (AWS_REGION,
# SECRETS_DIR, STATE_DIR, SECRETS_CONF, OWNER_UID, OWNER_GID) from its EnvironmentFile.
# SECRETS_CONF lines: <secret name> <file[=json-key][,...]> <container[,...] or ->
# Values never reach argv, env or the journal: the CLI's output is captured, printf (a builtin)
# pipes it to jq, jq writes the file; jq's errors (they can quote input) go to /dev/null. No set -x.
set -u
set -f
umask 077

info() { printf '<6>%s\\n' "$*"; }
error() { printf '<3>%s\\n' "$*" >&2; }

: "\${AWS_REGION:?is not set; run the agent with: systemctl start n8n-secrets-agent.service}"
: "\${SECRETS_DIR:?is not set}" "\${STATE_DIR:?is not set}" "\${SECRETS_CONF:?is not set}"
: "\${OWNER_UID:?is not set}" "\${OWNER_GID:?is not set}"
for id_number in "$OWNER_UID" "$OWNER_GID"; do
  case $id_number in '' | *[!0-9]*)
    error "OWNER_UID and OWNER_GID must be numbers"
    exit 2
    ;;
  esac
done
default_ifs=$IFS

# Staged temp files are removed on every exit; renamed ones are already gone.
staged=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  for t in $staged; do rm -f "$t"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Only the files the secrets list names, with no dot segments and no leading dot (temp files).
valid_file_name() {
  case $1 in
    '' | /* | */ | *//* | .* | */.* | *[!A-Za-z0-9._/-]*) return 1 ;;
  esac
  return 0
}

record_version() { # <state file> <version id>
  printf '%s\\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

# Fetches one secret and writes its files. Returns non-zero (old files kept) on any failure.
process_secret() { # <secret name> <files> <containers or ->
  secret_id=$1
  file_specs=$2
  containers=$3
  state_file="$STATE_DIR/$(printf '%s' "$secret_id" | tr '/' '%').version"

  if ! response=$(aws secretsmanager get-secret-value --secret-id "$secret_id" --version-stage AWSCURRENT \\
    --region "$AWS_REGION" --query '{VersionId: VersionId, SecretString: SecretString}' --output json </dev/null); then
    error "$secret_id: GetSecretValue failed (the AWS CLI's message is above); the old files stay in place"
    return 1
  fi
  version=$(printf '%s' "$response" | jq -r '.VersionId | strings' 2>/dev/null)
  case $version in
    '' | *[!A-Za-z0-9-]*)
      error "$secret_id: the response has no usable VersionId; the old files stay in place"
      return 1
      ;;
  esac
  previous=""
  if [ -f "$state_file" ]; then previous=$(cat "$state_file"); fi

  IFS=,
  # shellcheck disable=SC2086 # split the comma list on purpose (globbing is off)
  set -- $file_specs
  IFS=$default_ifs

  if [ "$version" = "$previous" ]; then
    missing=""
    for spec in "$@"; do
      [ -f "$SECRETS_DIR/\${spec%%=*}" ] || missing=1
    done
    if [ -z "$missing" ]; then return 0; fi
  fi

  # Stage every file of the secret first: a JSON secret's files change together or not at all.
  moves=""
  names=""
  for spec in "$@"; do
    name=\${spec%%=*}
    json_key=""
    case $spec in *=*) json_key=\${spec#*=} ;; esac
    if ! valid_file_name "$name"; then
      error "$secret_id: refusing file name $name"
      return 1
    fi
    dest="$SECRETS_DIR/$name"
    dir=\${dest%/*}
    if ! mkdir -p "$dir" || ! tmp=$(mktemp "$dir/.\${name##*/}.XXXXXX"); then
      error "$secret_id: cannot create a temp file in $dir; the old files stay in place"
      return 1
    fi
    staged="$staged $tmp"
    # -e: no output (missing key, not a string, empty, not JSON) is an error; -j: no newline added.
    if ! printf '%s' "$response" | jq -e -j --arg key "$json_key" '
        .SecretString | strings
        | if $key == "" then . else (fromjson? | objects | .[$key] | if type == "number" then tostring else strings end) end
        | select(length > 0)' >"$tmp" 2>/dev/null; then
      if [ -z "$json_key" ]; then
        error "$secret_id: version $version has no SecretString (or it is empty); the old files stay in place"
      else
        error "$secret_id: version $version is not a JSON object with a non-empty string at key $json_key; the old files stay in place"
      fi
      return 1
    fi
    if ! chmod 0400 "$tmp" || ! chown "$OWNER_UID:$OWNER_GID" "$tmp"; then
      error "$secret_id: cannot set the owner or mode of $tmp; the old files stay in place"
      return 1
    fi
    moves="$moves $tmp:$dest"
    names="$names $name"
  done

  # rename(2) in the same folder: a reader sees the old file or the new one, never a partial one.
  for move in $moves; do
    if ! mv -f "\${move%%:*}" "\${move#*:}"; then
      error "$secret_id: cannot rename \${move%%:*} to \${move#*:}"
      return 1
    fi
  done

  if [ -n "$previous" ] && [ "$version" != "$previous" ] && [ "$containers" != "-" ]; then
    info "$secret_id: version $version (was $previous) written to$names; restart queued: $containers"
    IFS=,
    # shellcheck disable=SC2086
    set -- $containers
    IFS=$default_ifs
    for c in "$@"; do
      case " $restart_queue " in *" $c "*) ;; *) restart_queue="$restart_queue $c" ;; esac
    done
    # The version is recorded once its containers have restarted, so a failed restart is retried.
    pending="$pending$state_file $version $containers
"
    return 0
  fi
  if [ -n "$previous" ] && [ "$version" != "$previous" ]; then
    info "$secret_id: version $version (was $previous) written to$names"
  else
    info "$secret_id: version $version written to$names"
  fi
  record_version "$state_file" "$version"
}

if ! mkdir -p "$SECRETS_DIR" "$STATE_DIR" || ! chmod 0700 "$SECRETS_DIR" "$STATE_DIR"; then
  error "cannot create $SECRETS_DIR or $STATE_DIR"
  exit 1
fi
if [ ! -r "$SECRETS_CONF" ]; then
  error "cannot read the secrets list $SECRETS_CONF"
  exit 1
fi

# True when every file of every secret that names container $1 exists (names from the secrets list).
files_present_for() { # <container>
  want=$1
  while read -r w_files w_containers; do
    [ -n "$w_files" ] || continue
    case ",$w_containers," in *",$want,"*) ;; *) continue ;; esac
    IFS=,
    # shellcheck disable=SC2086
    set -- $w_files
    IFS=$default_ifs
    for spec in "$@"; do
      if ! valid_file_name "\${spec%%=*}" || [ ! -f "$SECRETS_DIR/\${spec%%=*}" ]; then return 1; fi
    done
  done <<EOF
$watched
EOF
  return 0
}

status=0
restart_queue=""
pending=""
# "<files> <containers>" of every secret that names containers, and those containers, each once.
watched=""
watched_containers=""
while read -r line_id line_files line_containers line_rest <&3; do
  case $line_id in '' | '#'*) continue ;; esac
  if [ -z "$line_files" ] || [ -n "$line_rest" ]; then
    error "$SECRETS_CONF: malformed line for $line_id"
    status=1
    continue
  fi
  if [ -n "$line_containers" ] && [ "$line_containers" != "-" ]; then
    watched="$watched$line_files $line_containers
"
    IFS=,
    # shellcheck disable=SC2086
    set -- $line_containers
    IFS=$default_ifs
    for c in "$@"; do
      case " $watched_containers " in *" $c "*) ;; *) watched_containers="$watched_containers $c" ;; esac
    done
  fi
  process_secret "$line_id" "$line_files" "\${line_containers:--}" || status=1
done 3<"$SECRETS_CONF"

# Restarts only after every secret is written, each container once. Never on the first run after
# boot (no state yet), and not while dockerd is down: containers read the new files when it starts
# (asking docker then would socket-activate dockerd, which is ordered after this service).
failed_containers=""
docker_active=""
if systemctl is-active --quiet docker.service; then docker_active=1; fi
if [ -n "$restart_queue" ]; then
  if [ -n "$docker_active" ]; then
    for c in $restart_queue; do
      if ! docker container inspect "$c" >/dev/null 2>&1; then
        info "container $c does not exist; nothing to restart"
      elif docker restart "$c" >/dev/null; then
        info "restarted $c"
      else
        error "restarting $c failed; the next run tries again"
        failed_containers="$failed_containers $c"
        status=1
      fi
    done
  else
    info "docker.service is not running; containers read the new files when it starts"
  fi
fi
while read -r pending_state pending_version pending_containers; do
  [ -n "$pending_state" ] || continue
  restarted=1
  IFS=,
  # shellcheck disable=SC2086
  set -- $pending_containers
  IFS=$default_ifs
  for c in "$@"; do
    case " $failed_containers " in *" $c "*) restarted="" ;; esac
  done
  if [ -n "$restarted" ]; then record_version "$pending_state" "$pending_version"; fi
done <<EOF
$pending
EOF

# A container whose bind-mount source was missing when dockerd started it (the boot run could not
# write every file) failed to start, and dockerd does not retry a restart policy after a failed
# start; a later run sees no previous version, so it restarts nothing. Such a container (it
# exists, is not running and its last start failed: State.Error is set) is started once every file
# of every secret that names it exists. One an operator stopped has no State.Error: it stays down.
# Containers restarted (or tried) above are left alone.
if [ -n "$docker_active" ]; then
  for c in $watched_containers; do
    case " $restart_queue " in *" $c "*) continue ;; esac
    state=$(docker container inspect -f '{{.State.Running}} {{.State.Error}}' "$c" 2>/dev/null) || continue
    case $state in "false "?*) ;; *) continue ;; esac
    if ! files_present_for "$c"; then
      info "container $c failed to start and some of its files are still missing; the next run tries again"
    elif docker start "$c" >/dev/null; then
      info "started $c (its last start had failed; its files are in place now)"
    else
      error "starting $c failed; the next run tries again"
      status=1
    fi
  done
fi

exit "$status"
`;
