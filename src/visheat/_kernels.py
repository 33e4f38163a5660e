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
def _indices(src, start, stop, a, b, scale, idx):  # pragma: no cover - compiled
    """Table indices of ``src[start:stop]``: ColorSchemes' position, rounded."""
    for p in range(start, stop):
        v = src[p]
        c = b if v > b else (a if v < a else v)
        idx[p - start] = np.int32((c - a) * scale + np.float32(0.5))


@nb.njit(**_JIT)
def _colour_words(src, a, b, scale, lut32, words):  # pragma: no cover - compiled
    """Colours of ``src`` (length a multiple of 4) as little-endian words RGBR GBRG BRGB.

    One fused loop: clamp, table position, gather and packing stay in registers.
    """
    half = np.float32(0.5)
    for q in range(src.shape[0] // 4):
        p = 4 * q
        v0 = lut32[np.uint32((min(max(src[p], a), b) - a) * scale + half)]
        v1 = lut32[np.uint32((min(max(src[p + 1], a), b) - a) * scale + half)]
        v2 = lut32[np.uint32((min(max(src[p + 2], a), b) - a) * scale + half)]
        v3 = lut32[np.uint32((min(max(src[p + 3], a), b) - a) * scale + half)]
        w = 3 * q
        words[w] = v0 | (v1 << np.uint32(24))
        words[w + 1] = (v1 >> np.uint32(8)) | (v2 << np.uint32(16))
        words[w + 2] = (v2 >> np.uint32(16)) | (v3 << np.uint32(8))


@nb.njit(**_JIT)
def colorize_u8(m, lo, hi, lut32, out, words_ok):  # pragma: no cover - compiled
    """Write the 8-bit colours of ``m`` (``(n, k)`` float32) into ``out`` (``(n, 3k)`` uint8).

    ``lut32`` packs R, G, B of each table entry into one uint32 (R lowest), with
    a guard copy of the last entry. With ``words_ok`` (rows 4-byte aligned and
    ``k`` a multiple of 4) four pixels are written as three 32-bit words.
    """
    size = lut32.shape[0] - 1
    idx = np.empty(BLOCK, np.int32)
    for i in range(m.shape[0]):
        a, b = lo[i], hi[i]
        scale = np.float32(size - 1) / (b - a)
        src, dst = m[i], out[i]
        if words_ok:
            _colour_words(src, a, b, scale, lut32, dst.view(np.uint32))
            continue
        for start in range(0, src.shape[0], BLOCK):
            stop = min(src.shape[0], start + BLOCK)
            _indices(src, start, stop, a, b, scale, idx)
            for p in range(start, stop):
                v = lut32[idx[p - start]]
                dst[3 * p] = v & 255
                dst[3 * p + 1] = (v >> 8) & 255
                dst[3 * p + 2] = v >> 16


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


