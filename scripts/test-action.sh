#!/usr/bin/env bash
# Exercises scripts/action-scan.sh (the action's scan step) on a real repository with a
# pull-request-like range, the way GitHub runs it: event variables in, $GITHUB_OUTPUT and
# $GITHUB_STEP_SUMMARY out. The head commit also adds a .leakgate.toml that allowlists
# everything; the scan must ignore it because the base decides.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="${LEAKGATE_BIN_DIR:-$ROOT/target/release}:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
g() { git -C "$W/repo" -c user.name=ci -c user.email=ci@example.test -c commit.gpgsign=false "$@"; }
git init -q -b main "$W/repo"
echo "hello" >"$W/repo/README.md"
g add -A && g commit -qm base
base=$(g rev-parse HEAD)
python3 scripts/fake_secrets.py "$W/repo"
printf "[allow]\npaths = ['''.*''']\n" >"$W/repo/.leakgate.toml"
g add -A && g commit -qm "head adds secrets"
head=$(g rev-parse HEAD)
export GITHUB_OUTPUT=$W/output GITHUB_STEP_SUMMARY=$W/summary.md RUNNER_TEMP=$W
export LEAKGATE_EVENT=pull_request LEAKGATE_PR_BASE=$base LEAKGATE_PR_HEAD=$head LEAKGATE_SCOPE=auto LEAKGATE_FAIL_ON=low
(cd "$W/repo" && bash "$ROOT/scripts/action-scan.sh")
grep -qx "exit-code=1" "$W/output" || { echo "expected exit-code=1"; cat "$W/output"; exit 1; }
grep -q "^sarif=" "$W/output" || { echo "expected a sarif output"; exit 1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["runs"][0]["results"]) >= 5, d' "$W/leakgate.sarif"
grep -q "| severity | confidence | rule |" "$W/summary.md" || { echo "expected a findings table in the job summary"; exit 1; }
grep -q "change leakgate's own settings: .leakgate.toml" "$W/summary.md" || { echo "expected the settings-change note"; exit 1; }
if grep -q "ghp_[A-Za-z0-9]\{36\}" "$W/summary.md" "$W/leakgate.sarif"; then echo "a secret leaked into a report"; exit 1; fi
echo "action scan step: ok ($(grep -c '^| ' "$W/summary.md") table rows, exit-code=1)"

# A shallow clone whose base is missing: exit 2 is reported as an error, never as findings.
git clone -q --depth 1 "file://$W/repo" "$W/shallow"
: >"$W/output"; : >"$W/summary.md"
(cd "$W/shallow" && bash "$ROOT/scripts/action-scan.sh") 2>"$W/shallow.err" >"$W/shallow.out"
grep -qx "exit-code=2" "$W/output" || { echo "expected exit-code=2 in a shallow clone"; cat "$W/output"; exit 1; }
grep -q "::error title=leakgate could not scan::.*fetch-depth: 0" "$W/shallow.out" || { echo "expected an error annotation naming fetch-depth"; cat "$W/shallow.out"; exit 1; }
grep -q "could not scan" "$W/summary.md" || { echo "expected the error in the job summary"; exit 1; }
if grep -q "found secrets" "$W/summary.md"; then echo "an error was reported as findings"; exit 1; fi
echo "action scan step: a missing base in a shallow clone is an error (exit-code=2)"
