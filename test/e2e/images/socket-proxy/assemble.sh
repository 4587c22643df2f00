#!/usr/bin/env bash
# e2e stand-in for lscr.io/linuxserver/socket-proxy 3.4.x (haproxy-based since 3.x): Debian's
# haproxy, our own entrypoint, the same env switches, port and user (root, chroot /) as upstream.
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$rootfs/etc/haproxy"
install -m 0755 "$here/entrypoint.sh" "$rootfs/docker-entrypoint.sh"
cat >"$meta/changes" <<'CHANGES'
ENV ALLOW_ARCHIVE=0 ALLOW_CHANGES=0 ALLOW_EXPORT=0 ALLOW_LOGS=0 ALLOW_PAUSE=0 ALLOW_RESTARTS=0 ALLOW_STOP=0 ALLOW_START=0 ALLOW_TOP=0 ALLOW_UNPAUSE=0 AUTH=0 BUILD=0 COMMIT=0 CONFIGS=0 CONTAINERS=0 DISTRIBUTION=0 EVENTS=1 EXEC=0 GRPC=0 IMAGES=0 INFO=0 LOG_LEVEL=info NETWORKS=0 NODES=0 PING=1 PLUGINS=0 POST=0 SECRETS=0 SERVICES=0 SESSION=0 SOCKET_PATH=/var/run/docker.sock SWARM=0 SYSTEM=0 TASKS=0 VERSION=1 VOLUMES=0
EXPOSE 2375
ENTRYPOINT ["/docker-entrypoint.sh"]
LABEL org.opencontainers.image.title="e2e socket-proxy (stand-in for linuxserver/socket-proxy)"
CHANGES
