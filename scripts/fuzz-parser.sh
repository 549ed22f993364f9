#!/usr/bin/env bash
# Fuzzes with cargo-fuzz (libFuzzer) for SECONDS (default 600): TARGET parse_review (the
# review parser, default) or consolidate_reviews (parsing and consolidating several
# reviews). Installs cargo-fuzz on first use; seeds the corpus with the parser's
# fixtures (joined by NUL bytes for consolidate_reviews). Built without AddressSanitizer
# (`--sanitizer none`): the code is safe Rust (unsafe_code = "deny"), and ASan's
# allocation tracking made each run ~6x slower (89 vs 566 executions/s on parse_review).
# The stable toolchain accepts cargo-fuzz's flags with RUSTC_BOOTSTRAP=1.
# Usage: scripts/fuzz-parser.sh [SECONDS] [TARGET]
set -euo pipefail
seconds=${1:-600}
target=${2:-parse_review}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
corpus="$root/fuzz/corpus/$target"
mkdir -p "$corpus"
fixtures=("$root"/crates/core/tests/fixtures/reviews/*)
if [ "$target" = consolidate_reviews ]; then
    for i in "${!fixtures[@]}"; do
        # Each seed: three consecutive fixtures, NUL-separated.
        { cat "${fixtures[$i]}"; printf '\0'; cat "${fixtures[$(( (i + 1) % ${#fixtures[@]} ))]}";
          printf '\0'; cat "${fixtures[$(( (i + 2) % ${#fixtures[@]} ))]}"; } > "$corpus/seed$i"
    done
else
    cp "${fixtures[@]}" "$corpus/"
fi
cd "$root/fuzz"
RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run --sanitizer none "$target" -- \
  -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=10 -max_len=65536
