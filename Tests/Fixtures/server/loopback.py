#!/usr/bin/env python3
"""A loopback HTTP server for the fetcher's tests: validators and 304s, a page that changes,
redirect chains and loops, a redirect to file://, errors, retries, a huge body, a trickle, and
a GB2312-labelled page with GBK-only characters, a page sent compressed (`/encoded`). Binds 127.0.0.1 on a free port, prints the
port, and stops by itself after --lifetime seconds (or, with --watch-stdin, when stdin closes).

Also a lesson post whose citation links to its Chinese original at an address given in the
query (`/linked-post?original=URL`), and that original (`/original-1`, GB18030); with --tls the
server speaks HTTPS with the self-signed certificate beside this file.

Usage: loopback.py [--lifetime 120] [--tls]"""
import argparse, os, ssl, sys, threading, time
from urllib.parse import parse_qs, urlsplit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent
LESSON5 = (FIXTURES / "pages/lesson-5.classic.html").read_bytes()
LINKED_POST = (FIXTURES / "pages/lesson-1.linked.wordpress.html").read_bytes()
LINKED_HREF = b"https://www.bjcc.gov.cn/dyjy/sp/2025/0411/1001.shtml"
ORIGINAL_1 = ((FIXTURES / "pages/lesson-12-source.oneline.gb2312.html").read_bytes().decode("gb18030")
              .replace("数字中国建设系列之十二:构建开放共赢的数字领域国际合作格局", "数字中国建设系列之一:为什么要加快数字中国建设")
              .replace("时长：9分13秒", "时长：9分01秒").encode("gb18030"))
HERE = Path(__file__).resolve().parent
MEDIA = FIXTURES / "media"


def png(width, height, rgb):
    """A small valid PNG of one colour (each requisite image its own bytes)."""
    import struct, zlib
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


# The fixture site of a whole capture (/site/…): two lesson originals with every kind of
# requisite, a stylesheet chain with a font, lazy images, a progressive MP4, an HLS stream with a
# key, a player that names its WebM only in inline JavaScript, an iframe embed, a page sharing
# the logo and the video of the first, and requisites that must be skipped with a reason.
SITE_IMAGES = {name: png(8 + i, 6 + i, (40 * i % 256, 90, 200 - 10 * i)) for i, name in enumerate(
    ["logo.png", "favicon.png", "og.png", "lazy.png", "small.png", "large.png", "pic.png", "poster.png", "bg.png",
     "embed-img.png", "elsewhere.png", "script-img.png"])}
SITE_TEXT = {
    "style.css": ("text/css", b'@import url("fonts.css");\nbody { background: url(bg.png) no-repeat; }\n/* url(commented-out.png) */\n'),
    "fonts.css": ("text/css", b'@font-face { font-family: "Lesson"; src: url(lesson.woff2) format("woff2"); }\n'),
    "lesson.woff2": ("font/woff2", b"wOF2" + bytes(range(60))),
    "app.js": ("application/javascript", b"document.documentElement.className += ' js';\n"),
    "subs.vtt": ("text/vtt", b"WEBVTT\n\n00:00.000 --> 00:02.000\n\xe6\x95\xb0\xe5\xad\x97\xe4\xb8\xad\xe5\x9b\xbd\n"),
    "embed.html": ("text/html; charset=utf-8",
                   b'<html><head><link rel="stylesheet" href="/site/style.css"></head><body><img src="/site/embed-img.png">'
                   b'<iframe src="/site/deeper.html"></iframe></body></html>'),
    "fake.mp4": ("text/html; charset=utf-8", b"<!doctype html><html><body>Sign in to watch</body></html>"),
    "live.m3u8": ("application/vnd.apple.mpegurl", b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nlive0.ts\n"),
}


def site_page(lesson_zh, seconds, videos, port):
    body = ORIGINAL_1.decode("gb18030").replace("数字中国建设系列之一", lesson_zh).replace("时长：9分01秒", f"时长：0分{seconds:02d}秒")
    # The fixture videos run seconds, not minutes: transcript times within them.
    for at, within in (("00:25", "00:01"), ("01:02", "00:02"), ("02:10", "00:03")):
        body = body.replace(f"<p>{at}</p>", f"<p>{within}</p>")
    head = ('<link rel="stylesheet" href="/site/style.css"><link rel="icon" href="/site/favicon.png">'
            '<meta property="og:image" content="/site/og.png"><script src="/site/app.js"></script>')
    parts = ['<img src="/site/logo.png" alt="logo">']
    if "mp4" in videos:
        parts.append('<video poster="/site/poster.png" controls><source src="/site/media/progressive.mp4" type="video/mp4">'
                     '<track kind="subtitles" src="/site/subs.vtt"></video>')
    if "ranged" in videos:
        parts.append('<video src="/site/media/ranged.mp4" controls></video>')
    if "short" in videos:
        parts.append('<video src="/site/media/short-audio.mp4" controls></video>')
    if "all" in videos:
        parts += [
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/site/lazy.png">',
            '<img srcset="/site/small.png 1x, /site/large.png 2x" alt="">',
            '<picture><source srcset="/site/pic.png" type="image/png"><img src="/site/pic.png"></picture>',
            '<video src="/site/media/hls/master.m3u8" controls></video>',
            "<script>var player = new DPlayer({container: document.getElementById('p'), video: {url: '/site/media/clip.webm', "
            "pic: '/site/script-img.png'}});</script>",
            '<iframe src="/site/embed.html" width="300"></iframe>',
            '<img src="/site/missing.png"><img src="javascript:alert(1)">',
            '<video src="/site/fake.mp4"></video><video src="/site/live.m3u8"></video>',
            f'<img src="http://localhost:{port}/site/elsewhere.png">',
        ]
    page = body.replace("</head>", head + "</head>", 1)
    marker = "<body>" if "<body>" in page else "<body"
    index = page.find(marker)
    if index >= 0:
        close = page.find(">", index)
        page = page[:close + 1] + "".join(parts) + page[close + 1:]
    return page.encode("gb18030")
STATE = {"changing": 0, "flaky": 0, "retry-after": 0, "hits": {}}
LOCK = threading.Lock()
ETAG = '"v1-lesson-5"'
LAST_MODIFIED = "Fri, 11 Apr 2025 09:00:00 GMT"
GB_PAGE = ('<html><head><meta charset="utf-8"><title>数字中国建设系列之十二</title></head><body><div class="content">'
           '<p>发布时间:2025-04-11 来源:北京党员教育网</p><p>朱镕基同志强调开放的重要性,陶喆参与数字文化交流。'
           '这一段落必须完整保留,直到最后一个字。</p><p>第二段也要保留下来,数字中国建设取得重要进展。</p></div></body></html>').encode("gb18030")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=(), content_type="text/html; charset=utf-8"):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):
        path = self.path.split("?")[0]
        with LOCK:
            STATE["hits"][path] = STATE["hits"].get(path, 0) + 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if path == "/tsa":  # an RFC 3161 time-stamping authority (query: signer=good|expired|rogue, down=1)
            query = parse_qs(urlsplit(self.path).query)
            if query.get("down"):
                return self.send(503, b"busy", content_type="text/plain")
            if self.headers.get("Content-Type") != "application/timestamp-query":
                return self.send(415, b"not a time-stamp query", content_type="text/plain")
            reply = timestamp_reply(body, query.get("signer", ["good"])[0])
            return self.send(200, reply, content_type="application/timestamp-reply")
        return self.send(404, b"not found", content_type="text/plain")

    def do_GET(self):
        path = self.path.split("?")[0]
        with LOCK:
            STATE["hits"][path] = STATE["hits"].get(path, 0) + 1
        if path == "/hits":
            import json
            return self.send(200, json.dumps(STATE["hits"]).encode(), content_type="application/json")
        if path == "/lesson-5":
            if self.headers.get("If-None-Match") == ETAG or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            return self.send(200, LESSON5, [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)])
        if path == "/policy.pdf":  # a policy text published as PDF (printed by Chromium from a fixture page)
            return self.send(200, (FIXTURES / "browser/policy.wordpress.pdf").read_bytes(), content_type="application/pdf")
        if path == "/encoded":  # the page compressed in the first coding the client accepts
            accepted = [c.strip().split(";")[0] for c in self.headers.get("Accept-Encoding", "").split(",")]
            page = LESSON5.replace(b"Inside Digital China (5/13)", b"Encoded copy (5/13)")
            import gzip, zlib
            for coding, encode in (("br", None), ("gzip", lambda b: gzip.compress(b, mtime=0)), ("deflate", zlib.compress)):
                if coding in accepted and encode:
                    return self.send(200, encode(page), [("Content-Encoding", coding), ("Vary", "Accept-Encoding")])
            return self.send(200, page)
        if path == "/static":
            return self.send(200, LESSON5.replace(b"Inside Digital China (5/13)", b"Static copy (5/13)"))
        if path == "/changing":
            with LOCK:
                STATE["changing"] += 1
                version = STATE["changing"]
            body = LESSON5.replace(b"Data sharing and data silos", f"Data sharing and data silos, version {version}".encode())
            return self.send(200, body)
        if path.startswith("/redirect/"):
            remaining = int(path.rsplit("/", 1)[1])
            target = "/static" if remaining <= 1 else f"/redirect/{remaining - 1}"
            return self.send(301 if remaining % 2 else 302, f'<a href="{target}">moved</a>'.encode(), [("Location", target)])
        if path.startswith("/slow-redirect/"):  # each hop takes half a second
            time.sleep(0.5)
            remaining = int(path.rsplit("/", 1)[1])
            target = "/static" if remaining <= 1 else f"/slow-redirect/{remaining - 1}"
            return self.send(302, b"", [("Location", target)])
        if path == "/redirect-to":  # a redirect to the address given in the query
            target = parse_qs(urlsplit(self.path).query).get("to", [""])[0]
            return self.send(302, b"", [("Location", target)])
        if path.startswith("/site/"):
            return self.site(path[len("/site/"):])
        if path == "/loop":
            return self.send(302, b"", [("Location", "/loop")])
        if path == "/to-file":
            return self.send(302, b"", [("Location", "file:///etc/passwd")])
        if path.startswith("/status/"):
            return self.send(int(path.rsplit("/", 1)[1]), b"<html><body>error</body></html>")
        if path == "/flaky":
            with LOCK:
                STATE["flaky"] += 1
                count = STATE["flaky"]
            if count == 1:
                return self.send(503, b"busy")
            return self.send(200, LESSON5.replace(b"Inside Digital China (5/13)", b"Flaky copy (5/13)"))
        if path == "/retry-after":
            with LOCK:
                STATE["retry-after"] += 1
                count = STATE["retry-after"]
            if count == 1:
                return self.send(429, b"slow down", [("Retry-After", "1")])
            return self.send(200, LESSON5.replace(b"Inside Digital China (5/13)", b"Patient copy (5/13)"))
        if path == "/huge":
            # 200 MB, chunked, no Content-Length: the limit must stop it as it arrives.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            try:
                for _ in range(200 * 16):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(200 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(3200):
                    self.wfile.write(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/linked-post":
            original = parse_qs(urlsplit(self.path).query).get("original", [""])[0].encode()
            if original == b"SELF":
                original = self.path.encode()  # a link to this very page
            return self.send(200, LINKED_POST.replace(LINKED_HREF, original.replace(b"&", b"&amp;").replace(b'"', b"&quot;")))
        if path == "/original-1":
            return self.send(200, ORIGINAL_1, content_type="text/html; charset=gb2312")
        if path == "/gb2312":
            return self.send(200, GB_PAGE, content_type="text/html; charset=gb2312")
        if path.startswith("/bench/"):
            number = path.rsplit("/", 1)[1]
            body = LESSON5.replace(b"Inside Digital China (5/13)", f"Bench page {number}".encode())
            return self.send(200, body)
        return self.send(404, b"<html><body>not found</body></html>")

    def site(self, name):
        port = self.server.server_address[1]
        if name == "lesson.html":
            return self.send(200, site_page("数字中国建设系列之一", 4, ["mp4", "all"], port), content_type="text/html; charset=gb2312")
        if name == "changing.html":  # a new version on every request, with the first page's requisites
            with LOCK:
                STATE["changing"] += 1
                version = STATE["changing"]
            page = site_page("数字中国建设系列之三", 4, ["mp4", "all"], port).decode("gb18030")
            page = page.replace("</title>", f" 第{version}版</title>", 1)
            return self.send(200, page.encode("gb18030"), content_type="text/html; charset=gb2312")
        if name.startswith("bench/"):  # many pages sharing one set of requisites
            number = name.rsplit("/", 1)[1]
            page = site_page("数字中国建设系列之四", 4, ["mp4", "all"], port).decode("gb18030")
            page = page.replace("数字中国建设系列之四", f"基准页面 {number}")
            return self.send(200, page.encode("gb18030"), content_type="text/html; charset=gb2312")
        if name == "second.html":
            return self.send(200, site_page("数字中国建设系列之二", 5, ["mp4", "short"], port), content_type="text/html; charset=gb2312")
        if name in SITE_IMAGES:
            return self.send(200, SITE_IMAGES[name], content_type="image/png")
        if name in SITE_TEXT:
            kind, body = SITE_TEXT[name]
            return self.send(200, body, content_type=kind)
        if name == "ranged.html":  # a lesson original whose video server sends its file in parts
            return self.send(200, site_page("数字中国建设系列之五", 4, ["ranged"], port), content_type="text/html; charset=gb2312")
        if name == "media/ranged.mp4":  # 206 and 8,000 bytes at a time, asked for a range or not
            data = (MEDIA / "progressive.mp4").read_bytes()
            wanted = self.headers.get("Range", "bytes=0-")
            start = int(wanted.split("=", 1)[1].split("-", 1)[0] or 0)
            end = min(start + 8000, len(data)) - 1
            return self.send(206, data[start:end + 1], [("Content-Range", f"bytes {start}-{end}/{len(data)}"),
                                                         ("Accept-Ranges", "bytes")], content_type="video/mp4")
        if name.startswith("media/"):
            file = (MEDIA / name[len("media/"):]).resolve()
            if MEDIA in file.parents and file.is_file():
                kind = {".mp4": "video/mp4", ".webm": "video/webm", ".m3u8": "application/vnd.apple.mpegurl",
                        ".ts": "video/mp2t"}.get(file.suffix, "application/octet-stream")
                return self.send(200, file.read_bytes(), content_type=kind)
        return self.send(404, b"<html><body>not found</body></html>")


TSA = FIXTURES / "tsa"


def timestamp_reply(query, signer):
    """An RFC 3161 answer from `openssl ts -reply`, signed by the test TSA (good), one whose
    certificate expired (expired) or a self-signed one (rogue)."""
    import subprocess, tempfile
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        (work / "serial").write_text("01\n")
        (work / "tsa.cnf").write_text(f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {work}/serial
crypto_device = builtin
signer_cert = {TSA}/tsa.pem
certs = {TSA}/ca.pem
signer_key = {TSA}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
        (work / "query.tsq").write_bytes(query)
        extra = {"expired": ["-signer", str(TSA / "expired.pem"), "-inkey", str(TSA / "tsa.key")],
                 "rogue": ["-signer", str(TSA / "rogue.pem"), "-inkey", str(TSA / "rogue.key"), "-chain", str(TSA / "rogue.pem")]}
        subprocess.run(["openssl", "ts", "-reply", "-queryfile", str(work / "query.tsq"), "-config", str(work / "tsa.cnf"),
                        "-out", str(work / "reply.tsr")] + extra.get(signer, []), check=True, capture_output=True)
        return (work / "reply.tsr").read_bytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lifetime", type=float, default=120)
    parser.add_argument("--watch-stdin", action="store_true", help="also stop when stdin closes (for test harnesses)")
    parser.add_argument("--tls", action="store_true", help="HTTPS with the self-signed certificate beside this file")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(HERE / "selfsigned.crt", HERE / "selfsigned.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    deadline = time.time() + args.lifetime

    def watch_stdin():
        try:
            sys.stdin.read()
        except Exception:
            pass
        os._exit(0)

    if args.watch_stdin:
        threading.Thread(target=watch_stdin, daemon=True).start()
    while time.time() < deadline:
        time.sleep(0.2)
    os._exit(0)


main()
