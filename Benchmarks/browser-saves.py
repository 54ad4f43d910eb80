#!/usr/bin/env python3
"""Ingest speed of what browsers save: MHTML and PDF pages per second with `dccorpus ingest`
(one batch into a fresh root: read, clean, classify, archive, commit), and `pdftotext`
(poppler-utils) over the same PDFs as the anchor, one process per file as it is used.
The four fixture pages of Tests/Fixtures/browser are copied --copies times each with a byte
changed (a trailing PDF comment, an MHTML Subject), so no copy is skipped as already archived.
Medians over --rounds runs.

    python3 Benchmarks/browser-saves.py [--binary .build/release/dccorpus] [--copies 25] [--rounds 3]
"""
import argparse, os, shutil, statistics, subprocess, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--copies", type=int, default=25)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()


def copies(kind, folder):
    files = []
    for source in sorted((ROOT / "Tests/Fixtures/browser").glob(f"*.{kind}")):
        data = source.read_bytes()
        for n in range(args.copies):
            target = folder / f"{source.stem}-{n}.{kind}"
            if kind == "pdf":
                target.write_bytes(data + f"\n% copy {n}\n".encode())
            else:
                target.write_bytes(data.replace(b"Subject: ", f"Subject: [{n}] ".encode(), 1))
            files.append(target)
    return files


def pages(files):
    total = 0
    for f in files:
        if f.suffix == ".pdf":
            info = subprocess.run(["pdfinfo", str(f)], capture_output=True, text=True).stdout
            total += int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")))
        else:
            total += 1
    return total


def ingest(files):
    root = Path(tempfile.mkdtemp(prefix="dccorpus-saves-"))
    subprocess.run([args.binary, "init", str(root), "--no-sources"], check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run([args.binary, "ingest", "--root", str(root)] + [str(f) for f in files], check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(root)
    return elapsed


def pdftotext(files, out):
    started = time.perf_counter()
    for f in files:
        subprocess.run(["pdftotext", str(f), str(out / (f.stem + ".txt"))], check=True)
    return time.perf_counter() - started


work = Path(tempfile.mkdtemp(prefix="dccorpus-saves-bench-"))
try:
    for kind in ("mhtml", "pdf"):
        folder = work / kind
        folder.mkdir()
        files = copies(kind, folder)
        count = pages(files)
        ours = statistics.median(ingest(files) for _ in range(args.rounds))
        line = f"{kind}: {len(files)} files, {count} pages; dccorpus ingest {len(files) / ours:.1f} files/s, {count / ours:.1f} pages/s"
        if kind == "pdf":
            out = work / "txt"
            out.mkdir()
            anchor = statistics.median(pdftotext(files, out) for _ in range(args.rounds))
            line += f"; pdftotext {len(files) / anchor:.1f} files/s, {count / anchor:.1f} pages/s; ratio {anchor / ours:.2f}"
        print(line)
finally:
    shutil.rmtree(work)
