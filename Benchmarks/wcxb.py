#!/usr/bin/env python3
"""Cleaner benchmark on the WCXB development split (1,497 real pages, 7 page types, 1,295 sites):
`dccorpus clean` and trafilatura 2.3.x (fast mode) in the same run. Prints, for both, word-F1
(WCXB's published metric), shingle P/R/F1 and snippet F1 overall and per page type, by the
split's own score.py; pages/s of both (median of --rounds, one thread each; ours whole process);
and the pages we returned empty, by type. Chinese pages (ground truth mostly Han) are also scored
by characters, since WCXB's `\w+` makes a whole Chinese clause one token.

Usage: Benchmarks/wcxb.py [--binary .build/release/dccorpus] [--rounds 1] [--keep DIR]
                          [--skip-anchor] [--per-page]
Needs: a release build (swift build -c release) and, for the anchor, trafilatura and
lxml_html_clean in the Python environment."""
import argparse, json, shutil, statistics, tempfile, time
from pathlib import Path

from benchpages import ROOT, SHARED, clean, report_errors_and_keep, round_folder, score, trafilatura_rate, unpack

parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--rounds", type=int, default=1)
parser.add_argument("--bench", default=str(SHARED / "wcxb-dev"))
parser.add_argument("--keep", help="write our predictions here for inspection")
parser.add_argument("--skip-anchor", action="store_true")
parser.add_argument("--per-page", action="store_true", help="list our worst pages")
parser.add_argument("--work", help="folder for the pages and every output (default: the system's temporary folder); "
                    "/dev/shm takes the file system's own costs out of both sides' time")
args = parser.parse_args()
bench = Path(args.bench)
truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))

work = Path(tempfile.mkdtemp(prefix="dccorpus-wcxb-", dir=args.work))
pages = work / "pages"
ids, files = unpack(bench, pages)


def run_ours():
    times, errors = [], ""
    for index in range(args.rounds):
        out_dir = round_folder(work / "ours", index)
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
report_errors_and_keep(errors, ours_dir, args.keep)

def is_han(ch):
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F


# Chinese pages: a ground truth whose visible characters are at least 30% Han.
chinese = []
for pid in ids:
    visible = [c for c in truth[pid]["main_content"] if not c.isspace()]
    if visible and sum(map(is_han, visible)) >= 0.3 * len(visible):
        chinese.append(pid)


def character_f1(out_dir):
    """Mean per-page F1 of the multisets of visible characters (Chinese has no word spaces)."""
    from collections import Counter
    scores = []
    for pid in chinese:
        produced = out_dir / f"{pid}.txt"
        predicted = Counter(c for c in (produced.read_text(errors="replace") if produced.exists() else "") if not c.isspace())
        expected = Counter(c for c in truth[pid]["main_content"] if not c.isspace())
        overlap = sum((predicted & expected).values())
        precision = overlap / max(1, sum(predicted.values()))
        recall = overlap / max(1, sum(expected.values()))
        scores.append(0 if overlap == 0 else 2 * precision * recall / (precision + recall))
    return sum(scores) / max(1, len(scores))


print(f"Chinese pages: {len(chinese)} of {len(ids)} ({100 * len(chinese) / len(ids):.1f}%); "
      f"character-F1 ours {character_f1(ours_dir):.3f}")

# The cleaner's page-type decision (`clean --json` page_type) against the set's own labels.
import subprocess  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
listed = subprocess.run([args.binary, "clean", "--json", "--jobs", "2", "--root", str(ROOT)] + files,
                        capture_output=True, text=True).stdout
decided = {}
for line in listed.splitlines():
    value = json.loads(line)
    decided[Path(value["file"]).stem] = value.get("page_type")
confusion = defaultdict(Counter)
for pid in ids:
    confusion[truth[pid]["page_type"]][decided.get(pid)] += 1
right = sum(confusion[kind][kind] for kind in confusion)
print(f"page type decided from structure: {right}/{len(ids)} = {right / len(ids):.3f} right "
      f"(every page called an article: {sum(confusion['article'].values()) / len(ids):.3f})")
for kind in sorted(confusion):
    print(f"    {kind:14} " + ", ".join(f"{found}={count}" for found, count in confusion[kind].most_common()))

if not args.skip_anchor:
    traf_dir = work / "trafilatura"
    traf_rate = trafilatura_rate(ids, pages, traf_dir, args.rounds)
    traf_dir = traf_dir / f"round-{args.rounds - 1}"
    print(f"trafilatura (fast): {traf_rate:7.1f} pages/s (median of {args.rounds}, in-process loop, one thread)")
    print(score(bench, traf_dir))
    print(f"ratio, one thread each: {rate / traf_rate:.2f}x trafilatura-fast")
    print(f"Chinese pages: character-F1 trafilatura {character_f1(traf_dir):.3f}")
shutil.rmtree(work)
