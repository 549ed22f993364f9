#!/bin/sh
# Consolidation speed (release build), two figures:
#   consolidate_process: `deep-review consolidate DIR` as a process, end to end (parse to
#     render), on 10 reviewers x 1,000 and x 4,000 findings written as Markdown reviews;
#   consolidate: the grouping step alone on the same sizes, in memory.
set -eu
cd "$(dirname "$0")/.."
cargo bench -p deep-review --bench consolidate_process "$@"
cargo bench -p deep-review-core --bench consolidate "$@"
