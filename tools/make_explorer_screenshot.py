"""Write docs/images/explorer.png: the explorer page of the sample data in headless Chromium.

Run by hand after a change to the page, then review the picture::

    PYTHONPATH=src python tools/make_explorer_screenshot.py

The page holds the sample data's Integrated Gradients, a saliency map (their
channels' largest magnitude) and Grad-CAM over the four photographs; the
screenshot shows it after ``set({colormap: 'jet', scope: 'batch'})`` with the
cursor over a picture, so the value read-out is visible.
"""

from __future__ import annotations

import base64
import io
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import Chromium, chromium_path  # noqa: E402 - from tests/, on the path above

from visheat import write_explorer  # noqa: E402
from visheat.sample_data import load_sample  # noqa: E402


def main() -> None:
    sample = load_sample()
    saliency = np.abs(sample.attributions).max(axis=1)
    scores = [round(float(sample.probabilities[i, i]), 3) for i in range(len(sample.labels))]
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "explorer.html"
        write_explorer(page, {"Integrated Gradients": sample.attributions, "Saliency": saliency,
                              "Grad-CAM": sample.cams}, sample.images,
                       layout={"Saliency": "NHW", "Grad-CAM": "NHW"},
                       labels=list(sample.labels), scores=scores,
                       title="visheat explorer: sample data")
        with Chromium(chromium_path() or "chromium") as browser:
            browser.call("Emulation.setDeviceMetricsOverride", width=1100, height=760,
                         deviceScaleFactor=1, mobile=False)
            browser.open(page.as_uri())
            browser.evaluate("window.visheat.set({colormap: 'jet', clip: [0.01, 0.99]})")
            box = browser.evaluate("""(() => { const r = document.querySelectorAll('.row')[1]
                .querySelectorAll('canvas')[2].getBoundingClientRect();
                return [r.left + r.width * 0.55, r.top + r.height * 0.45]; })()""")
            browser.evaluate("""new Promise((done) => { const wait = () =>
                window.visheat.pending() ? setTimeout(wait, 10) : done(true); wait(); })""")
            browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
            shot = browser.call("Page.captureScreenshot", format="png")
            assert not browser.errors(), browser.errors()
    out = ROOT / "docs" / "images" / "explorer.png"
    picture = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    picture.quantize(256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
