#!/usr/bin/env bash
# The opt-in real-CLI test tier: installs Claude Code, Codex and Gemini CLI with npm
# (scripts/install-agent-clis.sh, cached) and runs crates/core/tests/real_clis.rs, which
# drives each real CLI through the runner against a local mock model server.
# Needs: node >= 20 and npm, python3, git. No network but the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(bash "$here/install-agent-clis.sh" "$@" | tail -n 1)
cd "$here/.."
DEEP_REVIEW_AGENT_CLIS_BIN="$bin" \
  cargo test -p deep-review-core --test it real_clis -- --ignored --nocapture
