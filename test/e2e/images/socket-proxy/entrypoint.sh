#!/bin/bash
# Entrypoint of the e2e stand-in for linuxserver/socket-proxy 1.24.0: renders an nginx server
# that proxies a filtered part of the Docker Engine API on port 2375 to the socket at
# $SOCKET_PATH, then runs nginx in the foreground as PID 1.
#
# Same switches as upstream: each API section is allowed with <NAME>=1 and refused (403) with
# <NAME>=0; POST=0 (the default) allows only GET and HEAD everywhere; DISABLE_IPV6=1 drops the
# [::] listener. Stricter than upstream: a switch must be exactly 0 or 1, and a path that is in
# no section is refused (403).
set -euo pipefail

conf=/run/default.conf
socket=${SOCKET_PATH:-/var/run/docker.sock}

# switch|path regex after the optional /vX.Y prefix. Order matters: the first match wins, as in
# upstream (so .../stop is governed by ALLOW_RESTARTS, which also covers restart and kill).
sections=(
  'ALLOW_RESTARTS|/containers/[a-zA-Z0-9_.-]+/((stop)|(restart)|(kill))'
  'ALLOW_START|/containers/[a-zA-Z0-9_.-]+/start'
  'ALLOW_STOP|/containers/[a-zA-Z0-9_.-]+/stop'
  'AUTH|/auth' 'BUILD|/build' 'COMMIT|/commit' 'CONFIGS|/configs' 'CONTAINERS|/containers'
  'DISTRIBUTION|/distribution' 'EVENTS|/events' 'EXEC|/exec' 'IMAGES|/images' 'INFO|/info'
  'NETWORKS|/networks' 'NODES|/nodes' 'PING|/_ping' 'PLUGINS|/plugins' 'SECRETS|/secrets'
  'SERVICES|/services' 'SESSION|/session' 'SWARM|/swarm' 'SYSTEM|/system' 'TASKS|/tasks'
  'VERSION|/version' 'VOLUMES|/volumes'
)

fail() { echo "socket-proxy: $*" >&2; exit 1; }
case "${POST:-0}" in 0|1) ;; *) fail "POST must be 0 or 1, got '${POST}'" ;; esac
[[ "$socket" =~ ^/[A-Za-z0-9._/-]+$ ]] || fail "SOCKET_PATH must be an absolute path, got '$socket'"
case "${LOG_LEVEL:-info}" in debug|info|notice|warn|error|crit|alert|emerg) level=${LOG_LEVEL:-info} ;; warning) level=warn ;; *) level=info ;; esac

{
  echo "# rendered by /docker-entrypoint.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "error_log stderr $level;"
  echo "server {"
  echo "  listen 2375 default_server;"
  [ "${DISABLE_IPV6:-0}" = 1 ] || echo "  listen [::]:2375 default_server;"
  echo "  server_name _;"
  echo "  include /etc/nginx/socket-proxy-upstream.conf;"
  for entry in "${sections[@]}"; do
    name=${entry%%|*}
    path=${entry#*|}
    value=${!name:-0}
    case "$value" in
      1) action="proxy_pass http://unix:$socket:;" ;;
      0) action="return 403;" ;;
      *) fail "$name must be 0 or 1, got '$value'" ;;
    esac
    methods=""
    [ "${POST:-0}" = 1 ] || methods="limit_except GET HEAD { deny all; } "
    echo "  location ~* ^(/v[0-9.]+)?$path { ${methods}${action} }   # $name=$value"
  done
  echo "  location / { return 403; }"
  echo "}"
} >"$conf"

echo "socket-proxy: POST=${POST:-0}; allowed:$(for e in "${sections[@]}"; do n=${e%%|*}; [ "${!n:-0}" = 1 ] && printf ' %s' "$n"; done; true)" >&2
exec /usr/sbin/nginx -e stderr -c /etc/nginx/nginx.conf
