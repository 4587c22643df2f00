#!/usr/bin/env bash
# npm run test:e2e [-- --images local|upstream] [--keep] [--work DIR] [--bench | --bench-queue | --tenants]
#
# The deploy suite: as root, on this machine, from this checkout:
#   install   Debian packages it needs (docker.io, mmdebstrap, iptables, ...)
#   dockerd   its own Docker daemon (own data root, socket and address pool; no NAT; a firewall
#             chain that drops forwarded traffic leaving the suite's own networks)
#   binaries  Traefik, oauth2-proxy, Dex, n8n's task-runner launcher and the kreuzwerker/docker
#             provider, built from the Go module proxy at the pinned versions (cached by content)
#   images    local images from Debian packages, those binaries, npm (n8n, Node, Postgres)
#   suite     synth, terraform validate, the real `cdktf deploy dev`, checks on the running
#             containers, a plan with no changes, `cdktf destroy dev`
# and stops its daemon and removes its firewall chain at the end (also on failure or Ctrl-C), unless
# --keep leaves the daemon and the stack up to look at.
# `--images upstream` skips the builds and deploys the pinned upstream images with the provider
# from the Terraform registry (for a machine with registry access). `--bench` (npm run bench:edge)
# runs the edge benchmark instead of the suite: deploy, sign in, publish a webhook, measure, destroy;
# `--bench-queue` (npm run bench:queue) the queue-mode one: the same, then queue mode, 1 vs 2 workers.
# `--tenants` runs the tenant suite instead (issue 16): config/dev.tenants.json (two tenants on one
# host) deployed, then the tenant isolation cases (docs/tenants.md); .ci/run runs it after the regular suite.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO_ROOT"
. test/e2e/lib/common.sh

IMAGES=local
KEEP=0
BENCH=0
E2E_WORK="${E2E_WORK:-$REPO_ROOT/.cache/e2e}"
usage() { echo "usage: npm run test:e2e -- [--images local|upstream] [--keep] [--work DIR] [--bench | --bench-queue | --tenants]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --images) [ $# -ge 2 ] || usage; IMAGES="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --bench) [ "$BENCH" = 0 ] || usage; BENCH=edge; shift ;;
    --bench-queue) [ "$BENCH" = 0 ] || usage; BENCH=queue; shift ;;
    --tenants) [ "$BENCH" = 0 ] || usage; BENCH=tenants; shift ;;
    --work) [ $# -ge 2 ] || usage; E2E_WORK="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
case "$IMAGES" in local|upstream) ;; *) echo "--images must be local or upstream, got: $IMAGES" >&2; exit 2 ;; esac
mkdir -p "$E2E_WORK" "$E2E_CACHE"
E2E_WORK="$(cd "$E2E_WORK" && pwd)"
export E2E_WORK
. test/e2e/lib/dockerd.sh

SUITE_START=$SECONDS
finish() {
  local status=$?
  trap - EXIT INT TERM
  if [ "$KEEP" = 1 ] && [ -S "${DOCKER_HOST#unix://}" ]; then
    # Also after a failure: the stack is what there is to look at.
    e2e_log "--keep: dockerd stays up on $DOCKER_HOST (stop it with: kill \$(cat $E2E_DOCKER_RUN/docker.pid))"
  else
    e2e_phase stop e2e_dockerd_stop || true
  fi
  e2e_print_phases
  printf '  %-12s %5ss\n' total "$((SECONDS - SUITE_START))"
  # The summary is the last line. A phase before the checks failed: nothing was proven.
  if [ -s "$E2E_WORK/summary.txt" ]; then
    cat "$E2E_WORK/summary.txt"
  else
    echo "0 passed, 1 failed" | tee "$E2E_WORK/summary.txt"
  fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rm -f "$E2E_WORK/summary.txt"

install_packages() {
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
  command -v iptables >/dev/null || need+=(iptables)
  command -v jq >/dev/null || need+=(jq)
  command -v openssl >/dev/null || need+=(openssl)
  command -v pgrep >/dev/null || need+=(procps)
  # The sign-in cases drive Debian's Chromium (playwright-core); certutil imports the dev CA into its profile.
  command -v chromium >/dev/null || need+=(chromium)
  command -v certutil >/dev/null || need+=(libnss3-tools)
  # An independent TLS scanner for attack.testssl.
  command -v testssl >/dev/null || need+=(testssl.sh)
  if [ ${#need[@]} -gt 0 ]; then
    e2e_log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  # Debian's docker.io starts the system daemon where systemd runs; the suite never uses it.
  command -v terraform >/dev/null || bash test/e2e/build/terraform.sh
  e2e_log "dockerd $(dockerd --version | sed 's/^Docker version //'), $(chromium --version 2>/dev/null | head -1), terraform $(terraform version -json | jq -r .terraform_version), go $(go env GOVERSION), node $(node --version)"
}

[ "$(id -u)" = 0 ] || e2e_die "the deploy suite must run as root (it starts its own dockerd)"
e2e_phase install install_packages
e2e_phase dockerd e2e_dockerd_start
if [ "$IMAGES" = local ]; then
  # The launcher is not served by the module proxy here; the runners image then uses our stand-in
  # (README, "Deploy test"). Any other missing binary makes the images phase fail by name.
  e2e_phase binaries bash test/e2e/build/binaries.sh --allow-unavailable
  e2e_phase images env E2E_IMAGES_REQUIRED=1 bash test/e2e/images/build.sh
fi
suite_args=(--work "$E2E_WORK" --images "$IMAGES")
[ "$KEEP" = 1 ] && suite_args+=(--keep)
[ "$BENCH" = edge ] && suite_args+=(--bench)
[ "$BENCH" = queue ] && suite_args+=(--bench-queue)
[ "$BENCH" = tenants ] && suite_args+=(--tenants)
suite_status=0
E2E_FW_CHAIN="$E2E_FW_CHAIN" e2e_phase suite node scripts/run-ts.cjs test/e2e/suite.ts "${suite_args[@]}" || suite_status=$?
exit "$suite_status"
