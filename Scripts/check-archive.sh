#!/usr/bin/env bash
# Builds a fresh archive from every fixture with the built binary, in a temporary root, and
# validates it with tools we did not write: bagit.py --validate, warcio check, and a JSON
# Schema 2020-12 validator (plus record_sha256 recomputed from canonical JSON), in a venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import bagit, warcio, jsonschema" 2>/dev/null || "$venv/bin/pip" install -q bagit warcio jsonschema
binary=.build/debug/dccorpus
[ -x "$binary" ] || swift build
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp -r Config "$root/Config"
mkdir -p "$root/Inbox"
cp Tests/Fixtures/seeds/*.txt "$root/Inbox/"
"$binary" run --offline --root "$root" >/dev/null   # the real sources need a network
"$binary" ingest --root "$root" Tests/Fixtures/pages/* >/dev/null
"$binary" verify --root "$root" --rebuild
"$venv/bin/python" Scripts/check-archive.py "$root/Archive" Config/corpus.schema.json
