#!/usr/bin/env python3
"""How many of the HTML/text captures in other tools' archives `dccorpus ingest` takes in.

The anchor is warcio (the reader pywb uses): for every WARC, ARC and WACZ under the given
folders (default Tests/Fixtures/foreign), it counts the records a reader would call a page
capture: `response` with a 2xx status, `resource`, and `revisit`, whose media type is HTML or
plain text. Then the built binary ingests all the files in one batch into a fresh root and
the captures it took in (ingested, changed or unchanged) are counted per file. A resource
whose address is not http(s) or file (wget's metadata://…MANIFEST.txt, a crawl log) is no page. Every refusal
is printed with its reason.

    python3 Benchmarks/foreign-archives.py [FOLDER…]

Needs warcio (Scripts/test.sh's venv has it: .build-venv/bin/python).
"""
import io, json, os, shutil, subprocess, sys, tempfile, zipfile
from collections import Counter
from warcio.archiveiterator import ArchiveIterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build/debug/dccorpus")


def page_like(mime):
    mime = (mime or "").split(";")[0].strip().lower()
    return "html" in mime or mime == "text/plain"


def warcio_captures(stream):
    count = 0
    try:
        for record in ArchiveIterator(stream, arc2warc=True):
            kind = record.rec_type
            if kind in ("response", "revisit") and record.http_headers is not None:
                status = record.http_headers.get_statuscode()
                mime = record.http_headers.get_header("Content-Type")
                if kind == "response" and not (status or "").startswith("2"):
                    continue
                if page_like(mime) or (kind == "revisit" and not mime):
                    count += 1
            elif kind == "resource" and page_like(record.rec_headers.get_header("Content-Type")):
                # Crawl logs and manifests (wget's metadata://…, urn:…) are not pages.
                uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
                if uri.split(":", 1)[0].lower() in ("http", "https", "file"):
                    count += 1
    except Exception as error:  # warcio stops at what it cannot read; what it read counts
        print(f"  warcio: {error.__class__.__name__}: {error}", file=sys.stderr)
    return count


def anchor(path):
    if path.endswith(".wacz"):
        try:
            with zipfile.ZipFile(path) as package:
                return sum(warcio_captures(io.BytesIO(package.read(name)))
                           for name in package.namelist() if name.startswith("archive/"))
        except zipfile.BadZipFile:
            return 0
    with open(path, "rb") as stream:
        return warcio_captures(stream)


def main():
    folders = sys.argv[1:] or [os.path.join(ROOT, "Tests/Fixtures/foreign")]
    files = sorted(os.path.join(d, f) for folder in folders for d, _, names in os.walk(folder) for f in names
                   if any(f.endswith(e) for e in (".warc", ".warc.gz", ".arc", ".arc.gz", ".wacz")))
    expected = {f: anchor(f) for f in files}
    root = tempfile.mkdtemp(prefix="dccorpus-foreign-")
    try:
        subprocess.run([BINARY, "init", root, "--no-sources"], check=True, stdout=subprocess.DEVNULL)
        run = subprocess.run([BINARY, "ingest", "--json", "--root", root] + files, capture_output=True, text=True)
    finally:
        shutil.rmtree(root)
    taken, refused = Counter(), []
    for line in run.stdout.splitlines():
        outcome = json.loads(line)
        path = outcome["file"].split("#")[0]
        if outcome["status"] in ("ingested", "changed", "unchanged"):
            taken[path] += 1
        else:
            refused.append(outcome)
    total = sum(expected.values())
    got = sum(min(taken[f], expected[f]) for f in files)
    print(f"{'file':58} warcio  dccorpus")
    for f in files:
        mark = "" if taken[f] >= expected[f] else "  <"
        print(f"{os.path.relpath(f, ROOT):58} {expected[f]:6} {taken[f]:9}{mark}")
    print(f"\ncaptures ingested / captures warcio reads: {got}/{total} = {got / max(total, 1):.0%}")
    print(f"warnings (records passed over, nothing lost): {run.stderr.count('warning:')}")
    for outcome in refused:
        print(f"refused: {outcome['error']}")


if __name__ == "__main__":
    main()
