#!/usr/bin/env bash
# Installs what dccorpus needs on a fresh Debian machine with Swift: the packages listed in
# Scripts/packages.txt (the C libraries it links, and what the tests' judges need). Idempotent.
set -euo pipefail
mapfile -t packages < <(grep -v '^#' "$(dirname "$0")/packages.txt" | grep -v '^$')
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
fi
