#!/usr/bin/env bash
# The systemd units, judged by systemd-analyze verify (Debian's systemd package, in
# Scripts/packages.txt). Without it the check cannot run: it fails in CI (CI=true) and is
# skipped, loudly, elsewhere. The units name /srv/dccorpus; here they point at this checkout's
# built binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "check-units: CANNOT RUN: systemd-analyze is missing (install the systemd package)" >&2
    exit 1
  fi
  echo "check-units: SKIPPED: systemd-analyze is missing (install the systemd package); CI fails here" >&2
  exit 0
fi
binary="$(pwd)/.build/debug/dccorpus"
[ -x "$binary" ] || swift build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for unit in Config/systemd/*.service Config/systemd/*.timer; do
  sed "s|/srv/dccorpus/.build/release/dccorpus|$binary|g; s|/srv/dccorpus|$(pwd)|g" "$unit" > "$work/$(basename "$unit")"
done
for unit in "$work"/*; do
  if output=$(cd "$work" && systemd-analyze verify --man=no "./$(basename "$unit")" 2>&1) && [ -z "$output" ]; then
    passed=$((passed + 1))
  else
    echo "check-units: $(basename "$unit"): $output"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
