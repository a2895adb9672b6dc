#!/usr/bin/env bash
# The install step of action.yml: download the release binary of the action's own version for
# this runner, verify its SHA-256, and put it on PATH. When that version has no release asset
# (a branch or commit of the action, or a fork), print need-build=true so the next steps build
# from source. A checksum mismatch is an error, never a reason to fall back.
# Inputs: GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT;
# LEAKGATE_RELEASE_BASE (default: the project's GitHub releases) and LEAKGATE_VERSION (default:
# the version in the action's Cargo.toml) for tests and mirrors.
set -euo pipefail

action_path=${GITHUB_ACTION_PATH:?}
base=${LEAKGATE_RELEASE_BASE:-https://github.com/leakgate/leakgate/releases/download}
version=${LEAKGATE_VERSION:-$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)}
out=${GITHUB_OUTPUT:?}

case "${RUNNER_OS:-}:${RUNNER_ARCH:-}" in
  Linux:X64) target=x86_64-unknown-linux-musl; ext=tar.gz ;;
  Linux:ARM64) target=aarch64-unknown-linux-gnu; ext=tar.gz ;;
  macOS:X64) target=x86_64-apple-darwin; ext=tar.gz ;;
  macOS:ARM64) target=aarch64-apple-darwin; ext=tar.gz ;;
  Windows:X64) target=x86_64-pc-windows-msvc; ext=zip ;;
  *)
    echo "leakgate: no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; building from source"
    echo "need-build=true" >>"$out"
    exit 0 ;;
esac

name="leakgate-v$version-$target"
dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/leakgate-release"
rm -rf "$dir" && mkdir -p "$dir"
url="$base/v$version/$name.$ext"
if ! curl -fsSL --retry 2 -o "$dir/$name.$ext" "$url" ||
   ! curl -fsSL --retry 2 -o "$dir/$name.$ext.sha256" "$url.sha256"; then
  echo "leakgate: no release asset at $url; building from source"
  echo "need-build=true" >>"$out"
  exit 0
fi

expected=$(awk '{print $1; exit}' "$dir/$name.$ext.sha256")
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$dir/$name.$ext" | awk '{print $1}')
else
  actual=$(shasum -a 256 "$dir/$name.$ext" | awk '{print $1}')
fi
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "leakgate: checksum mismatch for $url (expected ${expected:-nothing}, got $actual); refusing to run it" >&2
  exit 1
fi

if [ "$ext" = zip ]; then
  (cd "$dir" && unzip -q "$name.$ext")
else
  tar -xzf "$dir/$name.$ext" -C "$dir"
fi
bin="$dir/$name"
[ -x "$bin/leakgate" ] || [ -f "$bin/leakgate.exe" ] || {
  echo "leakgate: $name.$ext holds no leakgate binary" >&2
  exit 1
}
echo "$bin" >>"${GITHUB_PATH:?}"
echo "need-build=false" >>"$out"
echo "leakgate: installed release v$version ($target), sha256 $actual"
