#!/usr/bin/env python3
"""Cleaner benchmark: `dccorpus clean` over the 181 pages of the article-extraction benchmark,
and trafilatura (fast mode) in the same run, as the anchor. Prints pages/s for both, their
ratio, and F1 by the benchmark's own scorer. Medians over --rounds runs.

Usage: Benchmarks/cleaner.py [--binary .build/release/dccorpus] [--rounds 3] [--keep DIR]
Needs: a release build (swift build -c release) and trafilatura in the Python environment."""
import argparse, os, shutil, statistics, tempfile, time
from pathlib import Path

from benchpages import ROOT, SHARED, clean, round_folder, score, trafilatura_rate, unpack

parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--bench", default=str(SHARED / "article-extraction-benchmark"))
parser.add_argument("--keep", help="write our predictions here for inspection")
parser.add_argument("--skip-anchor", action="store_true")
parser.add_argument("--work", help="folder for the pages and every output (default: the system's temporary folder); "
                    "/dev/shm takes the file system's own costs out of both sides' time")
args = parser.parse_args()
bench = Path(args.bench)

work = Path(tempfile.mkdtemp(prefix="dccorpus-bench-", dir=args.work))
pages = work / "pages"
ids, files = unpack(bench, pages)


def run_ours(jobs):
    times = []
    for index in range(args.rounds):
        out_dir = round_folder(work / f"ours-{jobs}", index)
        start = time.perf_counter()
        clean(args.binary, files, out_dir, jobs)
        times.append(time.perf_counter() - start)
    return len(files) / statistics.median(times), out_dir


cores = os.cpu_count() or 1
single_rate, single_dir = run_ours(1)
parallel_rate, parallel_dir = run_ours(cores)
ours_score = score(bench, single_dir).splitlines()[-1]
if score(bench, parallel_dir).splitlines()[-1] != ours_score:
    print("WARNING: parallel output differs from single-threaded output")
if args.keep:
    shutil.rmtree(args.keep, ignore_errors=True)
    shutil.copytree(single_dir, args.keep)

print(f"dccorpus clean --jobs 1:  {single_rate:7.1f} pages/s (median of {args.rounds}, whole process)  {ours_score}")
print(f"dccorpus clean --jobs {cores}:  {parallel_rate:7.1f} pages/s (median of {args.rounds}, whole process)")
if not args.skip_anchor:
    traf_dir = work / "trafilatura"
    traf_rate = trafilatura_rate(ids, pages, traf_dir, args.rounds)
    traf_score = score(bench, traf_dir / f"round-{args.rounds - 1}").splitlines()[-1]
    print(f"trafilatura (fast):       {traf_rate:7.1f} pages/s (median of {args.rounds}, in-process loop, one thread)  {traf_score}")
    print(f"ratio, one thread each:   {single_rate / traf_rate:.2f}x trafilatura-fast")
    print(f"ratio, all {cores} cores:      {parallel_rate / traf_rate:.2f}x trafilatura-fast")
shutil.rmtree(work)
