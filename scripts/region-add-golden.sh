#!/usr/bin/env bash
# Makes the region-add golden tree into $1: `scaffold region add de --country DE
# --cloud digitalocean` on a copy of the example, then every generated file it adds
# or changes (the manifest aside). Tests/ScaffoldCoreTests/RegionAddTests makes the
# same tree and compares it with Tests/Golden/region-add.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
scaffold=.build/debug/scaffold
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/blueprints" "$tmp/overlays"
cp blueprints/galaxy.yaml blueprints/galaxy.pins.yaml "$tmp/blueprints/"
cp overlays/*.yaml "$tmp/overlays/"
"$scaffold" generate "$tmp/blueprints/galaxy.yaml" --out "$tmp/before" >/dev/null
"$scaffold" region add de --blueprint "$tmp/blueprints/galaxy.yaml" --country DE --cloud digitalocean >/dev/null
"$scaffold" generate "$tmp/blueprints/galaxy.yaml" --out "$tmp/after" >/dev/null
rm -rf "$out"
(cd "$tmp/after" && find . -type f ! -path './.scaffold/*' | LC_ALL=C sort) | while read -r path; do
  if ! cmp -s "$tmp/after/$path" "$tmp/before/$path"; then
    mkdir -p "$(dirname "$out/$path")"
    cp "$tmp/after/$path" "$out/$path"
  fi
done
