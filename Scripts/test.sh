#!/usr/bin/env bash
# The test command: set up, build, run the Swift test suite, then let independent tools judge
# an archive the built binary writes (bagit.py, warcio, jsonschema).
set -euo pipefail
cd "$(dirname "$0")/.."
# CI installs its own copy of the package list before anything runs: it must be this one.
ci=$(sed -n '/^packages=(/,/)/p' .ci/run | tr -d '()\\' | sed 's/packages=//' | tr ' ' '\n' | grep -v '^$' | sort)
listed=$(grep -v '^#' Scripts/packages.txt | grep -v '^$' | sort)
[ "$ci" = "$listed" ] || { echo "test.sh: .ci/run and Scripts/packages.txt list different packages" >&2; exit 1; }
Scripts/setup.sh
# One style, checked by the toolchain's own formatter (.swift-format): `swift format -i -r
# --parallel Sources Tests Package.swift` fixes nearly everything it reports.
swift format lint -r --strict --parallel Sources Tests Package.swift
swift build
swift test
Scripts/check-archive.sh
Scripts/check-site.sh
Scripts/check-replay.sh
Scripts/check-units.sh
python3 Scripts/quality-gate.py
