#!/usr/bin/env python3
"""Judges a whole capture as a reader sees it: headless Chromium loads the fixture site's pages
live from the loopback server, then (the server stopped) as pywb replays them from the archive
through its own index.cdxj, and compares.

Usage: check-replay-browser.py ARCHIVE SERVER_PORT SERVER_PID PAGE_PATH...

For each page: every image that loaded live (naturalWidth > 0) loads in the replay; the styles
apply (the body's computed background image and font family agree); every video element
reports the same duration; and the two screenshots are nearly identical (mean absolute pixel
difference under 2%, Pillow). Also reported: requisites archived against what Chromium's
network log says the live page loaded (the anchor). Exit 1 on any difference."""
import base64, io, json, os, pathlib, shutil, signal, subprocess, sys, tempfile, time, urllib.request

import websocket
from PIL import Image, ImageChops, ImageStat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from replaylib import failures, fail, free_port, start_wayback  # noqa: E402

archive = pathlib.Path(sys.argv[1]).resolve()
server_port = int(sys.argv[2])
server_pid = int(sys.argv[3])
pages = sys.argv[4:]
class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="dccorpus-chromium-")
        port = free_port()
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio",
             "--autoplay-policy=no-user-gesture-required", f"--remote-debugging-port={port}",
             f"--user-data-dir={self.profile}", "--window-size=1000,1400", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(150):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
                target = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.1)
        else:
            sys.exit("check-replay-browser: chromium did not start")
        self.socket = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        self.counter = 0
        self.events = []
        self.call("Page.enable")
        self.call("Network.enable")

    def call(self, method, **params):
        self.counter += 1
        self.socket.send(json.dumps({"id": self.counter, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.counter:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    def load(self, url):
        """Loads url, waits for the load event and the network to settle, and returns what the page shows."""
        self.events = []
        self.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while time.time() < deadline and not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.socket.settimeout(max(0.1, deadline - time.time()))
            try:
                self.events.append(json.loads(self.socket.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self.socket.settimeout(60)
        time.sleep(1.5)  # lazy and script-made requests, video metadata
        state = self.evaluate("""(async () => {
            const videos = [...document.querySelectorAll('video')];
            await Promise.all(videos.map(v => v.readyState >= 1 ? null :
                new Promise(r => { v.preload = 'metadata'; v.addEventListener('loadedmetadata', r); v.addEventListener('error', r);
                                   setTimeout(r, 5000); v.load(); })));
            const body = getComputedStyle(document.body);
            return {
                images: [...document.images].map(i => ({src: (i.currentSrc || i.src || '').replace(/^http.*?\/(?=https?:)/, '').replace(/^https?:\/\/127\.0\.0\.1:\d+/, ''), width: i.naturalWidth})),
                background: body.backgroundImage.replace(/.*\\/site\\//, '/site/'),
                font: body.fontFamily,
                videos: videos.map(v => ({src: v.currentSrc.replace(/.*\\/site\\//, '/site/'), duration: isFinite(v.duration) ? Math.round(v.duration * 100) / 100 : null})),
            };
        })()""")
        shot = self.call("Page.captureScreenshot", format="png")
        state["screenshot"] = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
        loaded = set()
        for event in self.events:
            if event.get("method") == "Network.responseReceived":
                response = event["params"]["response"]
                if response.get("status") in (200, 206) and response["url"].startswith("http"):
                    loaded.add(response["url"].split("#")[0])
        state["loaded"] = loaded
        return state

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


def skipped():
    """The requisites the fetcher skipped on purpose (requisite-skipped in the pages' metadata)."""
    from warcio.archiveiterator import ArchiveIterator
    found = {}
    for warc in sorted((archive / "data/warc").iterdir()):
        with open(warc, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "metadata":
                    continue
                for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                    if line.startswith("requisite-skipped: "):
                        _, url, reason = line[len("requisite-skipped: "):].split(" ", 2)
                        found[url] = reason
    return found


def captures():
    """url -> latest timestamp, and the set of archived requisite URLs, from the bag's index."""
    latest = {}
    for line in (archive / "index.cdxj").read_text(encoding="utf-8").splitlines():
        _, timestamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        latest[fields["url"]] = max(timestamp, latest.get(fields["url"], ""))
    return latest


browser = Browser()
work = pathlib.Path(tempfile.mkdtemp(prefix="dccorpus-replay-browser-"))
wayback = None
try:
    base = f"http://127.0.0.1:{server_port}"
    live = {page: browser.load(base + page) for page in pages}
    os.kill(server_pid, signal.SIGTERM)  # from here on, only the archive can answer
    time.sleep(0.3)

    # Replay in the page itself, not inside pywb's banner frame: the screenshot is the page's.
    wayback, port = start_wayback(archive, work, framed=False)
    index = captures()
    skipped_on_purpose = skipped()
    archived_total = loaded_total = both_total = 0
    for page in pages:
        url = base + page
        replay = browser.load(f"http://127.0.0.1:{port}/dccorpus/{index[url]}/{url}")
        before = live[page]
        live_images = {i["src"]: i["width"] for i in before["images"]}
        replay_images = {i["src"]: i["width"] for i in replay["images"]}
        for src, width in live_images.items():
            if width > 0 and replay_images.get(src, 0) == 0 and "localhost" not in src:
                fail(f"{page}: image {src} loaded live (naturalWidth {width}) but not in the replay")
        if before["background"] != replay["background"] or before["font"] != replay["font"]:
            fail(f"{page}: styles differ: live {before['background']} / {before['font']}, "
                 f"replay {replay['background']} / {replay['font']}")
        live_videos = [(v["src"], v["duration"]) for v in before["videos"]]
        replay_videos = [(v["src"], v["duration"]) for v in replay["videos"]]
        if live_videos != replay_videos:
            fail(f"{page}: videos differ: live {live_videos}, replay {replay_videos}")
        a, b = before["screenshot"], replay["screenshot"]
        if a.size != b.size:
            fail(f"{page}: screenshots differ in size {a.size} vs {b.size}")
            difference = 1.0
        else:
            difference = sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / (3 * 255)
            if difference > 0.02:
                fail(f"{page}: screenshots differ by {difference:.2%} (mean absolute pixel difference)")
        # The anchor: what the browser loaded live (same host only: requisites from other hosts
        # are not the page's site and are skipped by policy), against what the archive holds.
        own = {u for u in before["loaded"] if u.startswith(base) and u != url}
        archived = {u for u in own if u in index}
        archived_total += len(archived)
        loaded_total += len(own)
        on_purpose = {u for u in own - archived if u in skipped_on_purpose}
        missing = sorted(own - archived - on_purpose)
        print(f"check-replay-browser: {page}: {len(archived)}/{len(own)} requisites the browser loaded live are archived"
              + (f" (missing: {', '.join(m[len(base):] for m in missing)})" if missing else "")
              + (f", {len(on_purpose)} skipped on purpose ({'; '.join(u[len(base):] + ': ' + skipped_on_purpose[u] for u in sorted(on_purpose))})"
                 if on_purpose else "")
              + f"; {sum(1 for w in replay_images.values() if w > 0)}/{sum(1 for w in live_images.values() if w > 0)} images shown"
              + f"; videos {replay_videos}; screenshots differ by {difference:.2%}")
        if missing:
            fail(f"{page}: not archived: {missing}")
    print(f"check-replay-browser: {archived_total}/{loaded_total} requisites archived; {len(failures)} failures")
finally:
    browser.close()
    if wayback:
        wayback.terminate()
        wayback.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failures else 0)
