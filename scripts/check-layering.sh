#!/usr/bin/env bash
# Fails when a stage to the right of Staging depends on it or on GRDB, directly or through
# another target (decision 0001): the read-only daemon's code path links no database.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package describe --type json 2>/dev/null | python3 -c '
import json, sys
package = json.load(sys.stdin)
targets = {t["name"]: t for t in package["targets"]}
def closure(name, seen=None):
    seen = set() if seen is None else seen
    for dependency in targets[name].get("target_dependencies", []):
        if dependency not in seen:
            seen.add(dependency)
            closure(dependency, seen)
    return seen
stateless = ["Resolution", "Embeddings", "Snapshots", "Search", "QueryServer", "Assistant", "ObjectStore", "HTTPClient", "Events"]
failures = []
for name in stateless:
    reached = closure(name) | {name}
    products = {p for t in reached for p in targets[t].get("product_dependencies", [])}
    bad = sorted(({"Staging"} & reached) | ({"GRDB"} & products))
    if bad:
        failures.append(name + " depends on " + ", ".join(bad))
    else:
        print("ok " + name + ": " + (", ".join(sorted(reached - {name})) or "no targets"))
if failures:
    print("layering broken (docs/decisions/0001-layout.md): " + "; ".join(failures), file=sys.stderr)
    sys.exit(1)
'
