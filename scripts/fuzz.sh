#!/usr/bin/env bash
# Fuzzes the readers of outside bytes (snapshot reader, payloads of parts, JSONL and compact
# decoders) with libFuzzer and AddressSanitizer for SECONDS (default 120). Run it long by hand
# (scripts/fuzz.sh 3600) to search for new crashes. CI runs a reproducible slice instead:
# FUZZ_SEED and FUZZ_RUNS fix the random seed and the number of inputs, so the same code fuzzes
# the same inputs on every machine and a submission cannot fail on a find of chance.
# Crashing inputs land in .build-fuzz/artifacts/; replay one with
# swift build --product mediagw-fuzz && .build/debug/mediagw-fuzz replay FILE; make it a fixture
# with .build/debug/mediagw-fuzz snapshot FILE Tests/SnapshotsTests/Fixtures/NAME.mgws.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
corpus=.build-fuzz/corpus
artifacts=.build-fuzz/artifacts
limits=(-max_total_time="$seconds")
if [[ -n "${FUZZ_RUNS:-}" ]]; then
    # A fresh corpus of the seeds alone, so the run depends on nothing left from an earlier one.
    rm -rf "$corpus"
    limits=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
    # Swift seeds hashing per process; fixed, dictionaries iterate alike on every run.
    export SWIFT_DETERMINISTIC_HASHING=1
fi
mkdir -p "$corpus" "$artifacts"

# Seeds come from the real writers (a plain build of the same target).
swift build --product mediagw-fuzz
.build/debug/mediagw-fuzz seeds "$corpus"

swift build --scratch-path .build-fuzz -c debug --product mediagw-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp" .build-fuzz/debug/mediagw-fuzz "$corpus" "${limits[@]}" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 </dev/null
