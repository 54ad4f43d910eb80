#!/usr/bin/env bash
# Judges the archive as web-archiving tools see it: fetches from the loopback server (pages,
# a redirect chain, revisits, a page that changes, the fixture site's whole captures), then pywb's `wayback` replays every
# capture through the bag's own index.cdxj (Scripts/check-replay.py), and `wacz validate`
# (PyPI `wacz`) accepts `export --format wacz` and refuses a copy with one byte changed.
# pywb pins its own dependencies, so it lives in its own venv.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
python=$(dc_venv replay pywb wacz websocket PIL cryptography -- pywb wacz websocket-client pillow cryptography)
venv=$(dirname "$(dirname "$python")")
binary=$(dc_binary)
root=$(dc_root)
dc_loopback "$root/port" 300
trap 'kill $DC_LOOPBACK_PID 2>/dev/null || true; rm -rf "$root"' EXIT
base="http://127.0.0.1:$DC_LOOPBACK_PORT"
# Signed from the first commit: the archive's key (outside the bag) signs the commit log and the WACZ.
"$binary" key init --root "$root" --key-file "$root/keys/keeper.key" >/dev/null
# Every HLS variant, as a player that starts with the low one needs them for the replay.
sed -i 's/^hls_variants = "best"/hls_variants = "all"/' "$root/Config/pipeline.toml"
for round in 1 2; do  # the second round: a 304 revisit, identical-payload revisits, a new version
  "$binary" fetch --root "$root" --url "$base/lesson-5" --url "$base/static" --url "$base/redirect/3" \
    --url "$base/gb2312" --url "$base/changing" --url "$base/site/lesson.html" --url "$base/site/second.html" >/dev/null
done
"$binary" ingest --root "$root" Tests/Fixtures/pages/lesson-5.news.html >/dev/null
# A page saved by a browser as MHTML: replayed with its image and stylesheet from their resource records.
"$binary" ingest --root "$root" Tests/Fixtures/browser/lesson-5.classic.mhtml >/dev/null
"$binary" verify --root "$root" >/dev/null
"$venv/bin/python" Scripts/check-replay.py "$root/Archive" "$(cat "$root/port")"

"$binary" export --root "$root" --format wacz --out "$root/corpus.wacz"
"$venv/bin/wacz" validate -f "$root/corpus.wacz" | tail -1
# The judge must be able to say no: one byte of a WARC file changed inside the package.
"$venv/bin/python" - "$root/corpus.wacz" "$root/tampered.wacz" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as source, zipfile.ZipFile(sys.argv[2], "w") as target:
    for info in source.infolist():
        data = bytearray(source.read(info))
        if info.filename.startswith("archive/"):
            data[len(data) // 2] ^= 1
        target.writestr(info, bytes(data))
EOF
if "$venv/bin/wacz" validate -f "$root/tampered.wacz" >/dev/null 2>&1; then
  echo "check-replay: wacz validate accepted a package with a changed WARC byte" >&2
  exit 1
fi
echo "check-replay: wacz validate refuses a package with one changed WARC byte"
# Signed WACZ (anonymous mode): wacz validate accepts it, the signature checker (cryptography,
# as ReplayWeb.page checks) verifies it with the pinned key, and refuses a forged copy whose
# datapackage.json changed and whose hashes were recomputed (which wacz validate alone accepts).
"$binary" export --root "$root" --format wacz --sign --out "$root/signed.wacz" | tail -1
"$venv/bin/wacz" validate -f "$root/signed.wacz" | tail -1
pinned=$(sed -n 's/^public_key = "\(.*\)"$/\1/p' "$root/Config/integrity.toml")
"$venv/bin/python" Scripts/check-wacz-signature.py "$root/signed.wacz" "$pinned"
"$venv/bin/python" - "$root/signed.wacz" "$root/forged.wacz" <<'EOF'
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as source, zipfile.ZipFile(sys.argv[2], "w") as target:
    package = json.loads(source.read("datapackage.json"))
    package["title"] = "A forged title"
    data = json.dumps(package, indent=2).encode()
    digest = json.loads(source.read("datapackage-digest.json"))
    digest["hash"] = digest["signedData"]["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    for info in source.infolist():
        body = {"datapackage.json": data, "datapackage-digest.json": json.dumps(digest).encode()}.get(info.filename)
        target.writestr(info, body if body is not None else source.read(info))
EOF
if "$venv/bin/python" Scripts/check-wacz-signature.py "$root/forged.wacz" "$pinned" >/dev/null; then
  echo "check-replay: a forged signed WACZ was accepted" >&2
  exit 1
fi
echo "check-replay: a signed WACZ whose datapackage.json was changed and rehashed is refused"
"$binary" verify --root "$root" | grep -E '^(signed|unsigned)'
# Last (it stops the loopback server): the fixture site's pages in headless Chromium, live and
# replayed by pywb with their images, styles, fonts and videos.
"$venv/bin/python" Scripts/check-replay-browser.py "$root/Archive" "$DC_LOOPBACK_PORT" "$DC_LOOPBACK_PID" /site/lesson.html /site/second.html
