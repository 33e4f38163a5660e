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


def _sinc(t: float) -> float:
    return 1.0 if t == 0 else math.sin(math.pi * t) / (math.pi * t)


def resize_weights(n_in: int, n_out: int, method: str, upsampling: bool) -> np.ndarray:
    """``(n_out, n_in)`` weights of one axis, output pixel by output pixel, from each method's
    definition. ``upsampling`` says whether either axis of the resize grows.

    Coordinates are 0-based pixel indices; output pixel ``i`` of ``n_out`` covers
    ``[i s, (i + 1) s)`` of the input (``s = n_in / n_out``), its centre is at
    ``(i + 0.5) s - 0.5``. Taps past an edge repeat the edge pixel.
    """
    s = n_in / n_out
    w = np.zeros((n_out, n_in))

    def tap(i: int, k: int, weight: float) -> None:
        w[i, min(max(k, 0), n_in - 1)] += weight

    for i in range(n_out):
        centre = (i + 0.5) * s - 0.5
        if method == "bilinear":  # the two pixels around the centre, clamped to the image
            p = min(max(centre, 0.0), n_in - 1.0)
            k = math.floor(p)
            tap(i, k, 1 - (p - k))
            tap(i, k + 1, p - k)
        elif method == "lanczos1":
            w[i] = lanczos1_weights(n_in, n_out, upsampling)[i]
        elif method == "nearest":  # the pixel that contains the centre
            tap(i, math.floor((i + 0.5) * s), 1.0)
        elif method == "nearest-opencv":  # OpenCV INTER_NEAREST: floor(i * s)
            tap(i, math.floor(i * s), 1.0)
        elif method == "cubic":  # OpenCV INTER_CUBIC: Keys' cubic, a = -0.75
            k0 = math.floor(centre)
            for k in range(k0 - 1, k0 + 3):
                t = abs(centre - k)
                a = -0.75
                if t <= 1:
                    weight = (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1
                else:
                    weight = a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a
                tap(i, k, weight)
        elif method == "lanczos3":  # windowed sinc over the pixels inside the image,
            widen = max(s, 1.0)  # stretched by the scale when shrinking (antialiased)
            for k in range(n_in):
                x = (k - centre) / widen
                if abs(x) < 3:
                    w[i, k] = _sinc(x) * _sinc(x / 3)
            w[i] /= w[i].sum()
        elif method == "area" and not upsampling:  # the mean over the covered area
            lo, hi = i * s, (i + 1) * s
            for k in range(n_in):
                overlap = min(hi, k + 1) - max(lo, k)
                if overlap > 0:
                    w[i, k] += overlap / s
        elif method == "area":  # OpenCV INTER_AREA when an axis grows: linear, area-weighted
            k = math.floor(i * s)
            f = (i + 1) - (k + 1) / s
            f = 0.0 if f <= 0 else f - math.floor(f)
            tap(i, k, 1 - f)
            tap(i, k + 1, f)
        else:
            raise ValueError(method)
    return w


def resize_map(a: np.ndarray, size: tuple, method: str) -> np.ndarray:
    """A 2-D map resized to ``size`` in float64 by the separable weights above."""
    upsampling = size[0] > a.shape[0] or size[1] > a.shape[1]
    wy = resize_weights(a.shape[0], size[0], method, upsampling)
    wx = resize_weights(a.shape[1], size[1], method, upsampling)
    out = np.zeros(size)
    for y in range(size[0]):
        for x in range(size[1]):
            out[y, x] = sum(wy[y, j] * wx[x, k] * float(a[j, k])
                            for j in np.flatnonzero(wy[y]) for k in np.flatnonzero(wx[x]))
    return out
