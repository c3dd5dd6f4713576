#!/usr/bin/env bash
# Mutation testing with cargo-mutants (https://mutants.rs): break the code on
# purpose, one small change at a time (`>` becomes `>=`, a function returns
# a default, a statement goes), rebuild, run the tests, and list the changes
# no test noticed. Optional and slow, so CI (.ci/run) does not run it; the
# tests that kill mutants are ordinary tests and CI runs every one of them.
#
#   cargo install cargo-mutants --locked
#   scripts/mutants.sh                     # the whole set below, all tests
#   BUDGET=20m scripts/mutants.sh -f 'src/codec/*.rs' -- --lib --test codec_props
#
# Arguments go to `cargo mutants`: `-f GLOB` picks the files to mutate
# (default: src/reactor, src/conn, src/codec, src/http, src/timer.rs), and
# after `--` come `cargo test` arguments, to run a subset of the tests per
# mutant (faster, but a mutant only another test would catch then counts
# as missed). Environment:
#   BUDGET  bound on the whole run, for `timeout` (default 8h; the full set
#           is ~800 mutants, each a rebuild and a test run)
#   JOBS    parallel builds (default 1: the machine is usually shared)
#   OUT     where mutants.out/ goes (default target/mutants-run)
# Every test also gets a timeout: at least 120 s, more if the unmutated
# run was slow (a mutant that hangs the loop is a "timeout", not a hang).
#
# Writes docs/mutants-last-run.txt: date, command, counts, and the missed
# mutants. docs/mutants.md explains each survivor (killed since, or why it
# cannot change behaviour).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-mutants >/dev/null; then
    echo "mutants.sh: cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
    exit 1
fi
BUDGET=${BUDGET:-8h}
JOBS=${JOBS:-1}
OUT=${OUT:-target/mutants-run}
# Mutants build in their own target directory, so a run does not fight the
# normal builds for the lock or overwrite their artifacts. Seed it once from
# target/debug so the dependencies need not be compiled again.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target/mutants}
if [ ! -d "$CARGO_TARGET_DIR/debug" ] && [ -d target/debug ]; then
    echo "mutants.sh: seeding $CARGO_TARGET_DIR from target/debug (once)"
    mkdir -p "$CARGO_TARGET_DIR"
    cp -a --reflink=auto target/debug "$CARGO_TARGET_DIR/"
fi

files=(-f 'src/reactor/*.rs' -f 'src/conn/*.rs' -f 'src/codec/*.rs' -f 'src/http/*.rs' -f src/timer.rs)
for arg in "$@"; do
    [ "$arg" = -- ] && break
    case $arg in -f | --file | --file=*) files=() ;; esac
done

started=$(date -u '+%Y-%m-%d %H:%M UTC')
status=0
# SIGINT first: cargo-mutants then stops cleanly and keeps what it found.
timeout -s INT -k 120 "$BUDGET" cargo mutants --jobs "$JOBS" --output "$OUT" \
    --minimum-test-timeout 120 --build-timeout 900 "${files[@]}" "$@" || status=$?

dir=$OUT/mutants.out
count() { if [ -f "$dir/$1" ]; then grep -c . "$dir/$1" || true; else echo 0; fi; }
{
    echo "cargo-mutants run of $started (exit status $status; 124 = stopped by the $BUDGET budget)"
    echo "command: scripts/mutants.sh $*"
    echo "files: ${files[*]:-the -f globs in the command}"
    echo "caught: $(count caught.txt)  missed: $(count missed.txt)  unviable: $(count unviable.txt)  timeout: $(count timeout.txt)"
    echo
    echo "missed:"
    if [ -f "$dir/missed.txt" ]; then cat "$dir/missed.txt"; fi
    echo
    echo "timeout:"
    if [ -f "$dir/timeout.txt" ]; then cat "$dir/timeout.txt"; fi
} >docs/mutants-last-run.txt
cat docs/mutants-last-run.txt
# cargo-mutants' own status: 0 all caught, 2 some missed, 3 some timed out,
# 4 the unmutated tests failed; 124 means the budget ran out first.
exit "$status"
