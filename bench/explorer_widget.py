"""The live explorer widget at scale, in a real JupyterLab in headless Chromium.

Run by hand (never in the test suite; it takes a few minutes)::

    PYTHONPATH=src python bench/explorer_widget.py [--samples 100000] [--batch 1000]

Starts JupyterLab with the tests' harness (``tests/notebook_harness.py``: private folders, the
cells run through ``window.jupyterapp``), and prints, for a notebook that displays
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
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import launched  # noqa: E402
from notebook_harness import jupyter_server  # noqa: E402

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
def run(server, browser, name: str, source: str):
    """Open and run a one-cell notebook; it, its cell's start and end (epoch seconds)."""
    nb = server.open_notebook(browser, name, cells=[source])
    nb.run_all(timeout=600)
    start, end, _ = nb.outputs()[0].strip().splitlines()[-1].split()
    return nb, float(start), float(end)


def lazy_numbers(server, browser, n: int, reveals: int) -> None:
    nb, start, end = run(server, browser, "lazy.ipynb", LAZY.format(n=n))
    nb.wait_for("window.visheat && window.visheat.timing.firstPicture", timeout=120)
    first = nb.evaluate("performance.timeOrigin + window.visheat.timing.firstPicture")
    print(f"first pictures: {first / 1000 - start:.2f} s after the cell started, "
          f"{first / 1000 - end:.2f} s after it ended (its run: {end - start:.2f} s)")
    took = nb.evaluate(f"""const t0 = performance.now();
        await window.visheat.reveal({n - 1}); return performance.now() - t0;""", timeout=60)
    print(f"reveal({n - 1}): {took / 1000:.2f} s")
    before = nb.kernel_rss / 2**20
    took = nb.evaluate(f"""const t0 = performance.now(); let s = 7;
        for (let k = 0; k < {reveals}; k++) {{ s = (s * 1103515245 + 12345) % 2147483648;
          await window.visheat.reveal(s % {n}); }}
        return performance.now() - t0;""", timeout=30 * reveals)
    after = nb.kernel_rss / 2**20
    print(f"{reveals} random reveals: {took / 1000:.1f} s; kernel memory {before:.0f} MiB -> "
          f"{after:.0f} MiB ({after - before:+.0f} MiB)")
    errors = nb.console_errors()
    print(f"console errors: {len(errors)}", *(e[:300] for e in errors), sep="\n  ")
    nb.close()


def batch_numbers(server, browser, n: int) -> None:
    nb, _, _ = run(server, browser, "batch.ipynb", BATCH.format(n=n))
    nb.wait_for("window.visheat && window.visheat.timing.firstPicture", timeout=120)
    took = nb.evaluate("""const t0 = performance.now();
        window.visheat.set({scope: "batch"});
        await new Promise((done) => { const wait = () => window.visheat.pending()
          ? setTimeout(wait, 10) : done(); wait(); });
        return performance.now() - t0;""", timeout=300)
    print(f"one scale across {n} x 3 samples of 3 x 224 x 224: {took / 1000:.2f} s")
    errors = nb.console_errors()
    print(f"console errors: {len(errors)}", *(e[:300] for e in errors), sep="\n  ")
    nb.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--reveals", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            jupyter_server(app="lab", root=Path(folder)) as server, \
            launched(timeout=600) as browser:
        lazy_numbers(server, browser, args.samples, args.reveals)
        batch_numbers(server, browser, args.batch)


if __name__ == "__main__":
    main()
