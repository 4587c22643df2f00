#!/usr/bin/env bash
# patch-module.sh SRC: run by binaries.sh (build_traefik) on SRC/traefik, a writable scratch copy
# of the Traefik module zip, before `go build`. Only the scratch copy is changed; nothing here is
# upstream code. It makes the build use only module versions the module proxy here serves:
#   1. replacements.txt: for each "<module> <upstream version> <our version>", checks that Traefik's
#      go.mod selects <upstream version> (as a require, or as the target of one of its replace
#      directives) and adds a replace directive to <our version>; appends replacements.sum to go.sum.
#   2. lego-dns-providers-removed.txt: copies the lego module Traefik requires (downloaded through
#      the proxy, verified against Traefik's go.sum) to SRC/lego, deletes those providers' import
#      and case lines from its DNS-provider registry, and replaces lego with ../lego.
# Runs with the go environment binaries.sh sets (GOFLAGS=-mod=readonly, GOPROXY, GOSUMDB, ...).
set -euo pipefail
src="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tdir="$src/traefik"
LEGO=github.com/go-acme/lego/v5
REGISTRY=providers/dns/zz_gen_dns_providers.go
T=$'\t'
fail() { echo "patch-module.sh: $*" >&2; exit 1; }
data_lines() { sed -e 's/#.*$//' -e 's/[[:space:]]*$//' "$1" | grep -v '^$' || true; }

cd "$tdir"
[ -f go.mod ] && [ -f go.sum ] || fail "$tdir has no go.mod/go.sum"
modjson="$(go mod edit -json)"

# 1. Replacements.
n=0
while read -r mod up ours extra; do
  [ -n "$ours" ] && [ -z "${extra:-}" ] || fail "replacements.txt: bad line '$mod $up $ours ${extra:-}'"
  # Where Traefik's go.mod selects $mod@$up: its own requirement, or the target of its replace.
  old="$(jq -r --arg m "$mod" --arg v "$up" '
    ( [.Replace[]? | select(.New.Path == $m and .New.Version == $v) | .Old.Path + (if .Old.Version then "@" + .Old.Version else "" end)]
      + [.Require[]? | select(.Path == $m and .Version == $v) | .Path + "@" + .Version] ) | first // empty' <<<"$modjson")"
  if [ -z "$old" ]; then
    now="$(jq -r --arg m "$mod" '[(.Require[]? | select(.Path == $m) | .Version), (.Replace[]? | select(.New.Path == $m) | .New.Version)] | join(" ")' <<<"$modjson")"
    fail "replacements.txt expects Traefik's go.mod to select $mod $up, but it selects '${now:-nothing}': re-check the replacement (does the proxy serve the new version now?)"
  fi
  if jq -e --arg m "$mod" 'any(.Replace[]?; .Old.Path == $m)' <<<"$modjson" >/dev/null; then
    fail "Traefik's go.mod already replaces $mod itself; replacements.txt cannot handle that"
  fi
  for suffix in "" "/go.mod"; do
    grep -qE "^$mod $ours$suffix h1:" "$here/replacements.sum" || fail "replacements.sum lacks the go.sum line for $mod $ours$suffix"
  done
  go mod edit -replace="$old=$mod@$ours"
  echo "replace $old => $mod $ours (upstream: $up)"
  n=$((n + 1))
done < <(data_lines "$here/replacements.txt")
data_lines "$here/replacements.sum" >>go.sum

# 2. lego without the removed DNS providers.
mapfile -t removed < <(data_lines "$here/lego-dns-providers-removed.txt")
if [ ${#removed[@]} -gt 0 ]; then
  legover="$(jq -r --arg m "$LEGO" '.Require[]? | select(.Path == $m) | .Version' <<<"$modjson")"
  [ -n "$legover" ] || fail "Traefik's go.mod does not require $LEGO"
  if jq -e --arg m "$LEGO" 'any(.Replace[]?; .Old.Path == $m)' <<<"$modjson" >/dev/null; then fail "Traefik's go.mod already replaces $LEGO"; fi
  legodir="$(go mod download -json "$LEGO@$legover" | jq -r '.Dir // empty')"
  [ -d "$legodir" ] || fail "go mod download $LEGO@$legover gave no directory"
  rm -rf "$src/lego"; cp -r "$legodir" "$src/lego"; chmod -R u+w "$src/lego"
  reg="$src/lego/$REGISTRY"
  [ -f "$reg" ] || fail "$LEGO@$legover has no $REGISTRY"
  for p in "${removed[@]}"; do
    [[ "$p" =~ ^[a-z0-9]+$ ]] || fail "lego-dns-providers-removed.txt: bad provider name '$p'"
    imp="^$T\"$LEGO/providers/dns/$p\"\$"
    [ "$(grep -c "$imp" "$reg")" = 1 ] || fail "$REGISTRY of $LEGO@$legover does not import providers/dns/$p exactly once"
    [ "$(grep -cx "${T}case \"$p\":" "$reg")" = 1 ] && [ "$(grep -cx "$T${T}return $p.NewDNSProvider()" "$reg")" = 1 ] \
      || fail "$REGISTRY of $LEGO@$legover has no single 'case \"$p\": return $p.NewDNSProvider()'"
    sed -i -e "\\#$imp#d" -e "/^${T}case \"$p\":\$/{N;/\\n$T${T}return $p\\.NewDNSProvider()\$/d}" "$reg"
    ! grep -qE "(\"|[^a-z0-9])$p(\\.|\"|$)" "$reg" || fail "$REGISTRY still names $p after patching"
    echo "lego $legover: removed DNS provider $p"
  done
  if [ -n "$(gofmt -l "$reg")" ]; then fail "patched $REGISTRY is not gofmt-clean"; fi
  go mod edit -replace="$LEGO=../lego"
  echo "replace $LEGO => ../lego ($LEGO $legover without ${#removed[@]} DNS provider(s))"
fi
echo "patch-module.sh: $n module replacement(s), ${#removed[@]} lego DNS provider(s) removed"
