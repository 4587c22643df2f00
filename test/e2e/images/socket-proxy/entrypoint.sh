#!/bin/bash
# Entrypoint of the e2e stand-in for linuxserver/socket-proxy 3.4.x: renders a haproxy config into
# /run/haproxy that proxies a filtered part of the Docker Engine API on port 2375 to the socket at
# $SOCKET_PATH, then runs haproxy (master-worker, foreground) as the container's main process.
#
# The contract of upstream's switches, as documented there:
#   - container sub-paths: .../containers/{id}/archive|changes|export|logs|top are refused unless
#     ALLOW_ARCHIVE / ALLOW_CHANGES / ALLOW_EXPORT / ALLOW_LOGS / ALLOW_TOP is 1, even when
#     CONTAINERS=1;
#   - lifecycle calls (POST) are allowed by ALLOW_RESTARTS (stop, restart, kill), ALLOW_START,
#     ALLOW_STOP, ALLOW_PAUSE, ALLOW_UNPAUSE, checked before the method rule;
#   - every other request must be GET (or HEAD) unless POST=1;
#   - an API section is served when its switch is 1 (CONTAINERS, EVENTS, PING, VERSION, ...);
#   - everything else is refused (403). DISABLE_IPV6=1 listens on IPv4 only.
# Stricter than upstream: a switch must be exactly 0 or 1 (upstream reads any other value as a
# boolean), and the libpod (Podman) sections are not offered.
set -euo pipefail

fail() { echo "socket-proxy: $*" >&2; exit 1; }
switch() { printf '%s' "${!1:-0}"; } # a validated switch: 0 or 1

socket=${SOCKET_PATH:-/var/run/docker.sock}
[[ "$socket" =~ ^/[A-Za-z0-9._/-]+$ ]] || fail "SOCKET_PATH must be an absolute path, got '$socket'"
case "${LOG_LEVEL:-info}" in emerg|alert|crit|err|warning|notice|info|debug) level=${LOG_LEVEL:-info} ;; error) level=err ;; warn) level=warning ;; *) level=info ;; esac
id_re='[a-zA-Z0-9_.-]+'
ver='^(/v[0-9.]+)?'

subpaths=(ARCHIVE:archive CHANGES:changes EXPORT:export LOGS:logs TOP:top)
lifecycle=('RESTARTS:((stop)|(restart)|(kill))' START:start STOP:stop PAUSE:pause UNPAUSE:unpause)
sections=(AUTH:auth BUILD:build COMMIT:commit CONFIGS:configs CONTAINERS:containers DISTRIBUTION:distribution
  EVENTS:events EXEC:exec GRPC:grpc IMAGES:images INFO:info NETWORKS:networks NODES:nodes PING:_ping
  PLUGINS:plugins SECRETS:secrets SERVICES:services SESSION:session SWARM:swarm SYSTEM:system
  TASKS:tasks VERSION:version VOLUMES:volumes)

# Every switch is checked here, in the main shell, before anything is rendered.
for e in DISABLE_IPV6 POST "${subpaths[@]/#/ALLOW_}" "${lifecycle[@]/#/ALLOW_}" "${sections[@]}"; do
  n=${e%%:*}
  case "${!n:-0}" in 0|1) ;; *) fail "$n must be 0 or 1, got '${!n}'" ;; esac
done
for n in $(compgen -v LIBPOD_ || true); do
  [ "${!n}" = 0 ] || fail "$n=${!n}: this stand-in does not offer the libpod (Podman) API; only 0 is accepted"
done

mkdir -p /run/haproxy
conf=/run/haproxy/haproxy.cfg
allowed=()
{
  echo "# rendered by /docker-entrypoint.sh"
  echo "global"
  echo "    log stdout format raw daemon $level"
  echo "    pidfile /run/haproxy/haproxy.pid"
  echo "    maxconn 2000"
  echo "    user root"
  echo "    chroot /"
  echo "defaults"
  echo "    mode http"
  echo "    log global"
  echo "    option httplog"
  echo "    option dontlognull"
  echo "    option http-server-close"
  echo "    timeout http-request 10s"
  echo "    timeout connect 10s"
  echo "    timeout client 10m"
  echo "    timeout server 10m"
  echo "    timeout http-keep-alive 10s"
  echo "backend docker"
  echo "    server socket $socket"
  echo "frontend proxy"
  if [ "$(switch DISABLE_IPV6)" = 1 ]; then echo "    bind :2375"; else echo "    bind [::]:2375 v4v6"; fi
  for e in "${subpaths[@]}"; do
    n=ALLOW_${e%%:*} p=${e#*:}
    [ "$(switch "$n")" = 1 ] && { allowed+=("$n"); continue; }
    echo "    http-request deny if { path,url_dec -m reg -i ${ver}/containers/${id_re}/${p} }   # $n=0"
  done
  for e in "${lifecycle[@]}"; do
    n=ALLOW_${e%%:*} p=${e#*:}
    [ "$(switch "$n")" = 1 ] || continue
    allowed+=("$n")
    echo "    http-request allow if { path,url_dec -m reg -i ${ver}/containers/${id_re}/${p}\$ }   # $n=1"
  done
  if [ "$(switch POST)" = 1 ]; then allowed+=(POST); else echo "    http-request deny unless METH_GET   # POST=0: GET and HEAD only"; fi
  for e in "${sections[@]}"; do
    n=${e%%:*} p=${e#*:}
    [ "$(switch "$n")" = 1 ] || continue
    allowed+=("$n")
    echo "    http-request allow if { path,url_dec -m reg -i ${ver}/${p} }   # $n=1"
  done
  echo "    http-request deny"
  echo "    default_backend docker"
} >"$conf"

echo "socket-proxy: allowed: ${allowed[*]:-nothing}" >&2
exec /usr/sbin/haproxy -f "$conf" -W -db
