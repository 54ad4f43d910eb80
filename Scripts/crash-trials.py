#!/usr/bin/env python3
"""Crash consistency and full disk, by force.

SIGKILLs `ingest`, `fetch` and `watch` at random moments (TRIALS each). After every kill:
  - no stray or temporary file in the payload (Archive/data/), before any dccorpus command runs;
  - `dccorpus verify` passes (it replays an interrupted commit first) and leaves no staging folder.
After the trials of a mode, the same work is run to completion and:
  - every input is present exactly once: its bytes are the payload of exactly one WARC capture
    (resource/response) or, if it was bad, it sits once in Inbox/.rejected/ beside its reason;
  - nothing is left in Inbox/; every fetched URL has one full capture, the rest are revisits;
  - bagit.py --validate, warcio check and the JSON Schema pass (Scripts/check-archive.py).
The disk mode (root only: it mounts a tmpfs) fills a small filesystem during `ingest` and `run`
and checks for a clear one-line error, a verifiable archive and no lost input; then it grows the
filesystem and finishes the work.

The concurrency mode runs `watch` + `run` + four parallel `ingest`s on one root, TRIALS/5 rounds,
and checks the same, plus that no lock message ever reached the user.

With --signed every root signs its commits (`key init`): after each kill, `verify` must also
find the commit log whole, every entry signed and the last one naming the bag as it is.

Usage: Scripts/crash-trials.py [--trials 30] [--modes ingest,watch,fetch,reprocess,concurrency,disk] [--seed N] [--signed]
       (uses .build/release/dccorpus; run Scripts/check-archive.sh once to make .build-venv)"""
import argparse, hashlib, http.server, json, os, random, shutil, signal, subprocess, sys, tempfile, threading, time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BINARY = REPO / ".build/release/dccorpus"
FIXTURES = REPO / "Tests/Fixtures"
VENV_PYTHON = REPO / ".build-venv/bin/python"
failures = []
stats = Counter()


def fail(message):
    failures.append(message)
    print("FAIL", message, flush=True)


def dc(root, *args, timeout=600):
    return subprocess.run([str(BINARY), *args, "--root", str(root)], capture_output=True, text=True, timeout=timeout)


SIGNED = False  # --signed: every root signs its commits (key outside the archive), and verify checks the log


def make_root(parent=None):
    root = Path(tempfile.mkdtemp(prefix="dccorpus-crash-", dir=parent))
    subprocess.run([str(BINARY), "init", str(root), "--no-sources"], check=True, stdout=subprocess.DEVNULL)
    if SIGNED:
        subprocess.run([str(BINARY), "key", "init", "--root", str(root), "--key-file", str(root / "keys" / "keeper.key")],
                       check=True, stdout=subprocess.DEVNULL)
    return root


def pages(count, tag):
    """Distinct documents (each its own id): the WordPress policy page under new titles."""
    template = (FIXTURES / "pages/policy.wordpress.html").read_text(encoding="utf-8")
    old = "The Overall Layout Planning of Digital China Construction"
    return [(f"{tag}-{n}.html", template.replace(old, f"Crash Trial {tag.title()} Commentary {n} on Digital China").encode())
            for n in range(count)]


def fixture_inputs():
    files = sorted((FIXTURES / "seeds").iterdir()) + sorted((FIXTURES / "pages").iterdir())
    return [(f.name, f.read_bytes()) for f in files]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def stray_payload_files(root):
    data = root / "Archive/data"
    if not data.exists():
        return []
    stray = []
    for folder, _, names in os.walk(data):
        for name in names:
            if name.startswith(".") or ".tmp" in name or name.endswith(".part"):
                stray.append(str(Path(folder, name).relative_to(root)))
    return stray


def check_after_kill(root, label):
    stray = stray_payload_files(root)
    if stray:
        fail(f"{label}: temporary files in the payload after the kill: {stray[:3]}")
    verify = dc(root, "verify")
    stats["verify runs"] += 1
    if verify.returncode != 0:
        fail(f"{label}: verify exit {verify.returncode}: {(verify.stdout + verify.stderr).strip()[-400:]}")
    # What a killed session staged but never committed is cleared by the next writer; an
    # interrupted commit (its journal) must have been replayed by verify.
    if (root / "Archive/.staging/journal.json").exists():
        fail(f"{label}: an interrupted commit's journal is still there after verify")
    if SIGNED and (root / "Archive/bagit.txt").exists():
        stats["signed verifies"] += 1
        if "signed:" not in verify.stdout and (root / "Archive/commit-log.jsonl").exists():
            fail(f"{label}: verify does not report the commit log: {verify.stdout.strip()[-300:]}")


def captures(root):
    """sha256 of each resource/response payload, and the capture types per target URI."""
    sys.path.insert(0, str(next((REPO / ".build-venv/lib").glob("python3*/site-packages"))))
    from warcio.archiveiterator import ArchiveIterator
    payloads, by_uri = Counter(), {}
    for warc in sorted((root / "Archive/data/warc").glob("*.warc*")):
        with open(warc, "rb") as stream:
            for record in ArchiveIterator(stream):
                kind = record.rec_type
                if kind in ("resource", "response"):
                    payloads[sha(record.content_stream().read())] += 1
                if kind in ("response", "revisit"):
                    by_uri.setdefault(record.rec_headers.get_header("WARC-Target-URI"), []).append(kind)
    return payloads, by_uri


def judges(root, label):
    result = subprocess.run([str(VENV_PYTHON), str(REPO / "Scripts/check-archive.py"), str(root / "Archive"),
                             str(REPO / "Config/corpus.schema.json")], capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{label}: independent judges: {result.stdout.strip()[-600:]}")


def expect_exactly_once(root, inputs, label):
    payloads, _ = captures(root)
    missing = [name for name, data in inputs if payloads[sha(data)] != 1]
    for name, data in inputs:
        if payloads[sha(data)] != 1:
            fail(f"{label}: {name} is captured {payloads[sha(data)]} times")
    stats[f"{label} inputs checked"] += len(inputs)
    return not missing


def kill_at_random(process, low, high, rng):
    time.sleep(rng.uniform(low, high))
    process.send_signal(signal.SIGKILL)
    process.wait()


def timed(function):
    start = time.monotonic()
    function()
    return time.monotonic() - start


# --- ingest -------------------------------------------------------------------------------------

def trial_ingest(trials, rng):
    root = make_root()
    source = root / "inputs"
    source.mkdir()
    inputs = fixture_inputs() + pages(20, "ingest")
    for name, data in inputs:
        (source / name).write_bytes(data)
    paths = [str(source / name) for name, _ in inputs]
    scratch = make_root()
    full = timed(lambda: dc(scratch, "ingest", *paths))
    shutil.rmtree(scratch)
    for trial in range(trials):
        rng.shuffle(paths)
        process = subprocess.Popen([str(BINARY), "ingest", *paths, "--root", str(root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_at_random(process, 0.0, full * 1.2, rng)
        stats["ingest kills"] += 1
        check_after_kill(root, f"ingest trial {trial}")
    final = dc(root, "ingest", *paths)
    if final.returncode != 0:
        fail(f"ingest: the re-run failed: {final.stderr.strip()[-400:]}")
    expect_exactly_once(root, inputs, "ingest")
    judges(root, "ingest")
    print(f"ingest: {trials} kills over a {full:.2f}s run of {len(inputs)} inputs", flush=True)
    shutil.rmtree(root)


# --- reprocess ----------------------------------------------------------------------------------

def trial_reprocess(trials, rng):
    """A configuration change makes every record outdated; `reprocess` is killed at random
    moments; after each kill the archive verifies; the re-run brings every record up to date."""
    root = make_root()
    source = root / "inputs"
    source.mkdir()
    inputs = fixture_inputs() + pages(20, "reprocess")
    for name, data in inputs:
        (source / name).write_bytes(data)
    if dc(root, "ingest", *[str(source / name) for name, _ in inputs]).returncode not in (0, 1):
        fail("reprocess: the first ingest failed")
    lexicon = root / "Config/lexicon.toml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace('en = ["why accelerate",', 'en = ["digital china", "why accelerate",', 1),
                       encoding="utf-8")
    full = timed(lambda: dc(root, "reprocess", "--dry-run"))
    for trial in range(trials):
        process = subprocess.Popen([str(BINARY), "reprocess", "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_at_random(process, 0.0, full * 1.5, rng)
        stats["reprocess kills"] += 1
        check_after_kill(root, f"reprocess trial {trial}")
    final = dc(root, "reprocess")
    if final.returncode != 0:
        fail(f"reprocess: the re-run failed: {(final.stdout + final.stderr).strip()[-400:]}")
    again = dc(root, "reprocess", "--json")
    if any(json.loads(line)["status"] != "unchanged" for line in again.stdout.splitlines()):
        fail("reprocess: a second re-run still changed records")
    rebuild = dc(root, "verify", "--rebuild", "--strict")
    if rebuild.returncode != 0:
        fail(f"reprocess: verify --rebuild --strict after the re-run: {rebuild.stdout.strip()[-400:]}")
    judges(root, "reprocess")
    print(f"reprocess: {trials} kills over a {full:.2f}s dry run of {len(inputs)} inputs", flush=True)
    shutil.rmtree(root)


# --- watch --------------------------------------------------------------------------------------

def drop(inbox, name, data):
    temporary = inbox / f".{name}.part"
    temporary.write_bytes(data)
    os.rename(temporary, inbox / name)


def trial_watch(trials, rng):
    root = make_root()
    inbox = root / "Inbox"
    good, bad = [], []
    pool = pages(trials * 3, "watch")
    for trial in range(trials):
        process = subprocess.Popen([str(BINARY), "watch", "--json", "--root", str(root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + rng.uniform(0.05, 1.5)
        batch = pool[trial * 3:(trial + 1) * 3]
        if trial % 4 == 0:
            batch.append((f"broken-{trial}.html", bytes(rng.randrange(256) for _ in range(2000)) + b"\x00"))
        for name, data in batch:
            time.sleep(rng.uniform(0, 0.2))
            if time.monotonic() > deadline:
                break
            drop(inbox, name, data)
            (bad if name.startswith("broken") else good).append((name, data))
        time.sleep(max(0, deadline - time.monotonic()))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stats["watch kills"] += 1
        check_after_kill(root, f"watch trial {trial}")
    final = dc(root, "watch", "--once")
    if final.returncode not in (0, 1):  # 1: validation found problems (the broken files are quarantined, not records)
        fail(f"watch: the re-run failed ({final.returncode}): {final.stderr.strip()[-400:]}")
    left = [p.name for p in inbox.iterdir() if p.name != ".rejected"]
    if left:
        fail(f"watch: files left in Inbox/: {left[:5]}")
    expect_exactly_once(root, good, "watch")
    rejected = inbox / ".rejected"
    quarantined = Counter(sha(p.read_bytes()) for p in rejected.iterdir() if not p.name.endswith(".error.json")) if rejected.exists() else Counter()
    for name, data in bad:
        if quarantined[sha(data)] != 1:
            fail(f"watch: {name} is quarantined {quarantined[sha(data)]} times")
        elif not any(p.name.startswith(name) and p.name.endswith(".error.json") for p in rejected.iterdir()):
            fail(f"watch: {name} has no reason beside it")
    stats["watch bad inputs checked"] += len(bad)
    judges(root, "watch")
    print(f"watch: {trials} kills, {len(good)} good and {len(bad)} bad inputs dropped", flush=True)
    shutil.rmtree(root)


# --- fetch --------------------------------------------------------------------------------------

class Pages(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages = {}
    modified = "Fri, 11 Apr 2025 09:00:00 GMT"

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher was killed mid-response: that is the point

    def do_GET(self):
        body = self.pages.get(self.path)
        time.sleep(0.02)
        if body is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        if self.headers.get("If-Modified-Since") == self.modified:
            self.send_response(304); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Last-Modified", self.modified)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def trial_fetch(trials, rng):
    Pages.pages = {f"/{name}": data for name, data in pages(30, "fetch")}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://127.0.0.1:{server.server_port}{path}" for path in sorted(Pages.pages)]
    args = [a for url in urls for a in ("--url", url)]

    def configure(root):
        pipeline = root / "Config/pipeline.toml"
        text = pipeline.read_text()
        for key, value in (("per_host_delay_seconds", "0"), ("per_host_concurrency", "4"), ("max_concurrency", "4")):
            text = "\n".join(f"{key} = {value}" if line.startswith(f"{key} =") else line for line in text.splitlines()) + "\n"
        pipeline.write_text(text)

    root = make_root()
    configure(root)
    scratch = make_root()
    configure(scratch)
    full = timed(lambda: dc(scratch, "fetch", *args))
    shutil.rmtree(scratch)
    for trial in range(trials):
        process = subprocess.Popen([str(BINARY), "fetch", *args, "--root", str(root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kill_at_random(process, 0.0, full * 1.2, rng)
        stats["fetch kills"] += 1
        check_after_kill(root, f"fetch trial {trial}")
    final = dc(root, "fetch", "--json", *args)
    if final.returncode != 0:
        fail(f"fetch: the re-run failed: {final.stdout.strip()[-400:]} {final.stderr.strip()[-400:]}")
    payloads, by_uri = captures(root)
    for url in urls:
        kinds = Counter(by_uri.get(url, []))
        if kinds["response"] != 1:
            fail(f"fetch: {url} has {kinds['response']} full captures ({dict(kinds)})")
    for path, data in Pages.pages.items():
        if payloads[sha(data)] != 1:
            fail(f"fetch: the payload of {path} is captured {payloads[sha(data)]} times")
    records = json.loads(dc(root, "list", "--json").stdout)
    if len(records) != len(urls):
        fail(f"fetch: {len(records)} records for {len(urls)} pages")
    stats["fetch URLs checked"] += len(urls)
    judges(root, "fetch")
    print(f"fetch: {trials} kills over a {full:.2f}s run of {len(urls)} URLs", flush=True)
    server.shutdown()
    shutil.rmtree(root)


# --- concurrency -------------------------------------------------------------------------------

def trial_concurrency(rounds, rng):
    """`watch` + `run` + four parallel `ingest`s on one root, ROUNDS times over."""
    root = make_root()
    inbox = root / "Inbox"
    outside = root / "inputs"
    outside.mkdir()
    everything = []
    watcher = subprocess.Popen([str(BINARY), "watch", "--json", "--root", str(root)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    shown = []
    for round in range(rounds):
        dropped = pages(8, f"round{round}drop")
        batches = [pages(6, f"round{round}ingest{n}") for n in range(4)]
        for batch in batches:
            for name, data in batch:
                (outside / name).write_bytes(data)
        ingests = [subprocess.Popen([str(BINARY), "ingest", *[str(outside / name) for name, _ in batch], "--root", str(root)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for batch in batches]
        run_inputs = pages(4, f"round{round}run")
        for name, data in run_inputs:
            drop(inbox, name, data)
        runner = subprocess.Popen([str(BINARY), "run", "--offline", "--root", str(root)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, data in dropped:
            time.sleep(rng.uniform(0, 0.05))
            drop(inbox, name, data)
        for process in ingests + [runner]:
            out, err = process.communicate(timeout=600)
            if process.returncode not in (0, 1) or (process is not runner and process.returncode != 0):
                fail(f"concurrency round {round}: {process.args[1]} exited {process.returncode}: {err.strip()[-300:]}")
            shown += [line for line in (out + err).splitlines() if "lock" in line.lower() or "busy" in line.lower()]
        everything += dropped + run_inputs + [item for batch in batches for item in batch]
    deadline = time.monotonic() + 60
    while any(p.name != ".rejected" for p in inbox.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    watcher.send_signal(signal.SIGTERM)
    out, err = watcher.communicate(timeout=120)
    if watcher.returncode != 0:
        fail(f"concurrency: the watcher exited {watcher.returncode}: {err.strip()[-300:]}")
    shown += [line for line in (out + err).splitlines() if "lock" in line.lower() or "busy" in line.lower()]
    if shown:
        fail(f"concurrency: lock messages shown to the user: {shown[:3]}")
    left = [p.name for p in inbox.iterdir() if p.name != ".rejected"]
    if left:
        fail(f"concurrency: files left in Inbox/: {left[:5]}")
    if (inbox / ".rejected").exists() and any((inbox / ".rejected").iterdir()):
        reasons = [p.read_text()[:300] for p in (inbox / ".rejected").iterdir() if p.name.endswith(".error.json")]
        fail(f"concurrency: inputs quarantined: {[p.name for p in (inbox / '.rejected').iterdir()][:4]} {reasons[:2]}")
    expect_exactly_once(root, everything, "concurrency")
    check_after_kill(root, "concurrency")
    judges(root, "concurrency")
    stats["concurrency rounds"] += rounds
    print(f"concurrency: {rounds} rounds of watch + run + 4 ingests, {len(everything)} inputs", flush=True)
    shutil.rmtree(root)


# --- full disk ----------------------------------------------------------------------------------

def trial_disk(rng):
    if os.geteuid() != 0:
        print("disk: skipped (mounting a tmpfs needs root)")
        return
    mount = Path(tempfile.mkdtemp(prefix="dccorpus-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(mount)], check=True)
    try:
        root = make_root(mount)
        outside = Path(tempfile.mkdtemp(prefix="dccorpus-disk-inputs-"))
        inputs = pages(60, "disk")
        for name, data in inputs:
            (outside / name).write_bytes(data)
        paths = [str(outside / name) for name, _ in inputs]
        # 1. ingest until the filesystem is full, in batches of 10 (each batch is one commit).
        errors = []
        for start in range(0, len(paths), 10):
            result = dc(root, "ingest", *paths[start:start + 10])
            if result.returncode != 0:
                errors.append(result.stderr.strip())
        stats["disk full ingest errors"] += len(errors)
        if not errors:
            fail("disk: the filesystem never filled up")
        for error in errors:
            lines = error.splitlines()
            if not lines or "space" not in error.lower():
                fail(f"disk: unclear error: {error[:300]}")
            if len([line for line in lines if "No space left" in line]) > len(paths):
                fail(f"disk: too many error lines: {len(lines)}")
        print("disk: ingest said:", errors[0].splitlines()[-1][:200] if errors else "-", flush=True)
        if stray_payload_files(root):
            fail(f"disk: temporary files in the payload: {stray_payload_files(root)[:3]}")
        verify = dc(root, "verify")
        if verify.returncode != 0:
            fail(f"disk: verify on a full disk: {verify.stdout.strip()[-300:]} {verify.stderr.strip()[-300:]}")
        # 2. The Inbox on a full disk: nothing taken may be lost.
        subprocess.run(["mount", "-o", "remount,size=1600k", str(mount)], check=True)
        inbox_inputs = pages(5, "diskinbox")
        filler = mount / "filler"
        for name, data in inbox_inputs:
            (root / "Inbox" / name).write_bytes(data)
        try:
            with open(filler, "wb") as stream:
                while True:
                    stream.write(b"\0" * 4096); stream.flush()
        except OSError:
            pass  # full
        run = dc(root, "run", "--offline")
        print(f"disk: run on a full disk exited {run.returncode}:", (run.stderr.strip().splitlines() or ["-"])[-1][:200], flush=True)
        present = {p.name for p in (root / "Inbox").iterdir()}
        rejected = root / "Inbox/.rejected"
        if rejected.exists() and any(not p.name.endswith(".error.json") for p in rejected.iterdir()):
            fail(f"disk: inputs quarantined because the disk was full: {sorted(p.name for p in rejected.iterdir())[:4]}")
        payloads, _ = captures(root)
        for name, data in inbox_inputs:
            if name not in present and payloads[sha(data)] != 1:
                fail(f"disk: {name} left Inbox/ but is not archived")
        # 3. Room again: everything completes, exactly once.
        filler.unlink(missing_ok=True)
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)
        if (rejected).exists():
            for p in rejected.iterdir():  # a reason written before the move failed is harmless; clear them
                p.unlink()
        rerun = dc(root, "run", "--offline")
        again = dc(root, "ingest", *paths)
        if again.returncode != 0 or rerun.returncode not in (0, 1):
            fail(f"disk: after freeing space: ingest {again.returncode} run {rerun.returncode}: {again.stderr[-300:]} {rerun.stderr[-300:]}")
        expect_exactly_once(root, inputs + inbox_inputs, "disk")
        check_after_kill(root, "disk final")
        judges(root, "disk")
        shutil.rmtree(outside)
    finally:
        subprocess.run(["umount", str(mount)])
        mount.rmdir()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--modes", default="ingest,watch,fetch,reprocess,concurrency,disk")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--signed", action="store_true", help="every root signs its commits; verify checks the commit log")
    options = parser.parse_args()
    global SIGNED
    SIGNED = options.signed
    if not VENV_PYTHON.exists():
        sys.exit("run Scripts/check-archive.sh once first (it makes .build-venv with warcio, bagit, jsonschema)")
    subprocess.run(["swift", "build", "-c", "release"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    print(f"seed {options.seed}", flush=True)
    rng = random.Random(options.seed)
    started = time.monotonic()
    for mode in options.modes.split(","):
        if mode == "disk":
            trial_disk(rng)
        elif mode == "concurrency":
            trial_concurrency(max(1, options.trials // 5), rng)
        else:
            globals()[f"trial_{mode}"](options.trials, rng)
    print(json.dumps(dict(stats), sort_keys=True))
    print(f"{len(failures)} failures in {time.monotonic() - started:.0f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
