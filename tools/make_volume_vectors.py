"""Reference vectors for 3-D resizing: PyTorch's trilinear interpolation.

Run in an environment with torch (never a dependency of visheat):

    python tools/make_volume_vectors.py

It writes ``tests/data/volume_vectors.npz``: for each case ``k``, ``in_k`` (an
``(N, C, D, H, W)`` float64 volume), ``size_k`` (the output ``(D, H, W)``) and
``out_k``, ``torch.nn.functional.interpolate(x, size, mode="trilinear",
align_corners=False)`` in float64. ``tests/transforms/test_volumes.py`` compares
visheat's ``ResizeToImage("bilinear")`` with them (within 1e-5).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

#: (input D, H, W) -> (output D, H, W): up, down, mixed, one slice, odd ratios.
CASES = [((4, 5, 6), (8, 10, 12)), ((8, 10, 12), (4, 5, 6)), ((3, 7, 5), (9, 4, 11)),
         ((1, 4, 4), (3, 8, 8)), ((5, 6, 7), (7, 6, 3)), ((6, 3, 4), (2, 9, 4))]


def main() -> None:
    rng = np.random.default_rng(23)
    arrays = {"torch_version": np.array(torch.__version__)}
    for k, (size_in, size_out) in enumerate(CASES):
        x = rng.normal(size=(2, 1) + size_in)
        out = torch.nn.functional.interpolate(torch.from_numpy(x), size=size_out,
                                              mode="trilinear", align_corners=False)
        arrays[f"in_{k}"] = x
        arrays[f"size_{k}"] = np.array(size_out)
        arrays[f"out_{k}"] = out.numpy()
    path = Path(__file__).resolve().parents[1] / "tests" / "data" / "volume_vectors.npz"
    np.savez_compressed(path, **arrays)
    print(f"wrote {path} ({len(CASES)} cases, torch {torch.__version__})")


if __name__ == "__main__":
    main()
