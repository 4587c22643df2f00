# Shared helpers of the deploy suite (sourced, not run).
# Everything the suite builds or keeps lives under one cache folder, keyed by content, so a
# fresh clone on the same machine reuses it and a cold machine builds it once.
E2E_CACHE="${N8N_ZT_E2E_CACHE:-/var/cache/n8n-zt-e2e}"
export E2E_CACHE

e2e_log() { printf '[e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
e2e_die() { printf '[e2e] ERROR: %s\n' "$*" >&2; exit 1; }

# Phases print their own elapsed time, and a table of all phases is printed at the end.
E2E_PHASES=()
e2e_phase() {
  # e2e_phase <name> <command...>: runs the command, records "name seconds status".
  local name="$1"; shift
  local start=$SECONDS status=0
  e2e_log "phase ${name}: start"
  "$@" || status=$?
  local took=$((SECONDS - start))
  E2E_PHASES+=("$(printf '%-12s %5ss  %s' "$name" "$took" "$([ "$status" = 0 ] && echo ok || echo "FAILED ($status)")")")
  e2e_log "phase ${name}: $([ "$status" = 0 ] && echo done || echo "FAILED ($status)") in ${took}s"
  return "$status"
}
e2e_print_phases() {
  printf '\nphase times:\n'
  local p
  for p in "${E2E_PHASES[@]}"; do printf '  %s\n' "$p"; done
}
