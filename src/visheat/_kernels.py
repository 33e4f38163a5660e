"""Compiled loops for the 8-bit fast path (numba, compiled on first use and cached).

Each kernel does in one pass what numpy needs several passes and temporaries
for: a channel reduction, a clip, a colour lookup written straight into the
uint8 output, a blend. They follow the same arithmetic as the exact numpy code
in the transform modules (the tests compare the two), release the GIL, and work
on one sample at a time so their arrays stay in the CPU cache.

Only float32 maps reach these kernels: the 8-bit path computes in float32,
which resolves a 65 536-entry colour table with room to spare.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_JIT = {"nogil": True, "cache": True, "boundscheck": False}

SUM, NORM, MAXABS, SUMABS, ABSSUM = range(5)
REDUCTIONS = {"sum": SUM, "norm": NORM, "maxabs": MAXABS, "sumabs": SUMABS, "abssum": ABSSUM}


@nb.njit(**_JIT)
def _reduce_row(x, i, h, how, out_row):  # pragma: no cover - compiled
    channels, width = x.shape[1], x.shape[3]
    first = x[i, 0, h]
    if how == NORM:
        for w in range(width):
            out_row[w] = np.sqrt(first[w] * first[w])
    elif how == MAXABS or how == SUMABS:
        for w in range(width):
            out_row[w] = abs(first[w])
    else:
        for w in range(width):
            out_row[w] = first[w]
    for c in range(1, channels):
        row = x[i, c, h]
        if how == NORM:  # Julia: reduce((a, c) -> sqrt(a^2 + c^2), cs; init = 0)
            for w in range(width):
                out_row[w] = np.sqrt(out_row[w] * out_row[w] + row[w] * row[w])
        elif how == MAXABS:
            for w in range(width):
                out_row[w] = max(out_row[w], abs(row[w]))
        elif how == SUMABS:
            for w in range(width):
                out_row[w] += abs(row[w])
        else:
            for w in range(width):
                out_row[w] += row[w]
    if how == ABSSUM:
        for w in range(width):
            out_row[w] = abs(out_row[w])


@nb.njit(**_JIT)
def reduce_channels(x, how, out):  # pragma: no cover - compiled
    """``out[i, h, w] = reduction over c of x[i, c, h, w]`` (C >= 2)."""
    for i in range(x.shape[0]):
        for h in range(x.shape[2]):
            _reduce_row(x, i, h, how, out[i, h])


@nb.njit(**_JIT)
def clip_rows(m, lo, hi, out):  # pragma: no cover - compiled
    """Clamp each sample's row of ``m`` (shape ``(n, k)``) to ``[lo[i], hi[i]]``."""
    for i in range(m.shape[0]):
        a, b = lo[i], hi[i]
        src, dst = m[i], out[i]
        for k in range(src.shape[0]):
            v = src[k]
            dst[k] = b if v > b else (a if v < a else v)


@nb.njit(**_JIT)
def exponent_max(bits, mask):  # pragma: no cover - compiled
    """Largest ``bits & mask`` over the rows: all-ones exponent means NaN or infinity.

    Works on the integer view of float32 (uint32) or float64 (uint64) data, so
    the reduction vectorises.
    """
    top = bits.dtype.type(0)
    for i in range(bits.shape[0]):
        row = bits[i]
        for k in range(row.shape[0]):
            top = max(top, row[k] & mask)
    return top


BLOCK = 2048  # pixels whose table indices are computed (vectorised) before the gather


@nb.njit(**_JIT)
def _indices(src, start, stop, lo, hi, a, scale, idx):  # pragma: no cover - compiled
    """Table indices of ``src[start:stop]``: ColorSchemes' position, rounded."""
    for p in range(start, stop):
        v = src[p]
        c = hi if v > hi else (lo if v < lo else v)
        idx[p - start] = np.int32((c - a) * scale + np.float32(0.5))


@nb.njit(**_JIT)
def _colour_words(src, lo, hi, a, scale, lut32, words):  # pragma: no cover - compiled
    """Colours of ``src`` (length a multiple of 4) as little-endian words RGBR GBRG BRGB.

    One fused loop: clamp, table position, gather and packing stay in registers.
    """
    half = np.float32(0.5)
    for q in range(src.shape[0] // 4):
        p = 4 * q
        v0 = lut32[np.uint32((min(max(src[p], lo), hi) - a) * scale + half)]
        v1 = lut32[np.uint32((min(max(src[p + 1], lo), hi) - a) * scale + half)]
        v2 = lut32[np.uint32((min(max(src[p + 2], lo), hi) - a) * scale + half)]
        v3 = lut32[np.uint32((min(max(src[p + 3], lo), hi) - a) * scale + half)]
        w = 3 * q
        words[w] = v0 | (v1 << np.uint32(24))
        words[w + 1] = (v1 >> np.uint32(8)) | (v2 << np.uint32(16))
        words[w + 2] = (v2 >> np.uint32(16)) | (v3 << np.uint32(8))


@nb.njit(**_JIT)
def _colour_row(src, lo, hi, a, scale, lut32, dst, idx):  # pragma: no cover - compiled
    """8-bit colours of one sample ``src`` (float32) into ``dst`` (uint8, 3 per value).

    Values are clamped to ``[lo, hi]`` and placed on the table by ``(v - a) * scale``.
    """
    if src.shape[0] % 4 == 0 and dst.ctypes.data % 4 == 0:
        _colour_words(src, lo, hi, a, scale, lut32, dst.view(np.uint32))
        return
    for start in range(0, src.shape[0], BLOCK):
        stop = min(src.shape[0], start + BLOCK)
        _indices(src, start, stop, lo, hi, a, scale, idx)
        for p in range(start, stop):
            v = lut32[idx[p - start]]
            dst[3 * p] = v & 255
            dst[3 * p + 1] = (v >> 8) & 255
            dst[3 * p + 2] = v >> 16


@nb.njit(**_JIT)
def colorize_u8(m, a, b, lo, hi, lut32, out):  # pragma: no cover - compiled
    """Write the 8-bit colours of ``m`` (``(n, k)`` float32) into ``out`` (``(n, 3k)`` uint8).

    Sample ``i`` maps its range ``[a[i], b[i]]`` onto the table after clamping
    to ``[lo[i], hi[i]]`` (a clip folded into the lookup; ``lo = a, hi = b``
    without one). ``lut32`` packs R, G, B of each table entry into one uint32
    (R lowest), with a guard copy of the last entry.
    """
    size = lut32.shape[0] - 1
    idx = np.empty(BLOCK, np.int32)
    for i in range(m.shape[0]):
        scale = np.float32(size - 1) / (b[i] - a[i])
        _colour_row(m[i], lo[i], hi[i], a[i], scale, lut32, out[i], idx)


@nb.njit(**_JIT)
def _blend_row(heat, image, wa, wb, out):  # pragma: no cover - compiled
    for k in range(out.shape[0]):
        out[k] = (np.uint32(image[k]) * wb + np.uint32(heat[k]) * wa + np.uint32(32768)) \
            >> np.uint32(16)


@nb.njit(**_JIT)
def colorize_blend_u8(m, a, b, lo, hi, lut32, image, weight, out):  # pragma: no cover - compiled
    """:func:`colorize_u8` then :func:`blend_u8` over ``image``, a few thousand pixels at a time.

    The colours go to a small scratch row that stays in the L1 cache; only the
    blend is written to ``out``.
    """
    size = lut32.shape[0] - 1
    idx = np.empty(BLOCK, np.int32)
    heat = np.empty(3 * 2 * BLOCK, np.uint8)
    wa = np.uint32(weight)
    wb = np.uint32(65536) - wa
    for i in range(m.shape[0]):
        scale = np.float32(size - 1) / (b[i] - a[i])
        src, g, o = m[i], image[i], out[i]
        for start in range(0, src.shape[0], 2 * BLOCK):
            stop = min(src.shape[0], start + 2 * BLOCK)
            row = heat[:3 * (stop - start)]
            _colour_row(src[start:stop], lo[i], hi[i], a[i], scale, lut32, row, idx)
            _blend_row(row, g[3 * start:3 * stop], wa, wb, o[3 * start:3 * stop])


@nb.njit(**_JIT)
def _key_range(bits, lo, hi):  # pragma: no cover - compiled
    """Fold the order keys of float32 ``bits`` (int32 view) into ``lo``, ``hi``.

    Integer keys (negative floats with their magnitude bits flipped) order like
    the floats and put NaN beyond the infinities, so a NaN shows in the extrema;
    unlike a float min/max, the integer loop vectorises.
    """
    for k in range(bits.shape[0]):
        v = bits[k]
        v = v ^ ((v >> np.int32(31)) & np.int32(0x7FFFFFFF))
        lo = v if v < lo else lo
        hi = v if v > hi else hi
    return lo, hi


@nb.njit(**_JIT)
def reduce_extrema(x, how, maps, keys):  # pragma: no cover - compiled
    """:func:`reduce_channels` into ``maps`` (``(n, H*W)``) and each map's extrema keys.

    ``keys[i] = (lo, hi)`` as order keys (see :func:`_key_range`). Every
    reduction but ``maxabs`` carries a NaN or infinity of its input into the
    map; for ``maxabs`` the input rows are checked and a bad one sets a NaN key.
    """
    height, width = x.shape[2], x.shape[3]
    nan_key = np.int32(0x7FC00000)
    exponent = np.uint32(0x7F800000)
    for i in range(x.shape[0]):
        lo, hi = np.int32(0x7FFFFFFF), np.int32(-0x80000000)
        bad = np.uint32(0)
        for h in range(height):
            row = maps[i, h * width:(h + 1) * width]
            _reduce_row(x, i, h, how, row)
            lo, hi = _key_range(row.view(np.int32), lo, hi)
            if how == MAXABS:
                for c in range(x.shape[1]):
                    channel = x[i, c, h].view(np.uint32)
                    for w in range(width):
                        bad = max(bad, channel[w] & exponent)
        keys[i, 0] = lo
        keys[i, 1] = nan_key if bad == exponent else hi


@nb.njit(**_JIT)
def row_extrema(rows, keys):  # pragma: no cover - compiled
    """Extrema keys (see :func:`_key_range`) of each float32 row."""
    for i in range(rows.shape[0]):
        keys[i, 0], keys[i, 1] = _key_range(rows[i].view(np.int32), np.int32(0x7FFFFFFF),
                                            np.int32(-0x80000000))


@nb.njit(**_JIT)
def blend_u8(heat, image, weight, out):  # pragma: no cover - compiled
    """``out = round(image * (1 - w) + heat * w)`` on uint8 rows, ``w = weight / 65536``."""
    a = np.uint32(weight)
    b = np.uint32(65536) - a
    for i in range(heat.shape[0]):
        h, g, o = heat[i], image[i], out[i]
        for k in range(h.shape[0]):
            o[k] = (np.uint32(g[k]) * b + np.uint32(h[k]) * a + np.uint32(32768)) >> np.uint32(16)


@nb.njit(**_JIT)
def blend_u8_planes(heat, image, weights, out):  # pragma: no cover - compiled
    """As :func:`blend_u8` with one weight per pixel (``weights`` rows of length ``k / 3``)."""
    for i in range(heat.shape[0]):
        h, g, o = heat[i], image[i], out[i]
        wt = weights[i if weights.shape[0] > 1 else 0]
        for p in range(wt.shape[0]):
            a = np.uint32(wt[p])
            b = np.uint32(65536) - a
            for c in range(3):
                k = 3 * p + c
                o[k] = (np.uint32(g[k]) * b + np.uint32(h[k]) * a + np.uint32(32768)) >> np.uint32(16)


def as_rows(a: np.ndarray) -> np.ndarray:
    """A C-contiguous ``(n, everything else)`` view (copying only if needed)."""
    a = np.ascontiguousarray(a)
    return a.reshape(a.shape[0], int(np.prod(a.shape[1:], dtype=np.int64)))


