#!/usr/bin/env bash
# Converts gitleaks configurations with `leakgate rules import-gitleaks` and proves the results
# load and self-test: the 105-rule fixture written for the tests, and, when GITLEAKS_CONFIG names
# one (for example gitleaks' own default configuration), that file too. Prints the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
LEAKGATE=${LEAKGATE:-target/release/leakgate}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
convert() { # NAME CONFIG
  "$LEAKGATE" rules import-gitleaks "$2" -o "$W/$1.leakgate.toml" 2>"$W/$1.notes"
  tail -n 1 "$W/$1.notes"
  "$LEAKGATE" rules test "$W/$1.leakgate.toml" 2>&1 | tail -n 1
  echo "x" | "$LEAKGATE" stdin --config "$W/$1.leakgate.toml" --quiet >/dev/null
}
convert fixture tests/fixtures/gitleaks/large.gitleaks.toml
if [ -n "${GITLEAKS_CONFIG:-}" ]; then
  convert external "$GITLEAKS_CONFIG"
  grep "not converted:" "$W/external.notes" || true
fi
