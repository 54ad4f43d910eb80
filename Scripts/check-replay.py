#!/usr/bin/env python3
"""Replays every web capture of an archive with pywb, through the archive's own CDXJ index.

Usage: check-replay.py ARCHIVE SERVER_PORT

Builds a pywb collection whose archive/ folder links the bag's WARC files and whose indexes/
folder holds only the bag's index.cdxj (pywb does not index anything itself, so a wrong SURT
key, offset, length or filename fails here), starts `wayback` on loopback, and fetches every
http(s) capture of the index in id_ mode (original bytes, no rewriting) at its own timestamp,
without following redirects. Each reply must have the status the index names and the exact
payload of its WARC record (read with warcio, not our reader); an identical-payload revisit
must replay the bytes it refers to, a server-not-modified one the 304 as sent; a redirect must
send its Location on. URLs whose content the loopback server
always sends the same (all but /changing) are fetched from the server too, and the replayed
bytes must equal what it sends. Exit 1 on any difference."""
import http.client, json, pathlib, shutil, sys, tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from replaylib import failures, fail, start_wayback  # noqa: E402

from warcio.archiveiterator import ArchiveIterator

archive = pathlib.Path(sys.argv[1]).resolve()
server_port = int(sys.argv[2])
def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Accept-Encoding": "identity"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), body


def payload_at(filename, offset):
    """The HTTP payload of the record at offset, as warcio reads it (de-chunked, not decoded)."""
    with open(archive / "data/warc" / filename, "rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            if record.rec_type == "revisit":
                return None
            return record.content_stream().read()


lines = [line for line in (archive / "index.cdxj").read_text(encoding="utf-8").splitlines() if line]
captures = []
for line in lines:
    key, timestamp, fields = line.split(" ", 2)
    fields = json.loads(fields)
    if fields["url"].startswith(("http://", "https://")):
        captures.append((timestamp, fields))
if not captures:
    sys.exit("check-replay: the index has no web captures to replay")

work = pathlib.Path(tempfile.mkdtemp(prefix="dccorpus-replay-"))
wayback = None
try:
    wayback, port = start_wayback(archive, work)

    by_digest = {}
    for timestamp, fields in captures:
        if fields.get("mime") != "warc/revisit" and "digest" in fields:
            by_digest.setdefault((fields["url"], fields["digest"]), payload_at(fields["filename"], int(fields["offset"])))
    redirects = 0
    for timestamp, fields in captures:
        url = fields["url"]
        status, headers, body = get(port, f"/dccorpus/{timestamp}id_/{url}")
        label = f"{timestamp} {url}"
        if str(status) != fields.get("status"):
            fail(f"{label}: replayed status {status}, the index says {fields.get('status')}")
            continue
        if fields.get("mime") == "warc/revisit" and status == 304:
            expected = b""  # the server said "not modified": replayed as it was sent, no body
        elif fields.get("mime") == "warc/revisit":
            expected = by_digest.get((url, fields.get("digest")))
        else:
            expected = payload_at(fields["filename"], int(fields["offset"]))
        if expected is not None and body != expected:
            fail(f"{label}: replayed {len(body)} bytes differ from the {len(expected)} bytes of the WARC record")
        if status in (301, 302, 303, 307, 308):
            redirects += 1
            if not headers.get("location"):
                fail(f"{label}: a replayed redirect without Location")
        if "/changing" not in url and url.startswith(f"http://127.0.0.1:{server_port}/"):
            live_status, _, live_body = get(server_port, url[len(f"http://127.0.0.1:{server_port}"):])
            if live_status == status and live_body != body:
                fail(f"{label}: replayed bytes differ from what the server sends ({len(body)} vs {len(live_body)})")
    print(f"check-replay: {len(captures)} captures replayed by pywb in id_ mode ({redirects} redirects), "
          f"{len(failures)} failures")
finally:
    if wayback:
        wayback.terminate()
        wayback.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failures else 0)
