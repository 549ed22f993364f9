#!/usr/bin/env bash
# The GitHub conformance tier: installs GitHub's published API descriptions from npm
# (package.json: @octokit/openapi, @octokit/graphql-schema, with ajv and graphql to
# check against them) into target/github-check, has `fake-github --dump` write every
# body the fake serves and every GraphQL query deep-review sends, records every request
# body deep-review sends (the core's publish tests against the fake), and runs check.mjs.
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
# The request bodies deep-review sends, as the fake recorded them in the publish tests.
# GITHUB_CHECK_REQUESTS: a directory of them to check instead of running the tests.
if [ -n "${GITHUB_CHECK_REQUESTS:-}" ]; then
  cp -r "$GITHUB_CHECK_REQUESTS" "$work/dump/requests"
elif ! (cd "$root" && DEEP_REVIEW_GITHUB_REQUESTS="$work/dump/requests" \
  cargo test --locked --quiet -p deep-review-core --test it publish:: >"$work/requests.log" 2>&1); then
  echo "the publish tests failed; no request bodies to check (see $work/requests.log)" >&2
  tail -n 20 "$work/requests.log" >&2 || true
  exit 1
fi
cd "$work" && node "$here/check.mjs" "$work/dump"
