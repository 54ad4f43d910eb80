#!/usr/bin/env python3
"""Cleaner benchmark: `dccorpus clean` over the 181 pages of the article-extraction benchmark,
and trafilatura (fast mode) in the same run, as the anchor. Prints pages/s for both, their
ratio, and F1 by the benchmark's own scorer. Medians over --rounds runs.

Usage: Benchmarks/cleaner.py [--binary .build/release/dccorpus] [--rounds 3] [--keep DIR]
Needs: a release build (swift build -c release) and trafilatura in the Python environment."""
import argparse, gzip, json, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared/bench/article-extraction-benchmark"

parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--bench", default=str(BENCH))
parser.add_argument("--keep", help="write our predictions here for inspection")
parser.add_argument("--skip-anchor", action="store_true")
args = parser.parse_args()
bench = Path(args.bench)

work = Path(tempfile.mkdtemp(prefix="dccorpus-bench-"))
pages = work / "pages"
pages.mkdir()
ids = []
for gz in sorted((bench / "html").glob("*.html.gz")):
    pid = gz.name[: -len(".html.gz")]
    (pages / f"{pid}.html").write_bytes(gzip.decompress(gz.read_bytes()))
    ids.append(pid)
files = [str(pages / f"{pid}.html") for pid in ids]

def score(pred_dir):
    out = subprocess.run([sys.executable, str(bench / "score.py"), str(pred_dir)], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]

def run_ours(jobs):
    times = []
    out_dir = work / f"ours-{jobs}"
    for _ in range(args.rounds):
        shutil.rmtree(out_dir, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([args.binary, "clean", "--root", str(ROOT), "--jobs", str(jobs), "--out", str(out_dir)] + files,
                       check=False, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return len(files) / statistics.median(times), out_dir

cores = os.cpu_count() or 1
single_rate, single_dir = run_ours(1)
parallel_rate, parallel_dir = run_ours(cores)
ours_score = score(single_dir)
if score(parallel_dir) != ours_score:
    print("WARNING: parallel output differs from single-threaded output")
if args.keep:
    shutil.rmtree(args.keep, ignore_errors=True)
    shutil.copytree(single_dir, args.keep)

print(f"dccorpus clean --jobs 1:  {single_rate:7.1f} pages/s (median of {args.rounds}, whole process)  {ours_score}")
print(f"dccorpus clean --jobs {cores}:  {parallel_rate:7.1f} pages/s (median of {args.rounds}, whole process)")
if not args.skip_anchor:
    import trafilatura
    htmls = [(pid, (pages / f"{pid}.html").read_text(encoding="utf-8", errors="replace")) for pid in ids]
    traf_dir = work / "trafilatura"
    traf_times = []
    for _ in range(args.rounds):
        shutil.rmtree(traf_dir, ignore_errors=True)
        traf_dir.mkdir()
        start = time.perf_counter()
        for pid, html in htmls:
            text = trafilatura.extract(html, fast=True) or ""
            (traf_dir / f"{pid}.txt").write_text(text, encoding="utf-8")
        traf_times.append(time.perf_counter() - start)
    traf_rate = len(files) / statistics.median(traf_times)
    print(f"trafilatura (fast):       {traf_rate:7.1f} pages/s (median of {args.rounds}, in-process loop, one thread)  {score(traf_dir)}")
    print(f"ratio, one thread each:   {single_rate / traf_rate:.2f}x trafilatura-fast")
    print(f"ratio, all {cores} cores:      {parallel_rate / traf_rate:.2f}x trafilatura-fast")
shutil.rmtree(work)
