"""The live explorer widget at scale, in a real JupyterLab in headless Chromium.

Run by hand (never in the test suite; it takes a few minutes)::

    PYTHONPATH=src python bench/explorer_widget.py [--samples 100000] [--batch 1000]

Starts ``jupyter lab`` on the loopback address (``expose_app_in_browser``, so the page
can run the cells), and prints, for a notebook that displays
``visheat.Explorer({"A": a, "B": b}, layout="NCHW")`` over lazy Dask arrays of
``--samples`` samples of 3 x 224 x 224 (chunks of 100 samples):

- the seconds from the cell's start and end (in the kernel) to the first picture drawn;
- the seconds ``await visheat.reveal(n - 1)`` takes;
- the kernel's resident memory (``VmRSS``) before and after 200 random reveals;

and, for a second notebook over ``--batch`` x 3 methods of 3 x 224 x 224 float32
samples in memory, the seconds from ``visheat.set({scope: "batch"})`` until every
visible picture is drawn on the one scale the kernel computes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import launched  # noqa: E402

SOURCE = str(Path(__file__).resolve().parent.parent / "src")
LAZY = """import time, os; t_cell = time.time()
import numpy as np, dask.array as da, visheat
shape, chunks = ({n}, 3, 224, 224), (100, 3, 224, 224)
a = da.random.RandomState(0).standard_normal(shape, chunks=chunks).astype(np.float32)
b = da.random.RandomState(1).random(shape, chunks=chunks).astype(np.float32)
display(visheat.Explorer({{"A": a, "B": b}}, layout="NCHW"))
print(t_cell, time.time(), os.getpid())"""
BATCH = """import time, os, numpy as np, visheat
rng = np.random.default_rng(0)
methods = {{m: rng.random(({n}, 3, 224, 224), dtype=np.float32) - 0.5 for m in "ABC"}}
t_cell = time.time()
display(visheat.Explorer(methods, layout="NCHW"))
print(t_cell, time.time(), os.getpid())"""
WAIT = """new Promise((done) => {{ const t0 = performance.now(); const wait = () => ({test})
    ? done(performance.now() - t0) : performance.now() - t0 > {ms} ? done(-1)
    : setTimeout(wait, 10); wait(); }})"""


@contextlib.contextmanager
def jupyter(root: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=SOURCE)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ServerApp.token=bench", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1",
         "--allow-root", "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/api/status?token=bench")
                break
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(20)


def notebook(root: Path, name: str, source: str) -> None:
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    (root / name).write_text(json.dumps({"cells": [cell], "metadata": meta, "nbformat": 4,
                                         "nbformat_minor": 5}))


def run(browser, url: str, name: str) -> tuple[float, float, int]:
    """Open and run a notebook; the cell's start and end (epoch seconds), the kernel's pid."""
    browser.open(f"{url}/lab/tree/{name}?token=bench")
    browser.evaluate(WAIT.format(test="window.jupyterapp", ms=60000))
    browser.evaluate("window.jupyterapp.restored")
    kernel = ("(() => { const w = window.jupyterapp.shell.currentWidget; const s = w && "
              "w.sessionContext && w.sessionContext.session; return s && s.kernel && "
              "s.kernel.connectionStatus === 'connected'; })()")
    browser.evaluate(WAIT.format(test=kernel, ms=60000))
    browser.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    browser.evaluate(WAIT.format(test="document.querySelector('.jp-OutputArea-output pre')",
                                 ms=600000))
    start, end, pid = browser.evaluate("document.querySelector('.jp-OutputArea-output pre')"
                                       ".textContent").split()
    return float(start), float(end), int(pid)


def rss(pid: int) -> float:
    """Resident memory of ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def lazy_numbers(browser, url: str, root: Path, n: int) -> None:
    notebook(root, "lazy.ipynb", LAZY.format(n=n))
    start, end, pid = run(browser, url, "lazy.ipynb")
    browser.evaluate(WAIT.format(test="window.visheat && window.visheat.timing.firstPicture",
                                 ms=120000))
    first = browser.evaluate("performance.timeOrigin + window.visheat.timing.firstPicture")
    print(f"first pictures: {first / 1000 - start:.2f} s after the cell started, "
          f"{first / 1000 - end:.2f} s after it ended (its run: {end - start:.2f} s)")
    took = browser.evaluate(f"""(async () => {{ const t0 = performance.now();
        await window.visheat.reveal({n - 1}); return performance.now() - t0; }})()""")
    print(f"reveal({n - 1}): {took / 1000:.2f} s")
    before = rss(pid)
    took = browser.evaluate(f"""(async () => {{ const t0 = performance.now(); let s = 7;
        for (let k = 0; k < 200; k++) {{ s = (s * 1103515245 + 12345) % 2147483648;
          await window.visheat.reveal(s % {n}); }}
        return performance.now() - t0; }})()""")
    print(f"200 random reveals: {took / 1000:.1f} s; kernel memory {before:.0f} MB -> "
          f"{rss(pid):.0f} MB ({rss(pid) - before:+.0f} MB)")
    print(f"console errors: {len(browser.errors())}")


def batch_numbers(browser, url: str, root: Path, n: int) -> None:
    notebook(root, "batch.ipynb", BATCH.format(n=n))
    run(browser, url, "batch.ipynb")
    browser.evaluate(WAIT.format(test="window.visheat && window.visheat.timing.firstPicture",
                                 ms=120000))
    took = browser.evaluate("""(async () => { const t0 = performance.now();
        window.visheat.set({scope: "batch"});
        await new Promise((done) => { const wait = () => window.visheat.pending()
          ? setTimeout(wait, 10) : done(); wait(); });
        return performance.now() - t0; })()""")
    print(f"one scale across {n} x 3 samples of 3 x 224 x 224: {took / 1000:.2f} s")
    print(f"console errors: {len(browser.errors())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, jupyter(Path(folder)) as url, \
            launched(timeout=600) as browser:
        lazy_numbers(browser, url, Path(folder), args.samples)
        batch_numbers(browser, url, Path(folder), args.batch)


if __name__ == "__main__":
    main()
