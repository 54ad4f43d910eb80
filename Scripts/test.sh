#!/usr/bin/env bash
# The test command: set up, build, run the Swift test suite, then let independent tools judge
# an archive the built binary writes (bagit.py, warcio, jsonschema).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build
swift test
Scripts/check-archive.sh
Scripts/check-units.sh
python3 Scripts/quality-gate.py
