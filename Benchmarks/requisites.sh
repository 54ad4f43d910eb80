#!/usr/bin/env bash
# Whole captures, measured on the loopback fixture site (Tests/Fixtures/server/loopback.py,
# /site/…): fetch pages/s with requisites on against off (PAGES distinct pages that share one
# set of ~30 requisites: images, styles, a font, an MP4, a WebM, an HLS stream), and the bytes
# a second nightly run stores against the first (a page that changed between the runs, whose
# requisites did not). Release build, no politeness delay. Medians of RUNS.
# Usage: Benchmarks/requisites.sh [PAGES=40] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
pages=${1:-40}
runs=${2:-3}
swift build -c release >/dev/null
binary=.build/release/dccorpus
work=$(mktemp -d)
dc_loopback "$work/port" 900
trap 'kill $DC_LOOPBACK_PID 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$DC_LOOPBACK_PORT"

fresh() {  # a new root with no politeness delay; $1: requisites on (true) or off (false)
  rm -rf "$work/root" && mkdir "$work/root"
  "$binary" init "$work/root" >/dev/null
  sed -i "s/^per_host_delay_seconds = 1.0/per_host_delay_seconds = 0/; s/^enabled = true/enabled = $1/" "$work/root/Config/pipeline.toml"
}
urls=()
for n in $(seq "$pages"); do urls+=(--url "$base/site/bench/$n"); done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for mode in false true; do
  for run in $(seq "$runs"); do
    fresh "$mode"
    start=$(date +%s.%N)
    "$binary" fetch --root "$work/root" "${urls[@]}" >/dev/null
    end=$(date +%s.%N)
    echo "$pages / ($end - $start)" | bc -l
  done | median > "$work/rate-$mode"
done
off=$(cat "$work/rate-false")
on=$(cat "$work/rate-true")
printf 'fetch, %d pages: requisites off %.1f pages/s, on %.1f pages/s (%.2fx of off)\n' "$pages" "$off" "$on" "$(echo "$on / $off" | bc -l)"

fresh true
"$binary" fetch --root "$work/root" --url "$base/site/changing.html" --url "$base/site/lesson.html" >/dev/null
first=$(du -sb "$work/root/Archive/data/warc" | cut -f1)
"$binary" fetch --root "$work/root" --url "$base/site/changing.html" --url "$base/site/lesson.html" >/dev/null
second=$(( $(du -sb "$work/root/Archive/data/warc" | cut -f1) - first ))
printf 'nightly runs (a changed page and an unchanged one, with their requisites): first stored %d bytes, second %d bytes (%.1f%%)\n' \
  "$first" "$second" "$(echo "100 * $second / $first" | bc -l)"
"$binary" verify --rebuild --root "$work/root" | tail -1
