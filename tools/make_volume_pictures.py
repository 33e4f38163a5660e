"""Pictures of a synthetic phantom for docs/volumes.md (no patient data).

Writes into ``docs/images/``:

- ``volume-slices.png``: a montage of the phantom's axial slices under a CAM;
- ``volume-ortho.png``: axial, coronal and sagittal slices through the CAM's peak;
- ``volume-mip.png``: the CAM's maximum intensity projections along D, H and W.

The phantom is a head of ellipsoids in Hounsfield units (skull, brain, ventricles, a
lesion), windowed with ``visheat.window(ct, "brain")``; the CAM a smooth blob over the
lesion at a quarter of the resolution, resampled trilinearly to the scan.

Run from a source checkout: ``python tools/make_volume_pictures.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from visheat import (
    AlphaOverlay,
    ExtremaColormap,
    MaxProjection,
    Montage,
    OrthoViews,
    ResizeToImage,
    SumReduction,
    heatmap,
    window,
)

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
SHAPE = (32, 64, 56)  # D, H, W


def phantom(shape: tuple[int, int, int] = SHAPE) -> np.ndarray:
    """A head of ellipsoids in Hounsfield units, ``(D, H, W)``, slice 0 at the bottom."""
    d, h, w = shape
    z, y, x = np.meshgrid(np.linspace(-1, 1, d), np.linspace(-1, 1, h), np.linspace(-1, 1, w),
                          indexing="ij")

    def inside(cz, cy, cx, rz, ry, rx):
        return ((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1

    ct = np.full(shape, -1000.0)                      # air
    ct[inside(0, 0, 0, 0.95, 0.9, 0.8)] = 900.0       # skull
    ct[inside(0, 0, 0, 0.87, 0.82, 0.72)] = 35.0      # brain
    ct[inside(0.1, -0.1, -0.15, 0.3, 0.2, 0.08)] = 5.0  # ventricles
    ct[inside(0.1, -0.1, 0.15, 0.3, 0.2, 0.08)] = 5.0
    ct[inside(0.3, 0.35, 0.35, 0.15, 0.15, 0.15)] = 70.0  # a lesion
    return ct


def cam(shape: tuple[int, int, int] = SHAPE) -> np.ndarray:
    """A CAM at a quarter of the resolution, peaking over the lesion: ``(1, 1, d, h, w)``."""
    d, h, w = (max(1, s // 4) for s in shape)
    z, y, x = np.meshgrid(np.linspace(-1, 1, d), np.linspace(-1, 1, h), np.linspace(-1, 1, w),
                          indexing="ij")
    blob = np.exp(-((z - 0.3) ** 2 + (y - 0.35) ** 2 + (x - 0.35) ** 2) / 0.1)
    return blob[None, None]


def main() -> None:
    grey = window(phantom(), "brain")[None]              # (1, D, H, W) uint8
    pipe = (SumReduction() | ExtremaColormap("inferno") | ResizeToImage("bilinear")
            | AlphaOverlay(0.45))
    views = {"volume-slices.png": pipe | Montage(every=4, cols=4),
             "volume-ortho.png": pipe | OrthoViews("peak", spacing=(2, 1, 1))}
    for name, view in views.items():
        picture = heatmap(cam(), grey, view, layout="NCDHW").to_numpy()[0]
        Image.fromarray(np.kron(picture, np.ones((3, 3, 1), np.uint8))).save(OUT / name)
    mips = [heatmap(cam(), grey, SumReduction() | ResizeToImage("bilinear") | MaxProjection(axis)
                    | ExtremaColormap("inferno") | AlphaOverlay(0.45), layout="NCDHW",
                    ).to_numpy()[0] for axis in "DHW"]
    height = max(m.shape[0] for m in mips)
    row = np.zeros((height, sum(m.shape[1] for m in mips) + 4, 3), np.uint8)
    col = 0
    for m in mips:
        row[: m.shape[0], col:col + m.shape[1]] = m
        col += m.shape[1] + 2
    Image.fromarray(np.kron(row, np.ones((3, 3, 1), np.uint8))).save(OUT / "volume-mip.png")
    print(f"wrote {', '.join(list(views) + ['volume-mip.png'])} to {OUT}")


if __name__ == "__main__":
    main()
