#!/usr/bin/env python3
"""Writes the hostile and edge-case packages the input tests read (Tests/Fixtures/packages/):
WACZ files (a good one made from a fixture page, one whose WARC no longer matches its digest,
one whose entry path leaves the package, a zip bomb) and PDFs (encrypted, a page-count bomb, a
scan with no text layer, a damaged file). Deterministic: run it again and nothing changes.

    .build-venv/bin/python Scripts/make-package-fixtures.py   # needs pikepdf
"""
import gzip, hashlib, io, json, os, uuid, zipfile
import pikepdf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/Fixtures/packages")
STAMP = (2025, 4, 11, 0, 0, 0)


def warc_record(kind, uri, content_type, block, record_id):
    head = (f"WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\nWARC-Date: 2025-04-11T08:00:00Z\r\n"
            f"WARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n").encode()
    return gzip.compress(head + block + b"\r\n\r\n", mtime=0)


def response(uri, body, content_type, number):
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    return warc_record("response", uri, "application/http; msgtype=response", http, uuid.UUID(int=number))


def wacz(name, files, tamper=None, extra_entries=()):
    resources = []
    for path, data in files:
        resources.append({"name": os.path.basename(path), "path": path, "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                          "bytes": len(data)})
    package = json.dumps({"profile": "data-package", "wacz_version": "1.1.1", "resources": resources}, indent=2).encode()
    with zipfile.ZipFile(os.path.join(OUT, name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            info = zipfile.ZipInfo(path, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, tamper(path, data) if tamper else data)
        for path, data in extra_entries:
            info = zipfile.ZipInfo(path, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        z.writestr(zipfile.ZipInfo("datapackage.json", STAMP), package)


def main():
    os.makedirs(OUT, exist_ok=True)
    page = open(os.path.join(ROOT, "Tests/Fixtures/pages/lesson-5.classic.html"), "rb").read()
    frame = b"<html><body><p>An embedded frame, not a page of its own: it is not in pages.jsonl.</p></body></html>"
    warc = (response("https://digitalchinawinsthefuture.com/lesson-5/", page, "text/html; charset=utf-8", 1)
            + response("https://digitalchinawinsthefuture.com/embed/frame.html", frame, "text/html", 2)
            + response("https://digitalchinawinsthefuture.com/logo.png", b"\x89PNG\r\n\x1a\n", "image/png", 3))
    pages = (b'{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}\n'
             b'{"id": "p1", "url": "https://digitalchinawinsthefuture.com/lesson-5/", "ts": "2025-04-11T08:00:00Z"}\n')
    files = [("archive/data.warc.gz", warc), ("pages/pages.jsonl", pages)]
    wacz("lesson-5.wacz", files)
    # The WARC changed after the package was signed off: its digest no longer holds.
    wacz("tampered.wacz", files, tamper=lambda path, data: gzip.compress(gzip.decompress(data).replace(
        b"Inside Digital China", b"Outside Digital China"), mtime=0) if path.endswith(".warc.gz") else data)
    wacz("escape.wacz", files, extra_entries=[("../../outside.txt", b"written outside the package")])
    # 64 MiB of zeros in one entry, listed with its true digest: only the limit stops it.
    zeros = bytes(64 << 20)
    wacz("bomb.wacz", [("archive/zeros.warc", zeros), ("pages/pages.jsonl", pages)])

    # PDFs.
    source = pikepdf.open(os.path.join(ROOT, "Tests/Fixtures/browser/lesson-5.classic.pdf"))
    source.save(os.path.join(OUT, "encrypted.pdf"), encryption=pikepdf.Encryption(owner="o", user="secret", R=6),
                static_id=True, deterministic_id=False)
    bomb = pikepdf.new()
    bomb.add_blank_page(page_size=(200, 200))
    for _ in range(2500):
        bomb.pages.append(bomb.pages[0])
    bomb.save(os.path.join(OUT, "pages-bomb.pdf"), static_id=True, compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)
    scan = pikepdf.new()
    scan.add_blank_page(page_size=(595, 842))  # a page with nothing on it: no text layer
    scan.docinfo["/Title"] = "Scanned policy"
    scan.save(os.path.join(OUT, "scan.pdf"), static_id=True)
    with open(os.path.join(OUT, "damaged.pdf"), "wb") as out:
        out.write(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + bytes(range(256)) * 4 + b"\n%%EOF\n")
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
