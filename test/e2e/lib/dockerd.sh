# The suite's own Docker daemon (sourced by run.sh).
#
# - own --data-root (kept under the cache, so imported images survive between runs), own
#   exec-root, socket and pidfile: the suite never talks to, stops or reconfigures another daemon;
# - no default bridge, no IP masquerading: nothing a container sends is NATed to the outside;
# - a filter chain in DOCKER-USER that lets forwarded traffic through only when both ends are in
#   the suite's own ranges and rejects everything else at once (a probe to a public address fails
#   fast and the packet never leaves the machine);
# - containers' DNS forwards only to an unused loopback address, so no name outside the test
#   networks resolves.
E2E_DOCKER_RUN="${E2E_DOCKER_RUN:-/run/n8n-zt-e2e}"
E2E_DOCKER_ROOT="${E2E_DOCKER_ROOT:-$E2E_CACHE/docker}"
# Networks Docker assigns itself (the stack's edge subnet is fixed by the test config, inside
# E2E_ALLOWED_NET as well).
E2E_ADDRESS_POOL="${E2E_ADDRESS_POOL:-172.30.64.0/18}"
E2E_ALLOWED_NET="${E2E_ALLOWED_NET:-172.30.0.0/16}"
E2E_FW_CHAIN="${E2E_FW_CHAIN:-N8NZT-SUITE}"
# Nothing listens here: the embedded DNS server's forwards fail, so outside names never resolve.
E2E_DEAD_DNS="127.0.0.254"
export DOCKER_HOST="unix://$E2E_DOCKER_RUN/docker.sock"

e2e_dockerd_pid() { cat "$E2E_DOCKER_RUN/docker.pid" 2>/dev/null || true; }

e2e_firewall_up() {
  iptables -w -N "$E2E_FW_CHAIN" 2>/dev/null || iptables -w -F "$E2E_FW_CHAIN"
  iptables -w -A "$E2E_FW_CHAIN" -s "$E2E_ALLOWED_NET" -d "$E2E_ALLOWED_NET" -j RETURN
  iptables -w -A "$E2E_FW_CHAIN" -j REJECT --reject-with icmp-admin-prohibited
  iptables -w -C DOCKER-USER -j "$E2E_FW_CHAIN" 2>/dev/null || iptables -w -I DOCKER-USER 1 -j "$E2E_FW_CHAIN"
  # Replies to the host (published ports through docker-proxy) use the OUTPUT/INPUT path and
  # are not affected; traffic from the machine's other interfaces to a published port is
  # forwarded, and rejected here too: nothing on the LAN reaches the test stack.
}

e2e_firewall_down() {
  while iptables -w -D DOCKER-USER -j "$E2E_FW_CHAIN" 2>/dev/null; do :; done
  iptables -w -F "$E2E_FW_CHAIN" 2>/dev/null || true
  iptables -w -X "$E2E_FW_CHAIN" 2>/dev/null || true
}

e2e_dockerd_start() {
  [ "$(id -u)" = 0 ] || e2e_die "the deploy suite starts its own dockerd and needs root"
  command -v dockerd >/dev/null || e2e_die "dockerd is not installed (apt-get install docker.io)"
  command -v iptables >/dev/null || e2e_die "iptables is not installed"
  mkdir -p "$E2E_DOCKER_RUN" "$E2E_DOCKER_ROOT"
  local pid; pid="$(e2e_dockerd_pid)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    e2e_log "stopping a dockerd left over by an earlier run of the suite (pid $pid)"
    e2e_dockerd_stop
  fi
  if pgrep -x dockerd >/dev/null; then
    e2e_log "note: another dockerd is running on this machine; the suite leaves it alone (own socket, data root and firewall chain)"
  fi
  cat > "$E2E_DOCKER_RUN/daemon.json" <<JSON
{
  "bridge": "none",
  "ip-masq": false,
  "iptables": true,
  "ip6tables": false,
  "ipv6": false,
  "userland-proxy": true,
  "dns": ["$E2E_DEAD_DNS"],
  "default-address-pools": [{ "base": "$E2E_ADDRESS_POOL", "size": 24 }],
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "2" },
  "features": { "buildkit": false }
}
JSON
  dockerd --config-file "$E2E_DOCKER_RUN/daemon.json" \
    --data-root "$E2E_DOCKER_ROOT" --exec-root "$E2E_DOCKER_RUN/exec" \
    -H "$DOCKER_HOST" --pidfile "$E2E_DOCKER_RUN/docker.pid" \
    >"$E2E_WORK/dockerd.log" 2>&1 &
  local i
  for i in $(seq 1 60); do
    if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then break; fi
    if ! kill -0 $! 2>/dev/null; then
      tail -n 30 "$E2E_WORK/dockerd.log" >&2
      e2e_die "dockerd exited during start (log above, full log $E2E_WORK/dockerd.log)"
    fi
    sleep 0.5
  done
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || { tail -n 30 "$E2E_WORK/dockerd.log" >&2; e2e_die "dockerd did not answer on $DOCKER_HOST within 30 s"; }
  e2e_firewall_up
  e2e_log "dockerd $(docker version --format '{{.Server.Version}}') on $DOCKER_HOST (data root $E2E_DOCKER_ROOT, pool $E2E_ADDRESS_POOL, forward only within $E2E_ALLOWED_NET)"
  # A clean slate: the data root is kept for its images, never for an earlier run's stack.
  local ids
  ids="$(docker ps -aq)"; [ -z "$ids" ] || docker rm -f $ids >/dev/null
  docker network prune -f >/dev/null
  docker volume prune -f >/dev/null 2>&1 || true
}

e2e_dockerd_stop() {
  local pid; pid="$(e2e_dockerd_pid)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  # dockerd's own containerd outlives it for a moment; a new dockerd that finds its pid file still
  # alive waits for a socket that never comes ("timeout waiting for containerd to start"; seen when
  # a run followed a --keep run). Wait for it, then remove its pid file.
  local cpidfile="$E2E_DOCKER_RUN/exec/containerd/containerd.pid" cpid
  cpid="$(cat "$cpidfile" 2>/dev/null || true)"
  if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null && grep -qa containerd "/proc/$cpid/cmdline" 2>/dev/null; then
    local j
    for j in $(seq 1 40); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$cpid" 2>/dev/null; then kill -KILL "$cpid" 2>/dev/null || true; fi
  fi
  rm -f "$E2E_DOCKER_RUN/docker.pid" "$cpidfile"
  e2e_firewall_down
}
