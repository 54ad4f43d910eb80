#!/usr/bin/env bash
# Holds the cleaner's own tree to libxml2's on pages nobody wrote tests for: every page of the
# given folders, and every UTF-8 input of the cleaner's fuzz corpus (as read, and without its
# first byte, which the fuzz target spends on choosing a format), each whole, cut as the cleaner
# cuts it, and with its attribute values taken out and put back (HTMLTreeTests'
# theFixturePagesGiveLibxml2sTree, once per folder).
#
#   Scripts/tree-differential.sh [FOLDER ...]
#
# Run it after any change to UnusedText, the tree builder or libxml2. The fuzz corpus is
# .build-fuzz/corpus/cleaner (Scripts/fuzz.sh cleaner makes it); the benchmark pages come from
# Benchmarks/benchpages.py's unpack (the README says how).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
folders=("$@")
if [ -d .build-fuzz/corpus/cleaner ]; then
    python3 - "$work" <<'EOF'
import os, sys
work, source = sys.argv[1], ".build-fuzz/corpus/cleaner"
written = 0
for name in sorted(os.listdir(source)):
    data = open(os.path.join(source, name), "rb").read()
    for variant, suffix in ((data, "a"), (data[1:], "b")):
        try:
            variant.decode("utf-8")
        except UnicodeDecodeError:
            continue
        open(os.path.join(work, f"{name}-{suffix}.html"), "wb").write(variant)
        written += 1
print(f"fuzz corpus: {written} UTF-8 inputs")
EOF
    folders+=("$work")
fi
[ ${#folders[@]} -gt 0 ] || { echo "nothing to compare: give folders, or run Scripts/fuzz.sh cleaner first" >&2; exit 2; }
swift build --build-tests >/dev/null 2>&1 || { echo "the test build failed: run swift build --build-tests" >&2; exit 1; }
failed=0
for folder in "${folders[@]}"; do
    echo "== $folder"
    output=$(DCCORPUS_TREE_PAGES="$folder" swift test --skip-build --filter theFixturePagesGiveLibxml2sTree 2>&1 || true)
    grep -E "trees differ|Test run with" <<<"$output" || true
    if grep -q "trees differ" <<<"$output" || ! grep -q "Test run with 1 test in 1 suite passed" <<<"$output"; then
        failed=1
    fi
done
exit $failed
