#!/bin/sh
# Consolidation speed: 10 reviewers x 1,000 and x 4,000 findings (release build).
set -eu
cd "$(dirname "$0")/.."
exec cargo bench -p deep-review-core --bench consolidate "$@"
