#!/usr/bin/env python3
"""Makes what a browser saves from the fixture pages, with headless Chromium: "Webpage, Single
File" (MHTML, through the DevTools protocol's Page.captureSnapshot) and "Print to PDF"
(--print-to-pdf). The pages are served on 127.0.0.1:8765 with a small image and a stylesheet
beside them, so the MHTML has parts to keep. Output: Tests/Fixtures/browser/<page>.mhtml|.pdf.
Run once and commit the output (Chromium's bytes differ from run to run).

    .build-venv/bin/python Scripts/make-browser-saves.py   # needs websocket-client
"""
import base64, http.server, json, os, shutil, subprocess, tempfile, threading, time, urllib.request
import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["lesson-5.classic.html", "lesson-1.wordpress.html", "policy.wordpress.html", "lesson-12-source.gb2312.html"]
OUT = os.path.join(ROOT, "Tests/Fixtures/browser")
PORT = 8765
# A 1x1 PNG and a stylesheet that pulls in a background image: requisites of each page.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
CSS = b"body { font-family: serif; background: url(dot.png) repeat-x; } h1 { color: #333; }"


def complete_page(page, url):
    """What "Webpage, Complete" writes: the page with Chrome's saved-from comment and its links
    rewritten to ./NAME_files/, and that folder. Written to Tests/Fixtures/browser/complete/."""
    name = page.rsplit(".", 1)[0]
    folder = os.path.join(OUT, "complete", name + "_files")
    os.makedirs(folder, exist_ok=True)
    html = open(os.path.join(ROOT, "Tests/Fixtures/pages", page), "rb").read()
    html = html.replace(b"</head>", f'<link rel="stylesheet" href="./{name}_files/site.css"></head>'.encode(), 1)
    html = html.replace(b"</body>", f'<img src="./{name}_files/dot.png" alt="dot"></body>'.encode(), 1)
    comment = f"<!-- saved from url=({len(url):04d}){url} -->\n".encode()
    open(os.path.join(OUT, "complete", name + ".html"), "wb").write(comment + html)
    open(os.path.join(folder, "dot.png"), "wb").write(PNG)
    open(os.path.join(folder, "site.css"), "wb").write(CSS)


def serve(folder):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=folder, **k)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    complete_page("lesson-5.classic.html", "https://digitalchinawinsthefuture.com/lesson-5/")
    folder = tempfile.mkdtemp()
    for page in PAGES:
        html = open(os.path.join(ROOT, "Tests/Fixtures/pages", page), "rb").read()
        # The image and the stylesheet, as a page links them.
        html = html.replace(b"</head>", b'<link rel="stylesheet" href="site.css"></head>', 1)
        html = html.replace(b"</body>", b'<img src="dot.png" alt="dot"></body>', 1)
        open(os.path.join(folder, page), "wb").write(html)
    open(os.path.join(folder, "dot.png"), "wb").write(PNG)
    open(os.path.join(folder, "site.css"), "wb").write(CSS)
    server = serve(folder)
    profile = tempfile.mkdtemp()
    browser = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=9333",
                                f"--user-data-dir={profile}", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen("http://127.0.0.1:9333/json"))
                break
            except OSError:
                time.sleep(0.1)
        page_target = next(t for t in targets if t["type"] == "page")
        socket = websocket.create_connection(page_target["webSocketDebuggerUrl"])
        counter = [0]

        def call(method, **params):
            counter[0] += 1
            socket.send(json.dumps({"id": counter[0], "method": method, "params": params}))
            while True:
                message = json.loads(socket.recv())
                if message.get("id") == counter[0]:
                    return message.get("result", {})

        call("Page.enable")
        for page in PAGES:
            url = f"http://127.0.0.1:{PORT}/{page}"
            call("Page.navigate", url=url)
            time.sleep(1.5)
            snapshot = call("Page.captureSnapshot", format="mhtml")["data"]
            name = page.rsplit(".", 1)[0]
            open(os.path.join(OUT, name + ".mhtml"), "w", newline="").write(snapshot)
            # As a reader prints it (Ctrl-P): date and title above, address and page numbers below.
            pdf = call("Page.printToPDF", printBackground=False, displayHeaderFooter=True)["data"]
            open(os.path.join(OUT, name + ".pdf"), "wb").write(base64.b64decode(pdf))
            print("made", name)
    finally:
        browser.terminate()
        server.shutdown()
        shutil.rmtree(folder)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
