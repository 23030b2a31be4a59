#!/usr/bin/env bash
# Fuzzes the readers of outside bytes (snapshot reader, payloads of parts, JSONL and compact
# decoders) with libFuzzer and AddressSanitizer for SECONDS (default 120). CI runs it briefly;
# run it longer by hand: scripts/fuzz.sh 3600. Crashing inputs land in .build-fuzz/artifacts/;
# replay one with: swift build --product mediagw-fuzz && .build/debug/mediagw-fuzz replay FILE
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-120}"
corpus=.build-fuzz/corpus
artifacts=.build-fuzz/artifacts
mkdir -p "$corpus" "$artifacts"

# Seeds come from the real writers (a plain build of the same target).
swift build --product mediagw-fuzz
.build/debug/mediagw-fuzz seeds "$corpus"

swift build --scratch-path .build-fuzz -c debug --product mediagw-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp" .build-fuzz/debug/mediagw-fuzz "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 </dev/null
