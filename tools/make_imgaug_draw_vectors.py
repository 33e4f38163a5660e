"""Write imgaug's ``draw_on_image`` pictures to ``tests/data/imgaug_draw_vectors.npz``.

``tests/transforms/test_peers.py`` compares ``compat.draw_on_image`` with what imgaug's own
``HeatmapsOnImage.draw_on_image`` returns, for maps smaller than the image
(imgaug enlarges them with OpenCV's nearest neighbour) and with
``resize="image"`` (OpenCV's cubic shrinks the image).

Run it in a scratch environment (imgaug 0.4 needs numpy < 2)::

    python -m venv /tmp/imgaugenv
    /tmp/imgaugenv/bin/pip install "numpy<2" imgaug opencv-python-headless
    /tmp/imgaugenv/bin/python tools/make_imgaug_draw_vectors.py
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import numpy as np
from imgaug.augmentables.heatmaps import HeatmapsOnImage

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "imgaug_draw_vectors.npz"
RNG = np.random.default_rng(20261203)


def main() -> None:
    maps = RNG.random((2, 9, 13)).astype(np.float32)
    maps[1] = np.linspace(0, 1, 9 * 13, dtype=np.float32).reshape(9, 13)  # every level region
    image = RNG.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    out = {"maps": maps, "image": image}
    for cmap in ("jet", "gray", "viridis"):
        for alpha in (0.75, 0.4):
            for resize in ("heatmaps", "image"):
                pictures = [HeatmapsOnImage(m, shape=image.shape).draw_on_image(
                    image, alpha=alpha, cmap=cmap, resize=resize)[0] for m in maps]
                out[f"draw_{cmap}_{alpha}_{resize}"] = np.stack(pictures)
    for dist in ("imgaug", "opencv-python-headless", "matplotlib", "numpy"):
        out[f"meta_{dist}"] = np.array(importlib.metadata.version(dist))
    np.savez_compressed(OUT, **out)
    print(f"wrote {len(out)} arrays to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
