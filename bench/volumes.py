"""A 16³ CAM over a 128³ CT: visheat's fused volume pass against MONAI and a hand route.

Run by hand (never part of the test suite), in an environment with torch and MONAI
(``bench/README.md``, "Volumes")::

    VISHEAT_NUMBA=wait PYTHONPATH=src python bench/volumes.py [--n 4] [--repeats 9]

Every route turns ``N`` CAMs ``(N, 16, 16, 16)`` float32 and ``N`` grey CT volumes
``(N, 128, 128, 128)`` uint8 into ``(N, 128, 128, 128, 3)`` uint8 pictures: trilinear
resize (PyTorch's ``align_corners=False``) → min–max per volume → ``jet`` → α = 0.5
blend over the grey CT.

* **visheat**: ``heatmap(cams, ct, ResizeToImage("bilinear") | ExtremaColormap("jet") |
  AlphaOverlay(0.5), layout="NDHW").to_numpy()``, kernels warm, default threads; the
  ``[threads=1]`` row pins one thread; ``colour first`` (info) colours the 16³ map and
  resizes the 8-bit colours (the ``"cam"`` preset's order), another picture.
* **MONAI**: ``torch.nn.functional.interpolate(..., mode="trilinear",
  align_corners=False)``, then ``monai.visualize.utils.blend_images(ct, cam, alpha=0.5,
  cmap="jet", transparent_background=False)`` per volume (it rescales both to [0, 1] and
  colours with matplotlib), then to uint8 ``(D, H, W, 3)``.
* **hand**: the same ``interpolate``, then numpy: min–max per volume, a 256-entry jet
  table (matplotlib's) looked up, and a float32 blend with the grey CT, rounded.

Routes run alternately (rotated each round, the garbage collector off); the table gives
the median ms per volume, the ratios visheat / hand (the bar: ≤ 0.7) and visheat / MONAI,
and each route's mean absolute difference from visheat's pictures in 8-bit levels.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import matplotlib
import numpy as np
import torch
from monai.visualize.utils import blend_images

from visheat import AlphaOverlay, ExtremaColormap, ResizeToImage, engine, heatmap

PIPE = ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(0.5)
COLOUR_FIRST = ExtremaColormap("jet") | ResizeToImage("bilinear") | AlphaOverlay(0.5)
ALPHA = 0.5
JET = np.rint(matplotlib.colormaps["jet"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def make_inputs(n: int, cam: int = 16, side: int = 128, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded CAMs (smooth non-negative blobs) and windowed CT-like grey volumes: air 0,
    soft tissue around 110 with noise, a saturated bone shell 255 (so that MONAI's
    rescale to [0, 1] is the division by 255 the other routes make)."""
    rng = np.random.default_rng(seed)
    z, y, x = np.meshgrid(*(np.linspace(-1, 1, cam),) * 3, indexing="ij")
    cams = np.stack([np.exp(-((z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2) / 0.2)
                     + 0.1 * rng.random((cam,) * 3) for c in rng.uniform(-0.5, 0.5, (n, 3))])
    z, y, x = np.meshgrid(*(np.linspace(-1, 1, side),) * 3, indexing="ij")
    r = (z / 0.95) ** 2 + (y / 0.7) ** 2 + (x / 0.85) ** 2
    ct = np.where(r < 1, 110.0 + rng.normal(0, 12, (n,) + (side,) * 3), 0.0)
    ct[:, (r > 0.8) & (r < 0.9)] = 255.0
    return cams.astype(np.float32), np.clip(ct, 0, 255).astype(np.uint8)


def interpolate(cams: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    big = torch.nn.functional.interpolate(torch.from_numpy(cams)[:, None], size=size,
                                          mode="trilinear", align_corners=False)
    return big[:, 0].numpy()


def hand(cams: np.ndarray, ct: np.ndarray) -> np.ndarray:
    big = interpolate(cams, ct.shape[1:])
    out = np.empty(ct.shape + (3,), np.uint8)
    a = np.float32(ALPHA)
    for i in range(len(ct)):
        m = big[i]
        lo, hi = m.min(), m.max()
        index = ((m - lo) * np.float32(255 / (hi - lo)) + np.float32(0.5)).astype(np.uint8)
        blended = JET[index] * a
        blended += (ct[i] * (1 - a))[..., None]
        np.rint(blended, out=blended)
        out[i] = blended
    return out


def monai(cams: np.ndarray, ct: np.ndarray) -> np.ndarray:
    big = interpolate(cams, ct.shape[1:])
    out = np.empty(ct.shape + (3,), np.uint8)
    for i in range(len(ct)):
        rgb = blend_images(ct[i][None].astype(np.float32), big[i][None], alpha=ALPHA,
                           cmap="jet", transparent_background=False)
        out[i] = np.rint(np.moveaxis(rgb, 0, -1) * 255)
    return out


def routes(cams: np.ndarray, ct: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    return {
        "visheat": lambda: heatmap(cams, ct, PIPE, layout="NDHW").to_numpy(),
        "visheat [threads=1]": lambda: heatmap(cams, ct, PIPE, layout="NDHW",
                                               threads=1).to_numpy(),
        "visheat, colour first (info)": lambda: heatmap(cams, ct, COLOUR_FIRST,
                                                        layout="NDHW").to_numpy(),
        "hand (torch interpolate + numpy table + blend)": lambda: hand(cams, ct),
        "MONAI (interpolate + blend_images)": lambda: monai(cams, ct),
    }


def measure(fns: dict[str, Callable[[], np.ndarray]], repeats: int, warmup: int
            ) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    gc.disable()
    try:
        for i in range(warmup + repeats):
            for name in names[i % len(names):] + names[:i % len(names)]:
                t = time.perf_counter()
                fns[name]()
                if i >= warmup:
                    times[name].append(time.perf_counter() - t)
    finally:
        gc.enable()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4, help="volumes per batch (4)")
    parser.add_argument("--repeats", type=int, default=9, help="timed calls per route (9)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first (2)")
    args = parser.parse_args()
    engine.wait_for_kernels()
    cams, ct = make_inputs(args.n)
    fns = routes(cams, ct)
    pictures = {name: fn() for name, fn in fns.items()}
    reference = pictures["visheat"]
    times = measure(fns, args.repeats, args.warmup)
    per = {name: statistics.median(t) / args.n for name, t in times.items()}
    print(f"N = {args.n} volumes, CAM {cams.shape[1:]} -> CT {ct.shape[1:]}, median of "
          f"{args.repeats} calls, engine: {engine.status()}, torch threads: "
          f"{torch.get_num_threads()}\n")
    print("| route | ms / volume | ± (IQR / 2) | visheat / route | mean abs diff (levels) |")
    print("|---|---|---|---|---|")
    for name, t in times.items():
        q = np.percentile(np.array(t) / args.n, [25, 75]) * 1e3
        diff = np.abs(pictures[name].astype(np.int16) - reference).mean()
        assert pictures[name].shape == reference.shape, name
        print(f"| {name} | {per[name] * 1e3:.1f} | {(q[1] - q[0]) / 2:.1f} | "
              f"{per['visheat'] / per[name]:.3f} | {diff:.3f} |")
    bar = per["visheat"] / per["hand (torch interpolate + numpy table + blend)"]
    print(f"\nvisheat / hand = {bar:.3f} (bar ≤ 0.7: {'PASS' if bar <= 0.7 else 'FAIL'}); "
          f"visheat / MONAI = {per['visheat'] / per['MONAI (interpolate + blend_images)']:.3f}")


if __name__ == "__main__":
    main()
