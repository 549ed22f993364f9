#!/usr/bin/env bash
# Fuzzes the review parser with cargo-fuzz (libFuzzer) for SECONDS (default 600).
# Installs cargo-fuzz on first use; seeds the corpus with the parser's fixtures.
# The stable toolchain accepts cargo-fuzz's sanitizer flags with RUSTC_BOOTSTRAP=1.
set -euo pipefail
seconds=${1:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
mkdir -p "$root/fuzz/corpus/parse_review"
cp "$root"/crates/core/tests/fixtures/reviews/* "$root/fuzz/corpus/parse_review/"
cd "$root/fuzz"
RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run parse_review -- \
  -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=10 -max_len=65536
