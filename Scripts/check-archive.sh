#!/usr/bin/env bash
# Builds a fresh archive from every fixture with the built binary, in a temporary root, and
# validates it with tools we did not write: bagit.py --validate, warcio check, and a JSON
# Schema 2020-12 validator (plus record_sha256 recomputed from canonical JSON), in a venv.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
python=$(dc_venv "" bagit warcio jsonschema -- bagit warcio jsonschema)
binary=$(dc_binary)
root=$(dc_root --samples)
trap 'rm -rf "$root"' EXIT
"$binary" run --offline --root "$root" >/dev/null
"$binary" ingest --root "$root" Tests/Fixtures/pages/* >/dev/null
# Other tools' archives (warcio's and pywb's samples, WARC and ARC): some of their records are
# refused on purpose (exit 1); what comes in must pass the same judges.
"$binary" ingest --root "$root" Tests/Fixtures/foreign/*/*.warc* Tests/Fixtures/foreign/*/*.arc* Tests/Fixtures/foreign/*/*.wacz \
  Tests/Fixtures/browser/* Tests/Fixtures/packages/* >/dev/null 2>&1 || true
# A mixed run of fetches against the loopback server: responses, a 304 revisit, an
# identical-payload revisit, a redirect chain, failures (which write nothing).
dc_loopback "$root/port" 60
trap 'kill $DC_LOOPBACK_PID 2>/dev/null; rm -rf "$root"' EXIT
port=$DC_LOOPBACK_PORT
for round in 1 2; do
  "$binary" fetch --root "$root" --url "http://127.0.0.1:$port/lesson-5" --url "http://127.0.0.1:$port/static" \
    --url "http://127.0.0.1:$port/redirect/3" --url "http://127.0.0.1:$port/gb2312" --url "http://127.0.0.1:$port/status/404" >/dev/null || true
done
"$binary" verify --root "$root" --rebuild
"$python" Scripts/check-archive.py "$root/Archive" Config/corpus.schema.json
