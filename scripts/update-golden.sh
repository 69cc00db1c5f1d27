#!/usr/bin/env bash
# Regenerates the golden example tree (Tests/Golden/galaxy) from blueprints/galaxy.yaml,
# and the output `scaffold region add` gives the example (Tests/Golden/region-add).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product scaffold >/dev/null
rm -rf Tests/Golden/galaxy
.build/debug/scaffold generate blueprints/galaxy.yaml --out Tests/Golden/galaxy >/dev/null
scripts/region-add-golden.sh "$PWD/Tests/Golden/region-add"
echo "updated Tests/Golden/galaxy and Tests/Golden/region-add"
