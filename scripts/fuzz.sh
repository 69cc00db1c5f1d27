#!/usr/bin/env bash
# Builds the libFuzzer targets under Fuzz/ (AddressSanitizer on) and runs each for a
# while, seeded from the repository's own inputs; prints executions and crashes per
# target. Exits 1 when a target crashed (the input is kept under .build-fuzz/crashes/).
#
#   scripts/fuzz.sh [--time SECONDS] [--seed N] [TARGET...]   targets: blueprint pins sql resp (default: all)
#
# --time is per target (default 60 s; under CI=true, 30 s unless --time says more).
# --seed fixes libFuzzer's random seed (default: a new one each run; under CI=true, 1,
# so a CI run replays a sequence that can be run here first: CI=true scripts/fuzz.sh
# with an empty .build-fuzz/corpus). The corpus each run grows stays in
# .build-fuzz/corpus/<target> for the next run.
# A crash found becomes a fix plus its input under Fuzz/Regressions/<target>/, which
# Tests/FuzzRegressionTests replays through the same entry (Fuzz/Entries).
set -euo pipefail
cd "$(dirname "$0")/.."

all=(blueprint pins sql resp)
seconds=60
seed=0
[[ ${CI:-} == true ]] && seconds=30 && seed=1
targets=()
while (($#)); do
    case $1 in
        --time) seconds=$2; shift 2 ;;
        --time=*) seconds=${1#*=}; shift ;;
        --seed) seed=$2; shift 2 ;;
        --seed=*) seed=${1#*=}; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 1 ;;
        *) [[ " ${all[*]} " == *" $1 "* ]] || { echo "fuzz.sh: unknown target $1 (one of: ${all[*]})" >&2; exit 1; }
           targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=("${all[@]}")
if [[ ${CI:-} == true ]] && ((seconds < 30)); then seconds=30; fi

work=.build-fuzz
started=$SECONDS
for target in "${targets[@]}"; do
    # One product at a time (SwiftPM builds one --product per call); later ones are incremental.
    swift build --package-path Fuzz --scratch-path "$work/build" -c release \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address \
        --product "fuzz-$target" 2>&1 | grep -v "Cannot export local symbol '__asan_extra_spill_area'" || exit 1
done
echo "fuzz.sh: built in $((SECONDS - started)) s"

# Seeds: the test corpora, fresh each run.
seed() {  # seed TARGET NAME: writes stdin as one seed
    mkdir -p "$work/seeds/$1" && cat > "$work/seeds/$1/$2"
}
rm -rf "$work/seeds"
corpus=Tests/BlueprintModelTests/Corpus
for blueprint in "$corpus"/*.yaml blueprints/*.yaml; do
    [[ $blueprint == *.pins.yaml ]] && continue
    base=${blueprint%.yaml}
    overlay=$(ls "$base".overlays/*.yaml 2>/dev/null | head -1 || true)
    [[ $blueprint == blueprints/galaxy.yaml ]] && overlay=overlays/staging.yaml
    {
        cat "$blueprint"
        if [[ -f $base.pins.yaml ]]; then printf '\n#fuzz:pins\n'; cat "$base.pins.yaml"; fi
        if [[ -n $overlay ]]; then printf '\n#fuzz:overlay\n'; cat "$overlay"; fi
    } | seed blueprint "$(basename "$base")"
done
for pins in "$corpus"/*.pins.yaml blueprints/*.pins.yaml; do seed pins "$(basename "$pins")" < "$pins"; done
for sql in Tests/Golden/galaxy/ops/db/migrations/*.sql; do seed sql "$(basename "$sql")" < "$sql"; done
i=0
for reply in '+OK\r\n' '-ERR wrong type\r\n' ':42\r\n' '$5\r\nhello\r\n' '$-1\r\n' '*-1\r\n' \
    '*2\r\n$1\r\na\r\n:7\r\n' '*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$11\r\nhello world\r\n' \
    '*3\r\n$9\r\nsubscribe\r\n$23\r\nplatform:config_changed\r\n:1\r\n' '+OK\r\n:1\r\n$3\r\nfo'; do
    printf -- "$reply" | seed resp "reply-$((i += 1))"
done

status=0
summary=()
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/crashes/$target" "$work/logs"
    log=$work/logs/$target.log
    # Findings only: libFuzzer also keeps the slowest unit so far (slow-unit-*), which is not one.
    findings() { ls "$work/crashes/$target" | grep -cE '^(crash|timeout|oom|leak)-' || true; }
    before=$(findings)
    echo "fuzz.sh: $target for $seconds s"
    # No leak check: the Swift runtime's caches live until exit and read as leaks.
    # A unit may take 30 s: a file just under the loader's node limit (1,000,000 nodes,
    # ~1 s in a debug build) took 13 s here under AddressSanitizer on a loaded 2-core machine.
    ASAN_OPTIONS=detect_leaks=0 "$work/build/release/fuzz-$target" "$work/corpus/$target" "$work/seeds/$target" \
        -max_total_time="$seconds" -seed="$seed" -print_final_stats=1 -detect_leaks=0 -timeout=30 -rss_limit_mb=2048 \
        -artifact_prefix="$work/crashes/$target/" > "$log" 2>&1 || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    crashes=$(($(findings) - before))
    line="$target: ${runs:-?} executions, ${speed:-?} exec/s, $crashes crashes"
    if ((crashes > 0)) || [[ -z $runs ]]; then
        status=1
        line+=" (log: $log; inputs: $work/crashes/$target/)"
        grep -m 5 -E "ERROR|Fatal error|fuzz invariant|SUMMARY" "$log" | sed 's/^/    /' || true
    fi
    summary+=("$line")
    echo "fuzz.sh: $line"
done
echo "fuzz.sh: summary (${seconds} s per target, $((SECONDS - started)) s in all)"
printf '  %s\n' "${summary[@]}"
exit $status
