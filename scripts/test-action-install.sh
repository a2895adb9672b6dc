#!/usr/bin/env bash
# Tests scripts/action-install.sh end to end against a stand-in for the release download: a
# release archive and checksum built from this checkout's binary, served on 127.0.0.1 by
# python3 -m http.server. Cases: a good asset is installed and runs; a bad checksum fails the
# step; a version without a release asks for a source build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LEAKGATE=${LEAKGATE:-$ROOT/target/release/leakgate}
W=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target=x86_64-unknown-linux-musl
name="leakgate-v$version-$target"
mkdir -p "$W/www/v$version/$name" "$W/www/v9.9.9"
cp "$LEAKGATE" "$W/www/v$version/$name/leakgate"
tar -czf "$W/www/v$version/$name.tar.gz" -C "$W/www/v$version" "$name"
(cd "$W/www/v$version" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
# The bad-checksum release: same archive, a checksum of something else.
cp "$W/www/v$version/$name.tar.gz" "$W/www/v9.9.9/leakgate-v9.9.9-$target.tar.gz"
echo "0000000000000000000000000000000000000000000000000000000000000000  x" >"$W/www/v9.9.9/leakgate-v9.9.9-$target.tar.gz.sha256"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$W/www" >"$W/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "port" "$W/server.log" && break; sleep 0.1; done
port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$W/server.log" | head -n 1)
[ -n "$port" ] || { echo "http.server did not start"; cat "$W/server.log"; exit 1; }

run() { # VERSION -> runs the install step in a fresh runner-like environment; prints its status
  local case_dir="$W/case-$1"
  mkdir -p "$case_dir"
  : >"$case_dir/output"; : >"$case_dir/path"
  GITHUB_ACTION_PATH=$ROOT RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TEMP=$case_dir \
    GITHUB_OUTPUT=$case_dir/output GITHUB_PATH=$case_dir/path \
    LEAKGATE_RELEASE_BASE="http://127.0.0.1:$port" LEAKGATE_VERSION=$1 \
    bash scripts/action-install.sh >"$case_dir/log" 2>&1 && echo 0 || echo $?
}

status=$(run "$version")
[ "$status" = 0 ] || { echo "install failed"; cat "$W/case-$version/log"; exit 1; }
grep -qx "need-build=false" "$W/case-$version/output" || { echo "expected need-build=false"; exit 1; }
bin_dir=$(cat "$W/case-$version/path")
"$bin_dir/leakgate" --version | grep -q "leakgate $version" || { echo "installed binary does not run"; exit 1; }
echo "release download: ok ($(cat "$W/case-$version/log" | tail -n 1))"

status=$(run 9.9.9)
[ "$status" != 0 ] || { echo "a bad checksum must fail the step"; cat "$W/case-9.9.9/log"; exit 1; }
grep -q "checksum mismatch" "$W/case-9.9.9/log" || { echo "expected a checksum message"; exit 1; }
[ ! -s "$W/case-9.9.9/path" ] || { echo "a bad binary was put on PATH"; exit 1; }
echo "bad checksum: ok (step failed, nothing on PATH)"

status=$(run 0.0.1)
[ "$status" = 0 ] || { echo "a missing release must not fail the step"; cat "$W/case-0.0.1/log"; exit 1; }
grep -qx "need-build=true" "$W/case-0.0.1/output" || { echo "expected need-build=true"; exit 1; }
echo "no release: ok (need-build=true)"
