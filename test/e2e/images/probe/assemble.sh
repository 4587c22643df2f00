#!/usr/bin/env bash
# Probe image for the e2e tests: network and TLS tools, a Postgres client, python3 (also a
# stand-in "internet" server: python3 -m http.server) and jq. Idles until told otherwise.
set -euo pipefail
rootfs=$1 meta=$2
cat >"$meta/changes" <<'CHANGES'
ENV LANG=C.UTF-8
WORKDIR /
CMD ["sleep", "infinity"]
LABEL org.opencontainers.image.title="n8n-zt e2e probe"
CHANGES
