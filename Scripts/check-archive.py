#!/usr/bin/env python3
"""Independent judges for an archive dccorpus wrote: bagit.py --validate, warcio check, a JSON
Schema 2020-12 validator over every record, and record_sha256 recomputed from RFC 8785
canonical JSON (Python's json with sorted keys and compact separators is RFC 8785 for the
value domain of records: strings, integers, booleans, null, and short decimals).

Usage: check-archive.py ARCHIVE_DIR SCHEMA_FILE   (exit 1 on any failure)"""
import glob, hashlib, json, subprocess, sys
from pathlib import Path

import bagit
import jsonschema

archive, schema_file = Path(sys.argv[1]), Path(sys.argv[2])
failures = []

bag = bagit.Bag(str(archive))
try:
    bag.validate()
    print(f"bagit: valid ({len(bag.payload_entries())} payload files)")
except bagit.BagValidationError as error:
    failures.append(f"bagit: {error}")

warcs = sorted(glob.glob(str(archive / "data/warc/*.warc*")))
if not warcs:
    failures.append("no WARC files")
for warc in warcs:
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", warc], capture_output=True, text=True)
    if result.returncode != 0:
        failures.append(f"warcio check {warc}: {result.stdout.strip()} {result.stderr.strip()}")
print(f"warcio check: {len(warcs)} files")

schema = json.loads(schema_file.read_text(encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
records = sorted(glob.glob(str(archive / "data/corpus/*.json")))
for path in records:
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    for error in validator.iter_errors(record):
        failures.append(f"schema {path}: {'/'.join(map(str, error.path))}: {error.message}")
    stored = record["provenance"]["record_sha256"]
    without = json.loads(json.dumps(record))
    del without["provenance"]["record_sha256"]
    canonical = json.dumps(without, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if hashlib.sha256(canonical).hexdigest() != stored:
        failures.append(f"record_sha256 {path}: does not match the canonical JSON")
    if hashlib.sha256(record["text"].encode("utf-8")).hexdigest() != record["provenance"]["text_sha256"]:
        failures.append(f"text_sha256 {path}: does not match the text")
print(f"jsonschema + record_sha256: {len(records)} records")

for failure in failures:
    print("FAIL", failure)
print(f"{len(records) + len(warcs) + 1 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
