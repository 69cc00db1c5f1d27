#!/usr/bin/env bash
# Regenerates the golden example tree (Tests/Golden/galaxy) from blueprints/galaxy.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product scaffold >/dev/null
rm -rf Tests/Golden/galaxy
.build/debug/scaffold generate blueprints/galaxy.yaml --out Tests/Golden/galaxy >/dev/null
echo "updated Tests/Golden/galaxy"
