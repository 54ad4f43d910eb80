"""What the cleaner benchmarks and the quality gate share: a benchmark's pages unpacked into a
folder, `dccorpus clean` over them, trafilatura-fast over them, and the benchmark's own scorer."""
import gzip, os, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The shared benchmarks beside the checkout ($DCCORPUS_BENCH elsewhere).
SHARED = Path(os.environ.get("DCCORPUS_BENCH", ROOT.parent / "shared/bench"))


def new_root(binary, parent=None, samples=False, prefix="dccorpus-root-") -> Path:
    """A fresh project root made by `dccorpus init --no-sources` (fetches nothing), in a new
    temporary folder (under `parent` if given). The caller removes it."""
    import tempfile
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    subprocess.run([str(binary), "init", str(root), "--no-sources"] + (["--samples"] if samples else []),
                   check=True, stdout=subprocess.DEVNULL)
    return root


def unpack(bench: Path, folder: Path) -> tuple[list[str], list[str]]:
    """Writes every html/<id>.html.gz of `bench` as folder/<id>.html; returns (ids, paths)."""
    folder.mkdir(parents=True, exist_ok=True)
    ids, files = [], []
    for gz in sorted((bench / "html").glob("*.html.gz")):
        pid = gz.name[: -len(".html.gz")]
        target = folder / f"{pid}.html"
        target.write_bytes(gzip.decompress(gz.read_bytes()))
        ids.append(pid)
        files.append(str(target))
    return ids, files


def clean(binary: str, files: list[str], out: Path, jobs: int = 1, stderr=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([binary, "clean", "--root", str(ROOT), "--jobs", str(jobs), "--out", str(out)] + files,
                          check=False, stderr=stderr, text=True)


def score(bench: Path, predictions: Path, *extra: str) -> str:
    """The scorer's whole output (its last line is the summary)."""
    done = subprocess.run([sys.executable, str(bench / "score.py"), str(predictions), *extra],
                          capture_output=True, text=True, check=True)
    return done.stdout.rstrip()


def round_folder(out: Path, index: int) -> Path:
    """Where round `index` writes its files: a new folder each round, for both sides.

    Nothing is deleted between rounds. On this machine's file system (ext4 without a journal)
    every new file's inode search skips the inodes freed in the last minutes, one block read
    each, so deleting a round's 181 files before the next made each round slower than the last
    and the measure depend on how much the benchmark had just deleted; trafilatura's loop, which
    overwrote its files, never paid it. Now each side makes as many new files per round."""
    folder = out / f"round-{index}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def trafilatura_rate(ids: list[str], pages: Path, out: Path, rounds: int) -> float:
    """trafilatura 2.x in fast mode, in-process, one thread: pages/s (median of `rounds`).
    Each round writes into a new folder under `out`; the last round's is `out/round-{rounds-1}`."""
    import trafilatura
    htmls = [(pid, (pages / f"{pid}.html").read_bytes()) for pid in ids]
    times = []
    for index in range(rounds):
        folder = round_folder(out, index)
        start = time.perf_counter()
        for pid, html in htmls:
            try:
                text = trafilatura.extract(html, fast=True) or ""
            except Exception:  # noqa: BLE001 - the anchor's own failures count as empty
                text = ""
            (folder / f"{pid}.txt").write_text(text, encoding="utf-8")
        times.append(time.perf_counter() - start)
    return len(ids) / statistics.median(times)


def report_errors_and_keep(errors: str, ours: Path, keep=None, indent: str = "") -> None:
    """Prints the cleaner's stderr (its first 40 lines) and copies our predictions to `keep`."""
    import shutil
    if errors.strip():
        print(f"{indent}errors:\n{indent}    " + f"\n{indent}    ".join(errors.strip().splitlines()[:40]))
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(ours, keep)
