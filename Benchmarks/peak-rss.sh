#!/usr/bin/env bash
# Peak memory on 30 MB pages: `dccorpus clean` and `dccorpus ingest` (clean + classify + WARC +
# record) under /usr/bin/time -v, beside the anchor measured in the same run: lxml (libxml2's
# HTML parser) parsing the same page to a tree in Python, the least any DOM-based cleaner holds.
# Page shapes: many paragraphs; one huge paragraph; a 200,000-row table; 30 MB of nested lists.
# Usage: Benchmarks/peak-rss.sh [MB=30]      (run Scripts/check-archive.sh once for .build-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes=${1:-30}
swift build -c release >/dev/null
binary=$PWD/.build/release/dccorpus
python=$PWD/.build-venv/bin/python
"$python" -c "import lxml" 2>/dev/null || "$python" -m pip install -q lxml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$megabytes" <<'PY'
import sys
from pathlib import Path
out, size = Path(sys.argv[1]), int(sys.argv[2]) << 20
head = "<html><head><meta charset='utf-8'><title>Memory Test</title></head><body><article><h1>Memory Test</h1>"
tail = "</article></body></html>"
def fill(unit, name):
    count = (size - len(head) - len(tail)) // len(unit.encode())
    (out / name).write_text(head + unit * count + tail, encoding="utf-8")
fill("<p>Digital China construction advances data sharing across government departments. 数字中国建设。</p>\n", "paragraphs.html")
fill("Digital China construction advances data sharing across government departments. ", "one-paragraph.html")
fill("<tr><td>数据</td><td>data resources</td><td>42</td></tr>\n", "table.html")
fill("<ul><li>Digital China item</li><li>数字中国</li></ul>\n", "lists.html")
PY
peak() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F': ' '/Maximum resident/ {kb=$2} /Elapsed \(wall/ {t=$2} END {printf "%7.0f MB  %s", kb/1024, t}'; }
printf "%-20s %6s  %-22s %-22s %-22s\n" page MB "dccorpus clean" "dccorpus ingest" "anchor: lxml parse"
for page in "$work"/*.html; do
    root="$work/root-$(basename "$page" .html)"
    "$binary" init "$root" --no-sources >/dev/null
    clean=$(peak "$binary" clean "$page" --root "$root")
    ingest=$(peak "$binary" ingest "$page" --root "$root")
    anchor=$(peak "$python" -c "import lxml.html, sys; lxml.html.parse(sys.argv[1])" "$page")
    printf "%-20s %6.1f  %-22s %-22s %-22s\n" "$(basename "$page")" "$(echo "$(stat -c %s "$page") / 1048576" | bc -l)" "$clean" "$ingest" "$anchor"
done
