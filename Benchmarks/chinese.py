#!/usr/bin/env python3
"""Cleaner benchmark on Chinese pages: `dccorpus clean` and trafilatura 2.3.x (fast mode) in the
same run, scored by characters (each Han character one token, other words by `\\w+`), since
Chinese has no spaces between words and WCXB's `\\w+` makes a whole clause one token.

Two sets, neither kept in this repository (fetch them with the tool library's `fetch`):

- `--labelled`: immortal-autumn/Chinese-Web-Content-Extraction-Dataset (MIT): 69 Chinese pages
  (news, blogs, forums, government pages; 47 in GB2312/GBK), each with a text copied by hand from
  its content area (`original/<id>.html`, `cleaned/<id>.txt`). Many files still start with the
  CleanEval `<text id=…>` line they were collected in; both sides get the bytes as they are.
  Prints mean character precision, recall and F1, the median F1, the pages that came back
  empty or failed, the worst pages with --per-page, and pages/s of both (one thread each).
- `--unlabelled`: GeneralNewsExtractor's test pages (GPL-3.0; 72 pages of Chinese news and list
  sites, `test*/**/*.html`), which have no ground truth: prints how many pages the cleaner
  refuses or returns empty, and its character agreement with trafilatura, as a check that
  nothing breaks on real Chinese markup.

Each may be a checkout or the bare repository `fetch` leaves (read with `git show`).

Usage: Benchmarks/chinese.py [--binary .build/release/dccorpus] [--labelled DIR] [--unlabelled DIR]
                             [--rounds 3] [--keep DIR] [--per-page] [--work DIR]"""
import argparse, re, shutil, statistics, subprocess, tempfile, time
from collections import Counter
from pathlib import Path

from benchpages import ROOT, clean, report_errors_and_keep, round_folder, trafilatura_rate

MIRROR = ROOT.parent / ".mirror"
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--labelled", default=str(MIRROR / "immortal-autumn+Chinese-Web-Content-Extraction-Dataset/repo"))
parser.add_argument("--unlabelled", default=str(MIRROR / "GeneralNewsExtractor+GeneralNewsExtractor/repo"))
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--keep", help="write our predictions for the labelled set here")
parser.add_argument("--per-page", action="store_true", help="list our worst labelled pages")
parser.add_argument("--work", help="folder for the pages and every output (default: the system's temporary folder)")
args = parser.parse_args()

TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def prf(predicted: str, expected: str) -> tuple[float, float, float]:
    p, r = Counter(TOKEN.findall(predicted.lower())), Counter(TOKEN.findall(expected.lower()))
    if not r:
        return (1.0, 1.0, 1.0) if not p else (0.0, 0.0, 0.0)
    overlap = sum((p & r).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(r.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def repository_files(repo: Path, pattern: str) -> dict[str, bytes]:
    """path -> bytes of every file whose path matches `pattern`, from a checkout or a bare repository."""
    if (repo / "HEAD").exists() and not (repo / ".git").exists():
        names = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
                               capture_output=True, text=True, check=True).stdout.split()
        return {name: subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{name}"], capture_output=True, check=True).stdout
                for name in names if re.fullmatch(pattern, name)}
    return {str(path.relative_to(repo)): path.read_bytes() for path in sorted(repo.rglob("*"))
            if path.is_file() and re.fullmatch(pattern, str(path.relative_to(repo)))}


def ours_run(files: list[str], out: Path, rounds: int) -> tuple[float, Path, str]:
    times, errors, folder = [], "", out
    for index in range(rounds):
        folder = round_folder(out, index)
        start = time.perf_counter()
        errors = clean(args.binary, files, folder, 1, stderr=subprocess.PIPE).stderr
        times.append(time.perf_counter() - start)
    return len(files) / statistics.median(times), folder, errors


def read(folder: Path, name: str) -> str:
    path = folder / f"{name}.txt"
    return path.read_text(errors="replace") if path.exists() else ""


work = Path(tempfile.mkdtemp(prefix="dccorpus-chinese-", dir=args.work))
labelled = Path(args.labelled)
if not labelled.exists():
    print(f"labelled set not found at {labelled}: fetch github:immortal-autumn/Chinese-Web-Content-Extraction-Dataset")
else:
    originals = repository_files(labelled, r"original/[^/]+\.html")
    texts = repository_files(labelled, r"cleaned/[^/]+\.txt")
    pages = {Path(name).stem: data for name, data in originals.items() if f"cleaned/{Path(name).stem}.txt" in texts}
    truth = {name: texts[f"cleaned/{name}.txt"].decode("utf-8", errors="replace") for name in pages}
    folder = work / "labelled"
    folder.mkdir()
    files = []
    for name, data in pages.items():
        (folder / f"{name}.html").write_bytes(data)
        files.append(str(folder / f"{name}.html"))
    rate, ours_dir, errors = ours_run(files, work / "ours", args.rounds)
    traf_rate = trafilatura_rate(list(pages), folder, work / "trafilatura", args.rounds)
    traf_dir = work / "trafilatura" / f"round-{args.rounds - 1}"
    print(f"labelled Chinese pages: {len(pages)} (Chinese-Web-Content-Extraction-Dataset), character scores, means")
    for label, out, speed in (("dccorpus clean", ours_dir, rate), ("trafilatura (fast)", traf_dir, traf_rate)):
        scores = {name: prf(read(out, name), truth[name]) for name in pages}
        empty = [name for name in pages if not read(out, name).strip()]
        print(f"  {label:20} P {statistics.mean(s[0] for s in scores.values()):.3f} "
              f"R {statistics.mean(s[1] for s in scores.values()):.3f} "
              f"F1 {statistics.mean(s[2] for s in scores.values()):.3f} "
              f"(median {statistics.median(s[2] for s in scores.values()):.3f}), empty or failed {len(empty)}, "
              f"{speed:.1f} pages/s (median of {args.rounds}, one thread)")
        if label == "dccorpus clean" and args.per_page:
            for name, (p, r, f) in sorted(scores.items(), key=lambda item: item[1][2])[:15]:
                print(f"      {name} F1 {f:.2f} P {p:.2f} R {r:.2f}")
    print(f"  ratio, one thread each: {rate / traf_rate:.2f}x trafilatura-fast")
    report_errors_and_keep(errors, ours_dir, args.keep, indent="  ")

unlabelled = Path(args.unlabelled)
if not unlabelled.exists():
    print(f"unlabelled set not found at {unlabelled}: fetch github:GeneralNewsExtractor/GeneralNewsExtractor")
else:
    found = repository_files(unlabelled, r"test[^/]*/.+\.html")
    pages = {name.replace("/", "_")[: -len(".html")]: data for name, data in found.items()}
    folder = work / "unlabelled"
    folder.mkdir()
    for name, data in pages.items():
        (folder / f"{name}.html").write_bytes(data)
    _, ours_dir, errors = ours_run([str(folder / f"{name}.html") for name in pages], work / "gne-ours", 1)
    trafilatura_rate(list(pages), folder, work / "gne-trafilatura", 1)
    traf_dir = work / "gne-trafilatura" / "round-0"
    refused = [line for line in errors.splitlines() if line.strip()]
    empty = [name for name in pages if not read(ours_dir, name).strip()]
    agreement = [prf(read(ours_dir, name), read(traf_dir, name))[2] for name in pages if read(traf_dir, name).strip()]
    print(f"unlabelled Chinese pages: {len(pages)} (GeneralNewsExtractor tests): refused {len(refused)}, "
          f"empty {len(empty)}; character F1 against trafilatura's text, median {statistics.median(agreement):.3f}")
    for line in refused[:10]:
        print(f"    {line}")
shutil.rmtree(work)
