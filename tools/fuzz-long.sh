#!/usr/bin/env bash
# Long fuzzing session: every target for FUZZ_SECONDS (default 3600) each,
# one after another, continuing past crashes (libFuzzer fork mode) so one
# run collects every distinct artifact. Corpora in fuzz/corpus/ grow across
# runs; artifacts in fuzz/artifacts/<target>/ are kept for triage:
#   fuzz/target/x86_64-unknown-linux-gnu/release/<target> ARTIFACT   # reproduce
#   cargo fuzz tmin --sanitizer none -O <target> ARTIFACT            # minimize
# Then copy the minimized input to fuzz/regressions/<target>/.
# Same knobs as tools/fuzz-ci.sh (FUZZ_TARGETS, FUZZ_TIMEOUT, FUZZ_RSS_MB).
set -uo pipefail
export FUZZ_SECONDS="${FUZZ_SECONDS:-3600}"
export FUZZ_LONG=1
exec "$(cd "$(dirname "$0")" && pwd)/fuzz-ci.sh" "$@"
