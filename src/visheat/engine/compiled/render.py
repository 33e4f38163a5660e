"""One sample at a time, from attributions to pictures: the whole fused tail.

For each sample, :func:`render` makes the map (a channel reduction, a resize
of a small map, or the map as given) into a scratch row that stays in L2,
finds its extrema on the way, takes the clip's quantiles, works out the colour
range, and writes the colours (and the blend) straight into the output. The
map never goes through memory and Python runs once per chunk, not per step.

The range rules are those of :mod:`visheat.transforms.colormaps` and
:mod:`visheat.transforms.clipping` for per-sample colormaps, in the same float32 and
float64 arithmetic; the tests compare every picture and record with the step
by step run. A sample that needs anything else (a NaN or an infinity, a range
float32 cannot place on the table, ranks the tail selection did not resolve)
is flagged, and the caller runs the chunk the long way, which also gives the
usual errors.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .colour import BLOCK as COLOUR_BLOCK
from .colour import _blend_into, _colour_sample
from .reduce import BLOCK, _key_range, _reduce_block
from .resize import _resize_volume_one
from .select import _row_tail_ranks, _tail_buffers

_JIT = {"nogil": True, "cache": True, "boundscheck": False}

#: where a sample's map comes from
VALUES, MAPS, RESIZE = range(3)


@nb.njit(**_JIT)
def _key_value(key):  # pragma: no cover - compiled
    """The float32 whose order key is ``key`` (see :func:`.reduce.key_range`)."""
    bits = np.empty(1, np.int32)
    bits[0] = key ^ ((key >> np.int32(31)) & np.int32(0x7FFFFFFF))
    return bits.view(np.float32)[0]


@nb.njit(**_JIT)
def _interpolate(a, b, gamma):  # pragma: no cover - compiled
    """``clipping._interpolate`` for one float32 pair: Julia's ``(1-γ)a + γb``."""
    tol = np.sqrt(np.float32(np.finfo(np.float32).eps))
    close = (a == b) | (abs(a - b) <= tol * max(abs(a), abs(b)))
    if close:
        return np.float64(a) + gamma * np.float64(b - a)
    return (1.0 - gamma) * np.float64(a) + gamma * np.float64(b)


@nb.njit(**_JIT)
def _colour_range(lo, hi, centered, vmin, vmax):  # pragma: no cover - compiled
    """``range_from_extrema`` of a per-sample colormap: fixed limits, then the
    degenerate-range rule. ``vmin`` / ``vmax`` are NaN when not set."""
    one = np.float32(1)
    if centered:
        top = max(-lo, hi)
        if vmax == vmax:
            top = np.float32(vmax)
        top = top if top > 0 else one
        return -top, top
    if vmin == vmin:
        lo = np.float32(vmin)
    if vmax == vmax:
        hi = np.float32(vmax)
    hi = max(hi, lo)
    bumped = hi if hi > lo else lo + one
    if not bumped > lo:
        bumped = np.nextafter(lo, np.float32(np.inf))
    return lo, (bumped if np.isfinite(bumped) else lo)


@nb.njit(**_JIT)
def _make_map(mode, i, x, maps, small, how, taps, tmp, slices, row):  # pragma: no cover
    """Sample ``i``'s map into ``row`` (or the input row itself); its extrema keys."""
    lo, hi = np.int32(0x7FFFFFFF), np.int32(-0x80000000)
    if mode == MAPS:
        return maps[i], _key_range(maps[i].view(np.int32), lo, hi)
    if mode == RESIZE:
        shape = (taps[0].shape[0], taps[3].shape[0], taps[6].shape[0])
        _resize_volume_one(small[i], taps, tmp, slices, row.reshape(shape))
        return row, _key_range(row.view(np.int32), lo, hi)
    k = x.shape[3]
    for s in range(0, k, BLOCK):
        e = min(k, s + BLOCK)
        block = row[s:e]
        _reduce_block(x, i, 0, s, e, how, block)
        lo, hi = _key_range(block.view(np.int32), lo, hi)
    return row, (lo, hi)


@nb.njit(**_JIT)
def _first_peak(m, lo, hi, top):  # pragma: no cover - compiled
    """The first index of ``m`` clamped to ``[lo, hi]`` that equals ``top`` (its maximum)."""
    for p in range(m.shape[0]):
        if min(max(m[p], lo), hi) == top:
            return p
    return 0


@nb.njit(**_JIT)
def render(mode, x, maps, small, how, taps, clip, low, high, gammas, centered, vmin, vmax,
           lut32, images, weight, out, rec_lo, rec_hi, rec_clip, rec_peak, flags,
           scratch):  # pragma: no cover
    """Render every sample into ``out`` (``(n, 3k)`` uint8); see the module notes.

    Parameters, by group:

    * source (``mode``): ``VALUES`` reduces ``x`` ``(n, c, 1, k)`` with
      reduction ``how``; ``MAPS`` colours ``maps`` ``(n, k)``; ``RESIZE``
      resizes ``small`` ``(n, d, h, w)`` (``d`` 1 for images) with ``taps``, the
      ``(wd, d0, d1, wy, y0, y1, wx, x0, x1)`` of :func:`.resize.resize_volume_one`.
    * clip: when ``clip``, the 0-based ``low`` / ``high`` ranks (two per
      probability, lower probability first) and the two ``gammas`` give the
      quantiles, as ``clipping.sample_quantiles``.
    * colour: ``centered``, ``vmin`` / ``vmax`` (NaN for none), ``lut32``.
    * overlay: when ``images`` has rows, blend with ``weight / 65536``.
    * records: the colour range into ``rec_lo`` / ``rec_hi`` (float32), the
      clip's bounds into ``rec_clip`` (``(n, 2)`` float64); when ``rec_peak`` has
      ``n`` entries (volumes), the flat index of the first highest value of the
      (clipped) map, as ``argmax``. ``flags[i]`` is True where sample ``i`` must be
      rendered the long way.
    * ``scratch``: float32, at least ``k`` values, for the map (the caller keeps
      it between calls: a fresh one would be mapped and faulted in every time).
    """
    n = out.shape[0]
    k = out.shape[1] // 3
    size = lut32.shape[0] - 1
    row = scratch[:k]
    tmp = np.empty((small.shape[2], taps[6].shape[0]), np.float32)
    deep = small.shape[1] > 1 or taps[0].shape[0] > 1
    slices = np.empty((small.shape[1] if deep else 0, taps[3].shape[0], taps[6].shape[0]),
                      np.float32)
    idx = np.empty(COLOUR_BLOCK, np.uint32)
    buffers = _tail_buffers(k, low, high, np.float32)
    found = np.empty(low.shape[0] + high.shape[0], np.float32)
    ranks = np.concatenate((low, high))
    wa = np.uint32(weight)
    wb = np.uint32(65536) - wa
    for i in range(n):
        flags[i] = True
        m, keys = _make_map(mode, i, x, maps, small, how, taps, tmp, slices, row)
        lo, hi = _key_value(keys[0]), _key_value(keys[1])
        if not (np.isfinite(lo) and np.isfinite(hi)):
            continue
        clip_lo, clip_hi = lo, hi
        if clip:
            # the tail selection; numba's partition is slow (90 us at 4096 values), so it
            # only takes small maps, and ones the selection could not resolve
            if k < 256 or not _row_tail_ranks(m, low, high, buffers, found):
                if k > 4096:
                    continue
                found[:] = np.partition(m.copy(), ranks)[ranks]
            q_lo = _interpolate(found[0], found[1], gammas[0])
            q_hi = _interpolate(found[2], found[3], gammas[1])
            rec_clip[i, 0], rec_clip[i, 1] = q_lo, q_hi
            clip_lo, clip_hi = np.float32(q_lo), np.float32(q_hi)
            lo = min(max(lo, clip_lo), clip_hi)
            hi = min(max(hi, clip_lo), clip_hi)
        a, b = _colour_range(lo, hi, centered, vmin, vmax)
        scale = np.float32(size - 1) / (b - a)
        if not (np.isfinite(scale) and np.isfinite(b - a)):
            continue
        clamp_lo = min(max(clip_lo, a), b)
        clamp_hi = min(max(clip_hi, a), b)
        _colour_sample(m, clamp_lo, clamp_hi, a, scale, lut32, out[i], idx)
        if images.shape[0]:
            _blend_into(images[i], wa, wb, out[i])
        rec_lo[i], rec_hi[i] = a, b
        if rec_peak.shape[0]:
            rec_peak[i] = _first_peak(m, clip_lo, clip_hi, hi)
        flags[i] = False
