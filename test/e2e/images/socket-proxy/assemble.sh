#!/usr/bin/env bash
# e2e stand-in for lscr.io/linuxserver/socket-proxy (1.24.x, nginx-based): Debian's nginx, our
# own entrypoint, same env switches, port and default user (root) as upstream.
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$rootfs/etc/nginx/sites-enabled" "$rootfs/etc/nginx/sites-available" "$rootfs/etc/nginx/conf.d" \
  "$rootfs/etc/nginx/modules-enabled" "$rootfs/var/www/html"
install -m 0644 "$here/nginx.conf" "$rootfs/etc/nginx/nginx.conf"
install -m 0644 "$here/socket-proxy-upstream.conf" "$rootfs/etc/nginx/socket-proxy-upstream.conf"
install -m 0755 "$here/entrypoint.sh" "$rootfs/docker-entrypoint.sh"
# nginx's compiled-in log dir must not be needed on a read-only root: logs go to stderr/stdout.
ln -sf /dev/stderr "$rootfs/var/log/nginx/error.log"
ln -sf /dev/stdout "$rootfs/var/log/nginx/access.log"
cat >"$meta/changes" <<'CHANGES'
ENV ALLOW_RESTARTS=0 ALLOW_STOP=0 ALLOW_START=0 AUTH=0 BUILD=0 COMMIT=0 CONFIGS=0 CONTAINERS=0 DISTRIBUTION=0 EVENTS=1 EXEC=0 IMAGES=0 INFO=0 NETWORKS=0 NODES=0 PING=1 PLUGINS=0 POST=0 SECRETS=0 SERVICES=0 SESSION=0 SOCKET_PATH=/var/run/docker.sock SWARM=0 SYSTEM=0 TASKS=0 VERSION=1 VOLUMES=0
EXPOSE 2375
ENTRYPOINT ["/docker-entrypoint.sh"]
LABEL org.opencontainers.image.title="e2e socket-proxy (stand-in for linuxserver/socket-proxy)"
CHANGES
