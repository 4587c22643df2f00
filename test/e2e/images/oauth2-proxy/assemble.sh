#!/usr/bin/env bash
# e2e stand-in for quay.io/oauth2-proxy/oauth2-proxy:<version>-alpine: the binary built from the
# Go module proxy ($OAUTH2_PROXY_BIN) at /bin/oauth2-proxy as the entrypoint, the empty
# /etc/ssl/private/jwt_signing_key.pem of the upstream image, CA certificates, and wget for the
# healthcheck (busybox's in upstream). No USER: the -alpine image runs as root unless told
# otherwise (the stack runs it as runAs).
set -euo pipefail
rootfs=$1 meta=$2
# shellcheck source=../lib.sh
. "$E2E_LIB"
e2e_install_bin "$OAUTH2_PROXY_BIN" "$rootfs" /usr/bin/oauth2-proxy
[ -e "$rootfs/bin/oauth2-proxy" ] || ln -s /usr/bin/oauth2-proxy "$rootfs/bin/oauth2-proxy"
install -d -m 0700 "$rootfs/etc/ssl/private"
install -m 0644 /dev/null "$rootfs/etc/ssl/private/jwt_signing_key.pem"
"$OAUTH2_PROXY_BIN" --version
cat >"$meta/changes" <<'CHANGES'
ENTRYPOINT ["/bin/oauth2-proxy"]
LABEL org.opencontainers.image.title="e2e oauth2-proxy (stand-in for quay.io/oauth2-proxy/oauth2-proxy -alpine)"
CHANGES
