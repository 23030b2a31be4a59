# Shared by the benchmark scripts (sourced, not run): release builds, wrk, and the lexical and
# hybrid query mixes of Benchmarks/queries.txt as request paths with a round-robin wrk script.

# ensure_wrk: installs Debian's wrk when missing.
ensure_wrk() {
    command -v wrk >/dev/null && return
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq wrk >/dev/null
}

# build_release WORK: builds the release mediagw and mediagw-bench, the log in WORK/build.log.
build_release() {
    for product in mediagw mediagw-bench; do
        swift build -c release --product "$product" >"$1/build.log" 2>&1 || { cat "$1/build.log" >&2; exit 1; }
    done
}

# write_query_paths WORK: WORK/paths-lexical.txt and WORK/paths-hybrid.txt (one request path per
# line, URL-encoded) and WORK/paths.lua, which replays the file $PATHS names round-robin.
write_query_paths() {
    python3 - "$1/paths-lexical.txt" "$1/paths-hybrid.txt" <<'PY'
import sys, urllib.parse
lines = [l.rstrip("\n") for l in open("Benchmarks/queries.txt") if l.strip()]
for out, mode in zip(sys.argv[1:], ["lexical", "hybrid"]):
    with open(out, "w") as f:
        for line in lines:
            text, _, filters = line.partition("\t")
            path = "/v1/search?mode=%s&limit=10&q=%s" % (mode, urllib.parse.quote(text))
            f.write(path + ("&" + filters if filters else "") + "\n")
PY
    cat >"$1/paths.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", paths[(counter % #paths) + 1])
end
LUA
}

# peers_setup SCRIPT ARGS...: the peer scripts' `[--titles N]` (default 100000) into $titles, and
# their work directory ($MEDIAGW_PEERS_DIR, else a new temporary one) into $work, with a
# release build in it.
peers_setup() {
    local script="$1"
    shift
    titles=100000
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --titles) titles="$2"; shift 2 ;;
            *) echo "usage: $script [--titles N]" >&2; exit 64 ;;
        esac
    done
    work="${MEDIAGW_PEERS_DIR:-$(mktemp -d)}"
    mkdir -p "$work"
    build_release "$work"
}
