#!/usr/bin/env bash
# e2e stand-in for ghcr.io/dexidp/dex (alpine flavour): dex built from the Go module proxy
# ($DEX_BIN) at /usr/local/bin/dex, our docker-entrypoint at /usr/local/bin/docker-entrypoint,
# /etc/dex and /var/dex owned by 1001, USER 1001:1001, the upstream ENTRYPOINT/CMD, and wget
# for the healthcheck (busybox's in upstream). Dex v2.44 serves its web assets from the binary
# (no web.dir in our config), so /srv/dex/web is not copied.
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$E2E_LIB"
e2e_install_bin "$DEX_BIN" "$rootfs" /usr/local/bin/dex
install -m 0755 "$here/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint"
install -d -o 1001 -g 1001 -m 0755 "$rootfs/etc/dex" "$rootfs/var/dex"
install -o 1001 -g 1001 -m 0644 "$here/config.docker.yaml" "$rootfs/etc/dex/config.docker.yaml"
"$DEX_BIN" version
cat >"$meta/changes" <<'CHANGES'
USER 1001:1001
ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]
CMD ["dex", "serve", "/etc/dex/config.docker.yaml"]
LABEL org.opencontainers.image.title="e2e dex (stand-in for ghcr.io/dexidp/dex)"
CHANGES
