#!/usr/bin/env bash
# test/e2e/build/binaries.sh [--allow-unavailable] [--retry-unavailable] [TOOL...]
#
# Builds the upstream Go programs that the deploy suite's local images run, at the versions this
# repository pins, from the Go module proxy only (never from a VCS), as static binaries:
#   traefik             github.com/traefik/traefik/v3 cmd/traefik     version from config images.traefik
#   oauth2-proxy        github.com/oauth2-proxy/oauth2-proxy/v7        version from config images.oauth2Proxy
#   dex                 github.com/dexidp/dex cmd/dex                  version from config images.dex
#   launcher            github.com/n8n-io/task-runner-launcher        version from versions.env
#   tf-docker-provider  github.com/kreuzwerker/terraform-provider-docker, as a Terraform filesystem
#                       mirror; version from node_modules/@cdktf/provider-docker (what it binds)
#   hey                 github.com/rakyll/hey (the load generator of npm run bench:edge, in the
#                       probe image)                               version from versions.env
# TOOL defaults to all of them. Where a module can't be built by `go install pkg@version` (replace
# directives, module path that does not match its tags), go/<tool>/ holds a wrapper module whose
# go.mod pins the version and whose go.sum pins the hashes; the script fails if a wrapper and the
# version it is checked against disagree.
#
# Cache (by content): $N8N_ZT_E2E_CACHE (default /var/cache/n8n-zt-e2e) holds go/mod and go/build
# (GOMODCACHE, GOCACHE), bin/<tool>-<version>-<hash>/ (hash of the wrapper files, build flags, Go
# version and this script's build code) and logs/. At the end it writes bin/current.env:
#   TRAEFIK_BIN= OAUTH2_PROXY_BIN= DEX_BIN= LAUNCHER_BIN= TF_DOCKER_PROVIDER_MIRROR= HEY_BIN= and *_VERSION=
# (a tool that could not be built gets an empty *_BIN / *_MIRROR and a comment saying why).
#
# "Unavailable" means the module proxy refused a module the build needs (HTTP 403 "This module
# version is not available") or a wrapper could not be pinned; that verdict is cached for
# N8N_ZT_E2E_UNAVAILABLE_TTL seconds (default 3600; --retry-unavailable ignores it).
# Exit status: 0 all built (or only unavailable ones missing, with --allow-unavailable);
#              1 a build failed; 2 usage, environment or version-pin error; 3 some tool unavailable.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../../.." && pwd)"
E2E_CACHE="${N8N_ZT_E2E_CACHE:-/var/cache/n8n-zt-e2e}"
CONFIG="${N8N_ZT_E2E_CONFIG:-$REPO_ROOT/config/dev.json}"
GO_PROXY="${N8N_ZT_E2E_GOPROXY:-https://proxy.golang.org}"
UNAVAILABLE_TTL="${N8N_ZT_E2E_UNAVAILABLE_TTL:-3600}"
ALL_TOOLS=(traefik oauth2-proxy dex launcher tf-docker-provider hey)

ALLOW_UNAVAILABLE=0
RETRY_UNAVAILABLE=0
TOOLS=()

say() { printf '[binaries] %s\n' "$*"; }
die() { printf '[binaries] ERROR: %s\n' "$*" >&2; exit "${2:-2}"; }
usage() { sed -n '2,3p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --allow-unavailable) ALLOW_UNAVAILABLE=1 ;;
    --retry-unavailable) RETRY_UNAVAILABLE=1 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) case " ${ALL_TOOLS[*]} " in *" $1 "*) TOOLS+=("$1") ;; *) die "unknown tool '$1' (one of: ${ALL_TOOLS[*]})" ;; esac ;;
  esac
  shift
done
[ ${#TOOLS[@]} -gt 0 ] || TOOLS=("${ALL_TOOLS[@]}")

# ---------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26 at /usr/local/go)"
command -v jq >/dev/null 2>&1 || die "jq is not on PATH (apt-get install jq)"
[ -r "$CONFIG" ] || die "config not readable: $CONFIG"

mkdir -p "$E2E_CACHE/go/mod" "$E2E_CACHE/go/build" "$E2E_CACHE/bin" "$E2E_CACHE/logs" "$E2E_CACHE/tmp"
exec 9>"$E2E_CACHE/.binaries.lock"
if command -v flock >/dev/null 2>&1; then
  flock -n 9 || { say "waiting for another binaries.sh run (lock $E2E_CACHE/.binaries.lock)"; flock 9; }
fi

# Everything the go command sees is set here, not taken from the caller or a go env file, so that
# the cache key below describes the build. The proxy list has no ",direct": nothing is fetched from
# a VCS. GOSUMDB stays at its default: wrapper builds verify against their committed go.sum, and
# `go install pkg@version` verifies the module itself against the checksum database.
export GOENV=off GOTOOLCHAIN=local GOPROXY="$GO_PROXY" GOSUMDB="${GOSUMDB:-sum.golang.org}"
export GOPRIVATE= GONOPROXY= GONOSUMDB= GOINSECURE= GOWORK=off GOEXPERIMENT=
export GOMODCACHE="$E2E_CACHE/go/mod" GOCACHE="$E2E_CACHE/go/build"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=readonly"
unset GOBIN GOOS GOARCH
GO_VERSION="$(go env GOVERSION)"
GOOS_ARCH="$(go env GOOS)_$(go env GOARCH)"
COMMON_BUILD_FLAGS="-trimpath"
COMMON_LDFLAGS="-s -w"

# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------
# image_version KEY: the version in the tag of config images.KEY (digest, registry port and a
# variant suffix such as -alpine dropped): "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3-alpine" -> v7.15.3
image_version() {
  local ref tag
  ref="$(jq -r --arg k "$1" '.images[$k] // empty' "$CONFIG")"
  [ -n "$ref" ] || die "config $CONFIG has no images.$1"
  ref="${ref%%@*}"; tag="${ref##*/}"
  [[ "$tag" == *:* ]] || die "images.$1 ('$ref') has no tag"
  tag="${tag##*:}"
  [[ "$tag" =~ ^(v?[0-9]+\.[0-9]+\.[0-9]+) ]] || die "images.$1 tag '$tag' does not start with a version"
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# wrapper_pin TOOL: "<module> <version> [commit]" from the "// n8n-zt-e2e: upstream ..." line
wrapper_pin() {
  local f="$HERE/go/$1/go.mod"
  [ -f "$f" ] || return 1
  sed -n 's|^// n8n-zt-e2e: upstream \([^ ]*\) \([^ ]*\)\( commit \([0-9a-f]\{40\}\)\)\{0,1\}.*$|\1 \2 \4|p' "$f" | head -n1
}

# check_wrapper TOOL WANT_VERSION REQUIRED_MODULE: the wrapper's pin line names WANT_VERSION and
# its go.mod requires (or replaces to) REQUIRED_MODULE at that version or at the pinned commit.
check_wrapper() {
  local tool="$1" want="$2" mod="$3" pin pmod pver pcommit f="$HERE/go/$1/go.mod" line
  pin="$(wrapper_pin "$tool")" || die "no wrapper module $f"
  read -r pmod pver pcommit <<<"$pin" || true
  [ -n "$pver" ] || die "$f lacks its '// n8n-zt-e2e: upstream <module> <version> [commit <sha>]' line"
  if [ "$pver" != "$want" ]; then
    die "version mismatch for $tool: $WHERE_FROM pins $want but $f pins $pver; update the wrapper module (its header says how) or the pin"
  fi
  # The module version actually required (require or replace target).
  line="$(grep -E "(^|[[:space:]])$mod v[^ ]+" "$f" | grep -v '^//' | tail -n1 || true)"
  [ -n "$line" ] || die "$f does not require $mod"
  local used; used="$(sed -E "s|.*$mod (v[^ ]+).*|\\1|" <<<"$line")"
  if [ -n "$pcommit" ]; then
    [[ "$used" == *-"${pcommit:0:12}" ]] || die "$f pins $tool $pver at commit ${pcommit:0:12} but uses $mod $used"
  else
    [ "$used" = "$want" ] || die "$f pins $tool $pver but uses $mod $used"
  fi
  WRAPPER_COMMIT="$pcommit"
}

declare -A VERSION
resolve_versions() {
  local t
  for t in "${TOOLS[@]}"; do
    case "$t" in
      traefik)
        VERSION[$t]="$(image_version traefik)"; WHERE_FROM="config images.traefik"
        check_wrapper traefik "${VERSION[$t]}" github.com/traefik/traefik/v3 ;;
      oauth2-proxy)
        VERSION[$t]="$(image_version oauth2Proxy)" ;;
      dex)
        VERSION[$t]="$(image_version dex)"; WHERE_FROM="config images.dex"
        check_wrapper dex "${VERSION[$t]}" github.com/dexidp/dex ;;
      launcher)
        local runners; runners="$(image_version n8nRunners)"; runners="${runners#v}"
        # shellcheck disable=SC1091
        (. "$HERE/versions.env" && [ -n "${LAUNCHER_VERSION:-}" ] && [ -n "${LAUNCHER_FROM_N8N:-}" ]) \
          || die "$HERE/versions.env must set LAUNCHER_VERSION and LAUNCHER_FROM_N8N"
        VERSION[$t]="$(. "$HERE/versions.env" && printf '%s' "$LAUNCHER_VERSION")"
        local from; from="$(. "$HERE/versions.env" && printf '%s' "$LAUNCHER_FROM_N8N")"
        [ "$from" = "$runners" ] || die "versions.env took LAUNCHER_VERSION from n8n $from's runners Dockerfile but config images.n8nRunners is $runners; re-read docker/images/runners/Dockerfile at n8n@$runners and update versions.env"
        if [ -f "$HERE/go/launcher/go.mod" ]; then
          WHERE_FROM="versions.env LAUNCHER_VERSION"
          check_wrapper launcher "${VERSION[$t]}" github.com/n8n-io/task-runner-launcher
        fi ;;
      hey)
        VERSION[$t]="$(. "$HERE/versions.env" && printf '%s' "${HEY_VERSION:-}")"
        [ -n "${VERSION[$t]}" ] || die "$HERE/versions.env must set HEY_VERSION" ;;
      tf-docker-provider)
        local pj="$REPO_ROOT/node_modules/@cdktf/provider-docker/package.json" src
        [ -r "$pj" ] || die "$pj not found: run npm ci first (the provider version is the one @cdktf/provider-docker binds)"
        src="$(jq -r '.cdktf.provider.name // empty' "$pj")"
        [ "$src" = "registry.terraform.io/kreuzwerker/docker" ] || die "@cdktf/provider-docker binds '$src', not registry.terraform.io/kreuzwerker/docker"
        VERSION[$t]="$(jq -r '.cdktf.provider.version // empty' "$pj")"
        [ -n "${VERSION[$t]}" ] || die "$pj has no cdktf.provider.version"
        WHERE_FROM="@cdktf/provider-docker@$(jq -r .version "$pj")"
        # The wrapper names the version the bindings want; it builds another commit (its header says why).
        local pin; pin="$(wrapper_pin tf-docker-provider)" || die "no wrapper module $HERE/go/tf-docker-provider/go.mod"
        [ "$(awk '{print $2}' <<<"$pin")" = "v${VERSION[$t]}" ] || die "version mismatch for tf-docker-provider: $WHERE_FROM binds v${VERSION[$t]} but go/tf-docker-provider/go.mod names $(awk '{print $2}' <<<"$pin"); re-read its header" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# Builds. Each build_<tool> SRC OUT VERSION builds into the empty directory OUT (SRC: a scratch
# copy of go/<tool>/ when that exists) and prints nothing but what the go command prints; its text
# is part of the cache key, so editing it rebuilds.
# ---------------------------------------------------------------------------------------------
build_traefik() {
  local src="$1" out="$2" ver="$3" info dir time codename date
  # Download the module zip, verified against the wrapper's go.sum, and build in a writable copy
  # with Traefik's own go.mod/go.sum (so its replace/exclude directives apply).
  info="$(cd "$src" && go mod download -json "github.com/traefik/traefik/v3")"
  dir="$(jq -r .Dir <<<"$info")"; time="$(jq -r '.Time // empty' <<<"$info")"
  [ -d "$dir" ] || { echo "go mod download gave no directory: $info"; return 1; }
  # The version's commit time (from the proxy's .info) as the build date: reproducible.
  [ -n "$time" ] || time="$(jq -r '.Time // empty' "$(jq -r '.Info // empty' <<<"$info")" 2>/dev/null || true)"
  cp -r "$dir" "$src/traefik"; chmod -R u+w "$src/traefik"
  mkdir -p "$src/traefik/pkg/config/dynamic/ext"
  cp "$src/ext/go.mod" "$src/ext/ext.go" "$src/traefik/pkg/config/dynamic/ext/"
  if [ -z "$(find "$src/traefik/webui/static" -type f ! -name '.*' ! -name '_*' 2>/dev/null | head -n1)" ]; then
    echo "webui/static has no assets in the module zip: adding a placeholder (the dashboard is disabled in our config)"
    mkdir -p "$src/traefik/webui/static"; echo '<!-- placeholder: dashboard not built -->' >"$src/traefik/webui/static/index.html"
  fi
  # Module versions the proxy refuses: replaced, or the lego DNS providers needing them removed
  # (go/traefik/replacements.txt, lego-dns-providers-removed.txt; see README.md).
  bash "$src/patch-module.sh" "$src"
  codename="$(sed -n 's/^CODENAME[[:space:]]*?=[[:space:]]*//p' "$src/traefik/Makefile" | head -n1)"
  date="$(date -u -d "${time:-1970-01-01T00:00:00Z}" '+%Y-%m-%d_%I:%M:%S%p')"
  (cd "$src/traefik" && go build $COMMON_BUILD_FLAGS -ldflags "$COMMON_LDFLAGS \
      -X github.com/traefik/traefik/v3/pkg/version.Version=$ver \
      -X github.com/traefik/traefik/v3/pkg/version.Codename=${codename:-unknown} \
      -X github.com/traefik/traefik/v3/pkg/version.BuildDate=$date" \
    -o "$out/traefik" ./cmd/traefik)
  "$out/traefik" version | tee "$out/version.txt"
  grep -q "^Version: *$ver\$" "$out/version.txt"
  (cd "$out" && go version -m traefik) >>"$out/version.txt"
}

build_oauth2_proxy() {
  local src="$1" out="$2" ver="$3"
  # No replace directives upstream: plain `go install pkg@version` (outside any module).
  (cd "$out" && GOFLAGS=-buildvcs=false GOBIN="$out" go install $COMMON_BUILD_FLAGS \
    -ldflags "$COMMON_LDFLAGS -X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=$ver" \
    "github.com/oauth2-proxy/oauth2-proxy/v7@$ver")
  "$out/oauth2-proxy" --version | tee "$out/version.txt"
  grep -q "^oauth2-proxy $ver " "$out/version.txt"
}

build_hey() {
  local src="$1" out="$2" ver="$3"
  # No replace directives upstream: plain `go install pkg@version`. hey has no version flag; the
  # module version is read back from the binary.
  (cd "$out" && GOFLAGS=-buildvcs=false GOBIN="$out" go install $COMMON_BUILD_FLAGS -ldflags "$COMMON_LDFLAGS" "github.com/rakyll/hey@$ver")
  (cd "$out" && go version -m hey) | tee "$out/version.txt"
  grep -qE "^[[:space:]]+mod[[:space:]]+github.com/rakyll/hey[[:space:]]+$ver[[:space:]]" "$out/version.txt"
}

build_dex() {
  local src="$1" out="$2" ver="$3"
  (cd "$src" && go build $COMMON_BUILD_FLAGS -ldflags "$COMMON_LDFLAGS -X main.version=$ver" \
    -o "$out/dex" github.com/dexidp/dex/cmd/dex)
  "$out/dex" version | tee "$out/version.txt"
  grep -q "^Dex Version: $ver\$" "$out/version.txt"
}

build_launcher() {
  local src="$1" out="$2" ver="$3"
  if [ ! -f "$src/go.mod" ]; then
    echo "UNAVAILABLE: no wrapper module test/e2e/build/go/launcher: the commit of launcher tag $ver is not known here"
    echo "(versions.env LAUNCHER_COMMIT is empty) and the module proxy serves no version of"
    echo "github.com/n8n-io/task-runner-launcher (403). To add it: go/launcher/go.mod with"
    echo "  require task-runner-launcher v0.0.0-00010101000000-000000000000"
    echo "  replace task-runner-launcher => github.com/n8n-io/task-runner-launcher <pseudo-version of tag $ver>"
    echo "and its '// n8n-zt-e2e: upstream github.com/n8n-io/task-runner-launcher $ver commit <sha>' line, then go mod tidy."
    return 4
  fi
  # Upstream builds cmd/launcher with plain `go build` and sets no version variable.
  (cd "$src" && go build $COMMON_BUILD_FLAGS -ldflags "$COMMON_LDFLAGS" \
    -o "$out/task-runner-launcher" task-runner-launcher/cmd/launcher)
  go version -m "$out/task-runner-launcher" | tee "$out/version.txt"
  grep -q "github.com/n8n-io/task-runner-launcher" "$out/version.txt"
}

build_tf_docker_provider() {
  local src="$1" out="$2" ver="$3" dir bin mod="github.com/kreuzwerker/terraform-provider-docker" pv info zipdir want have
  dir="$out/mirror/registry.terraform.io/kreuzwerker/docker/$ver/$GOOS_ARCH"
  bin="$dir/terraform-provider-docker_v$ver"
  mkdir -p "$dir"
  # The commit the module proxy serves (see go/tf-docker-provider/go.mod for why not the tag).
  pv="$(sed -n "s#^// n8n-zt-e2e: builds $mod \(v[^ ]*\)\$#\1#p" "$src/go.mod")"
  [ -n "$pv" ] || { echo "go/tf-docker-provider/go.mod lacks its '// n8n-zt-e2e: builds $mod <version>' line"; return 1; }
  if ! info="$(cd / && GOFLAGS=-buildvcs=false go mod download -json "$mod@$pv")"; then
    echo "UNAVAILABLE: the module proxy does not serve $mod@$pv"
    return 4
  fi
  zipdir="$(jq -r .Dir <<<"$info")"
  # Verified against our go.sum: the zip's hash must be the one committed.
  want="$(awk -v m="$mod" -v v="$pv" '$1 == m && $2 == v { print $3 }' "$src/go.sum")"
  have="$(cat "$(jq -r .Zip <<<"$info" | sed 's/\.zip$/.ziphash/')")"
  [ -n "$want" ] && [ "$want" = "$have" ] || { echo "hash mismatch for $mod@$pv: go.sum has '$want', the download '$have'"; return 1; }
  cp -r "$zipdir" "$src/provider"; chmod -R u+w "$src/provider"
  # Built with upstream's own go.mod/go.sum, as its goreleaser does (-X main.version).
  (cd "$src/provider" && go build $COMMON_BUILD_FLAGS -ldflags "$COMMON_LDFLAGS -X main.version=$ver+${pv##*-}" -o "$bin" .)
  cat >"$dir/PROVENANCE" <<TXT
terraform-provider-docker registered as $ver (the version @cdktf/provider-docker binds and the plans require)
built from $mod $pv (master after v4.6.0): the Go module proxy serves no tagged commit of this module
TXT
  # Run without Terraform's handshake, a provider only prints that it is a plugin and exits.
  { "$bin" 2>&1 || true; } | tee "$out/version.txt"
  grep -q "plugin" "$out/version.txt"
  cat "$dir/PROVENANCE" >>"$out/version.txt"
}

# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------
fn_of() { printf 'build_%s' "${1//-/_}"; }

cache_key() {
  local tool="$1" ver="$2" w="$HERE/go/$1"
  {
    printf 'tool=%s version=%s go=%s target=%s cgo=%s proxy=%s\n' "$tool" "$ver" "$GO_VERSION" "$GOOS_ARCH" "$CGO_ENABLED" "$GOPROXY"
    printf 'flags=%s ldflags=%s goflags=%s\n' "$COMMON_BUILD_FLAGS" "$COMMON_LDFLAGS" "$GOFLAGS"
    if [ -d "$w" ]; then (cd "$w" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); fi
    [ "$tool" = launcher ] && sha256sum <"$HERE/versions.env"
    declare -f "$(fn_of "$tool")"
  } | sha256sum | cut -c1-12
}

declare -A RESULT REASON OUTDIR
build_tool() {
  local tool="$1" ver="${VERSION[$1]}" key name out log tmp t0 rc=0 unavail
  t0="$(now)"
  key="$(cache_key "$tool" "$ver")"
  name="$tool-$ver-$key"
  out="$E2E_CACHE/bin/$name"; log="$E2E_CACHE/logs/$name.log"; unavail="$E2E_CACHE/bin/.$name.unavailable"
  OUTDIR[$tool]="$out"
  if [ -f "$out/.complete" ]; then
    RESULT[$tool]=ok; say "$tool $ver: cached ($(since "$t0")) $out"; return 0
  fi
  if [ "$RETRY_UNAVAILABLE" = 0 ] && [ -f "$unavail" ] \
     && [ $(( $(date +%s) - $(stat -c %Y "$unavail") )) -lt "$UNAVAILABLE_TTL" ]; then
    RESULT[$tool]=unavailable; REASON[$tool]="$(head -n1 "$unavail") (cached verdict; --retry-unavailable to retry)"
    say "$tool $ver: UNAVAILABLE, cached verdict from $(date -r "$unavail" -u '+%F %TZ'): $(head -n1 "$unavail")"
    return 0
  fi
  say "$tool $ver: building (log $log)"
  tmp="$(mktemp -d "$E2E_CACHE/tmp/$name.XXXXXX")"
  mkdir -p "$tmp/src" "$tmp/out"
  [ -d "$HERE/go/$tool" ] && cp -r "$HERE/go/$tool/." "$tmp/src/"
  WRAPPER_COMMIT="$( (wrapper_pin "$tool" || true) | awk '{print $3}')"
  set +e
  ( set -euo pipefail; "$(fn_of "$tool")" "$tmp/src" "$tmp/out" "$ver" ) >"$log" 2>&1
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then
    printf 'tool=%s version=%s key=%s go=%s built=%s\n' "$tool" "$ver" "$key" "$GO_VERSION" "$(date -u +%FT%TZ)" >"$tmp/out/.complete"
    rm -rf "$out"; mv "$tmp/out" "$out"
    chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"
    rm -f "$unavail"
    RESULT[$tool]=ok; say "$tool $ver: built in $(since "$t0") $out"
    return 0
  fi
  chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"
  local refused
  # "reading https://proxy.golang.org/<escaped path>/@v/<version>.zip: 403 Forbidden" -> "<path>@<version>"
  refused="$(grep -oE 'https?://[^ ]*/@v/[^ ]*: 403' "$log" \
    | sed -E 's#^https?://[^/]+/##; s#/@v/#@#; s#\.(info|mod|zip): 403$##; s#%21([a-z])#\U\1#g' | sort -u || true)"
  if [ "$rc" = 4 ] || [ -n "$refused" ] || grep -q 'This module version is not available' "$log"; then
    RESULT[$tool]=unavailable
    local n more=""
    if grep -q '^UNAVAILABLE: ' "$log"; then
      REASON[$tool]="$(grep -m1 '^UNAVAILABLE: ' "$log" | sed 's/^UNAVAILABLE: //')"
    elif [ -n "$refused" ]; then
      n="$(wc -l <<<"$refused")"; [ "$n" -gt 3 ] && more=" ..."
      REASON[$tool]="the module proxy refused $n module version(s) it needs: $(head -n3 <<<"$refused" | paste -sd' ')$more"
    else
      REASON[$tool]="$(grep -m1 'not available' "$log" || echo 'module proxy refused a module')"
    fi
    printf '%s\n' "${REASON[$tool]}" >"$unavail"; [ -n "$refused" ] && printf '%s\n' "$refused" >>"$unavail"
    say "$tool $ver: UNAVAILABLE after $(since "$t0"): ${REASON[$tool]}"
    if [ -n "$refused" ]; then sed 's/^/[binaries]   refused: /' <<<"$refused"; fi
    say "  full log: $log"
  else
    RESULT[$tool]=failed; REASON[$tool]="build failed (exit $rc), log $log"
    say "$tool $ver: FAILED after $(since "$t0") (exit $rc); last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /'
  fi
}

write_env() {
  local f="$E2E_CACHE/bin/current.env" tmp t var vvar value
  declare -A lines=()
  # Keep the lines of tools not built in this run.
  if [ -f "$f" ]; then
    while IFS= read -r l; do [[ "$l" =~ ^([A-Z0-9_]+)= ]] && lines[${BASH_REMATCH[1]}]="$l"; done <"$f"
  fi
  declare -A comments=()
  for t in "${TOOLS[@]}"; do
    case "$t" in
      traefik) var=TRAEFIK_BIN; vvar=TRAEFIK_VERSION; value="${OUTDIR[$t]}/traefik" ;;
      oauth2-proxy) var=OAUTH2_PROXY_BIN; vvar=OAUTH2_PROXY_VERSION; value="${OUTDIR[$t]}/oauth2-proxy" ;;
      dex) var=DEX_BIN; vvar=DEX_VERSION; value="${OUTDIR[$t]}/dex" ;;
      launcher) var=LAUNCHER_BIN; vvar=LAUNCHER_VERSION; value="${OUTDIR[$t]}/task-runner-launcher" ;;
      tf-docker-provider) var=TF_DOCKER_PROVIDER_MIRROR; vvar=TF_DOCKER_PROVIDER_VERSION; value="${OUTDIR[$t]}/mirror" ;;
      hey) var=HEY_BIN; vvar=HEY_VERSION; value="${OUTDIR[$t]}/hey" ;;
    esac
    if [ "${RESULT[$t]}" = ok ]; then lines[$var]="$var=$value"; else lines[$var]="$var="; comments[$var]="# $var: $t ${VERSION[$t]} ${RESULT[$t]}: ${REASON[$t]}"; fi
    lines[$vvar]="$vvar=${VERSION[$t]}"
  done
  tmp="$(mktemp "$f.XXXXXX")"
  {
    echo "# written by test/e2e/build/binaries.sh $(date -u +%FT%TZ) ($GO_VERSION, $GOOS_ARCH)"
    for var in TRAEFIK_BIN OAUTH2_PROXY_BIN DEX_BIN LAUNCHER_BIN TF_DOCKER_PROVIDER_MIRROR HEY_BIN \
               TRAEFIK_VERSION OAUTH2_PROXY_VERSION DEX_VERSION LAUNCHER_VERSION TF_DOCKER_PROVIDER_VERSION HEY_VERSION; do
      [ -n "${comments[$var]:-}" ] && printf '%s\n' "${comments[$var]}"
      [ -n "${lines[$var]:-}" ] && printf '%s\n' "${lines[$var]}"
    done
  } >"$tmp"
  chmod 644 "$tmp"; mv "$tmp" "$f"
  say "wrote $f"
}

T_ALL="$(now)"
t="$(now)"; resolve_versions
for tool in "${TOOLS[@]}"; do say "version $tool: ${VERSION[$tool]}"; done
say "versions resolved in $(since "$t") ($GO_VERSION, $GOOS_ARCH, GOPROXY=$GOPROXY, cache $E2E_CACHE)"
for tool in "${TOOLS[@]}"; do build_tool "$tool"; done
write_env
rc=0
for tool in "${TOOLS[@]}"; do
  case "${RESULT[$tool]}" in
    failed) rc=1 ;;
    unavailable) [ "$rc" = 0 ] && [ "$ALLOW_UNAVAILABLE" = 0 ] && rc=3 ;;
  esac
done
summary=""; for tool in "${TOOLS[@]}"; do summary+="$tool=${RESULT[$tool]} "; done
say "done in $(since "$T_ALL"): ${summary% }"
exit "$rc"
