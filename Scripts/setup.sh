#!/usr/bin/env bash
# Installs what dccorpus needs on a fresh Debian machine with Swift: the C libraries it links
# (libcurl, libxml2, zlib) and, for the test judges, Python's venv module, Chromium and a CJK
# font (the site export is rendered in a headless browser). Idempotent.
set -euo pipefail
packages=(libcurl4-openssl-dev libxml2-dev zlib1g-dev libdeflate-dev libbrotli-dev libzstd-dev libpoppler-glib-dev libsqlite3-dev pkg-config wget chromium fonts-wqy-microhei)
python3 -m venv --help >/dev/null 2>&1 || packages+=(python3-venv)
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
