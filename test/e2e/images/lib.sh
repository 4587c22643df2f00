# shellcheck shell=bash
# Shared functions of the local e2e image builder (test/e2e/images/build.sh).
#
# Everything that decides what goes into a root filesystem lives here, and the hash of this file
# is part of every image's cache key: change the recipe here and every image is rebuilt.
# assemble.sh scripts may source this file too (its path is in $E2E_LIB) for the e2e_* helpers.

E2E_IMAGE_FORMAT=1
E2E_DEBIAN_SUITE=${E2E_DEBIAN_SUITE:-bookworm}
E2E_DEBIAN_MIRROR=${E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}
E2E_DEBIAN_SECURITY_MIRROR=${E2E_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# Every image gets these on top of Debian's minbase: upstream images all ship a CA bundle and zone data.
E2E_BASE_PACKAGES="ca-certificates tzdata"
E2E_IMAGE_PREFIX=${E2E_IMAGE_PREFIX:-localhost/n8n-zt-e2e}
E2E_KEY_LABEL=org.n8n-zero-trust.e2e.key

e2e_log() { printf '[images] %s\n' "$*" >&2; }
e2e_die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

e2e_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Lines of "<mode> <sha256> <relative path>" for every file below a folder, in a stable order.
e2e_tree_digest() {
  local dir=$1 f
  (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
    printf '%s %s %s\n' "$(stat -c %a "$f")" "$(e2e_sha256 "$f")" "$f"
  done)
}

# The Debian suite of an image: its folder's `suite` file, else the default.
e2e_suite() {
  if [ -f "$1/suite" ]; then tr -d '[:space:]' <"$1/suite"; else printf '%s' "$E2E_DEBIAN_SUITE"; fi
}

# The image's extra Debian packages, one per line, comments and blanks dropped, sorted.
e2e_packages() {
  local file=$1/packages
  [ -f "$file" ] || return 0
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$file" | grep -v '^$' | LC_ALL=C sort -u || true
}

# Names of the variables that $E2E_CACHE/bin/current.env defines.
e2e_bin_env_names() {
  local env=$1
  [ -f "$env" ] || return 0
  sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=.*/\2/p' "$env" | LC_ALL=C sort -u
}

# Cache-key material of the binaries an image folder uses: every current.env variable named in
# one of its files, with its value and, when the value is a file, that file's hash. Expects
# current.env to be loaded in the environment.
e2e_bin_inputs() {
  local dir=$1 env=$2 name value
  for name in $(e2e_bin_env_names "$env"); do
    if grep -rqE "(\\\$\\{?${name}\\b)" "$dir" 2>/dev/null; then
      value=${!name-}
      if [ -f "$value" ]; then
        printf 'bin %s=%s sha256:%s\n' "$name" "$value" "$(e2e_sha256 "$value")"
      else
        printf 'bin %s=%s\n' "$name" "$value"
      fi
    fi
  done
}

# Creates a Debian root filesystem: minbase + base packages + the given packages. Downloaded .debs
# are kept (hard links) in $E2E_CACHE/debs and offered to apt again on the next build.
# usage: e2e_debootstrap <suite> <rootfs> <log> [package...]
e2e_debootstrap() {
  local suite=$1 rootfs=$2 log=$3
  shift 3
  local debs=$E2E_CACHE/debs include
  mkdir -p "$debs"
  include=$(printf '%s\n' $E2E_BASE_PACKAGES "$@" | LC_ALL=C sort -u | paste -sd, -)
  # Documentation, man pages and translations are left out, as in Debian's slim images.
  mmdebstrap --variant=minbase --mode=root --format=directory \
    --skip=essential/unlink \
    --include="$include" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --aptopt='Acquire::Retries "3"' \
    --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
    --setup-hook="find '$debs' -maxdepth 1 -name '*.deb' -exec ln -f -t \"\$1/var/cache/apt/archives/\" {} +" \
    --customize-hook="for f in \"\$1\"/var/cache/apt/archives/*.deb; do [ -e \"\$f\" ] || continue; [ -e '$debs'/\"\${f##*/}\" ] || ln \"\$f\" '$debs'/ 2>/dev/null || cp -n \"\$f\" '$debs'/; done" \
    --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"; : > "$1/etc/resolv.conf"; : > "$1/etc/hostname"' \
    "$suite" "$rootfs" \
    "deb $E2E_DEBIAN_MIRROR $suite main" \
    "deb $E2E_DEBIAN_MIRROR $suite-updates main" \
    "deb $E2E_DEBIAN_SECURITY_MIRROR $suite-security main" \
    >"$log" 2>&1 || { tail -n 30 "$log" >&2; return 1; }
}

# Final clean-up common to every image, after assemble.sh.
e2e_finish_rootfs() {
  local rootfs=$1
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/var/tmp/* \
    "$rootfs"/var/log/apt/* "$rootfs"/var/log/dpkg.log "$rootfs"/var/log/alternatives.log
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
}

# Packs a root filesystem into a tarball for `docker import` (numeric owners, stable order).
e2e_pack() {
  local rootfs=$1 out=$2
  tar --numeric-owner --sort=name --xattrs --xattrs-include='security.capability' \
    -C "$rootfs" -cf "$out.tmp" . && mv -f "$out.tmp" "$out"
}

# ---- helpers for assemble.sh scripts -------------------------------------------------------

# Installs an executable into the rootfs. usage: e2e_install_bin <src> <rootfs> <path-in-image>
e2e_install_bin() {
  local src=$1 rootfs=$2 dest=$3
  [ -f "$src" ] || e2e_die "binary $src does not exist"
  install -D -m 0755 -o root -g root "$src" "$rootfs$dest"
}

# Adds a system user and group to the rootfs's passwd/group files (no chroot needed).
# usage: e2e_add_user <rootfs> <name> <uid> <gid> <home> [shell]
e2e_add_user() {
  local rootfs=$1 name=$2 uid=$3 gid=$4 home=$5 shell=${6:-/usr/sbin/nologin}
  grep -q "^$name:" "$rootfs/etc/group" || printf '%s:x:%s:\n' "$name" "$gid" >>"$rootfs/etc/group"
  grep -q "^$name:" "$rootfs/etc/gshadow" 2>/dev/null || printf '%s:!::\n' "$name" >>"$rootfs/etc/gshadow"
  grep -q "^$name:" "$rootfs/etc/passwd" || printf '%s:x:%s:%s::%s:%s\n' "$name" "$uid" "$gid" "$home" "$shell" >>"$rootfs/etc/passwd"
  grep -q "^$name:" "$rootfs/etc/shadow" 2>/dev/null || printf '%s:!:19000:0:99999:7:::\n' "$name" >>"$rootfs/etc/shadow"
}
