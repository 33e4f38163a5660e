"""Token input costs no more than the hand-reshaped grid: ``layout="NLC", tokens=`` vs
pytorch-grad-cam's ``reshape_transform`` done by hand.

Run by hand (never part of the test suite)::

    VISHEAT_NUMBA=wait python bench/tokens.py [--repeats 11] [--n 64]

Each workload renders the same batch two ways, alternately, in one process:

* **tokens**: ``heatmap(tokens, images, pipe, layout=..., tokens=TokenGrid(...))``;
* **hand reshape**: ``heatmap(grid, images, pipe)`` with ``grid`` made per call the way
  users write it today, ``tokens[:, prefix:].reshape(N, h, w, C).transpose(0, 3, 1, 2)``
  (grad-cam's recipe; a view, as the torch recipe is);
* **hand reshape, contiguous** (info): the same grid copied to C order per call, as
  after ``.contiguous()``.

It prints the median of each and the ratio tokens / hand reshape (the bar: within 1.15),
and the ratio of the fastest calls, which a busy shared machine disturbs less.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from visheat import (
    AlphaOverlay,
    ExtremaColormap,
    ResizeToImage,
    SumReduction,
    TokenGrid,
    engine,
    heatmap,
)

PIPE = SumReduction() | ResizeToImage("nearest") | ExtremaColormap("jet") | AlphaOverlay(0.5)
SCORES_PIPE = ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(0.5)


def workloads(n: int) -> dict[str, dict[str, Any]]:
    rng = np.random.default_rng(22)

    def case(prefix: int, h: int, w: int, c: int, patch: int, pipe: Any, scores: bool = False
             ) -> dict[str, Any]:
        shape = (n, prefix + h * w) if scores else (n, prefix + h * w, c)
        return {"tokens": rng.standard_t(3, size=shape).astype(np.float32),
                "images": rng.integers(0, 256, (n, h * patch, w * patch, 3), dtype=np.uint8),
                "grid": TokenGrid(prefix=prefix), "prefix": prefix, "hw": (h, w), "pipe": pipe,
                "layout": "NL" if scores else "NLC"}

    return {
        "ViT-B/16 (N, 197, 768), 224 px": case(1, 14, 14, 768, 16, PIPE),
        "DINOv2-S/14 + 4 registers (N, 1374, 384), 518 px": case(5, 37, 37, 384, 14, PIPE),
        "ViT-B/16 at 384 x 512 (N, 769, 768)": case(1, 24, 32, 768, 16, PIPE),
        "ViT-B/16 patch scores (N, 197), bilinear": case(1, 14, 14, 0, 16, SCORES_PIPE, True),
    }


def hand(w: dict[str, Any], contiguous: bool) -> np.ndarray:
    x, p, (h, wd) = w["tokens"], w["prefix"], w["hw"]
    if x.ndim == 2:
        grid = x[:, p:].reshape(x.shape[0], h, wd)
    else:
        grid = x[:, p:, :].reshape(x.shape[0], h, wd, x.shape[2]).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(grid) if contiguous else grid


def routes(w: dict[str, Any]) -> dict[str, Callable[[], np.ndarray]]:
    layout = "NHW" if w["tokens"].ndim == 2 else "NCHW"
    return {
        "tokens": lambda: heatmap(w["tokens"], w["images"], w["pipe"], layout=w["layout"],
                                  tokens=w["grid"]).to_numpy(),
        "hand reshape": lambda: heatmap(hand(w, False), w["images"], w["pipe"],
                                        layout=layout).to_numpy(),
        "hand reshape, contiguous": lambda: heatmap(hand(w, True), w["images"], w["pipe"],
                                                    layout=layout).to_numpy(),
    }


def measure(fns: dict[str, Callable[[], np.ndarray]], repeats: int, warmup: int
            ) -> dict[str, float]:
    pictures = {name: fn() for name, fn in fns.items()}
    first = next(iter(pictures.values()))
    assert all(np.array_equal(first, p) for p in pictures.values()), "routes differ"
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(warmup + repeats):
        for name in names[i % len(names):] + names[:i % len(names)]:  # alternating, rotated:
            t = time.perf_counter()  # drifts and cache effects hit every route alike
            fns[name]()
            if i >= warmup:
                times[name].append(time.perf_counter() - t)
    return {**{name: statistics.median(t) for name, t in times.items()},
            **{f"{name} (min)": min(t) for name, t in times.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="samples per batch (64)")
    parser.add_argument("--repeats", type=int, default=11, help="timed calls per route (11)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first (2)")
    args = parser.parse_args()
    engine.wait_for_kernels()
    print(f"N = {args.n}, median of {args.repeats} calls, engine: {engine.status()}\n")
    print("| workload | tokens | hand reshape | hand, contiguous | tokens / hand reshape | "
          "same, fastest calls |")
    print("|---|---|---|---|---|---|")
    for name, w in workloads(args.n).items():
        t = measure(routes(w), args.repeats, args.warmup)
        print(f"| {name} | {t['tokens'] * 1e3:.1f} ms | {t['hand reshape'] * 1e3:.1f} ms | "
              f"{t['hand reshape, contiguous'] * 1e3:.1f} ms | "
              f"{t['tokens'] / t['hand reshape']:.3f} | "
              f"{t['tokens (min)'] / t['hand reshape (min)']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
