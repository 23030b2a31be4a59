#!/usr/bin/env bash
# Object storage on a real S3-compatible server (SeaweedFS) on loopback. Not a test: it asserts
# nothing and prints figures for docs/benchmarks.md.
#
#   Benchmarks/objectstore/run.sh [--duration 15] [--connections 32] [--repeat 3]
#
# 1. Transfer throughput of a generated 100,000-title snapshot (mediagw-bench --titles 100000):
#    multipart upload (8 MiB parts, 4 in flight) and ranged parallel download, against one PUT
#    and one GET.
# 2. A fleet of three `mediagw serve --from` daemons (store poll interval 1 s): the time from
#    CURRENT replaced to all three serving the new snapshot (download, checksum, verify, swap).
# 3. Lexical load with wrk: one daemon alone, then all three at once (one wrk each, the same
#    connections in all), summed.
# SeaweedFS, wrk and the daemons share the machine's cores: figures are for the whole set.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=15
connections=32
repeats=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --repeat) repeats="$2"; shift 2 ;;
        *) echo "usage: $0 [--duration S] [--connections N] [--repeat N]" >&2; exit 64 ;;
    esac
done
source Benchmarks/common.sh
ensure_wrk
scripts/install-seaweedfs.sh
work="${MEDIAGW_LOAD_DIR:-$(mktemp -d)}"
mkdir -p "$work"
build_release "$work"
bin=.build/release
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# The snapshot to move: 100,000 generated titles.
if [[ ! -d "$work/gen/100000/snapshots" ]]; then
    "$bin/mediagw-bench" --titles 100000 --queries 10 --output "$work/gen" >"$work/gen.log"
fi
snapshot="$(cat "$work/gen/100000/snapshots/CURRENT")"
file="$work/gen/100000/snapshots/$snapshot"

# SeaweedFS on ports of its own (each with its gRPC port + 10000 free), a bucket made at start.
ports=($(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
chosen = []
while len(chosen) < 7:
    p = random.randrange(20000, 45000)
    if p not in chosen and free(p) and free(p + 10000):
        chosen.append(p)
print(" ".join(map(str, chosen)))
PY
))
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY="bench-secret-$RANDOM" AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:${ports[0]}"
rm -rf "$work/seaweedfs" && mkdir -p "$work/seaweedfs"
.build/venv-seaweedfs/bin/weed mini -dir="$work/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 -admin.ui=false \
    -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 -s3.port="${ports[0]}" -master.port="${ports[1]}" -filer.port="${ports[2]}" \
    -volume.port="${ports[3]}" -admin.port="${ports[4]}" -metricsPort="${ports[5]}" -s3.metricsPort="${ports[6]}" \
    -bucket mediagw-bench >"$work/seaweedfs.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -s -o /dev/null "$AWS_ENDPOINT_URL" && break; sleep 0.5; done
sleep 2

echo "== transfers"
"$bin/mediagw-bench" --object-store "$file" --store s3://mediagw-bench/throughput --repeat "$repeats"

# The fleet: three daemons following s3://mediagw-bench/fleet, each with a cache of its own.
bases=()
for index in 0 1 2; do
    rm -rf "$work/cache$index"
    "$bin/mediagw" serve --port 0 --from s3://mediagw-bench/fleet --cache "$work/cache$index" \
        --store-poll-interval 1 --log-level error >"$work/serve$index.out" 2>"$work/serve$index.err" &
    pids+=($!)
done
for index in 0 1 2; do
    for _ in $(seq 1 300); do grep -q '^listening on ' "$work/serve$index.out" && break; sleep 0.1; done
    bases+=("$(sed -n 's/^listening on //p' "$work/serve$index.out" | head -n 1)")
done
echo "== fleet: CURRENT replaced → all three daemons serving (store poll interval 1 s)"
"$bin/mediagw-bench" --object-store "$file" --store s3://mediagw-bench/fleet \
    --fleet "$(IFS=,; echo "${bases[*]}")" --repeat "$repeats" | grep -v "upload median\|^object store"

# Load: the query mix of Benchmarks/queries.txt, lexical.
write_query_paths "$work"
for base in "${bases[@]}"; do curl -s "$base/v1/search?q=warmup" >/dev/null; done
echo "== load: one daemon, $connections connections, ${duration} s"
PATHS="$work/paths-lexical.txt" wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/paths.lua" "${bases[0]}" \
    | grep -E "Requests/sec|Non-2xx| 50%| 99%" | sed 's/^/   /'
echo "== load: three daemons at once, $connections connections each, ${duration} s"
for index in 0 1 2; do
    PATHS="$work/paths-lexical.txt" wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$work/paths.lua" \
        "${bases[$index]}" >"$work/fleet$index.wrk" &
    loads[$index]=$!
done
wait "${loads[@]}"
for index in 0 1 2; do grep -E "Requests/sec|Non-2xx| 99%" "$work/fleet$index.wrk" | sed "s/^/   daemon $index /"; done
awk '/Requests\/sec/ { total += $2 } END { printf "   combined Requests/sec: %.0f\n", total }' "$work"/fleet?.wrk
echo "work directory: $work"
