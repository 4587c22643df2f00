#!/bin/sh
# Entrypoint of the e2e stand-in for the official traefik image (traefik-library-image): same
# contract as upstream's /entrypoint.sh. Arguments that start with "-" are Traefik flags, and a
# first argument that Traefik knows as a subcommand (version, healthcheck, ...) runs through
# traefik; anything else is executed as a command.
set -e
case "${1:-}" in
  -*) set -- traefik "$@" ;;
esac
if traefik "$1" --help >/dev/null 2>&1; then
  set -- traefik "$@"
else
  echo "= '$1' is not a Traefik command: assuming shell execution." 1>&2
fi
exec "$@"
