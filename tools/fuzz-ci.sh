#!/usr/bin/env bash
# Builds every cargo-fuzz target of fuzz/ and runs each for FUZZ_SECONDS
# (default 30) on a corpus seeded from the fixtures. Prints executions per
# target; exits non-zero if any target crashed, hung (> FUZZ_TIMEOUT s on
# one input), ran out of memory or failed to build.
#
# Works on the pinned stable toolchain: `--sanitizer none` needs no -Z flag
# (coverage comes from -Cpasses=sancov-module, which is stable). Rust's own
# checks (bounds, overflow via overflow-checks = true in fuzz/Cargo.toml,
# debug assertions) turn memory-safety bugs into panics, which libFuzzer
# reports as crashes; libFuzzer's -malloc_limit_mb catches single huge
# allocations that bypass the Budget.
#
#   FUZZ_SECONDS=30     seconds per target
#   FUZZ_TARGETS="..."  targets to run (default: all of `cargo fuzz list`)
#   FUZZ_TIMEOUT=10     seconds one input may take before it counts as a hang
#   FUZZ_RSS_MB=2048    RSS limit (and per-malloc limit) in MiB
#   FUZZ_MAX_LEN=N      cap on input length (default: 16384 for npy, whose
#                       large seeds cut it to ~340 exec/s against ~15,000 at
#                       16 KiB; libFuzzer's own default for the others)
#   FUZZ_LONG=1         keep fuzzing after a crash and collect every artifact
#                       (libFuzzer -fork=1 -ignore_crashes=1 ...); used by
#                       tools/fuzz-long.sh
#
# Crashing inputs land in fuzz/artifacts/<target>/; logs in fuzz/logs/.
# Reproduce one with: fuzz/target/x86_64-unknown-linux-gnu/release/<target> FILE
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1
seconds="${FUZZ_SECONDS:-30}"
timeout="${FUZZ_TIMEOUT:-10}"
rss="${FUZZ_RSS_MB:-2048}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-ci: installing cargo-fuzz"
    cargo install cargo-fuzz --locked || exit 1
fi
echo "fuzz-ci: building targets (cargo fuzz build --sanitizer none -O)"
cargo fuzz build --sanitizer none -O || { echo "fuzz-ci: build failed" >&2; exit 1; }
targets="${FUZZ_TARGETS:-$(cargo fuzz list)}"
"$root/tools/fuzz-seed.sh" || exit 1

triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$root/fuzz/target/$triple/release"
mkdir -p "$root/fuzz/logs"
extra=()
if [ "${FUZZ_LONG:-0}" = 1 ]; then
    extra+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi

failed=()
summary=()
for t in $targets; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/logs/$t.log"
    max_len=()
    if [ -n "${FUZZ_MAX_LEN:-}" ]; then
        max_len=(-max_len="$FUZZ_MAX_LEN")
    elif [ "$t" = npy ]; then
        max_len=(-max_len=16384)
    fi
    echo "fuzz-ci: $t for ${seconds}s"
    start=$(date +%s)
    "$bin_dir/$t" "fuzz/corpus/$t" \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
        -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 "${max_len[@]}" "${extra[@]}" \
        >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then  # fork mode prints totals differently
        execs=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | awk -v s="$took" '{print $2*s" (approx)"}')
    fi
    crashes=$(find "fuzz/artifacts/$t" -type f | wc -l)
    line="$t: ${took}s, ${execs:-?} executions, corpus $(ls "fuzz/corpus/$t" | wc -l), artifacts $crashes, exit $rc"
    echo "fuzz-ci: $line"
    summary+=("$line")
    if [ "$rc" -ne 0 ] || { [ "${FUZZ_LONG:-0}" = 1 ] && [ "$crashes" -gt 0 ]; }; then
        failed+=("$t")
        grep -E 'ERROR|panicked|SUMMARY|Test unit written|^#[0-9]+ +(NEW|pulse)' "$log" | grep -v pulse | tail -15 >&2
        sed -n '/panicked at/,/^$/p' "$log" | head -20 >&2
    fi
done

echo "fuzz-ci: summary"
printf '  %s\n' "${summary[@]}"
passed=$(( ${#summary[@]} - ${#failed[@]} ))
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz-ci: FAILED: ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/logs/)" >&2
    echo "fuzz: $passed passed, ${#failed[@]} failed"
    exit 1
fi
echo "fuzz-ci: ${#summary[@]} targets ran clean"
echo "fuzz: $passed passed, 0 failed"
