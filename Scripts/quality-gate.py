#!/usr/bin/env python3
"""The cleaner's quality gate: cleans the 181 pages of the article-extraction benchmark with the
built binary, scores them with the benchmark's own score.py, and fails if F1 fell more than the
tolerance below the pinned figure in Benchmarks/cleaner-baseline.json. No timing is asserted.

Usage: quality-gate.py [BINARY]   (skips, exit 0, when ../shared/bench is not beside the checkout)"""
import gzip, json, subprocess, sys, tempfile
from pathlib import Path

root = Path(__file__).resolve().parent.parent
bench = root.parent / "shared/bench/article-extraction-benchmark"
binary = sys.argv[1] if len(sys.argv) > 1 else str(root / ".build/debug/dccorpus")
baseline = json.loads((root / "Benchmarks/cleaner-baseline.json").read_text())
if not (bench / "score.py").exists():
    print(f"quality gate: skipped ({bench} not found)")
    sys.exit(0)
with tempfile.TemporaryDirectory() as work:
    pages, out = Path(work, "pages"), Path(work, "out")
    pages.mkdir()
    files = []
    for gz in sorted((bench / "html").glob("*.html.gz")):
        target = pages / gz.name[: -len(".gz")]
        target.write_bytes(gzip.decompress(gz.read_bytes()))
        files.append(str(target))
    subprocess.run([binary, "clean", "--root", str(root), "--out", str(out)] + files, stderr=subprocess.DEVNULL)
    line = subprocess.run([sys.executable, str(bench / "score.py"), str(out)], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
parts = line.split()
figures = dict(zip(parts[0::2], map(float, parts[1::2])))
floor = baseline["f1"] - baseline["tolerance"]
ok = figures["f1"] >= floor
print(f"quality gate: {line} (pinned f1 {baseline['f1']}, floor {floor:.3f}): {'ok' if ok else 'FAILED'}")
print(f"{1 if ok else 0} passed, {0 if ok else 1} failed")
sys.exit(0 if ok else 1)
