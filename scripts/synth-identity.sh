#!/usr/bin/env bash
# Byte-identity check for refactors: synthesizes every stack at a git ref (default HEAD) and in
# the working tree, then compares every file of both outputs. The checkout's own path is written
# into the dev stack (bind mounts), so it is replaced by <root> before the comparison.
#   bash scripts/synth-identity.sh [<git-ref>]      exit 0: identical; exit 1: the diff is printed
set -euo pipefail
if [ $# -gt 1 ] || [[ "${1:-}" == -* ]]; then
  echo "usage: bash scripts/synth-identity.sh [<git-ref>]" >&2
  exit 2
fi
ref="${1:-HEAD}"
root=$(git rev-parse --show-toplevel)
cd "$root"
git rev-parse --verify -q "${ref}^{commit}" >/dev/null || { echo "synth-identity: no commit named '${ref}'" >&2; exit 2; }
tmp=$(mktemp -d)
cleanup() { git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
git worktree add --detach -q "$tmp/base" "$ref"
ln -s "$root/node_modules" "$tmp/base/node_modules"

synth() { # <checkout> <outdir>
  (cd "$1" && CDKTF_OUTDIR="$2" node scripts/run-ts.cjs main.ts >/dev/null 2>"$2.stderr") \
    || { echo "synth-identity: synthesis failed in $1:" >&2; cat "$2.stderr" >&2; exit 1; }
  # Normalize the checkout's own path (both the JSON and any text asset).
  grep -rlF "$1" "$2" 2>/dev/null | while read -r f; do sed -i "s#$1#<root>#g" "$f"; done
}
synth "$tmp/base" "$tmp/out-base"
synth "$root" "$tmp/out-work"
if diff -r "$tmp/out-base" "$tmp/out-work" >"$tmp/diff" 2>&1; then
  echo "synth-identity: every synthesized file is byte-identical to ${ref} ($(find "$tmp/out-work" -type f | wc -l) files)"
else
  echo "synth-identity: the synthesized stacks differ from ${ref}:" >&2
  head -200 "$tmp/diff" >&2
  exit 1
fi
