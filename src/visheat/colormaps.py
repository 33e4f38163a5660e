"""Colormaps: map (N, H, W) -> RGB pictures (N, H, W, 3).

Colours are interpolated linearly between the stops of a colour scheme, as
ColorSchemes.jl does (matplotlib's ``cmap(x)`` instead picks the nearest of 256
bins). With ``n`` stops ``c[0..n-1]`` and a value range ``(lo, hi)``::

    f = (clamp(x, lo, hi) - lo) * (n - 1) / (hi - lo)
    b = floor(f);  t = f - b
    colour = (1 - t) * c[b] + t * c[min(b + 1, n - 1)]

computed in the map's float precision exactly as ColorSchemes.jl orders it, so
float32 maps agree with Julia bit for bit.

The range is per sample: ``(min, max)`` for :class:`ExtremaColormap`,
``(-m, m)`` with ``m = max |x|`` for :class:`CenteredColormap`. A zero-width
range has a defined answer: a constant map takes the first colour of an
Extrema map; an all-zero map takes the centre colour of a Centered map (the
colour of 0, as for any other centred map).

On the 8-bit path (``dtype=np.uint8``) colours come from a 65 536-entry table of
8-bit colours sampled from the same interpolation, fine enough that the output
differs from the exact colours by at most one level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ._colordata import get_table, kind_of
from ._errors import type_error, value_error
from .batch import Batch, Stage, per_sample_rows
from .pipeline import Transform

LUT_SIZE = 65536


def _as_table(name: Any) -> str | tuple[tuple[float, float, float], ...]:
    """Validate a colormap given as a name or a (K, 3) colour table."""
    if isinstance(name, str):
        kind_of(name)  # raises with "did you mean" for unknown names; loads no colours
        return name
    try:
        arr = np.asarray(name, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error("name", "a colormap name or a (K, 3) table of RGB in [0, 1]", name) from None
    if arr.ndim == 0:
        raise type_error("name", "a colormap name or a (K, 3) table of RGB in [0, 1]", name)
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] < 2:
        raise value_error("name", "a (K, 3) colour table with K >= 2", arr)
    if not (np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1):
        raise value_error("name", "colour table values in [0, 1]", arr,
                          "Divide 0..255 colours by 255.")
    return tuple(tuple(float(v) for v in row) for row in arr)


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
    half_lo, half_hi = lo.astype(np.float64) / 2, hi.astype(np.float64) / 2
    t = (np.clip(m.astype(np.float64) / 2, half_lo, half_hi) - half_lo) / (half_hi - half_lo)
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


@lru_cache(maxsize=64)
def lut_u8(name: str | tuple) -> np.ndarray:
    """8-bit colours at ``LUT_SIZE`` evenly spaced positions (plus one guard entry)."""
    ramp = np.linspace(0.0, 1.0, LUT_SIZE)[None, None, :]
    exact = colorize(ramp, np.zeros(1), np.ones(1), stops_of(name))[0, 0]
    table = np.rint(np.clip(exact, 0, 1) * 255).astype(np.uint8)
    table = np.concatenate([table, table[-1:]])
    table.flags.writeable = False
    return table


def colorize_u8(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, name: str | tuple) -> np.ndarray:
    """8-bit colours of an ``(N, H, W)`` map through the fine lookup table."""
    f = positions(m, lo, hi, LUT_SIZE)  # in [1, LUT_SIZE]
    f += m.dtype.type(0.5) - m.dtype.type(1)
    return lut_u8(name)[f.astype(np.intp)]


def _ranges(m: np.ndarray, centered: bool) -> tuple[np.ndarray, np.ndarray]:
    flat = per_sample_rows(m)
    if flat.shape[1] == 0:
        zeros = np.zeros(m.shape[0], m.dtype)
        return zeros, zeros + 1
    if centered:
        top = np.abs(flat).max(axis=1)
        top = np.where(top > 0, top, m.dtype.type(1))  # all zero: 0 maps to the centre
        return -top, top
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    return lo, np.where(hi > lo, hi, lo + m.dtype.type(1))  # constant: first colour


@dataclass(frozen=True, repr=False, eq=False)
class _Colormap(Transform):
    name: Any = "batlow"
    takes = frozenset({Stage.MAP})
    gives = Stage.RGB
    centered = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _as_table(self.name))

    @property
    def stops(self) -> np.ndarray:
        """The colour stops ``(K, 3)`` of this colormap."""
        return stops_of(self.name)

    def apply(self, batch: Batch) -> Batch:
        lo, hi = _ranges(batch.data, self.centered)
        if batch.fast:
            rgb = colorize_u8(batch.data, lo, hi, self.name)
        else:
            rgb = colorize(batch.data, lo, hi, self.stops)
        return batch.replace(data=rgb, stage=Stage.RGB).with_record(self, lo=lo, hi=hi)


@dataclass(frozen=True, repr=False, eq=False)
class ExtremaColormap(_Colormap):
    """Colour each sample between its minimum and maximum.

    Use sequential colour schemes (the default, ``"batlow"``, is Crameri's
    perceptually uniform map, as in VisionHeatmaps.jl).

    Parameters
    ----------
    name : str or array_like of shape (K, 3)
        A colormap name (matplotlib, colorcet, Crameri, ``"colorschemes:..."``
        for ColorSchemes.jl's exact data; ``"_r"`` reverses) or a colour table.

    Examples
    --------
    >>> ExtremaColormap("gray")(np.array([[[0.0, 5.0, 10.0]]]))[0, 0, :, 0]
    array([0. , 0.5, 1. ])
    """

    name: Any = "batlow"


@dataclass(frozen=True, repr=False, eq=False)
class CenteredColormap(_Colormap):
    """Colour each sample symmetrically around zero, on ``[-max|x|, max|x|]``.

    Zero takes the centre colour. Use diverging schemes (default ``"berlin"``).

    Examples
    --------
    >>> CenteredColormap("gray")(np.array([[[-2.0, 0.0, 1.0]]]))[0, 0, :, 0]
    array([0.  , 0.5 , 0.75])
    """

    name: Any = "berlin"
    centered = True
