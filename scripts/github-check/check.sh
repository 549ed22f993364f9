#!/usr/bin/env bash
# The GitHub conformance tier: installs GitHub's published API descriptions from npm
# (package.json: @octokit/openapi, @octokit/graphql-schema, with ajv and graphql to
# check against them) into target/github-check, has `fake-github --dump` write every
# body the fake serves and every GraphQL query deep-review sends, and runs check.mjs.
# Exit 0: all conform; 1: something does not; 3: npm could not install the packages
# (no registry): the tier is skipped, say why.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${DEEP_REVIEW_GITHUB_CHECK_DIR:-$root/target/github-check}"
mkdir -p "$work"
cp "$here/package.json" "$work/package.json"
if ! (cd "$work" && timeout 600 npm install --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1); then
  echo "npm could not install the API descriptions (see $work/npm.log)" >&2
  tail -n 5 "$work/npm.log" >&2 || true
  exit 3
fi
# FAKE_GITHUB: a fake-github binary to check instead of building the workspace's.
fake="${FAKE_GITHUB:-}"
if [ -z "$fake" ]; then
  (cd "$root" && cargo build --locked --quiet -p fake-github)
  fake="$root/target/debug/fake-github"
fi
rm -rf "$work/dump"
"$fake" --dump "$work/dump"
cd "$work" && node "$here/check.mjs" "$work/dump"
