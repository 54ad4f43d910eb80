#!/usr/bin/env python3
"""The classifier on the corpus's own genre: real pages about Digital China (policy texts and their
translations and reprints, bilingual explainers, news, commentary and analysis, the translator's
blog) and near misses, labelled by hand in Benchmarks/genre-set/labels-*.jsonl (one line per page:
file, url, kind, on_subject, published, title; the page's text in genre-set/pages/).

Every page is ingested into a fresh root with the built binary; the script reports per-kind
precision and recall, the confusion matrix, topics (non-empty on on-subject pages, empty on the
others), `published` on the pages that show their own date, and titles (right, and never a
site's name or a date). With --wcxb it also ingests the 1,497 WCXB development pages (none about
Digital China) and counts the kinds they became.

Usage: Benchmarks/genre.py [--binary .build/release/dccorpus] [--wcxb] [--json] [--verbose]
Exit 1 when a goal of issue 31 is missed (kind accuracy >= 90%, topics on >= 95% of on-subject
pages, published right on >= 90% of dated pages, no title that is a date or a site's name; with
--wcxb no lesson, lesson-source or glossary and policy + commentary <= 0.5%)."""
import argparse, collections, gzip, json, re, shutil, subprocess, sys, tomllib, unicodedata
from pathlib import Path

from benchpages import ROOT, SHARED, new_root

SET = ROOT / "Benchmarks/genre-set"
KINDS = ["lesson", "lesson-source", "glossary", "overview", "policy", "commentary", "other"]
SITE_NAMES = {name.lower() for name in tomllib.loads((ROOT / "Config/lexicon.toml").read_text())["evidence"].get("site_names", [])}
DATE_ONLY = re.compile(r"^[\W\d_]*(?:\d{4}[-/.年]\d{1,2}|[A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})[\W\d_日]*$")


def labels():
    rows = []
    for path in sorted(SET.glob("labels-*.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def ingest(binary, root, files):
    """file name -> record (None when the page was not recorded), and the ingest outcomes."""
    outcomes = []
    for start in range(0, len(files), 400):
        done = subprocess.run([binary, "ingest", "--root", str(root), "--json"] + files[start:start + 400],
                              capture_output=True, text=True)
        outcomes += [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return outcomes


def record(root, document_id):
    path = root / "Archive/data/corpus" / f"{document_id}.json"
    return json.loads(path.read_text()) if path.exists() else None


def norm(text):
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"[\W_]+", " ", text).strip()


def genre(binary, verbose):
    rows = labels()
    root = new_root(binary, prefix="dccorpus-genre-")
    try:
        files = [str(SET / "pages" / row["file"]) for row in rows]
        outcomes = {Path(o["file"]).name: o for o in ingest(binary, root, files)}
        records, identity = {}, []
        for row in rows:
            outcome = outcomes.get(row["file"], {})
            if outcome.get("status") == "ingested":
                records[row["file"]] = record(root, outcome["id"])
                continue
            identity.append(f"{row['file']}: {outcome.get('status')} {outcome.get('id')} {outcome.get('error') or ''}")
            # Judged on its own: a fresh root for the page the shared one took for another.
            alone = new_root(binary, prefix="dccorpus-genre-")
            try:
                single = ingest(binary, alone, [str(SET / "pages" / row["file"])])
                records[row["file"]] = record(alone, single[0]["id"]) if single and single[0].get("id") else None
            finally:
                shutil.rmtree(alone, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    confusion = collections.Counter()
    right = 0
    topics_on = topics_on_total = topics_off = topics_off_total = 0
    dated = dated_right = 0
    titled = titled_right = 0
    bad_titles, misses = [], []
    for row in rows:
        rec = records.get(row["file"])
        got = rec["kind"] if rec else "(none)"
        confusion[(row["kind"], got)] += 1
        right += got == row["kind"]
        topics = rec["topics"] if rec else []
        if row["on_subject"]:
            topics_on_total += 1
            topics_on += bool(topics)
        else:
            topics_off_total += 1
            topics_off += bool(topics)
        published = rec.get("published") if rec else None
        if row.get("published"):
            dated += 1
            dated_right += published == row["published"]
        title = (rec["title"].get("en") or rec["title"].get("zh")) if rec else None
        if row.get("title"):
            titled += 1
            wanted, have = norm(row["title"]), norm(title)
            titled_right += bool(have) and (have == wanted or (len(have) >= 12 and (have in wanted or wanted in have)))
        if title and (DATE_ONLY.match(title) or len(title.split()) == 1 and title.isascii() or title.lower() in SITE_NAMES):
            bad_titles.append(f"{row['file']}: {title!r}")
        wrong = []
        if got != row["kind"]:
            wrong.append(f"kind {got} (want {row['kind']})")
        if row["on_subject"] and not topics:
            wrong.append("no topics")
        if row.get("published") and published != row["published"]:
            wrong.append(f"published {published} (want {row['published']})")
        if row.get("title") and title and norm(title) != norm(row["title"]):
            wrong.append(f"title {title[:50]!r}")
        if wrong:
            evidence = rec["classification"]["evidence"][:3] if rec else []
            misses.append(f"{row['file']:9} {', '.join(wrong)}  {evidence}")

    total = len(rows)
    result = {
        "pages": total,
        "kind_accuracy": round(right / total, 3) if total else 0,
        "topics_on_subject": round(topics_on / topics_on_total, 3) if topics_on_total else 0,
        "topics_off_subject": round(topics_off / topics_off_total, 3) if topics_off_total else 0,
        "published_right": round(dated_right / dated, 3) if dated else 0,
        "title_right": round(titled_right / titled, 3) if titled else 0,
        "titles_date_or_one_word": len(bad_titles),
        "per_kind": {},
    }
    for kind in KINDS:
        labelled = sum(count for (want, _), count in confusion.items() if want == kind)
        predicted = sum(count for (_, got), count in confusion.items() if got == kind)
        hits = confusion[(kind, kind)]
        if labelled or predicted:
            result["per_kind"][kind] = {"labelled": labelled, "predicted": predicted,
                                        "precision": round(hits / predicted, 3) if predicted else None,
                                        "recall": round(hits / labelled, 3) if labelled else None}
    print(f"{total} labelled pages in {SET.relative_to(ROOT)}")
    print(f"kind accuracy {right}/{total} = {result['kind_accuracy']:.1%}")
    print("per kind:      labelled predicted precision recall")
    for kind, figures in result["per_kind"].items():
        p = "-" if figures["precision"] is None else f"{figures['precision']:.2f}"
        r = "-" if figures["recall"] is None else f"{figures['recall']:.2f}"
        print(f"  {kind:13} {figures['labelled']:8} {figures['predicted']:9} {p:>9} {r:>6}")
    got_kinds = KINDS + (["(none)"] if any(got == "(none)" for _, got in confusion) else [])
    print("confusion (rows: label, columns: classifier):")
    print("  " + " " * 13 + " ".join(f"{k[:7]:>7}" for k in got_kinds))
    for want in KINDS:
        if any(w == want for w, _ in confusion):
            print(f"  {want:13}" + " ".join(f"{confusion[(want, got)]:7}" for got in got_kinds))
    print(f"topics non-empty on on-subject pages {topics_on}/{topics_on_total} = {result['topics_on_subject']:.1%}; "
          f"on off-subject pages {topics_off}/{topics_off_total}")
    print(f"published right on {dated_right}/{dated} pages that show their date = {result['published_right']:.1%}")
    print(f"title right on {titled_right}/{titled} = {result['title_right']:.1%}; titles that are a date, one word or a site's name: {len(bad_titles)}")
    for line in bad_titles:
        print(f"    {line}")
    if identity:
        print(f"pages the shared root did not record as new ({len(identity)}; judged alone):")
        for line in identity:
            print(f"    {line}")
    if verbose:
        print("misses:")
        for line in misses:
            print(f"    {line}")
    ok = (result["kind_accuracy"] >= 0.90 and result["topics_on_subject"] >= 0.95
          and result["published_right"] >= 0.90 and not bad_titles)
    return result, ok


def wcxb(binary):
    source = SHARED / "wcxb-dev/html"
    root = new_root(binary, prefix="dccorpus-genre-wcxb-")
    try:
        pages = root / "pages"
        pages.mkdir()
        files = []
        for page in sorted(source.glob("*.html.gz")):
            target = pages / page.name[: -len(".gz")]
            target.write_bytes(gzip.decompress(page.read_bytes()))
            files.append(str(target))
        ingest(binary, root, files)
        kinds = collections.Counter(json.loads(p.read_text())["kind"] for p in (root / "Archive/data/corpus").glob("*.json"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    series = kinds["lesson"] + kinds["lesson-source"] + kinds["glossary"]
    corpus = kinds["policy"] + kinds["commentary"]
    print(f"WCXB negatives: {len(files)} pages -> " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print(f"  lesson/source/glossary {series}; policy + commentary {corpus} = {corpus / len(files):.2%} (goal <= 0.5%)")
    return {"wcxb_pages": len(files), "wcxb_series": series, "wcxb_policy_commentary": corpus}, series == 0 and corpus <= 0.005 * len(files)


parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=str(ROOT / ".build/release/dccorpus"))
parser.add_argument("--wcxb", action="store_true", help="also ingest the WCXB development pages as negatives")
parser.add_argument("--json", action="store_true", help="print the figures as one JSON object at the end")
parser.add_argument("--verbose", action="store_true", help="list every page with a miss")
args = parser.parse_args()
figures, ok = genre(args.binary, args.verbose)
if args.wcxb:
    negatives, negatives_ok = wcxb(args.binary)
    figures.update(negatives)
    ok = ok and negatives_ok
if args.json:
    print(json.dumps(figures, sort_keys=True))
print(f"goals: {'met' if ok else 'MISSED'}")
sys.exit(0 if ok else 1)
