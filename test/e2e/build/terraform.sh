#!/usr/bin/env bash
# test/e2e/build/terraform.sh [--force]
#
# Makes sure a Terraform CLI is there for the deploy suite. If `terraform` is on PATH it does
# nothing but print it; otherwise (or with --force) it builds Terraform at the version that
# go/terraform/go.mod pins (v1.11.4) from the Go module proxy, static, into
#   $N8N_ZT_E2E_CACHE/bin/terraform-<version>-<hash>/terraform
# (hash of the wrapper module, build flags, Go version and build_terraform below), cached by
# content, and writes TERRAFORM_BIN=... to $N8N_ZT_E2E_CACHE/bin/terraform.env.
# The last line on stdout is always TERRAFORM_BIN=<absolute path>.
# Cold build on 2 cores: about 4 minutes (see the build report); cached: well under a second.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_CACHE="${N8N_ZT_E2E_CACHE:-/var/cache/n8n-zt-e2e}"
FORCE=0
case "${1:-}" in --force) FORCE=1 ;; "") ;; *) echo "usage: $0 [--force]" >&2; exit 2 ;; esac

say() { printf '[terraform] %s\n' "$*" >&2; }
die() { printf '[terraform] ERROR: %s\n' "$*" >&2; exit "${2:-2}"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

if [ "$FORCE" = 0 ] && command -v terraform >/dev/null 2>&1; then
  say "using $(command -v terraform) from PATH (no build)"
  echo "TERRAFORM_BIN=$(command -v terraform)"
  exit 0
fi

command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null 2>&1 || die "go is not on PATH"
W="$HERE/go/terraform"
VER="$(sed -n 's|^// n8n-zt-e2e: upstream github.com/hashicorp/terraform \(v[^ ]*\).*|\1|p' "$W/go.mod")"
[ -n "$VER" ] || die "$W/go.mod lacks its '// n8n-zt-e2e: upstream' line"
grep -Eq "^(require)?[[:space:]]*github.com/hashicorp/terraform $VER( |\$)" "$W/go.mod" \
  && grep -q "^replace github.com/hashicorp/terraform => github.com/hashicorp/terraform $VER\$" "$W/go.mod" \
  || die "$W/go.mod pins $VER in its header but requires or replaces another version"

mkdir -p "$E2E_CACHE/go/mod" "$E2E_CACHE/go/build" "$E2E_CACHE/bin" "$E2E_CACHE/logs" "$E2E_CACHE/tmp"
exec 9>"$E2E_CACHE/.terraform.lock"
command -v flock >/dev/null 2>&1 && flock 9

export GOENV=off GOTOOLCHAIN=local GOPROXY="${N8N_ZT_E2E_GOPROXY:-https://proxy.golang.org}" GOSUMDB="${GOSUMDB:-sum.golang.org}"
export GOPRIVATE= GONOPROXY= GONOSUMDB= GOINSECURE= GOWORK=off GOEXPERIMENT=
export GOMODCACHE="$E2E_CACHE/go/mod" GOCACHE="$E2E_CACHE/go/build"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly"
unset GOBIN GOOS GOARCH
# Never let a Terraform we run call HashiCorp's checkpoint service.
export CHECKPOINT_DISABLE=1

# Upstream release builds (scripts/build.sh with TF_RELEASE): -s -w -X version.dev=no.
build_terraform() {
  local src="$1" out="$2" ver="$3"
  (cd "$src" && go build -trimpath -ldflags "-s -w -X 'github.com/hashicorp/terraform/version.dev=no'" \
    -o "$out/terraform" github.com/hashicorp/terraform)
  "$out/terraform" version | tee "$out/version.txt"
  grep -q "^Terraform $ver\$" "$out/version.txt"
}

key="$( {
  printf 'version=%s go=%s target=%s_%s flags=%s\n' "$VER" "$(go env GOVERSION)" "$(go env GOOS)" "$(go env GOARCH)" "$GOFLAGS"
  (cd "$W" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  declare -f build_terraform
} | sha256sum | cut -c1-12)"
name="terraform-${VER#v}-$key"
out="$E2E_CACHE/bin/$name"; log="$E2E_CACHE/logs/$name.log"
t0="$(now)"
if [ -f "$out/.complete" ]; then
  say "terraform $VER: cached ($(since "$t0")) $out"
else
  say "terraform $VER: building from the Go module proxy (log $log)"
  tmp="$(mktemp -d "$E2E_CACHE/tmp/$name.XXXXXX")"; mkdir -p "$tmp/src" "$tmp/out"
  cp -r "$W/." "$tmp/src/"
  set +e
  ( set -euo pipefail; build_terraform "$tmp/src" "$tmp/out" "$VER" ) >"$log" 2>&1
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then
    date -u +%FT%TZ >"$tmp/out/.complete"; rm -rf "$out"; mv "$tmp/out" "$out"; rm -rf "$tmp"
    say "terraform $VER: built in $(since "$t0") $out"
  else
    rm -rf "$tmp"
    say "terraform $VER: FAILED after $(since "$t0") (exit $rc); last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
fi
printf 'TERRAFORM_BIN=%s\n' "$out/terraform" >"$E2E_CACHE/bin/terraform.env"
echo "TERRAFORM_BIN=$out/terraform"
