#!/bin/sh
# Entrypoint of the e2e stand-in for ghcr.io/dexidp/dex: same contract as upstream's
# /usr/local/bin/docker-entrypoint. For `dex serve ...`, every argument ending in .yaml, .tpl or
# .tmpl is a config template, rendered to a new file under /tmp (so /tmp must be writable) and
# passed on in its place; any other command is executed as it is.
# Upstream renders with gomplate, which this image does not have: a config without template
# actions ("{{") comes out unchanged, as with gomplate; one with them is refused.
set -eu
[ $# -gt 0 ] || { echo "error: no args passed to entrypoint"; exit 1; }
dex_path=$(command -v dex || true)
if { [ "$1" = dex ] || [ "$1" = "$dex_path" ]; } && [ "${2:-}" = serve ]; then
  first=1
  for arg in "$@"; do
    if [ -n "$first" ]; then set --; first=; fi
    case "$arg" in
      *.yaml | *.tpl | *.tmpl)
        if grep -q '{{' "$arg"; then
          echo "error: $arg has template actions ({{ ... }}); this e2e image has no gomplate to render them" >&2
          exit 1
        fi
        out=$(mktemp /tmp/dex.config.yaml-XXXXXXXXX)
        cat "$arg" >"$out"
        set -- "$@" "$out"
        ;;
      *) set -- "$@" "$arg" ;;
    esac
  done
fi
exec "$@"
