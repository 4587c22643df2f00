#!/usr/bin/env bash
# Probe image for the e2e tests: network and TLS tools, a Postgres client, python3 (also a
# stand-in "internet" server: python3 -m http.server), jq, and hey (the load generator of
# npm run bench:edge, when binaries.sh built it). Idles until told otherwise.
set -euo pipefail
rootfs=$1 meta=$2
if [ -n "${HEY_BIN:-}" ] && [ -f "$HEY_BIN" ]; then install -m 0755 "$HEY_BIN" "$rootfs/usr/local/bin/hey"; fi
cat >"$meta/changes" <<'CHANGES'
ENV LANG=C.UTF-8
WORKDIR /
CMD ["sleep", "infinity"]
LABEL org.opencontainers.image.title="n8n-zt e2e probe"
CHANGES
