"""The explorer page at scale: page size, writing time, time to first picture.

Run by hand (never in the test suite)::

    PYTHONPATH=src python bench/explorer.py --samples 1000

Writes an explorer of N samples x 3 methods of 224 x 224 maps (one channel each,
as saliency maps and resized CAMs are; ``--channels 3`` ships raw RGB attributions
instead) over 224 x 224 images, opens it from ``file://`` in headless Chromium
(tests/browser.py) and prints:

- the page size and the time Python takes to write it;
- the time from navigation to the load event, and to the first picture drawn
  (``window.visheat.timing.firstPicture``, ms after navigation start);
- the time to redraw the visible pictures after ``set({colormap: 'jet'})``,
  to jump to the last row, and to switch to one scale per method across the
  batch (which reads every sample once).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import Chromium, chromium_path

from visheat import Explorer

IDLE = """new Promise((done) => { const t0 = performance.now(); const wait = () =>
    window.visheat.pending() ? setTimeout(wait, 5) : done(performance.now() - t0); wait(); })"""


def timed(browser: Chromium, action: str) -> float:
    """Milliseconds from running ``action`` in the page until no picture is pending."""
    return browser.evaluate(f"""(() => {{ const t0 = performance.now(); {action};
        return new Promise((done) => {{ const wait = () => window.visheat.pending()
            ? setTimeout(wait, 5) : done(performance.now() - t0);
            requestAnimationFrame(() => requestAnimationFrame(wait)); }}); }})()""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--channels", type=int, default=1)
    args = parser.parse_args()
    n, s, c = args.samples, args.size, args.channels
    rng = np.random.default_rng(0)
    methods = {name: rng.standard_normal((n, c, s, s), dtype=np.float32)
               for name in ("Integrated Gradients", "Saliency", "Grad-CAM")}
    images = rng.integers(0, 256, (n, s, s, 3), dtype=np.uint8)
    labels = [f"class {i % 17}" for i in range(n)]
    scores = rng.random(n).tolist()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "explorer.html"
        start = time.perf_counter()
        Explorer(methods, images, labels=labels, scores=scores).save(path)
        written = time.perf_counter() - start
        size = path.stat().st_size
        del methods, images
        with Chromium(chromium_path() or "chromium", timeout=600) as browser:
            start = time.perf_counter()
            browser.open(path.as_uri())
            loaded = time.perf_counter() - start
            browser.evaluate(IDLE)
            first = browser.evaluate("window.visheat.timing.firstPicture")
            recolour = timed(browser, "window.visheat.set({colormap: 'jet'})")
            jump = timed(browser, "window.scrollTo(0, document.body.scrollHeight)")
            scope = timed(browser, "window.visheat.set({scope: 'batch'})")
            errors = browser.errors()
    print(f"| samples x methods | {n} x 3 of {s} x {s}, {c} channel(s), with images |")
    print("|---|---|")
    print(f"| page size | {size / 2**20:.0f} MiB ({size / (n * 3 * c * s * s + n * s * s):.2f} "
          "bytes per value or image pixel) |")
    print(f"| write (Python) | {written:.1f} s |")
    print(f"| navigation to load event | {loaded:.1f} s |")
    print(f"| navigation to first picture | {first / 1000:.1f} s |")
    print(f"| redraw visible after set(colormap) | {recolour:.0f} ms |")
    print(f"| jump to the last row, drawn | {jump:.0f} ms |")
    print(f"| set(scope='batch'): reads all {n} samples x 3 | {scope / 1000:.1f} s |")
    print(f"| console errors | {len(errors)} |")


if __name__ == "__main__":
    main()
