"""visheat's numpy engine against tuned hand-written numpy, in one process.

The numpy engine is what serves the first calls (while the compiled kernels load)
and every call where numba is not available. This times it (``VISHEAT_NUMBA=0``)
on the sensitivity and attribution workloads (N = 64, 224 x 224, Student-t
attributions) beside the fastest numpy routes we could write by hand for the same
pictures, and prints the ratios (below 1.0: visheat is faster).

Run: ``python bench/numpy_engine.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["VISHEAT_NUMBA"] = "0"  # before visheat is imported: numpy only

import numpy as np  # noqa: E402

from visheat import (  # noqa: E402
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    PercentileClip,
    SumReduction,
    heatmap,
)
from visheat.transforms.colour import lut_u8

N, SIZE, LOWER, UPPER = 64, 224, 0.001, 0.999


def hand_sensitivity(x: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Norm, per-sample min/max, a 256-entry table, one fancy index (in place throughout)."""
    m = x[:, 0] * x[:, 0]
    m += x[:, 1] * x[:, 1]
    m += x[:, 2] * x[:, 2]
    np.sqrt(m, out=m)
    flat = m.reshape(len(x), -1)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    scale = (np.float32(255) / np.where(hi > lo, hi - lo, 1)).astype(np.float32)
    m -= lo[:, None, None]
    m *= scale[:, None, None]
    m += np.float32(0.5)
    return np.take(lut, m.astype(np.uint8), axis=0)  # 3x faster than lut[index]


def hand_attribution(x: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Sum, one np.partition per batch for both quantiles, clip, centred scale, table."""
    m = x[:, 0] + x[:, 1]
    m += x[:, 2]
    flat = m.reshape(len(x), -1)
    k = flat.shape[1]
    j0, j1 = int((k - 1) * LOWER), int((k - 1) * UPPER)
    part = np.partition(flat, [j0, j0 + 1, j1, j1 + 1], axis=1)
    lo, hi = part[:, j0], part[:, j1 + 1]
    top = np.maximum(-lo, hi)
    np.clip(m, lo[:, None, None], hi[:, None, None], out=m)
    m *= (np.float32(127.5) / top)[:, None, None].astype(np.float32)
    m += np.float32(128.0)
    return np.take(lut, m.astype(np.uint8), axis=0)


def best_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) / N * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_t(3, size=(N, 3, SIZE, SIZE)).astype(np.float32)
    table256 = {name: lut_u8(name)[np.linspace(0, len(lut_u8(name)) - 2, 256).round().astype(int)]
                for name in ("batlow", "berlin")}
    rows = [("sensitivity", NormReduction() | ExtremaColormap("batlow"),
             lambda: hand_sensitivity(x, table256["batlow"])),
            ("attribution", SumReduction() | PercentileClip(LOWER, UPPER) | CenteredColormap("berlin"),
             lambda: hand_attribution(x, table256["berlin"]))]
    print(f"numpy engine vs hand-written numpy, N = {N}, {SIZE} x {SIZE}, ms per image "
          f"(best of {args.repeat})")
    print(f"{'workload':<12} {'hand':>8} {'visheat 1 thread':>17} {'ratio':>6} "
          f"{'visheat default':>16} {'ratio':>6}")
    for name, pipe, hand in rows:
        t_hand = best_ms(hand, args.repeat)
        t_one = best_ms(lambda p=pipe: heatmap(x, p, threads=1), args.repeat)
        t_all = best_ms(lambda p=pipe: heatmap(x, p), args.repeat)
        print(f"{name:<12} {t_hand:8.3f} {t_one:17.3f} {t_one / t_hand:6.2f} "
              f"{t_all:16.3f} {t_all / t_hand:6.2f}")


if __name__ == "__main__":
    main()
