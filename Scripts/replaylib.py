"""What the replay checks share: their failures, a free loopback port, and pywb's `wayback` over
an archive's own WARC files and CDXJ index (nothing indexed by pywb itself)."""
import os, pathlib, shutil, socket, subprocess, sys, time, urllib.error, urllib.request

failures = []


def fail(message):
    failures.append(message)
    print("FAIL", message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_wayback(archive: pathlib.Path, work: pathlib.Path, framed: bool = True):
    """A `wayback` on loopback whose collection `dccorpus` links the bag's WARC files and holds
    only its index.cdxj; returns (process, port). `framed=False`: replay in the page itself,
    without pywb's banner frame."""
    collection = work / "collections" / "dccorpus"
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for warc in (archive / "data/warc").iterdir():
        if warc.name.endswith((".warc.gz", ".warc")):
            os.symlink(warc, collection / "archive" / warc.name)
    shutil.copy(archive / "index.cdxj", collection / "indexes" / "index.cdxj")
    if not framed:
        (work / "config.yaml").write_text("framed_replay: false\n")
    port = free_port()
    log = open(work / "wayback.log", "w")
    wayback = subprocess.Popen([str(pathlib.Path(sys.executable).parent / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
                               cwd=work, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/dccorpus/", timeout=5)
            return wayback, port
        except urllib.error.HTTPError:
            return wayback, port  # answering, with an error page: it is up
        except OSError:
            time.sleep(0.2)
    sys.exit("wayback did not start:\n" + (work / "wayback.log").read_text())
