#!/usr/bin/env bash
# Benchmark (not a test): wall-clock time of a whole `deep-review review` with three
# `command` reviewers run in parallel, each sleeping SLEEP seconds (default 3) before
# printing a small review, against the same panel with reviewers that print at once
# (what the orchestration itself costs). Release build; hyperfine when installed,
# else a bash loop. The claim checked: with 3 s reviewers the review ends within 3.5 s.
# Usage: scripts/bench-review.sh [runs (default 5)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
sleep_s="${SLEEP:-3}"
target="${CARGO_TARGET_DIR:-$root/target}"

cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p deep-review
bin="$target/release/deep-review"

work="$(mktemp -d "${TMPDIR:-/tmp}/deep-review-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
repo="$work/repo"
mkdir -p "$repo/src" "$work/bin"
cd "$repo"
git init --quiet --initial-branch=main
git config user.name "Bench"
git config user.email "bench@example.invalid"
printf 'pub fn one() -> u32 {\n    1\n}\n' > src/lib.rs
git add -A && git commit --quiet -m base
git checkout --quiet -b feature
printf 'pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n' > src/lib.rs
git commit --quiet -am "add two"

# reviewer NAME SECONDS: a script that waits, then prints a short review.
reviewer() {
    cat > "$work/bin/$1.sh" <<SH
#!/bin/sh
sleep $2
cat <<'MD'
## Executive Summary

Adds \`two\`.

## Findings

### Suggestions

S1. **\`two\` has no doc comment** — \`src/lib.rs:5\` (suggestion, gap)

Say what it returns.
MD
SH
    chmod +x "$work/bin/$1.sh"
}

# config FILE SECONDS: three command reviewers sleeping SECONDS each.
config() {
    {
        printf '[review]\nreviewers = ["a", "b", "c"]\ntimeout = "60s"\n'
        for name in a b c; do
            reviewer "$name-$2" "$2"
            printf '\n[reviewers.%s]\nbackend = "command"\ncommand = ["%s"]\n' \
                "$name" "$work/bin/$name-$2.sh"
        done
    } > "$1"
}
config "$work/slow.toml" "$sleep_s"
config "$work/instant.toml" 0

export XDG_CONFIG_HOME="$work/no-config" DEEP_REVIEW_DB="$work/history.sqlite3" NO_COLOR=1
review() { "$bin" review "$repo" --quiet --fail-on never --config "$1" --out "$work/out" > /dev/null; }
export -f review
export bin repo work

if command -v hyperfine > /dev/null; then
    hyperfine --shell bash --style basic --runs "$runs" --warmup 1 \
        -n "3 reviewers, sleep $sleep_s s" "review $work/slow.toml" \
        -n "3 reviewers, sleep 0 s" "review $work/instant.toml" \
        --export-json "$work/hyperfine.json" > /dev/null
    python3 - "$work/hyperfine.json" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = r["times"]
    print(f'{r["command"]:<28} min {min(t):.3f} s  median {statistics.median(t):.3f} s  max {max(t):.3f} s  (n={len(t)})')
PY
else
    for label in slow instant; do
        times=()
        for _ in $(seq "$runs"); do
            start=$(date +%s%N)
            review "$work/$label.toml"
            times+=($(( ($(date +%s%N) - start) / 1000000 )))
        done
        sorted=($(printf '%s\n' "${times[@]}" | sort -n))
        n=${#sorted[@]}
        printf '%-10s min %d ms  median %d ms  max %d ms  (n=%d)\n' \
            "$label" "${sorted[0]}" "${sorted[$((n / 2))]}" "${sorted[$((n - 1))]}" "$n"
    done
fi
