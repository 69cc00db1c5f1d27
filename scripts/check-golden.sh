#!/usr/bin/env bash
# CI's third golden level: regenerate the example into a fresh folder and fail on
# any difference from the committed golden tree (shown with git diff --no-index).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product scaffold >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/debug/scaffold generate blueprints/galaxy.yaml --out "$tmp/galaxy" >/dev/null
if ! git diff --no-index --stat --exit-code Tests/Golden/galaxy "$tmp/galaxy"; then
  git diff --no-index Tests/Golden/galaxy "$tmp/galaxy" | head -200
  echo "golden: FAILED — the committed golden tree differs from regenerated output (run scripts/update-golden.sh and review)" >&2
  exit 1
fi
scripts/region-add-golden.sh "$tmp/region-add"
if ! git diff --no-index --stat --exit-code Tests/Golden/region-add "$tmp/region-add"; then
  git diff --no-index Tests/Golden/region-add "$tmp/region-add" | head -200
  echo "golden: FAILED — scaffold region add's output differs from Tests/Golden/region-add (run scripts/update-golden.sh and review)" >&2
  exit 1
fi
echo "golden: regenerated example matches Tests/Golden/galaxy, and region add matches Tests/Golden/region-add"
