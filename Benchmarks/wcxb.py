#!/usr/bin/env python3
"""Cleaner benchmark on the WCXB development split (1,497 real pages, 7 page types, 1,295 sites):
`dccorpus clean` and trafilatura 2.3.x (fast mode) in the same run. Prints, for both, word-F1
(WCXB's published metric), shingle P/R/F1 and snippet F1 overall and per page type, by the
split's own score.py; pages/s of both (median of --rounds, one thread each; ours whole process);
and the pages we returned empty, by type.

Usage: Benchmarks/wcxb.py [--binary .build/release/dccorpus] [--rounds 1] [--keep DIR]
                          [--skip-anchor] [--per-page]
Needs: a release build (swift build -c release) and, for the anchor, trafilatura and
lxml_html_clean in the Python environment."""
import argparse, json, shutil, statistics, tempfile, time
from pathlib import Path

from benchpages import ROOT, SHARED, clean, score, trafilatura_rate, unpack

parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--rounds", type=int, default=1)
parser.add_argument("--bench", default=str(SHARED / "wcxb-dev"))
parser.add_argument("--keep", help="write our predictions here for inspection")
parser.add_argument("--skip-anchor", action="store_true")
parser.add_argument("--per-page", action="store_true", help="list our worst pages")
args = parser.parse_args()
bench = Path(args.bench)
truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))

work = Path(tempfile.mkdtemp(prefix="dccorpus-wcxb-"))
pages = work / "pages"
ids, files = unpack(bench, pages)


def run_ours():
    times, errors = [], ""
    out_dir = work / "ours"
    for _ in range(args.rounds):
        shutil.rmtree(out_dir, ignore_errors=True)
        start = time.perf_counter()
        done = clean(args.binary, files, out_dir, 1, stderr=-1)
        times.append(time.perf_counter() - start)
        errors = done.stderr
    return len(files) / statistics.median(times), out_dir, errors


rate, ours_dir, errors = run_ours()
print(f"dccorpus clean --jobs 1: {rate:7.1f} pages/s (median of {args.rounds}, whole process)")
print(score(bench, ours_dir, *(["--per-page"] if args.per_page else [])))
empty = {}
for pid in ids:
    produced = ours_dir / f"{pid}.txt"
    if truth[pid]["main_content"].strip() and (not produced.exists() or not produced.read_text(errors="replace").strip()):
        empty.setdefault(truth[pid]["page_type"], []).append(pid)
print(f"empty or failed where the ground truth has text: {sum(map(len, empty.values()))} "
      + " ".join(f"{kind}={len(found)}" for kind, found in sorted(empty.items())))
for kind, found in sorted(empty.items()):
    print(f"    {kind}: {' '.join(found)}")
if errors.strip():
    print("errors:\n    " + "\n    ".join(errors.strip().splitlines()[:40]))
if args.keep:
    shutil.rmtree(args.keep, ignore_errors=True)
    shutil.copytree(ours_dir, args.keep)

if not args.skip_anchor:
    traf_dir = work / "trafilatura"
    traf_rate = trafilatura_rate(ids, pages, traf_dir, args.rounds)
    print(f"trafilatura (fast): {traf_rate:7.1f} pages/s (median of {args.rounds}, in-process loop, one thread)")
    print(score(bench, traf_dir))
    print(f"ratio, one thread each: {rate / traf_rate:.2f}x trafilatura-fast")
shutil.rmtree(work)
