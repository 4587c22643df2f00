#!/usr/bin/env bash
# e2e stand-in for traefik:<version> (alpine flavour of traefik-library-image): traefik built from
# the Go module proxy ($TRAEFIK_BIN) at /usr/local/bin/traefik, our /entrypoint.sh with the
# upstream behaviour, CA certificates and zone data, EXPOSE 80, CMD ["traefik"], runs as root
# unless told otherwise (the stack runs it as runAs).
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$E2E_LIB"
e2e_install_bin "$TRAEFIK_BIN" "$rootfs" /usr/local/bin/traefik
install -m 0755 "$here/entrypoint.sh" "$rootfs/entrypoint.sh"
"$TRAEFIK_BIN" version
cat >"$meta/changes" <<'CHANGES'
EXPOSE 80
ENTRYPOINT ["/entrypoint.sh"]
CMD ["traefik"]
LABEL org.opencontainers.image.title="e2e traefik (stand-in for traefik)"
CHANGES
