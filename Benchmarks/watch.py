#!/usr/bin/env python3
"""Watch-mode benchmark (release build, temporary root on the same filesystem as /tmp):
  1. latency: a 30 KB page renamed into Inbox/ -> its `ingested` event on stdout; p50/p99 over N;
  2. burst: 2,000 small files written straight into Inbox/: time until every one is handled;
  3. overflow: 20,000 files written while the watcher is stopped (SIGSTOP), forcing an
     IN_Q_OVERFLOW past the kernel's 16,384-event queue: time until every one is handled.
Usage: Benchmarks/watch.py [--latency-runs 200] [--burst 2000] [--overflow 20000] [--documents 1000] [--binary B]
(--documents: the archive holds that many documents before the watcher starts.)"""
import argparse, json, os, selectors, shutil, signal, statistics, subprocess, sys, tempfile, time
from pathlib import Path

from benchpages import new_root

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--latency-runs", type=int, default=200)
parser.add_argument("--burst", type=int, default=2000)
parser.add_argument("--overflow", type=int, default=20000)
parser.add_argument("--documents", type=int, default=1000)
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
args = parser.parse_args()
subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
binary = Path(args.binary)

work = new_root(binary, prefix="dccorpus-watch-bench-")
inbox = work / "Inbox"
staging = work / "staging"
staging.mkdir()
template = (ROOT / "Tests/Fixtures/pages/policy.wordpress.html").read_text(encoding="utf-8")
template += "<!--" + "p" * max(0, 30_000 - len(template.encode()) - 7) + "-->"

canonical = 'href="https://digitalchinawinsthefuture.com/policy/"'
if args.documents:
    seed = work / "seed"
    seed.mkdir()
    for number in range(args.documents):
        page = template.replace("The Overall Layout Planning of Digital China Construction", f"Archive Document Number {number} Already Held")
        (seed / f"doc-{number}.html").write_text(page.replace(canonical, f'href="https://example.org/held-{number}/"'), encoding="utf-8")
    subprocess.run([str(binary), "ingest", "--root", str(work)] + [str(p) for p in sorted(seed.iterdir())], check=True,
                   stdout=subprocess.DEVNULL)
watcher = subprocess.Popen([str(binary), "watch", "--json", "--root", str(work)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
selector = selectors.DefaultSelector()
selector.register(watcher.stdout, selectors.EVENT_READ)
pending = b""
handled = {}

def read_events(timeout):
    global pending
    events = []
    for _key, _ in selector.select(timeout):
        chunk = os.read(watcher.stdout.fileno(), 1 << 20)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line:
                event = json.loads(line)
                events.append((time.perf_counter(), event))
    return events

time.sleep(0.5)
read_events(0.2)
warc_folder = work / "Archive/data/warc"
warc_before = len(list(warc_folder.iterdir())) if warc_folder.exists() else 0

# 1. Latency of a rename into Inbox/.
latencies = []
for number in range(args.latency_runs):
    page = template.replace("The Overall Layout Planning of Digital China Construction", f"Latency Probe Number {number} of the Watcher")
    page = page.replace(canonical, f'href="https://example.org/probe-{number}/"')  # its own document
    source = staging / f"probe-{number}.html"
    source.write_text(page, encoding="utf-8")
    name = f"probe-{number}.html"
    start = time.perf_counter()
    os.rename(source, inbox / name)
    done = None
    while done is None:
        for stamp, event in read_events(5):
            if event.get("file", "").endswith("/" + name) and event["event"] in ("ingested", "changed", "unchanged", "rejected"):
                done = stamp
                assert event["event"] == "ingested", event
    latencies.append((done - start) * 1000)
latencies.sort()
p50 = statistics.median(latencies)
p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
print(f"rename -> ingested, {len(latencies)} runs of a 30 KB page: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")
# WARC rollover: single drops append to the open WARC file instead of one file per batch.
print(f"WARC files: {warc_before} before the watcher, {len(list(warc_folder.iterdir()))} after its {len(latencies)} single drops")

def flood(count, prefix, stop_watcher):
    body = (ROOT / "Tests/Fixtures/seeds/004_39c44c1376242463.txt").read_text(encoding="utf-8")[:2000]
    if stop_watcher:
        watcher.send_signal(signal.SIGSTOP)
    start = time.perf_counter()
    for number in range(count):
        (inbox / f"{prefix}-{number}.txt").write_text(f"{prefix} note {number}\n\n{body}", encoding="utf-8")
    written = time.perf_counter()
    if stop_watcher:
        watcher.send_signal(signal.SIGCONT)
    seen = set()
    overflow = False
    deadline = time.perf_counter() + 600
    while len(seen) < count and time.perf_counter() < deadline:
        for _, event in read_events(5):
            if "overflow" in (event.get("error") or ""):
                overflow = True
            name = os.path.basename(event.get("file") or "")
            if name.startswith(prefix + "-") and event["event"] in ("ingested", "changed", "unchanged", "rejected"):
                seen.add(name)
    end = time.perf_counter()
    left = [n for n in os.listdir(inbox) if n.startswith(prefix + "-")]
    return len(seen), len(left), written - start, end - start, overflow

seen, left, write_s, total_s, _ = flood(args.burst, "burst", False)
print(f"burst of {args.burst} files written into Inbox/ (writing took {write_s:.1f} s): {seen} handled, {left} left, "
      f"{total_s:.1f} s from first write to last event ({seen / total_s:.0f} files/s)")
seen, left, write_s, total_s, overflow = flood(args.overflow, "flood", True)
print(f"{args.overflow} files written while the watcher was stopped (writing took {write_s:.1f} s): overflow reported: {overflow}; "
      f"{seen} handled, {left} left, {total_s:.1f} s from first write to last event")
watcher.send_signal(signal.SIGTERM)
print(f"watcher exit status after SIGTERM: {watcher.wait(timeout=60)}")
verify = subprocess.run([str(binary), "verify", "--root", str(work)], capture_output=True, text=True)
print(f"verify: {verify.stdout.strip().splitlines()[-1]}")
shutil.rmtree(work)
