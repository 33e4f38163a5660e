"""Colour arithmetic: value ranges, exact colours and 8-bit tables (no transforms here).

Colours are interpolated linearly between the stops of a colour scheme, as
ColorSchemes.jl does (matplotlib's ``cmap(x)`` instead picks the nearest of 256
bins). With ``n`` stops ``c[0..n-1]`` and a value range ``(lo, hi)``::

    f = (clamp(x, lo, hi) - lo) * (n - 1) / (hi - lo)
    b = floor(f);  t = f - b
    colour = (1 - t) * c[b] + t * c[min(b + 1, n - 1)]

computed in the map's float precision exactly as ColorSchemes.jl orders it, so
float32 maps agree with Julia bit for bit.

On the 8-bit path (``dtype=np.uint8``) colours come from a table of 8-bit colours
sampled from the same interpolation, sized per colormap (:func:`table_size`:
1024 to 65 536 entries, e.g. 8192 for jet), fine enough that the output differs
from the exact colours by at most one level.

The colormap transforms (:mod:`visheat.transforms.colormaps`), the engine's kernels,
the CAM overlays, the explorer and the figures all take their colours from here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..core.batch import per_sample_rows
from ..core.errors import describe, type_error, value_error
from .schemes import get_table, kind_of

#: How far, in 8-bit levels, a table colour may sit from the exact colour of the
#: same value before both are rounded: under one level, so they round at most one
#: level apart. Smaller means larger tables: those that fit the L1 cache keep the
#: lookup fast when a map's values spread over the whole range.
TABLE_ERROR = 1 / 8


TABLE_SIZES = (1024, 65536)


def _as_table(name: Any) -> str | tuple[tuple[float, float, float], ...]:
    """Validate a colormap given as a name or a (K, 3) colour table."""
    if isinstance(name, str):
        kind_of(name)  # raises with "did you mean" for unknown names; loads no colours
        return name
    try:
        arr = np.asarray(name, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error("name", "a colormap name or a (K, 3) table of RGB in [0, 1]",
                         name) from None
    if arr.ndim == 0:
        raise type_error("name", "a colormap name or a (K, 3) table of RGB in [0, 1]", name)
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] < 2:
        raise value_error("name", "a (K, 3) colour table with K >= 2", arr)
    if not (np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1):
        raise value_error("name", "colour table values in [0, 1]", arr,
                          "Divide 0..255 colours by 255.")
    return tuple((float(r), float(g), float(b)) for r, g, b in arr)


@lru_cache(maxsize=256)
def stops_of(name: str | tuple) -> np.ndarray:
    """The colour stops ``(K, 3)`` float64 of a name or table (read-only)."""
    if isinstance(name, str):
        return get_table(name).colors
    arr = np.array(name, dtype=np.float64)
    arr.flags.writeable = False
    return arr


def positions(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """1-based fractional stop positions ``f`` in ``[1, n]``, in ``m``'s precision.

    ColorSchemes.jl's arithmetic; samples whose range is too wide or too narrow
    for it (the scale factor overflows) use a rescaled float64 formula instead.
    """
    dtype = m.dtype
    shape = (-1,) + (1,) * (m.ndim - 1)
    lo = lo.astype(dtype).reshape(shape)
    hi = hi.astype(dtype).reshape(shape)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        width = hi - lo
        scale = dtype.type(n - 1) / width
        f = (np.minimum(np.maximum(m, lo), hi) - lo) * scale + dtype.type(1)
    bad = ~(np.isfinite(scale) & np.isfinite(width)).ravel()
    if bad.any():
        f[bad] = _rescaled_positions(m[bad], lo[bad], hi[bad], n).astype(dtype)
    return f


def _rescaled_positions(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Positions for ranges too wide or too narrow for :func:`positions`' arithmetic.

    Values and range are divided by the range's largest magnitude first, so
    neither the width overflows (``-1e308 .. 1e308``) nor a subnormal width
    vanishes; a range of zero width gives the first stop.
    """
    lo64, hi64 = lo.astype(np.float64), hi.astype(np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        scale = np.maximum(np.abs(lo64), np.abs(hi64))
        scale = np.where(scale > 0, scale, 1.0)
        lo_s, hi_s = lo64 / scale, hi64 / scale
        width = hi_s - lo_s
        t = (np.clip(m.astype(np.float64) / scale, lo_s, hi_s) - lo_s) / np.where(width > 0,
                                                                                 width, 1.0)
    t = np.where(width > 0, t, 0.0)
    return np.clip(t, 0, 1) * (n - 1) + 1


def colorize(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Exact colours of an ``(N, H, W)`` map for per-sample ranges ``lo``, ``hi``.

    ``lo`` and ``hi`` have shape ``(N,)``; ``hi > lo`` for every sample. Returns
    float64 RGB of shape ``(N, H, W, 3)``.

    Examples
    --------
    >>> stops = np.array([[0.0, 0.0, 0.0], [1.0, 0.5, 0.0]])
    >>> colorize(np.array([[[0.0, 0.25, 1.0]]]), np.array([0.0]), np.array([1.0]), stops)[0, 0]
    array([[0.   , 0.   , 0.   ],
           [0.25 , 0.125, 0.   ],
           [1.   , 0.5  , 0.   ]])
    """
    dtype = m.dtype
    n = stops.shape[0]
    f = positions(m, lo, hi, n)
    before = np.floor(f).astype(np.intp)
    w = dtype.type(1) - (f - before.astype(dtype))
    w2 = dtype.type(1) - w
    after = np.minimum(before + 1, n)
    out = w[..., None].astype(np.float64) * stops[before - 1]
    out += w2[..., None].astype(np.float64) * stops[after - 1]
    return out


def table_size(stops: np.ndarray) -> int:
    """Entries of the 8-bit table of ``stops``: enough for :data:`TABLE_ERROR`.

    Between entries a position moves by at most half a step, so a colour moves by
    at most ``slope / (2 (L - 1))``, where ``slope`` is the steepest change of any
    channel per unit of position. ``L`` is the smallest power of two that keeps
    that under ``TABLE_ERROR / 255``, within :data:`TABLE_SIZES`.

    Examples
    --------
    >>> table_size(np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))  # gray: slope 1
    1024
    >>> table_size(stops_of("jet"))  # channels change 4.5 times faster
    8192
    """
    slope = float(np.abs(np.diff(stops, axis=0)).max()) * (stops.shape[0] - 1)
    need = int(np.ceil(255 * slope / (2 * TABLE_ERROR))) + 1
    low, high = TABLE_SIZES
    return int(min(high, max(low, 1 << (need - 1).bit_length())))


@lru_cache(maxsize=64)
def lut_u8(name: str | tuple) -> np.ndarray:
    """8-bit colours at :func:`table_size` evenly spaced positions (plus one guard entry)."""
    stops = stops_of(name)
    ramp = np.linspace(0.0, 1.0, table_size(stops))[None, None, :]
    exact = colorize(ramp, np.zeros(1), np.ones(1), stops)[0, 0]
    table = np.rint(np.clip(exact, 0, 1) * 255).astype(np.uint8)
    table = np.concatenate([table, table[-1:]])
    table.flags.writeable = False
    return table


@lru_cache(maxsize=64)
def lut_packed(name: str | tuple) -> np.ndarray:
    """:func:`lut_u8` packed as ``(L,)`` uint32, R in the lowest byte (read-only).

    One 4-byte load per pixel instead of three: compiled kernels use this form.
    """
    t = lut_u8(name).astype(np.uint32)
    packed = t[:, 0] | (t[:, 1] << 8) | (t[:, 2] << 16)
    packed.flags.writeable = False
    return packed


def table_scales_finite(lo: np.ndarray, hi: np.ndarray, entries: int) -> bool:
    """Whether the float32 placement of ranges ``[lo, hi]`` on a table of ``entries`` is finite.

    The 8-bit path computes ``(entries - 2) / (hi - lo)`` in float32; a range
    too wide or too narrow for that takes the exact positions instead.
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        width = hi.astype(np.float32) - lo.astype(np.float32)
        scale = np.float32(entries - 2) / width
    return bool(np.isfinite(scale).all() and np.isfinite(width).all())


def colorize_u8(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, name: str | tuple,
                out: np.ndarray | None = None, clamp: bool = True) -> np.ndarray:
    """8-bit colours ``(N, H, W, 3)`` of an ``(N, H, W)`` map through the fine lookup table.

    The position of a value on the table is :func:`positions` in the map's
    precision, rounded half up to an entry of :func:`lut_u8`.
    ``clamp=False`` skips clamping values to ``[lo, hi]``, for ranges known to
    hold every value (a sample's own extrema); it changes no picture then.

    Examples
    --------
    >>> m = np.array([[[0.0, 0.5, 1.0]]], np.float32)
    >>> colorize_u8(m, np.zeros(1), np.ones(1), "gray")[0, 0, :, 0]
    array([  0, 128, 255], dtype=uint8)
    """
    table = lut_u8(name)
    if table_scales_finite(lo, hi, len(table)):
        shape = (-1,) + (1,) * (m.ndim - 1)
        t = m.dtype.type
        a, b = lo.astype(m.dtype).reshape(shape), hi.astype(m.dtype).reshape(shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = t(len(table) - 2) / (b - a)
        if clamp:
            f = np.minimum(np.maximum(m, a), b)
            f -= a
        else:  # the range holds every value (it came from the data): two passes fewer
            f = m - a
        f *= scale
        f += t(0.5)
    else:  # a range float32 cannot place: the rescaled positions
        f = positions(m, lo, hi, len(table) - 1)  # in [1, table size]
        f += m.dtype.type(0.5) - m.dtype.type(1)
    index = f.astype(np.intp)
    if out is None or out.shape != m.shape + (3,) or out.dtype != np.uint8:
        out = np.empty(m.shape + (3,), np.uint8)
    np.take(table, index, axis=0, out=out)  # three times faster than table[index]
    return out


def symmetric_range(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(-m, m)`` with ``m = max(-lo, hi)``: the centred range of data in ``[lo, hi]``."""
    top = np.maximum(-lo, hi)
    return -top, top


def _sample_extrema(m: np.ndarray, centered: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample ``(min, max)`` of ``m``, or ``(-max|x|, max|x|)`` when ``centered``.

    Before any degenerate-range fix; an empty sample gives ``(0, 0)``.

    >>> _sample_extrema(np.array([[[-1.0, 3.0]]]), centered=True)
    (array([-3.]), array([3.]))
    """
    rows = per_sample_rows(m)
    if rows.shape[1] == 0:
        zeros = np.zeros(m.shape[0], m.dtype)
        return zeros, zeros
    lo, hi = rows.min(axis=1), rows.max(axis=1)
    return symmetric_range(lo, hi) if centered else (lo, hi)


def _fix_degenerate(lo: np.ndarray, hi: np.ndarray, centered: bool
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Zero-width ranges: a centred all-zero map gets (-1, 1), so 0 takes the centre
    colour; any other constant c gets (c, c + 1), so it takes the first colour.

    Where ``c + 1`` rounds back to ``c`` (``|c| >= 2**24`` in float32) the range
    is ``c`` to the next representable number instead; at the largest float
    there is none and the range stays ``(c, c)``, which also gives the first colour.
    """
    one = lo.dtype.type(1)
    if centered:
        top = np.where(hi > 0, hi, one)
        return -top, top
    with np.errstate(over="ignore"):
        bumped = np.where(hi > lo, hi, lo + one)
        bumped = np.where(bumped > lo, bumped, np.nextafter(lo, lo.dtype.type(np.inf)))
    return lo, np.where(np.isfinite(bumped), bumped, lo)


def _check_finite_map(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, step: Any) -> None:
    """Refuse a map with NaN or infinite values; ``lo``/``hi`` are its per-sample extrema.

    ``step`` (the transform, or its name) is named in the message.

    Free on the finite path: a NaN or an infinity anywhere in a sample shows in
    its extrema, so the map itself is scanned only to count them for the message.
    """
    if np.isfinite(lo).all() and np.isfinite(hi).all():
        return
    nans, infs = int(np.isnan(m).sum()), int(np.isinf(m).sum())
    step = step if isinstance(step, str) else repr(step)
    raise value_error("x", f"finite values in the map that {step} colours",
                      f"{nans} NaN and {infs} infinite values in {describe(m)}",
                      "If x itself was finite, an earlier step overflowed (values near the "
                      "float limit, e.g. squared or summed): scale x down, e.g. "
                      "x / np.abs(x).max().", described=True)


def fits(limits: tuple[float | None, ...], dtype: np.dtype) -> bool:
    """Whether fixed range limits (``vmin``/``vmax``) are finite in ``dtype``."""
    top = float(np.finfo(dtype).max)
    return all(v is None or abs(v) <= top for v in limits)


SCOPES = ("sample", "batch")


def _extrema_stats(m: np.ndarray, step: Any, centered: bool = False) -> tuple[Any, Any] | None:
    """``(min, max)`` of a map (``(-max|m|, max|m|)`` if ``centered``) in its dtype, None if
    it is empty; raises for NaN or infinite values, naming ``step``."""
    lo, hi = _sample_extrema(m, getattr(step, "centered", centered))
    _check_finite_map(m, lo, hi, step)
    return (lo.min(), hi.max()) if m.shape[0] else None


def _combine_extrema(parts: Any) -> tuple[Any, Any] | None:
    """Join slices' :func:`_extrema_stats` into the whole batch's.

    Examples
    --------
    >>> _combine_extrema([(1.0, 2.0), None, (-1.0, 1.5)])
    (-1.0, 2.0)
    """
    found = [p for p in parts if p is not None]
    if not found:
        return None
    return min(p[0] for p in found), max(p[1] for p in found)
