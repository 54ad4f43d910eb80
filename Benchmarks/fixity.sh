#!/usr/bin/env bash
# Fixity throughput: `dccorpus verify --fixity-only` over an archive holding SIZE_MB of WARC
# payload, against sha256sum and openssl dgst over the same files in the same run (warm cache).
# Usage: Benchmarks/fixity.sh [SIZE_MB=2048]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-2048}
binary=.build/release/dccorpus
swift build -c release >/dev/null
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
"$binary" init "$root" --samples >/dev/null   # the shipped config and the four samples
"$binary" run --offline --root "$root" >/dev/null   # no network needed (the real sources are online)
# Grow the payload with large (incompressible) files listed in the manifest, as big WARCs would be.
python3 - "$root/Archive" "$size_mb" <<'PY'
import hashlib, os, sys
archive, size_mb = sys.argv[1], int(sys.argv[2])
lines = open(f"{archive}/manifest-sha256.txt").read().splitlines()
chunk = os.urandom(1 << 20)
for index in range(4):
    path = f"data/warc/bulk-{index}.warc.gz"
    digest = hashlib.sha256()
    with open(f"{archive}/{path}", "wb") as out:
        for _ in range(size_mb // 4):
            out.write(chunk); digest.update(chunk)
    lines.append(f"{digest.hexdigest()}  {path}")
open(f"{archive}/manifest-sha256.txt", "w").write("\n".join(sorted(lines, key=lambda l: l.split("  ")[1])) + "\n")
PY
# Refresh bag-info and the tag manifest the way the tool writes them.
total=$(find "$root/Archive/data" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
count=$(find "$root/Archive/data" -type f | wc -l)
sed -i "s/^Payload-Oxum: .*/Payload-Oxum: $total.$count/" "$root/Archive/bag-info.txt"
(cd "$root/Archive" && sha256sum bagit.txt bag-info.txt manifest-sha256.txt > tagmanifest-sha256.txt)
files=$(find "$root/Archive/data" -type f)
cat $files >/dev/null  # warm the page cache
measure() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(echo "$total / 1048576" | bc)
ours=$(for _ in 1 2 3; do measure "$binary" verify --fixity-only --root "$root"; done | median)
sums=$(for _ in 1 2 3; do measure sha256sum $files; done | median)
ossl=$(for _ in 1 2 3; do measure openssl dgst -sha256 $files; done | median)
printf "payload: %d MB\n" "$mb"
printf "dccorpus verify --fixity-only: %6.0f MB/s\n" "$(echo "$mb / $ours" | bc -l)"
printf "sha256sum:                     %6.0f MB/s\n" "$(echo "$mb / $sums" | bc -l)"
printf "openssl dgst -sha256:          %6.0f MB/s\n" "$(echo "$mb / $ossl" | bc -l)"
printf "ratio to openssl: %.2f\n" "$(echo "$ossl / $ours" | bc -l)"
