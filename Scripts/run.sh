#!/usr/bin/env bash
# The main job, ready for cron: set up, build, and run `dccorpus run` in this checkout.
# On the first run (no archive yet) the four sample documents are dropped into Inbox/ so there is
# something to archive even with no network. When no source host resolves at all (a machine with
# no network), fetching is skipped with a warning instead of reporting every source as failed.
# On a terminal each step says what it does and the build shows its own progress; from cron
# (no terminal) only what goes wrong is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { if [ -t 1 ]; then echo "run.sh: $*"; fi; }
say "checking the Debian packages (Scripts/setup.sh)"
Scripts/setup.sh
if [ -t 1 ]; then
  [ -x .build/release/dccorpus ] || say "building dccorpus (release): the first build takes about 5 minutes on 2 cores"
  [ -x .build/release/dccorpus ] && say "building dccorpus (release): only what changed"
  # The build's own progress, less ZIPFoundation's two lines about a resource file.
  if ! swift build -c release 2>&1 | { grep -v -e "zipfoundation': found 1 file" -e "PrivacyInfo.xcprivacy" || true; }; then
    echo "run.sh: the build failed" >&2
    exit 1
  fi
else
  if ! output=$(swift build -c release 2>&1); then
    echo "$output" >&2
    echo "run.sh: the build failed" >&2
    exit 1
  fi
fi
Scripts/setup.sh  # completion, now that the binary exists
if [ ! -f Archive/bagit.txt ]; then
  say "first run: the four sample documents go into Inbox/"
  cp Tests/Fixtures/seeds/*.txt Inbox/
fi
mode=()
hosts=$(grep -E '^url *= *"https?://' Config/sources.toml 2>/dev/null | sed -E 's#.*https?://([^/":]+).*#\1#' | sort -u || true)
if [ -n "$hosts" ]; then
  reachable=no
  for host in $hosts; do
    if getent hosts "$host" >/dev/null 2>&1; then reachable=yes; break; fi
  done
  if [ "$reachable" = no ]; then
    echo "run.sh: no source host resolves (no network?): fetching skipped this time" >&2
    mode=(--offline)
  fi
fi
say "dccorpus run ${mode[*]}"
exec .build/release/dccorpus run --root "$PWD" "${mode[@]}" "$@"
