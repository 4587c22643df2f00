#!/usr/bin/env bash
# Builds the e2e suite's container images locally (no registry): a Debian root filesystem per
# image (mmdebstrap), filled by the image folder's assemble.sh, packed to a tarball and loaded
# with `docker import` as localhost/n8n-zt-e2e/<name>:<tag>.
#
# usage: test/e2e/images/build.sh [name...]      (no names: every image)
# env:   DOCKER_HOST           the daemon to import into
#        N8N_ZT_E2E_CACHE      cache root (default /var/cache/n8n-zt-e2e); E2E_CACHE wins if set
#        E2E_IMAGES_REQUIRED=1 a missing image folder is an error, not a notice
#        E2E_BUILD_JOBS        images built at once (default 2)
#        E2E_NO_IMPORT=1       build the tarballs only
#
# Image folder contract (test/e2e/images/<name>/):
#   packages     Debian packages on top of the base (minbase + ca-certificates + tzdata), one a line
#   assemble.sh  executable; `assemble.sh <rootfs> <meta_dir>` with E2E_CACHE, REPO_ROOT,
#                IMAGE_VERSION, E2E_LIB and every variable of $E2E_CACHE/bin/current.env in its
#                environment; fills the rootfs and writes <meta_dir>/changes (one Dockerfile
#                instruction a line, for `docker import --change`)
#   inputs       optional executable printing extra cache-key material (same environment)
#   tag          optional: the tag of an image that config/dev.json does not name (probe)
#   suite        optional: Debian suite of the rootfs (default bookworm)
#   requires     optional: names of current.env variables (one a line) that must name an
#                existing file; when one does not, the image is skipped as unavailable (a
#                notice, or an error with E2E_IMAGES_REQUIRED=1) before anything is built
# Cache key: sha256 of the folder's files, its packages, lib.sh (the rootfs recipe), the Debian
# suite and mirrors, IMAGE_VERSION, the current.env binaries the folder names, and `inputs`.
# Results: $E2E_CACHE/images/<name>-<key>.tar (+ .changes), logs in $E2E_CACHE/images/logs/, and
# $E2E_CACHE/images/current.json mapping each config image key (and "probe") to the local
# reference. Downloaded .debs are kept in $E2E_CACHE/debs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../../.." && pwd)
E2E_CACHE=${E2E_CACHE:-${N8N_ZT_E2E_CACHE:-/var/cache/n8n-zt-e2e}}
E2E_LIB=$HERE/lib.sh
export E2E_CACHE REPO_ROOT E2E_LIB
# shellcheck source=lib.sh
. "$E2E_LIB"

CONFIG=${E2E_CONFIG:-$REPO_ROOT/config/dev.json}
BIN_ENV=$E2E_CACHE/bin/current.env
JOBS=${E2E_BUILD_JOBS:-2}
IMAGES_DIR=$E2E_CACHE/images
LOG_DIR=$IMAGES_DIR/logs
mkdir -p "$IMAGES_DIR" "$LOG_DIR" "$E2E_CACHE/work"

# config image key -> image folder; probe is ours only; valkey (queue mode) takes its folder's tag
# while config/dev.json names no valkey image.
declare -A FOLDER=([traefik]=traefik [socketProxy]=socket-proxy [oauth2Proxy]=oauth2-proxy [n8n]=n8n [n8nRunners]=n8n-runners [postgres]=postgres [dex]=dex [valkey]=valkey [probe]=probe)
ORDER=(socketProxy postgres probe valkey traefik oauth2Proxy dex n8n n8nRunners)

command -v mmdebstrap >/dev/null || e2e_die "mmdebstrap is not installed (apt-get install mmdebstrap)"
command -v jq >/dev/null || e2e_die "jq is not installed (apt-get install jq)"
command -v flock >/dev/null || e2e_die "flock is not installed (util-linux)"
[ "$(id -u)" = 0 ] || e2e_die "must run as root (mmdebstrap --mode=root)"

# Optional names on the command line (config keys or folder names) limit the build.
WANT=()
if [ $# -gt 0 ]; then
  for arg; do
    found=
    for k in "${ORDER[@]}"; do
      if [ "$arg" = "$k" ] || [ "$arg" = "${FOLDER[$k]}" ]; then WANT+=("$k"); found=1; fi
    done
    [ -n "$found" ] || e2e_die "unknown image $arg (one of: ${ORDER[*]})"
  done
else
  WANT=("${ORDER[@]}")
fi

image_tag() {
  local key=$1 dir=$HERE/${FOLDER[$1]} ref
  if [ -f "$dir/tag" ]; then
    tr -d '[:space:]' <"$dir/tag"
    return
  fi
  ref=$(jq -er --arg k "$key" '.images[$k]' "$CONFIG") || e2e_die "$CONFIG has no .images.$key"
  printf '%s\n' "${ref##*:}"
}

# Loads current.env (if any) into the environment of the calling (sub)shell.
load_bin_env() {
  if [ -f "$BIN_ENV" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$BIN_ENV"
    set +a
  fi
}

# Prints the cache-key material of one image (runs in a subshell with current.env loaded).
key_material() {
  local name=$1 dir=$HERE/$1
  printf 'format %s\nsuite %s\nmirror %s\nsecurity %s\nbase %s\n' "$E2E_IMAGE_FORMAT" "$(e2e_suite "$dir")" \
    "$E2E_DEBIAN_MIRROR" "$E2E_DEBIAN_SECURITY_MIRROR" "$E2E_BASE_PACKAGES"
  printf 'lib %s\n' "$(e2e_sha256 "$E2E_LIB")"
  printf 'image %s version %s\n' "$name" "$IMAGE_VERSION"
  printf 'packages %s\n' "$(e2e_packages "$dir" | paste -sd' ' -)"
  e2e_tree_digest "$dir"
  e2e_bin_inputs "$dir" "$BIN_ENV"
  if [ -x "$dir/inputs" ]; then
    printf 'inputs:\n'
    "$dir/inputs"
  fi
}

# docker import with the image's changes. Instructions that `docker import --change` does not
# take (STOPSIGNAL on Docker 20.10, SHELL, HEALTHCHECK on some versions) are applied by a
# one-step legacy `docker build` FROM the imported image, which needs no registry.
import_image() {
  local tar=$1 changes=$2 ref=$3 key=$4 name=$5 line args=() later=()
  while IFS= read -r line; do
    case "${line%% *}" in
      STOPSIGNAL | SHELL | HEALTHCHECK) later+=("$line") ;;
      *) args+=(--change "$line") ;;
    esac
  done <"$changes"
  args+=(--change "LABEL org.n8n-zero-trust.e2e.image=$name")
  if [ ${#later[@]} -eq 0 ]; then
    docker import "${args[@]}" --change "LABEL $E2E_KEY_LABEL=$key" "$tar" "$ref"
    return
  fi
  local tmp=$ref-import-$key
  docker import "${args[@]}" "$tar" "$tmp"
  printf 'FROM %s\n%s\nLABEL %s=%s\n' "$tmp" "$(printf '%s\n' "${later[@]}")" "$E2E_KEY_LABEL" "$key" |
    DOCKER_BUILDKIT=0 docker build -q -t "$ref" - 2>&1 | grep -v -e DEPRECATED -e 'BuildKit is currently disabled' -e 'environment-variable' -e '^ *$' || true
  docker image inspect -f "{{ index .Config.Labels \"$E2E_KEY_LABEL\" }}" "$ref" | grep -qx "$key"
  docker rmi "$tmp" >/dev/null || true
}

# Builds (or finds cached) and imports one image. Runs in a subshell; prints one result line
# "name|ref|key|cached|seconds|status" on fd 3.
build_one() {
  local ckey=$1 name=${FOLDER[$1]} dir=$HERE/${FOLDER[$1]} start=$SECONDS
  local tag ref key tar changes work log cached=yes
  log=$LOG_DIR/$name.log
  : >"$log"
  tag=$(image_tag "$ckey")
  ref=$E2E_IMAGE_PREFIX/$name:$tag
  export IMAGE_VERSION=$tag E2E_IMAGE_NAME=$name E2E_IMAGE_DIR=$dir
  load_bin_env
  key=$(key_material "$name" 2>>"$log" | tee "$LOG_DIR/$name.key-material" | sha256sum | cut -c1-16)
  tar=$IMAGES_DIR/$name-$key.tar
  changes=$IMAGES_DIR/$name-$key.changes
  if [ ! -s "$tar" ] || [ ! -f "$changes" ]; then
    cached=no
    work=$E2E_CACHE/work/$name-$key
    # A failed build leaves its work folder for a look; the next build of the image drops it.
    rm -rf "$E2E_CACHE/work/$name-"*
    mkdir -p "$work/meta"
    e2e_log "$name: building rootfs (log: $log)"
    local pkgs
    mapfile -t pkgs < <(e2e_packages "$dir")
    e2e_debootstrap "$(e2e_suite "$dir")" "$work/rootfs" "$work/mmdebstrap.log" "${pkgs[@]}" || { cat "$work/mmdebstrap.log" >>"$log"; echo "$ckey|$ref|$key|$cached|$((SECONDS - start))|failed: mmdebstrap" >&3; return 1; }
    cat "$work/mmdebstrap.log" >>"$log"
    e2e_log "$name: assemble.sh"
    if ! "$dir/assemble.sh" "$work/rootfs" "$work/meta" >>"$log" 2>&1; then
      tail -n 30 "$log" >&2
      echo "$ckey|$ref|$key|$cached|$((SECONDS - start))|failed: assemble.sh" >&3
      return 1
    fi
    [ -f "$work/meta/changes" ] || { echo "$ckey|$ref|$key|$cached|$((SECONDS - start))|failed: no meta/changes" >&3; return 1; }
    e2e_finish_rootfs "$work/rootfs"
    e2e_pack "$work/rootfs" "$tar"
    grep -v '^[[:space:]]*$' "$work/meta/changes" >"$changes.tmp" && mv -f "$changes.tmp" "$changes"
    rm -rf "$work"
    # Keep this tarball and the newest other one of the image (switching back is then free).
    local old newest=
    for old in $(ls -1t "$IMAGES_DIR/$name"-????????????????.tar 2>/dev/null); do
      [ "$old" != "$tar" ] || continue
      if [ -z "$newest" ]; then newest=$old; continue; fi
      rm -f "$old" "${old%.tar}.changes"
    done
  fi
  if [ "${E2E_NO_IMPORT:-0}" != 1 ]; then
    local have
    have=$(docker image inspect -f "{{ index .Config.Labels \"$E2E_KEY_LABEL\" }}" "$ref" 2>/dev/null || true)
    if [ "$have" != "$key" ]; then
      local old_id
      old_id=$(docker image inspect -f '{{ .Id }}' "$ref" 2>/dev/null || true)
      if ! import_image "$tar" "$changes" "$ref" "$key" "$name" >>"$log" 2>&1; then
        tail -n 5 "$log" >&2
        echo "$ckey|$ref|$key|$cached|$((SECONDS - start))|failed: docker import" >&3
        return 1
      fi
      [ "$cached" = yes ] && cached="tar (imported)"
      # The image this tag named before is dropped unless a container still uses it.
      [ -z "$old_id" ] || docker rmi "$old_id" >>"$log" 2>&1 || true
    fi
  fi
  echo "$ckey|$ref|$key|$cached|$((SECONDS - start))|ok" >&3
}

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
# Prints why an image folder's `requires` are not met (and fails), or nothing.
unmet_requirements() {
  local dir=$1 var why=()
  [ -f "$dir/requires" ] || return 0
  for var in $(sed 's/#.*//' "$dir/requires"); do
    local value
    value=$( (load_bin_env; printf '%s' "${!var:-}") )
    [ -n "$value" ] && [ -f "$value" ] || why+=("$var is not set to a file in $BIN_ENV")
  done
  [ ${#why[@]} -eq 0 ] && return 0
  printf '%s; ' "${why[@]}"
  return 1
}

missing=()
unavailable=()
running=0
total_start=$SECONDS
for ckey in "${WANT[@]}"; do
  name=${FOLDER[$ckey]}
  if [ ! -x "$HERE/$name/assemble.sh" ]; then
    missing+=("$name")
    continue
  fi
  if ! reason=$(unmet_requirements "$HERE/$name"); then
    unavailable+=("$name: $reason")
    continue
  fi
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  # One build of an image at a time, also across concurrent build.sh runs.
  (
    flock 9
    build_one "$ckey"
  ) 9>"$IMAGES_DIR/.$name.lock" 3>>"$RESULTS" &
  running=$((running + 1))
done
wait || true

status=0
for name in "${missing[@]}"; do
  if [ "${E2E_IMAGES_REQUIRED:-0}" = 1 ]; then
    e2e_log "error: image folder test/e2e/images/$name/ (with an executable assemble.sh) is missing"
    status=1
  else
    e2e_log "notice: skipping $name: test/e2e/images/$name/assemble.sh does not exist yet"
  fi
done

for entry in "${unavailable[@]}"; do
  if [ "${E2E_IMAGES_REQUIRED:-0}" = 1 ]; then
    e2e_log "error: ${entry%%:*} cannot be built: ${entry#*: }"
    status=1
  else
    e2e_log "notice: skipping ${entry%%:*}, its binaries are unavailable: ${entry#*: }"
  fi
done

printf '%-13s %-56s %-17s %-16s %6s  %s\n' IMAGE REFERENCE KEY CACHED SECONDS STATUS >&2
declare -A REF=()
for ckey in "${WANT[@]}"; do
  line=$(grep "^$ckey|" "$RESULTS" || true)
  [ -n "$line" ] || continue
  IFS='|' read -r _ ref key cached secs st <<<"$line"
  printf '%-13s %-56s %-17s %-16s %6s  %s\n' "${FOLDER[$ckey]}" "$ref" "$key" "$cached" "$secs" "$st" >&2
  if [ "$st" = ok ]; then REF[$ckey]=$ref; else status=1; fi
done
for ckey in "${WANT[@]}"; do
  name=${FOLDER[$ckey]}
  if [[ ! " ${missing[*]} " =~ " $name " ]] && [[ ! " ${unavailable[*]} " =~ " $name: " ]] && [ -z "${REF[$ckey]:-}" ] && ! grep -q "^$ckey|" "$RESULTS"; then
    e2e_log "error: $name ended without a result (see $LOG_DIR/$name.log)"
    status=1
  fi
done
e2e_log "total ${#REF[@]} image(s) in $((SECONDS - total_start)) s"

if [ "$status" -ne 0 ]; then
  e2e_log "some images failed; $IMAGES_DIR/current.json left as it was"
  exit "$status"
fi
# Merge into current.json (a partial build keeps the other entries).
exec 9>"$IMAGES_DIR/.current.lock"
flock 9
current=$IMAGES_DIR/current.json
prev='{}'
[ -s "$current" ] && prev=$(cat "$current")
json=$prev
for ckey in "${!REF[@]}"; do
  json=$(jq --arg k "$ckey" --arg v "${REF[$ckey]}" '.[$k] = $v' <<<"$json")
done
jq -S . <<<"$json" >"$current.tmp" && mv -f "$current.tmp" "$current"
e2e_log "wrote $current"
