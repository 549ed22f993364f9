#!/usr/bin/env bash
# Fault-and-abuse suite (issue 9): builds the release binary, then runs deep-review
# against hostile reviewers, hostile review files, hostile repositories and a hostile
# environment, and prints a Markdown table: case, exit code (and the one expected),
# wall time, peak RSS, what was kept, what leaked. "Leaked" must read "nothing": it is
# checked by grepping every output (files written, stdout, stderr) for the planted
# secrets, by looking for the marker files a hostile reviewer tries to write into the
# user's repository and home, for processes it tried to leave running, and for
# checkouts left in the temporary directory.
# Usage: scripts/abuse.sh          (exit status 1 when a case leaked or exited wrong)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet --release --bins --manifest-path "$root/Cargo.toml" || exit 2
bin="$target/release/deep-review"
[ -x "$target/release/deep-review-sandbox" ] || { echo "no sandbox launcher" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/deep-review-abuse.XXXXXX")"
cleanup() { chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/xdg" NO_COLOR=1
mkdir -p "$HOME/.ssh" "$XDG_CONFIG_HOME" "$work/bin" "$work/cases"
# Planted secrets, spelled in pieces so this script itself holds none.
aws="AKIA""Z3MHQW7XK2PLV9TD"
tok="ghp_""4Fq9ZkLm2Rt7Yw1Xv8Bn3Cd6Ef0Gh5Ij2Kl9"
ssh_secret="PRIVATE-KEY-""$RANDOM$RANDOM"
printf '%s\n' "$ssh_secret" > "$HOME/.ssh/id_rsa"
secrets=("$aws" "$tok" "$ssh_secret")

# The user's repository: main, and a feature branch that changes src/lib.rs.
repo="$work/repo"
mkdir -p "$repo/src"
git_() { git -C "$repo" -c user.name=Abuse -c user.email=abuse@example.invalid "$@"; }
git_ init --quiet --initial-branch=main
printf 'pub fn one() -> u32 {\n    1\n}\n' > "$repo/src/lib.rs"
git_ add -A && git_ commit --quiet -m base
git_ checkout --quiet -b feature
printf 'pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n' > "$repo/src/lib.rs"
git_ commit --quiet -am "add two"

REVIEW='## Executive Summary

Adds `two`.

## Findings

### Important Issues

I1. **`two` has no test** — `src/lib.rs:5-7` (important, gap)

Nothing calls `two` in a test.'

# script NAME BODY: an executable reviewer script.
script() { printf '#!/bin/sh\n%s\n' "$2" > "$work/bin/$1"; chmod +x "$work/bin/$1"; }
# config FILE TIMEOUT NAME=SCRIPT…: a configuration with one command reviewer per pair.
config() {
    local file="$1" timeout="$2"; shift 2
    local names=() pair
    for pair in "$@"; do names+=("\"${pair%%=*}\""); done
    { printf '[review]\nreviewers = [%s]\ntimeout = "%s"\n' "$(IFS=,; echo "${names[*]}")" "$timeout"
      for pair in "$@"; do
          printf '\n[reviewers.%s]\nbackend = "command"\ncommand = ["%s"]\nwritable = ["%s"]\n' \
              "${pair%%=*}" "$work/bin/${pair#*=}" "$work/cases"
      done; } > "$file"
}
script review.sh "cat <<'EOF'
$REVIEW
EOF"

rows=()
failed=0
checkouts_before="$(ls -d "${TMPDIR:-/tmp}"/deep-review-checkout-* 2>/dev/null | sort)"

# measure NAME: runs the rest of the command line under /usr/bin/time (or bash's clock)
# with stdout and stderr into $work/cases/NAME.{out,err}; sets code, wall, rss.
measure() {
    local name="$1"; shift
    local tf="$work/cases/$name.time" start end
    begin "$name"
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$tf" "$@" > "$work/cases/$name.out" 2> "$work/cases/$name.err"
        code=$?
    else
        "$@" > "$work/cases/$name.out" 2> "$work/cases/$name.err"; code=$?
    fi
    end=$(date +%s.%N)
    wall=$(printf '%.2f s' "$(echo "$end - $start" | bc)")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MB", $2/1024}' "$tf" 2>/dev/null)
    [ -n "$rss" ] || rss="?"
}

# begin NAME: marks the start of a case (its work directories are the newer ones).
begin() { touch "$work/cases/$1.start"; sleep 0.01; }

# leaks DIR…: what of the planted secrets or markers shows up; "nothing" when none.
leaks() {
    local found=() s f
    for s in "${secrets[@]}"; do
        f=$(grep -rlaF -- "$s" "$@" 2>/dev/null | sed "s|$work/||" | head -3 | tr '\n' ' ')
        [ -n "$f" ] && found+=("secret ${s:0:4}… in $f")
    done
    for f in "$repo/PWNED" "$HOME/PWNED" "$repo/.git/hooks/post-checkout"; do
        [ -e "$f" ] && found+=("marker ${f#$work/}")
    done
    [ -n "$(git_ status --porcelain --untracked-files=all | grep -v '^?? .deep-review/')" ] \
        && found+=("repository changed: $(git_ status --porcelain | head -2 | tr '\n' ' ')")
    [ -n "$(git_ branch --list evil)" ] && found+=("branch evil")
    for f in "$work"/cases/*.pid; do
        [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && found+=("process $(cat "$f") alive")
    done
    local now; now="$(ls -d "${TMPDIR:-/tmp}"/deep-review-checkout-* 2>/dev/null | sort)"
    [ "$now" != "$checkouts_before" ] && found+=("checkout left: $(comm -13 <(echo "$checkouts_before") <(echo "$now") | head -1)")
    if [ ${#found[@]} -eq 0 ]; then echo nothing; else (IFS=';'; echo "${found[*]}"); fi
}

# The statuses in the newest report.json, e.g. "alpha ok, beta failed".
statuses() {
    local json; json=$(ls -t "$repo"/.deep-review/reviews/*/report.json "$@" 2>/dev/null | head -1)
    [ -n "$json" ] || { echo "no report"; return; }
    jq -r '[.reviewers[] | "\(.name) \(.status)"] | join(", ")' "$json"
}

row() { # NAME EXPECTED KEPT [DIRS to grep…]
    local name="$1" expected="$2" kept="$3"; shift 3
    local dirs; mapfile -t dirs < <(find "$repo/.deep-review/reviews" -mindepth 1 -maxdepth 1 \
        -newer "$work/cases/$name.start" 2>/dev/null)
    local leaked; leaked=$(leaks "$work/cases/$name.out" "$work/cases/$name.err" "${dirs[@]}" "$@")
    [ "$leaked" = nothing ] || failed=1
    [[ "$code" =~ ^($expected)$ ]] || failed=1
    rows+=("| $name | $code | $expected | $wall | $rss | $kept | $leaked |")
}

review() { measure "$1" "$bin" review "${@:2}"; }

# 1. A reviewer that swaps its output file for a FIFO.
script fifo.sh 'rm -f "$DEEP_REVIEW_OUTPUT_FILE"; mkfifo "$DEEP_REVIEW_OUTPUT_FILE" 2>/dev/null; echo done'
config "$work/fifo.toml" 20s alpha=review.sh fifo=fifo.sh
sed -i 's|command = \["'"$work"'/bin/fifo.sh"\]|&\noutput = "file"|' "$work/fifo.toml"
review fifo-output-file --quiet --config "$work/fifo.toml" "$repo"
row fifo-output-file 0 "$(statuses)"

# 2-4. consolidate on hostile review files.
hostile="$work/hostile"; mkdir -p "$hostile"
printf '%s\n' "$REVIEW" > "$hostile/review-good-pass-1.md"
ln -s /dev/zero "$hostile/review-zero-pass-1.md"
mkdir "$hostile/review-dir-pass-1.md"
measure dev-zero-review "$bin" consolidate "$hostile"
row dev-zero-review 0 "$(statuses "$hostile/report.json")" "$hostile"

big="$work/big"; mkdir -p "$big"
python3 - "$big/review-big-pass-1.md" <<'PY'
import sys
block = "I{n}. **Finding {n}** — `src/lib.rs:5` (important, gap)\n\nBody of finding {n}, padded " + "x" * 400 + "\n\n"
with open(sys.argv[1], "w") as f:
    f.write("## Findings\n\n### Important Issues\n\n")
    n = 0
    while f.tell() < 50 * 1024 * 1024:
        n += 1
        f.write(block.format(n=n))
PY
measure 50mb-review "$bin" consolidate "$big" --fail-on never
row 50mb-review 0 "$(statuses "$big/report.json"); $(du -sh "$big/REVIEW.md" | cut -f1) REVIEW.md" "$big"

garbage="$work/garbage"; mkdir -p "$garbage"
head -c 1048576 /dev/urandom > "$garbage/review-noise-pass-1.md"
measure binary-garbage-review "$bin" consolidate "$garbage"
row binary-garbage-review 3 "$(statuses "$garbage/report.json")" "$garbage"

# 5. A reviewer that hangs, with a 2 s timeout.
script hang.sh 'sleep 600'
config "$work/hang.toml" 2s alpha=review.sh hang=hang.sh
review hung-reviewer-timeout --quiet --config "$work/hang.toml" "$repo"
row hung-reviewer-timeout 0 "$(statuses)"

# 6. A reviewer that leaves a setsid -f child (and a double fork) behind.
script escape.sh "setsid -f sh -c 'echo \$\$ > $work/cases/escape1.pid; exec sleep 300'
( setsid sh -c 'echo \$\$ > $work/cases/escape2.pid; exec sleep 300' & ) &
sleep 0.3
cat <<'EOF'
$REVIEW
EOF"
config "$work/escape.toml" 20s escape=escape.sh
review setsid-child --quiet --config "$work/escape.toml" "$repo"
row setsid-child 0 "$(statuses)"

# 7-9. SIGINT, SIGTERM, SIGHUP mid-run.
script slow.sh "echo \$\$ > $work/cases/slow.pid; sleep 60"
config "$work/slow.toml" 120s alpha=review.sh slow=slow.sh
for sig in INT TERM HUP; do
    rm -f "$work/cases/slow.pid"
    begin "sig$sig-mid-run"
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$work/cases/sig$sig.time" "$bin" review --quiet --config "$work/slow.toml" "$repo" \
        > "$work/cases/sig$sig-mid-run.out" 2> "$work/cases/sig$sig-mid-run.err" &
    tpid=$!
    for _ in $(seq 100); do [ -s "$work/cases/slow.pid" ] && break; sleep 0.05; done
    sleep 0.3
    kill -"$sig" "$(pgrep -P "$tpid")"
    wait "$tpid"; code=$?
    wall=$(printf '%.2f s' "$(echo "$(date +%s.%N) - $start" | bc)")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MB", $2/1024}' "$work/cases/sig$sig.time")
    case $sig in INT) want=130;; TERM) want=143;; HUP) want=129;; esac
    row "sig$sig-mid-run" "$want" "work dir kept for consolidate"
done

# 10. Secrets in a review and in a failing reviewer's stderr.
script leaky.sh "cat <<EOF
$REVIEW

The key $aws and the token $tok are in the logs.
EOF
echo 'token: $tok' >&2"
script leaky-fail.sh "echo 'auth failed for $tok (key $aws)' >&2; exit 1"
config "$work/leaky.toml" 20s leaky=leaky.sh broken=leaky-fail.sh
review secrets-in-review-and-stderr --config "$work/leaky.toml" --format md,json,sarif,html "$repo"
row secrets-in-review-and-stderr 0 "$(statuses)"

# 11-12. A closed stdout (the verdict's code, not a panic) and a full one (exit 4, a
# runtime failure: the REVIEW.md path could not be written).
begin closed-stdout
start=$(date +%s.%N)
"$bin" consolidate "$hostile" 2> "$work/cases/closed-stdout.err" | true
code=${PIPESTATUS[0]}
wall=$(printf '%.2f s' "$(echo "$(date +%s.%N) - $start" | bc)"); rss="-"
: > "$work/cases/closed-stdout.out"
row closed-stdout 0 "report written" "$hostile"
measure full-stdout sh -c "'$bin' consolidate '$hostile' > /dev/full"
row full-stdout 4 "report written; $(grep -c . "$work/cases/full-stdout.err") stderr line" "$hostile"

# 13. A branch that commits its own deep-review.toml with a command reviewer.
git_ checkout --quiet -b pwn-config feature
cat > "$repo/deep-review.toml" <<EOF
[review]
reviewers = ["pwn"]
[reviewers.pwn]
backend = "command"
command = ["sh", "-c", "touch $repo/PWNED $HOME/PWNED; echo '## Summary'; echo fine"]
EOF
git_ add -A && git_ commit --quiet -m "bring my own reviewer"
review branch-config-command --quiet --reviewers builtin "$repo"
row branch-config-command 0 "$(statuses)"
git_ checkout --quiet feature

# 14. A committed .deep-review symlink.
git_ checkout --quiet -b pwn-link feature
mkdir -p "$work/elsewhere"
ln -s "$work/elsewhere" "$repo/.deep-review-link" && mv "$repo/.deep-review" "$work/saved-state" \
    && mv "$repo/.deep-review-link" "$repo/.deep-review"
git_ add -f .deep-review && git_ commit --quiet -m "state elsewhere"
review deep-review-symlink --quiet --config "$work/slow.toml" "$repo"
kept="refused; $(ls "$work/elsewhere" | wc -l) files written through the link"
git_ checkout --quiet feature 2>/dev/null
rm -f "$repo/.deep-review"; mv "$work/saved-state" "$repo/.deep-review"
row deep-review-symlink 2 "$kept" "$work/elsewhere"

# 15. A hostile reviewer aiming at the user's repository and home.
script hostile.sh "R='$repo'; H='$HOME'
touch \"\$R/PWNED\" \"\$H/PWNED\" 2>/dev/null
cp /bin/true \"\$R/.git/hooks/post-checkout\" 2>/dev/null
git -C \"\$R\" branch evil 2>/dev/null
cat \"\$H/.ssh/id_rsa\" 2>/dev/null
cat <<'EOF'
$REVIEW
EOF"
config "$work/hostile.toml" 20s hostile=hostile.sh
review hostile-reviewer --quiet --config "$work/hostile.toml" "$repo"
row hostile-reviewer 0 "$(statuses)"

echo "| case | exit | expected | wall | peak RSS | kept | leaked |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
exit $failed
