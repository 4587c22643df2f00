#!/usr/bin/env bash
# Checkov, an independent scanner, on what this project deploys (issue 18):
#   - the prod-cloud plan (`terraform show -json` of the offline plan, real hashicorp/aws provider),
#   - the prod-ecs plan, the same way,
#   - the synthesized cdk.tf.json of every stack (dev, prod-cloud, prod-runtime, prod-ecs),
#   - the policy pack's non-compliant fixtures (for docs/checkov-agreement.md).
# Failures are matched against config/checkov-skips.yaml (every skip has a reason, mirrored in
# docs/aws-hardening.md); scripts/checkov/report.ts prints the per-stack summary, writes
# reports/checkov/results.json (read by test/integration/checkov.test.ts) and the agreement table,
# and exits 1 when a failure is neither fixed nor skipped with a reason.
#
# Offline: Checkov gets no API key, --skip-download / --skip-results-upload, BC_SKIP_MAPPING and
# CKV_SKIP_PACKAGE_UPDATE_CHECK, so it never asks Prisma Cloud or PyPI for anything. Only the venv
# creation (first run) talks to PyPI.
#
# Env: CHECKOV_VERSION (pinned below), CHECKOV_CACHE (default /var/cache/n8n-zt-checkov),
#      CHECKOV_OUT (default reports/checkov; not a hidden folder: Checkov skips those).
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
# Root (CI) keeps the venv with the machine's other caches; anyone else in their own cache folder.
if [ "$(id -u)" = 0 ]; then DEFAULT_CACHE=/var/cache/n8n-zt-checkov; else DEFAULT_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/n8n-zt-checkov"; fi
CACHE_ROOT="${CHECKOV_CACHE:-$DEFAULT_CACHE}"
VENV="$CACHE_ROOT/venv-$CHECKOV_VERSION"
OUT="${CHECKOV_OUT:-reports/checkov}"
T0=$SECONDS
say() { printf 'checkov.sh [%3ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }

# --- 1. the virtual environment (created once per version, reused after) -------------------------
ensure_venv() {
  if [ -x "$VENV/bin/checkov" ] && [ -f "$VENV/.complete" ]; then return; fi
  say "creating $VENV (checkov==$CHECKOV_VERSION from PyPI)"
  mkdir -p "$CACHE_ROOT"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "checkov==$CHECKOV_VERSION"
  touch "$VENV/.complete"
}
ensure_venv
got="$("$VENV/bin/checkov" --version 2>/dev/null | tail -1)"
[ "$got" = "$CHECKOV_VERSION" ] || { echo "checkov in $VENV reports version '$got', expected $CHECKOV_VERSION" >&2; exit 1; }
say "checkov $got"

# --- 2. synthesize, plan, write the fixtures ----------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT/input" "$OUT/raw"
say "synthesizing (main.ts)"
CHECKPOINT_DISABLE=1 CDKTF_OUTDIR="$PWD/$OUT/synth" node scripts/run-ts.cjs main.ts
say "offline prod-cloud and prod-ecs plans and policy fixtures"
node scripts/run-ts.cjs scripts/checkov/prepare.ts "$OUT/input"

# --- 3. Checkov, offline ------------------------------------------------------------------------
export BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE CKV_GITHUB_CONFIG_FETCH_DATA=FALSE \
  CKV_GITLAB_CONFIG_FETCH_DATA=FALSE CHECKOV_CREATE_MARKDOWN_HYPERLINKS=FALSE LOG_LEVEL=WARNING \
  CKV_CACHE_DIR="$PWD/$OUT/ckv-cache"
unset BC_API_KEY PRISMA_API_URL BC_API_URL 2>/dev/null || true
# No --quiet: passed checks are listed too, for the table of checks that apply and no rule maps.
CKV_ARGS=(--skip-download --skip-results-upload --soft-fail --compact -o json)

# checkov <name> <framework> <-d dir | -f file>: JSON report in $OUT/raw/<name>.json
run_checkov() {
  local name="$1" framework="$2"; shift 2
  local start=$SECONDS
  # --soft-fail: exit 0 on findings; report.ts decides. A crash still exits non-zero.
  "$VENV/bin/checkov" "${CKV_ARGS[@]}" --framework "$framework" "$@" >"$OUT/raw/$name.json" 2>"$OUT/raw/$name.stderr" || {
    echo "checkov failed on $name:" >&2; cat "$OUT/raw/$name.stderr" >&2; exit 1; }
  say "checked $name ($framework) in $((SECONDS - start)) s"
}

run_checkov prod-cloud-plan terraform_plan -f "$OUT/input/plan/prod-cloud.tfplan.json" &
run_checkov prod-ecs-plan terraform_plan -f "$OUT/input/plan/prod-ecs.tfplan.json" &
for stack in dev prod-cloud prod-runtime prod-ecs; do
  [ -f "$OUT/synth/stacks/$stack/cdk.tf.json" ] || { echo "$OUT/synth/stacks/$stack/cdk.tf.json was not synthesized" >&2; exit 1; }
  run_checkov "$stack" terraform_json -d "$OUT/synth/stacks/$stack" &
done
run_checkov fixtures terraform_json -d "$OUT/input/fixtures" &
wait_all() { local s=0; for p in $(jobs -p); do wait "$p" || s=1; done; return $s; }
wait_all

# --- 4. summary, results.json, agreement table --------------------------------------------------
node scripts/run-ts.cjs scripts/checkov/report.ts "$OUT" "$CHECKOV_VERSION"
say "done"
