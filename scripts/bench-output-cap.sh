#!/bin/sh
# Output-cap speed: a reviewer printing 200 MB, read and cut to 8 MiB (release build).
set -eu
cd "$(dirname "$0")/.."
exec cargo bench -p deep-review-core --bench output_cap "$@"
