#!/usr/bin/env python3
"""A/B of two `dccorpus` binaries on one page set: `clean --jobs 1` over every page, the two
binaries alternated round by round so a busy machine slows both alike. Prints, for each, the
median wall time and the median CPU time (user + system, from the kernel's accounting of the
child), and the ratio of the medians; and whether the two wrote the same output.

On a shared machine the CPU time is the steadier figure: it does not count the time another
process held the core. Use it to judge a change; quote trafilatura ratios from cleaner.py and
wcxb.py, whose anchor runs in the same process loop.

Usage: Benchmarks/ab.py OLD_BINARY NEW_BINARY [--set aeb|wcxb] [--rounds 5]
Build the old one beside the new, e.g.:
  git worktree add /tmp/old-wt REV && (cd /tmp/old-wt && swift build -c release --build-path "$PWD/.build-old")"""
import argparse, filecmp, os, resource, shutil, statistics, subprocess, tempfile, time
from pathlib import Path

from benchpages import ROOT, SHARED, unpack

parser = argparse.ArgumentParser()
parser.add_argument("old")
parser.add_argument("new")
parser.add_argument("--set", choices=["aeb", "wcxb"], default="aeb")
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()
bench = SHARED / ("article-extraction-benchmark" if args.set == "aeb" else "wcxb-dev")

work = Path(tempfile.mkdtemp(prefix="dccorpus-ab-"))
_, files = unpack(bench, work / "pages")


def run(binary: str, out: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one whole-process clean."""
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary, "clean", "--root", str(ROOT), "--jobs", "1", "--out", str(out)] + files,
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


results = {"old": [], "new": []}
for _ in range(args.rounds):
    for name, binary in (("old", args.old), ("new", args.new)):
        results[name].append(run(binary, work / name))

same = not filecmp.dircmp(work / "old", work / "new").diff_files
medians = {}
for name in ("old", "new"):
    walls = [wall for wall, _ in results[name]]
    cpus = [cpu for _, cpu in results[name]]
    medians[name] = (statistics.median(walls), statistics.median(cpus))
    print(f"{name}: wall {medians[name][0]:.3f} s, CPU {medians[name][1]:.3f} s "
          f"(medians of {args.rounds}; CPU range {min(cpus):.3f}-{max(cpus):.3f}) over {len(files)} pages")
print(f"new/old: wall {medians['new'][0] / medians['old'][0]:.3f}, CPU {medians['new'][1] / medians['old'][1]:.3f}")
print("outputs: identical" if same else "outputs: DIFFER (see the two folders' .txt files)")
shutil.rmtree(work)
