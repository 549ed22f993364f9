#!/usr/bin/env bash
# Installs the real agent CLIs (Claude Code, Codex, Gemini CLI) with npm into a cache
# directory, for the opt-in real-CLI test tier (`#[ignore]`d; `--ignored` runs it).
#
# Usage: scripts/install-agent-clis.sh [DIR]
#   DIR defaults to $DEEP_REVIEW_AGENT_CLIS, else ${XDG_CACHE_HOME:-$HOME/.cache}/deep-review/agent-clis.
# Idempotent: does nothing when the three executables are already there.
# Prints the directory holding the executables (DIR/node_modules/.bin) as its last line.
# Versions are pinned to the ones the protocol research was done with; override with
# DEEP_REVIEW_AGENT_CLI_PACKAGES="pkg@ver pkg@ver ...".
set -euo pipefail

dir=${1:-${DEEP_REVIEW_AGENT_CLIS:-${XDG_CACHE_HOME:-$HOME/.cache}/deep-review/agent-clis}}
packages=${DEEP_REVIEW_AGENT_CLI_PACKAGES:-"@anthropic-ai/claude-code@2.1.197 @openai/codex@0.171.0 @google/gemini-cli@0.61.0"}
bin=$dir/node_modules/.bin

installed() {
  for tool in claude codex gemini; do
    [ -x "$bin/$tool" ] || return 1
  done
  # Claude's postinstall replaces a placeholder with the native binary; a failed
  # postinstall leaves a tiny stub that cannot run.
  "$bin/claude" --version >/dev/null 2>&1 || return 1
}

if ! installed; then
  command -v npm >/dev/null || { echo "error: npm not found; hint: install Node.js 20 or newer" >&2; exit 1; }
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # the package list is meant to split
  npm install --prefix "$dir" --no-audit --no-fund $packages >&2
  installed || { echo "error: the agent CLIs did not install under $dir" >&2; exit 1; }
fi
for tool in claude codex gemini; do
  printf '%s: %s\n' "$tool" "$("$bin/$tool" --version 2>/dev/null | head -n 1)" >&2
done
echo "$bin"
