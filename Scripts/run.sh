#!/usr/bin/env bash
# The main job, ready for cron: set up, build, and run `dccorpus run` in this checkout.
# On the first run (no archive yet) the four sample documents are dropped into Inbox/ so the
# job has something to archive with no network at all.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/setup.sh
swift build -c release >/dev/null
if [ ! -f Archive/bagit.txt ]; then
  cp Tests/Fixtures/seeds/*.txt Inbox/
fi
exec .build/release/dccorpus run --root "$PWD" "$@"
