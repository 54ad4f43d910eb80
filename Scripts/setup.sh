#!/usr/bin/env bash
# Installs what dccorpus needs on a fresh Debian machine with Swift: the packages listed in
# Scripts/packages.txt (the C libraries it links, and what the tests' judges need), and bash
# completion for `dccorpus` once it is built. Idempotent. One line per step on a terminal;
# quiet otherwise (cron), except for what goes wrong.
#   Scripts/setup.sh         packages (and completion, when the binary exists)
#   Scripts/setup.sh --man   also the man page, from argument-parser's generate-manual plugin
set -euo pipefail
cd "$(dirname "$0")/.."
say() { if [ -t 1 ]; then echo "setup: $*"; fi; }
mapfile -t packages < <(grep -v '^#' Scripts/packages.txt | grep -v '^$')
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "the ${#packages[@]} Debian packages of Scripts/packages.txt are installed"
fi
for binary in .build/release/dccorpus .build/debug/dccorpus; do
  [ -x "$binary" ] || continue
  folder="${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion/completions"
  if mkdir -p "$folder" 2>/dev/null && "$binary" --generate-completion-script bash > "$folder/dccorpus" 2>/dev/null; then
    say "bash completion installed in $folder/dccorpus (new shells complete dccorpus)"
  fi
  break
done
if [ "${1:-}" = --man ]; then
  say "making the man page (swift package generate-manual)"
  swift package --allow-writing-to-package-directory generate-manual >/dev/null 2>&1 || true
  page=$(find .build/plugins -name 'dccorpus.1' 2>/dev/null | head -1)
  if [ -n "$page" ]; then
    mkdir -p "${XDG_DATA_HOME:-$HOME/.local/share}/man/man1"
    cp "$page" "${XDG_DATA_HOME:-$HOME/.local/share}/man/man1/dccorpus.1"
    say "man page installed: man dccorpus"
  else
    echo "setup: the man page could not be made (swift package generate-manual)" >&2
  fi
fi
