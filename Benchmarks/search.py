#!/usr/bin/env python3
"""Search benchmark: 10,000 synthetic records (made from the seed corpus: real English and
Chinese transcript text, shuffled), indexed with `dccorpus reindex`, then query latency for
English words, phrases, and 1-, 2- and 4-character Chinese queries. The time is the query's
own, measured inside the process (`search --stats`, index opened, process start-up excluded).
Usage: Benchmarks/search.py [--records 10000] [--runs 30]"""
import argparse, json, os, random, shutil, statistics, subprocess, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--records", type=int, default=10000)
parser.add_argument("--runs", type=int, default=30)
parser.add_argument("--keep", help="build the archive in this folder and keep it (reused when it exists)")
args = parser.parse_args()
subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
binary = str(ROOT / ".build/release/dccorpus")
work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dccorpus-search-bench-"))
reuse = args.keep and (work / "Archive").exists()
if not reuse:
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([binary, "init", str(work), "--no-sources", "--samples"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([binary, "run", "--root", str(work), "--offline"], check=True, stdout=subprocess.DEVNULL)
    seeds = [json.loads(line) for line in subprocess.run([binary, "export", "--format", "jsonl", "--root", str(work)],
                                                           capture_output=True, text=True, check=True).stdout.splitlines()]
    corpus = work / "Archive/data/corpus"
    rng = random.Random(7)
    blocks = [b for r in seeds for b in r["transcript"]]
    paragraphs = [p for r in seeds for p in r["text"].split("\n\n")]
    for number in range(args.records):
        base = json.loads(json.dumps(seeds[number % len(seeds)]))
        base["id"] = f"synthetic-{number}"
        if base["transcript"]:
            base["transcript"] = rng.sample(blocks, min(len(blocks), 12))
        base["text"] = "\n\n".join(rng.sample(paragraphs, 20))
        (corpus / f"synthetic-{number}.json").write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([binary, "reindex", "--root", str(work)], check=True, stdout=subprocess.DEVNULL)
    print(f"indexed {args.records + len(seeds)} records in {time.perf_counter() - start:.1f} s "
          f"(index {os.path.getsize(work / 'Archive/.search.sqlite') / 1e6:.0f} MB)")
queries = {"English word": "governance", "English prefix": "digit*", "English phrase": '"Digital Silk Road"',
           "Chinese 1 char": "数", "Chinese 2 chars": "数据", "Chinese 4 chars": "数字政务"}
for label, query in queries.items():
    times = []
    hits = 0
    for _ in range(args.runs):
        result = subprocess.run([binary, "search", "--root", str(work), "--no-refresh", "--stats", "--json", "--limit", "20", query],
                                capture_output=True, text=True, check=True)
        times.append(float(result.stderr.split("query:")[1].split("ms")[0]))
        hits = len(json.loads(result.stdout))
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    print(f"{label:16} {query!r:24} p50 {statistics.median(times):7.2f} ms  p99 {p99:7.2f} ms  ({hits} hits shown)")
if not args.keep:
    shutil.rmtree(work)
