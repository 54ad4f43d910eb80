#!/usr/bin/env bash
# Builds an archive from every fixture (and a page whose text is hostile markup), exports it as a
# static site twice, and lets tools we did not write judge it: the two exports must be identical
# byte for byte; html5lib must parse every page strictly; headless Chromium must render the
# index, the glossary and a lesson page at 1280 and 390 px without sideways scrolling
# (screenshots in .build/site-shots/ to look at).
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
python=$(dc_venv "" html5lib -- html5lib)
venv=$(dirname "$(dirname "$python")")
binary=$(dc_binary)
root=$(dc_root --samples)
trap 'rm -rf "$root"' EXIT
cat > "$root/Inbox/hostile.txt" <<'PAGE'
Notes on <script>alert("title")</script> markup

A page that quotes markup: <script>alert("x")</script> and "><img src=x onerror=alert(1)> should read as text.
PAGE
"$binary" run --offline --root "$root" >/dev/null
"$binary" ingest --root "$root" Tests/Fixtures/pages/* >/dev/null
hostile=$("$binary" list --json --root "$root" | python3 -c 'import json,sys; print(next(r["id"] for r in json.load(sys.stdin) if "script" in r["id"] or "notes" in r["id"]))')
"$binary" export --format site --out "$root/site" --root "$root" >/dev/null
"$binary" export --format site --out "$root/again" --root "$root" >/dev/null
diff -r "$root/site" "$root/again" >/dev/null || { echo "check-site: two exports of one corpus differ"; exit 1; }
rm -rf .build/site-shots
"$venv/bin/python" Scripts/check-site.py "$root/site" --hostile "$hostile" --browser --shots .build/site-shots
