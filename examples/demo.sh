#!/usr/bin/env bash
# Builds a small git repository with a planted problem (examples/sample-app: a base
# commit and a head commit) in a temporary directory, then reviews the change with
# deep-review. With no agent CLI and no API key the builtin reviewer runs alone.
# Usage: examples/demo.sh [`deep-review review` flags, default: --fail-on never]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
repo="${DEEP_REVIEW_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/deep-review-demo.XXXXXX")}"

echo "building deep-review (the first build takes a minute or two)..." >&2
# deep-review-sandbox (the Landlock launcher) sits beside deep-review; without it
# linters that run the change's code are skipped.
cargo build --quiet --manifest-path "$root/Cargo.toml" -p deep-review -p deep-review-core --bins

rm -rf "$repo/sample-app"
mkdir -p "$repo/sample-app"
cd "$repo/sample-app"
git init --quiet --initial-branch=main
git config user.name "Demo Author"
git config user.email "demo@example.invalid"
cp -R "$here/sample-app/base/." .
git add -A && git commit --quiet -m "inventory: count the units in stock"
git checkout --quiet -b feature/take-stock
cp -R "$here/sample-app/head/." .
git add -A && git commit --quiet -m "inventory: take units out of stock"

echo "reviewing $repo/sample-app (main..feature/take-stock)" >&2
# The sample has a critical finding on purpose; without flags the demo exits 0 anyway.
[ $# -gt 0 ] || set -- --fail-on never
exec cargo run --quiet --manifest-path "$root/Cargo.toml" -p deep-review -- review "$repo/sample-app" "$@"
