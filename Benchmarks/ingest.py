#!/usr/bin/env python3
"""Ingest throughput against its ceiling, `dccorpus clean --jobs 2` on the same pages, in one run.

  Benchmarks/ingest.py [--pages 1000] [--rounds 3] [--shape template|wcxb] [--binary .build/release/dccorpus]
                       [--keep DIR]

Pages (--shape): `template` (default), N distinct documents of about 33 KB made from the policy
fixture (each its own title, address and paragraph); `wcxb`, the first N real pages
of ../shared/bench/wcxb-dev (1 KB to 1 MB, median 136 KB).
Measures, whole process, medians over --rounds (each round runs 1. and 2. in turn):
  1. clean --jobs 1 and --jobs 2 over the N pages (the anchor: both cores cleaning);
  2. ingest of the N pages in one command into an empty archive (pages/s, and the ratio to 1.);
  3. one-shot ingest of one new page into that N-document archive (ms, median of 15);
  4. dccorpus search governance over it (ms, median of 15).
Needs a release build (swift build -c release)."""
import argparse, gzip, os, shutil, statistics, subprocess, tempfile, time
from pathlib import Path

from benchpages import new_root

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--pages", type=int, default=1000)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--shape", choices=["template", "wcxb"], default="template")
parser.add_argument("--keep", help="work in this folder and keep it (its pages/ and roots, for profiling)")
args = parser.parse_args()
binary = args.binary

work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dccorpus-ingest-bench-"))
pages = work / "pages"
pages.mkdir(parents=True, exist_ok=True)
files = []
if args.shape == "wcxb":
    sources = sorted((ROOT.parent / "shared/bench/wcxb-dev/html").glob("*.html.gz"))
    for source in sources[: args.pages + 1]:
        target = pages / source.name.removesuffix(".gz")
        target.write_bytes(gzip.decompress(source.read_bytes()))
        files.append(str(target))
else:
    import random
    template = (ROOT / "Tests/Fixtures/pages/policy.wordpress.html").read_text(encoding="utf-8")
    title = "The Overall Layout Planning of Digital China Construction"
    words = "data river harbour lantern meadow orbit pepper quartz ribbon saddle timber umbra velvet willow".split()
    rng = random.Random(7)
    for i in range(args.pages + 1):
        own = " ".join(rng.choice(words) for _ in range(6))
        page = template.replace(title, f"{own.title()} {i}: {title}")
        # Its own address too: pages under one canonical link are versions of one document.
        page = page.replace('href="https://digitalchinawinsthefuture.com/policy/"', f'href="https://example.org/policy-{i}/"')
        page = page.replace("</h1>", f"</h1><p>Note {i}: {' '.join(rng.choice(words) for _ in range(40))}.</p>", 1)
        page += "<!--" + "p" * max(0, 33_000 - len(page.encode()) - 7) + "-->"
        target = pages / f"page-{i:04d}.html"
        target.write_text(page, encoding="utf-8")
        files.append(str(target))
extra, files = files[-1], files[:-1]
size = sum(os.path.getsize(f) for f in files) / len(files)


def fresh_root():
    return new_root(args.binary, parent=work, prefix="root-")


def timed(command):
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]}: exit {result.returncode}: {result.stderr.decode()[-400:]}")
    return elapsed


# Rounds interleave the three commands, so that each sees the machine as the others do (it is
# shared, and its speed drifts within minutes). Every run writes into a folder of its own, and
# none is deleted before the end: ext4 allocates inodes slowly right after many were freed, which
# would tax whichever command ran after a deletion.
clean1_times, clean2_times, ingest_times, root = [], [], [], None
for round_number in range(args.rounds):
    for jobs, times in ((1, clean1_times), (2, clean2_times)):
        out = work / f"clean-{jobs}-{round_number}"
        shutil.rmtree(out, ignore_errors=True)
        times.append(timed([binary, "clean", "--jobs", str(jobs), "--out", str(out)] + files))
    root = fresh_root()
    ingest_times.append(timed([binary, "ingest", "--root", str(root)] + files))
clean1 = len(files) / statistics.median(clean1_times)
clean2 = len(files) / statistics.median(clean2_times)
ingest = len(files) / statistics.median(ingest_times)

one_shot = []
for i in range(15):
    copy = work / f"one-{i}.html"
    copy.write_bytes(Path(extra).read_bytes() + f"<!-- {i} -->".encode())
    one_shot.append(timed([binary, "ingest", "--root", str(root), str(copy)]) * 1000)
search = [timed([binary, "search", "governance", "--root", str(root)]) * 1000 for _ in range(15)]

print(f"pages: {len(files)} {args.shape} pages, mean {size / 1024:.0f} KB")
print(f"clean --jobs 1:   {clean1:7.1f} pages/s")
print(f"clean --jobs 2:   {clean2:7.1f} pages/s   (the ceiling)")
print(f"ingest:           {ingest:7.1f} pages/s   {ingest / clean2:.2f}x clean --jobs 2 (goal: 300 pages/s and 0.5x)")
print(f"one-shot ingest into {len(files)} documents: p50 {statistics.median(one_shot):.0f} ms (goal 100 ms)")
print(f"search governance over {len(files)} documents: p50 {statistics.median(search):.0f} ms (goal 50 ms)")
if not args.keep:
    shutil.rmtree(work)
