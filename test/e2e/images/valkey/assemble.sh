#!/usr/bin/env bash
# e2e stand-in for valkey/valkey:8.1 (queue mode, issue 14): build.sh's key "valkey", tagged with
# this folder's `tag` while config/dev.json names no valkey image; the deploy suite's queue phase
# deploys it (and uses its valkey-cli as the probe of attack.queue-segmentation).
#
# Server and CLI: Debian 13's valkey-server / valkey-tools 8.1.1 (TLS built in, libssl3). The
# contract the stack relies on (constructs/data/valkey.ts): `valkey-server` and `valkey-cli` on
# PATH (the command starts with valkey-server, the healthcheck calls valkey-cli --tls and grep),
# no config file needed (every setting is an argument), a /data volume the container's uid can
# write (the stack runs it as runAs, not as the image's user), port 6379.
set -euo pipefail
rootfs=$1 meta=$2
# Debian's packaged config daemonizes and logs to a file; the stack passes every setting as an
# argument, so the image carries none (as upstream, which starts without a config file).
rm -f "$rootfs/etc/valkey/valkey.conf" "$rootfs/etc/valkey/sentinel.conf"
# Any uid may write the volume's first copy (the stack runs Valkey as runAs); sticky like /tmp.
install -d -m 1777 "$rootfs/data"
chroot "$rootfs" valkey-server --version
chroot "$rootfs" valkey-cli --version
cat >"$meta/changes" <<'CHANGES'
ENV LANG=C.UTF-8
WORKDIR /data
VOLUME /data
EXPOSE 6379
CMD ["valkey-server"]
LABEL org.opencontainers.image.title="e2e valkey (stand-in for valkey/valkey:8.1)"
CHANGES
