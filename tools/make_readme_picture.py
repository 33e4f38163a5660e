"""Make docs/images/readme.png: each sample photo beside its three preset heatmaps.

Run from a source checkout: ``python tools/make_readme_picture.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from visheat import heatmap
from visheat.sample_data import load_sample

TILE = 150
GAP = 4
OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "readme.png"


def main() -> None:
    sample = load_sample()
    columns = [
        sample.images,
        heatmap(sample.attributions, "sensitivity").to_numpy(),
        heatmap(sample.attributions, "attribution").to_numpy(),
        heatmap(sample.cams, sample.images, "cam", layout="NHW").to_numpy(),
    ]
    n = len(sample.images)
    sheet = Image.new("RGB", (4 * TILE + 3 * GAP, n * TILE + (n - 1) * GAP), "white")
    for row in range(n):
        for col, pictures in enumerate(columns):
            tile = Image.fromarray(np.asarray(pictures[row])).resize((TILE, TILE), Image.LANCZOS)
            sheet.paste(tile, (col * (TILE + GAP), row * (TILE + GAP)))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
