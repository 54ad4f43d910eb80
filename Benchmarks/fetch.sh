#!/usr/bin/env bash
# Fetch throughput: 1000 distinct pages from a loopback nginx, captured by `dccorpus fetch`
# (fetch + WARC + clean + classify + records + manifests) and, in the same run, downloaded by
# `curl --parallel` (download only) as the anchor, and `dccorpus ingest` of the same pages from
# files (the goal: fetch at 0.8x of it). Prints pages/s for each and the ratios.
# Usage: Benchmarks/fetch.sh [PAGES=1000] [PARALLEL=8]     (installs nginx-light if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-1000}
parallel=${2:-8}
command -v nginx >/dev/null || { apt-get install -y -qq nginx-light >/dev/null || apt-get install -y -qq nginx >/dev/null; }
binary=.build/release/dccorpus
swift build -c release >/dev/null
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/root/Inbox" "$work/curl"
python3 - "$work/www" "$pages" <<'PY'
import sys
from pathlib import Path
out, count = Path(sys.argv[1]), int(sys.argv[2])
page = Path("Tests/Fixtures/pages/policy.wordpress.html").read_text(encoding="utf-8")
for number in range(count):
    title = f"Bench Commentary Number {number} on Digital China"
    body = page.replace("The Overall Layout Planning of Digital China Construction", title)
    # Its own address: pages under one canonical link would be 1,000 versions of one document.
    body = body.replace('href="https://digitalchinawinsthefuture.com/policy/"', f'href="https://example.org/commentary-{number}/"')
    (out / f"page-{number}.html").write_text(body, encoding="utf-8")
PY
chmod -R a+rX "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  types { text/html html; }
  server { listen 127.0.0.1:$port; root $work/www; etag on; }
}
CONF
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf"
sleep 0.5
"$binary" init "$work/root" --no-sources >/dev/null
sed -i "s/^per_host_delay_seconds = .*/per_host_delay_seconds = 0/; s/^per_host_concurrency = .*/per_host_concurrency = $parallel/; s/^max_concurrency = .*/max_concurrency = $parallel/" "$work/root/Config/pipeline.toml"
urls=()
for ((i = 0; i < pages; i++)); do urls+=("http://127.0.0.1:$port/page-$i.html"); done
: > "$work/curl.cfg"
for ((i = 0; i < pages; i++)); do printf 'url = "http://127.0.0.1:%s/page-%d.html"\noutput = "%s/curl/%d.html"\n' "$port" "$i" "$work" "$i" >> "$work/curl.cfg"; done

start=$(date +%s.%N)
curl -s --no-progress-meter --parallel --parallel-max "$parallel" --config "$work/curl.cfg"
curl_seconds=$(echo "$(date +%s.%N) - $start" | bc)

args=()
for url in "${urls[@]}"; do args+=(--url "$url"); done
start=$(date +%s.%N)
"$binary" fetch --root "$work/root" --json "${args[@]}" > "$work/fetch.jsonl" || true
grep -m1 failed "$work/fetch.jsonl" >&2 || true
ours_seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "work: $work" >&2

"$binary" init "$work/ingest-root" --no-sources >/dev/null
cp "$work/root/Config/pipeline.toml" "$work/ingest-root/Config/pipeline.toml"
start=$(date +%s.%N)
"$binary" ingest --root "$work/ingest-root" "$work"/www/*.html > /dev/null || true
ingest_seconds=$(echo "$(date +%s.%N) - $start" | bc)

fetched=$(grep -c '"status":"fetched"' "$work/fetch.jsonl" || true)
failed=$(grep -c '"status":"failed"' "$work/fetch.jsonl" || true)
"$binary" verify --root "$work/root" >/dev/null && verified=ok || verified=FAILED
printf "pages: %d, parallel: %d\n" "$pages" "$parallel"
printf "curl --parallel (download only):            %7.1f pages/s\n" "$(echo "$pages / $curl_seconds" | bc -l)"
printf "dccorpus fetch (download+archive+records):  %7.1f pages/s  (%d fetched, %d failed, verify %s)\n" "$(echo "$pages / $ours_seconds" | bc -l)" "$fetched" "$failed" "$verified"
printf "dccorpus ingest of the same pages (files):  %7.1f pages/s\n" "$(echo "$pages / $ingest_seconds" | bc -l)"
printf "ratio: %.2fx curl, %.2fx ingest (goal 0.8x)\n" "$(echo "$curl_seconds / $ours_seconds" | bc -l)" "$(echo "$ingest_seconds / $ours_seconds" | bc -l)"
