#!/usr/bin/env python3
"""Classifier precision on pages that are not about Digital China: ingests every page of a page
set (default: the WCXB development split, 1,497 real pages from 1,295 sites; also the
article-extraction benchmark with --set aeb, or any folder of .html/.html.gz with --pages) into
a fresh archive with the built binary, then reports what the corpus made of them: statuses
(no `changed` may appear among distinct pages), kinds (no lesson, lesson-source or glossary; at
most 0.5% policy or commentary), the pages that did come out as a corpus kind, and how many
distinct `[evidence]` subject phrases of Config/lexicon.toml each page holds (the figures behind
`min_subject_phrases`).

Usage: Benchmarks/classifier-precision.py [--binary .build/release/dccorpus] [--set wcxb|aeb] [--pages DIR]
Exit 1 when a goal is missed."""
import argparse, collections, gzip, json, re, shutil, subprocess, sys, tempfile, tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {"wcxb": ROOT.parent / "shared/bench/wcxb-dev/html", "aeb": ROOT.parent / "shared/bench/article-extraction-benchmark/html"}

parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--set", default="wcxb", choices=sorted(SETS))
parser.add_argument("--pages", help="a folder of .html or .html.gz pages instead of a named set")
args = parser.parse_args()
source = Path(args.pages) if args.pages else SETS[args.set]

work = Path(tempfile.mkdtemp(prefix="dccorpus-precision-"))
try:
    # The shipped sources stay: nothing is fetched here, and the config (its SHA-256) is the shipped one.
    subprocess.run([args.binary, "init", str(work)], check=True, stdout=subprocess.DEVNULL)
    pages = work / "pages"
    pages.mkdir()
    files = []
    for page in sorted(source.iterdir()):
        if page.name.endswith(".html.gz"):
            target = pages / page.name[: -len(".gz")]
            target.write_bytes(gzip.decompress(page.read_bytes()))
        elif page.name.endswith((".html", ".htm")):
            target = pages / page.name
            shutil.copyfile(page, target)
        else:
            continue
        files.append(str(target))
    outcomes = []
    for start in range(0, len(files), 500):
        done = subprocess.run([args.binary, "ingest", "--root", str(work), "--json"] + files[start:start + 500],
                              capture_output=True, text=True)
        outcomes += [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    statuses = collections.Counter(outcome["status"] for outcome in outcomes)
    records = [json.loads(path.read_text()) for path in sorted((work / "Archive/data/corpus").glob("*.json"))]
    kinds = collections.Counter(record["kind"] for record in records)
    evidence = tomllib.loads((ROOT / "Config/lexicon.toml").read_text())["evidence"]
    subjects = [phrase.lower() for phrase in evidence["subject"]]
    contexts = [phrase.lower() for phrase in evidence.get("context", [])]
    topics = tomllib.loads((ROOT / "Config/lexicon.toml").read_text())["topics"]
    keywords = sorted({k.lower() for t in topics for k in t["en"] + t["zh_keywords"]})
    phrase_counts = collections.Counter()
    # How near each page came to the two ways in: (subject, subject + context) and (any phrase,
    # distinct topic keywords).
    near = collections.Counter()
    for record in records:
        haystack = (record["text"] + "\n" + (record["title"].get("en") or "") + "\n" + (record["title"].get("zh") or "")).lower()
        subject = sum(phrase in haystack for phrase in subjects)
        context = sum(phrase in haystack for phrase in contexts)
        topical = sum(keyword in haystack for keyword in keywords)
        phrase_counts[subject] += 1
        if subject and subject + context >= 2:
            near["subject + context >= 2"] += 1
        if subject + context and topical >= 2:
            near["a phrase + >= 2 topic keywords"] += 1
        if context and not subject:
            near["context phrase only"] += 1

    print(f"{len(files)} pages from {source}")
    print("statuses: " + ", ".join(f"{name} {count}" for name, count in sorted(statuses.items())))
    print("kinds:    " + ", ".join(f"{name} {count}" for name, count in sorted(kinds.items())))
    print("distinct subject phrases per record: " + ", ".join(f"{n}: {count}" for n, count in sorted(phrase_counts.items())))
    print("pages near the evidence rules: " + (", ".join(f"{name} {count}" for name, count in sorted(near.items())) or "none"))
    corpus_kinds = [record for record in records if record["kind"] != "other"]
    for record in corpus_kinds:
        title = record["title"].get("en") or record["title"].get("zh") or ""
        print(f"    {record['kind']:13} {record['id'][:60]:60} {title[:60]!r}  {record['classification']['evidence'][:4]}")
    # Pages that declare one canonical address are one document (the same shop category under
    # two paths): a version of each other by their own word, not a mistake of ours.
    canonical_pattern = re.compile(r"<link[^>]+rel=[\"']?canonical[^>]*>", re.I)
    href_pattern = re.compile(r"href=[\"']([^\"']+)", re.I)
    def canonical(path):
        tag = canonical_pattern.search(Path(path).read_text(errors="replace"))
        found = href_pattern.search(tag.group(0)) if tag else None
        return found.group(1) if found else None
    first_of = {}
    for outcome in outcomes:
        if outcome["status"] == "ingested":
            first_of[outcome["id"]] = outcome["file"]
    wrong_changes = 0
    for outcome in outcomes:
        if outcome["status"] in ("changed", "conflict"):
            earlier = first_of.get(outcome["id"])
            same = earlier is not None and canonical(earlier) is not None and canonical(earlier) == canonical(outcome["file"])
            wrong_changes += outcome["status"] == "changed" and not same
            note = f"(same canonical link as {Path(earlier).name})" if same else ""
            print(f"    {outcome['status']}: {Path(outcome['file']).name} -> {outcome['id']} {outcome.get('error') or ''} {note}")
    print(f"changed between pages that do not share a canonical link: {wrong_changes}")
    ok = (kinds["lesson"] + kinds["lesson-source"] + kinds["glossary"] == 0
          and kinds["policy"] + kinds["commentary"] <= 0.005 * len(files) and wrong_changes == 0)
    print(f"goals (no lesson/lesson-source/glossary, policy+commentary at most 0.5% of pages, no wrong changed): {'met' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)
finally:
    shutil.rmtree(work, ignore_errors=True)
