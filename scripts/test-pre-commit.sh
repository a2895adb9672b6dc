#!/usr/bin/env bash
# The pre-commit framework path: install `pre-commit` from PyPI into a venv, then
# `pre-commit try-repo` this repository's hooks against a test repository with a staged secret
# (must fail) and with a clean change (must pass). Skips with a reason if PyPI is unreachable.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/target/ci-tools/venv
if [ ! -x "$VENV/bin/pre-commit" ]; then
  if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pre-commit; } >/dev/null 2>&1; then
    echo "SKIPPED: could not install pre-commit from PyPI"
    exit 0
  fi
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# try-repo builds the hook from a committed revision; snapshot the work tree into a scratch repo.
mkdir -p "$W/src-repo"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$W/src-repo"
g() { git -C "$1" -c user.name=ci -c user.email=ci@example.test -c commit.gpgsign=false "${@:2}"; }
git init -q -b main "$W/src-repo" && g "$W/src-repo" add -A && g "$W/src-repo" commit -qm snapshot
git init -q -b main "$W/test-repo"
echo hello >"$W/test-repo/README.md"
g "$W/test-repo" add -A && g "$W/test-repo" commit -qm init
export PRE_COMMIT_HOME=$ROOT/target/ci-tools/pre-commit-cache
# The prebuilt variant (`language: system`): the leakgate on PATH, no build.
LEAKGATE_BIN_DIR=$(cd "${LEAKGATE_BIN_DIR:-$ROOT/target/release}" && pwd)
echo "clean change" >>"$W/test-repo/README.md" && g "$W/test-repo" add -A
(cd "$W/test-repo" && PATH="$LEAKGATE_BIN_DIR:$PATH" "$VENV/bin/pre-commit" try-repo "$W/src-repo" leakgate-system) ||
  { echo "leakgate-system: a clean change must pass"; exit 1; }
cp -r "$W/test-repo" "$W/system-repo"
python3 "$ROOT/scripts/fake_secrets.py" "$W/system-repo" && g "$W/system-repo" add -A
if (cd "$W/system-repo" && PATH="$LEAKGATE_BIN_DIR:$PATH" "$VENV/bin/pre-commit" try-repo "$W/src-repo" leakgate-system >"$W/out-system.txt" 2>&1); then
  cat "$W/out-system.txt"; echo "leakgate-system: a staged secret must fail the hook"; exit 1
fi
grep -q "commit blocked" "$W/out-system.txt" || { cat "$W/out-system.txt"; echo "leakgate-system: expected the block message"; exit 1; }
echo "pre-commit try-repo leakgate-system: ok (clean passes, staged secret blocked, no build)"
# The source-built variant (`language: rust`) runs `cargo install`, a release build of its own
# (minutes of CI): LEAKGATE_CI_FULL=1 runs it too; the hook logic is the same binary as above.
if [ "${LEAKGATE_CI_FULL:-0}" != 1 ]; then
  echo "pre-commit try-repo leakgate (source build): not run (LEAKGATE_CI_FULL=1 runs it)"
  exit 0
fi
# The framework runs `cargo install`; sharing the target dir reuses the dependencies CI built.
export CARGO_TARGET_DIR=$ROOT/target
echo "clean change" >>"$W/test-repo/README.md" && g "$W/test-repo" add -A
(cd "$W/test-repo" && "$VENV/bin/pre-commit" try-repo "$W/src-repo" leakgate) || { echo "a clean change must pass"; exit 1; }
python3 "$ROOT/scripts/fake_secrets.py" "$W/test-repo" && g "$W/test-repo" add -A
if (cd "$W/test-repo" && "$VENV/bin/pre-commit" try-repo "$W/src-repo" leakgate >"$W/out.txt" 2>&1); then
  cat "$W/out.txt"; echo "a staged secret must fail the hook"; exit 1
fi
grep -q "commit blocked" "$W/out.txt" || { cat "$W/out.txt"; echo "expected the block message"; exit 1; }
echo "pre-commit try-repo: ok (clean passes, staged secret blocked)"
