# Shared by the check scripts and the shell benchmarks: source it (". Scripts/lib.sh") from the
# repository's top folder. One way to get the binary, a venv, a fresh project root and the
# loopback test server.

# dc_binary: the debug binary, built if missing.
dc_binary() {
  [ -x .build/debug/dccorpus ] || swift build >&2
  echo .build/debug/dccorpus
}

# dc_venv NAME MODULE… -- PACKAGE…: a venv at .build-venv (NAME "") or .build-venv-NAME with
# the packages installed unless every module already imports. Prints its python.
dc_venv() {
  local name=$1; shift
  local venv=.build-venv${name:+-$name} modules=() packages=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do modules+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  packages=("$@")
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
  local imports; imports=$(IFS=,; echo "${modules[*]}")
  "$venv/bin/python" -c "import $imports" 2>/dev/null || "$venv/bin/pip" install -q "${packages[@]}" >&2
  echo "$venv/bin/python"
}

# dc_root [--samples]: a fresh project root made by `dccorpus init` that fetches nothing
# (no sources.toml). Prints its path; the caller removes it.
dc_root() {
  local root; root=$(mktemp -d)
  "$(dc_binary)" init "$root" --no-sources "$@" >/dev/null
  echo "$root"
}

# dc_loopback FILE [LIFETIME]: starts Tests/Fixtures/server/loopback.py in the background,
# waits for it to write its port into FILE, and sets DC_LOOPBACK_PID and DC_LOOPBACK_PORT.
dc_loopback() {
  local file=$1 lifetime=${2:-120}
  python3 Tests/Fixtures/server/loopback.py --lifetime "$lifetime" > "$file" &
  DC_LOOPBACK_PID=$!
  for _ in $(seq 50); do [ -s "$file" ] && break; sleep 0.1; done
  DC_LOOPBACK_PORT=$(cat "$file")
}
