"""Slow scalar reference implementations, written from the specifications.

They share no code with visheat: plain Python loops over pixels with numpy
scalars for the float precision. Tests compare visheat's vectorised code to them.
"""

from __future__ import annotations

import math

import numpy as np


def reduce_pixel(channels: list, how: str, dtype: type) -> float:
    """VisionHeatmaps.jl's channel reductions for one pixel, in ``dtype``."""
    cs = [dtype(c) for c in channels]
    if len(cs) == 1:
        return cs[0]
    if how == "sum":
        acc = cs[0]
        for c in cs[1:]:
            acc = dtype(acc + c)
        return acc
    if how == "norm":  # reduce(f, cs; init=0), f(a, c) = sqrt(a^2 + c^2)
        acc = dtype(0)
        for c in cs:
            acc = dtype(np.sqrt(dtype(dtype(acc * acc) + dtype(c * c))))
        return acc
    if how == "maxabs":
        return max(abs(c) for c in cs)
    if how == "sumabs":
        acc = dtype(0)
        for c in cs:
            acc = dtype(acc + abs(c))
        return acc
    if how == "abssum":
        return abs(reduce_pixel(channels, "sum", dtype))
    raise ValueError(how)


def reduce_batch(values: np.ndarray, how: str) -> np.ndarray:
    n, c, h, w = values.shape
    out = np.empty((n, h, w), values.dtype)
    for i in range(n):
        for y in range(h):
            for x in range(w):
                out[i, y, x] = reduce_pixel(list(values[i, :, y, x]), how, values.dtype.type)
    return out


def colour(x: float, lo: float, hi: float, stops: np.ndarray, dtype: type) -> list:
    """ColorSchemes.jl's ``get(scheme, x, (lo, hi))`` for one value.

    ``f`` and the weight are computed in ``dtype`` (Float32 for Float32 maps),
    the colour mean in Float64, as in ColorSchemes 3.2x.
    """
    n = len(stops)
    lo, hi, x = dtype(lo), dtype(hi), dtype(x)
    scale = dtype(dtype(n - 1) / dtype(hi - lo))
    xc = min(max(x, lo), hi)
    f = dtype(dtype(dtype(xc - lo) * scale) + dtype(1))
    before = int(math.floor(f))
    after = min(before + 1, n)
    w = dtype(dtype(1) - dtype(f - dtype(before)))
    w2 = dtype(dtype(1) - w)
    return [float(w) * stops[before - 1][k] + float(w2) * stops[after - 1][k] for k in range(3)]


def julia_quantile(values: list, p: float) -> float:
    """Statistics.jl's default (type 7) quantile, from the sorted values."""
    v = sorted(values)
    n = len(v)
    aleph = (n - 1) * p + 1
    j = min(max(int(math.floor(aleph)), 1), max(n - 1, 1))
    gamma = min(max(aleph - j, 0.0), 1.0)
    a, b = v[j - 1], v[min(j, n - 1)]
    return float(a) + gamma * (float(b) - float(a))


def lanczos1_weights(n_in: int, n_out: int, clamp: bool) -> np.ndarray:
    """Interpolations.jl's Lanczos(1) taps at ImageTransformations' positions."""
    s = n_in / n_out
    out = np.zeros((n_out, n_in))
    for i in range(1, n_out + 1):
        p = s * i + 0.5 - 0.5 * s
        if clamp:
            p = min(max(p, 1.0), float(n_in))
        base = math.floor(p)
        d = p - base

        def sinc(t: float) -> float:
            return 1.0 if t == 0 else math.sin(math.pi * t) / (math.pi * t)

        w0, w1 = sinc(d) ** 2, sinc(1 - d) ** 2  # lanczos(t, a=1) = sinc(t) * sinc(t / 1)
        out[i - 1, base - 1] += w0 / (w0 + w1)
        if w1 > 1e-12 and base < n_in:
            out[i - 1, base] += w1 / (w0 + w1)
    return out
