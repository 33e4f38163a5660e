"""Colour lookup and alpha blending for the 8-bit path.

A sample's pixels go through in blocks of :data:`BLOCK`: their table positions
are computed in one vectorised loop into a small index buffer, then a scalar
loop gathers the packed colours and writes each pixel with one 4-byte store
(:func:`._llvm.store_u32`). Splitting the two keeps both loops tight: a loop
that mixes float arithmetic with table reads vectorises neither well.

Positions are ``(clamp(v, lo, hi) - a) * scale + 0.5`` truncated, in float32:
ColorSchemes' placement on a table of ``L`` entries, rounded to the nearest.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._llvm import store_u32

_JIT = {"nogil": True, "cache": True, "boundscheck": False}

#: pixels per block: the index buffer (4 KiB) and a colour block (3 KiB) stay in L1
BLOCK = 1024


@nb.njit(**_JIT)
def _positions(src, lo, hi, a, scale, idx):  # pragma: no cover - compiled
    """Table positions of ``src`` into ``idx[:len(src)]`` (vectorised)."""
    half = np.float32(0.5)
    for p in range(src.shape[0]):
        v = src[p]
        c = hi if v > hi else (lo if v < lo else v)
        idx[p] = np.uint32((c - a) * scale + half)


@nb.njit(**_JIT)
def _gather(idx, count, lut32, dst, offset, room):  # pragma: no cover - compiled
    """Colours of ``idx[:count]`` into ``dst`` from byte ``offset``, 3 bytes per pixel.

    ``room`` says whether one byte past the last pixel may be written.
    """
    last = count - 1 if not room else count
    for p in range(last):
        store_u32(dst, offset + 3 * p, lut32[idx[p]])
    if last < count:
        v = lut32[idx[last]]
        q = offset + 3 * last
        dst[q] = v & 255
        dst[q + 1] = (v >> 8) & 255
        dst[q + 2] = (v >> 16) & 255


@nb.njit(**_JIT)
def _colour_sample(src, lo, hi, a, scale, lut32, dst, idx):  # pragma: no cover - compiled
    """The colours of one sample ``src`` into ``dst`` (3 bytes per value), block by block.

    ``idx`` is a work buffer of :data:`BLOCK` entries.
    """
    k = src.shape[0]
    for start in range(0, k, BLOCK):
        stop = min(k, start + BLOCK)
        _positions(src[start:stop], lo, hi, a, scale, idx)
        _gather(idx, stop - start, lut32, dst, 3 * start, stop < k)


@nb.njit(**_JIT)
def colorize_u8(m, a, b, lo, hi, lut32, out):  # pragma: no cover - compiled
    """Write the 8-bit colours of ``m`` (``(n, k)`` float32) into ``out`` (``(n, 3k)`` uint8).

    Sample ``i`` maps its range ``[a[i], b[i]]`` onto the table after clamping
    to ``[lo[i], hi[i]]`` (a clip folded into the lookup; ``lo = a, hi = b``
    without one). ``lut32`` packs R, G, B of each table entry into one uint32
    (R lowest), with a guard copy of the last entry.
    """
    size = lut32.shape[0] - 1
    idx = np.empty(BLOCK, np.uint32)
    for i in range(m.shape[0]):
        scale = np.float32(size - 1) / (b[i] - a[i])
        _colour_sample(m[i], lo[i], hi[i], a[i], scale, lut32, out[i], idx)


@nb.njit(**_JIT)
def _blend(heat, image, wa, wb, out):  # pragma: no cover - compiled
    # every product cast back to uint32: numba would widen them to 64 bits, which
    # halves the lanes of the vectorised loop
    for q in range(out.shape[0]):
        s = np.uint32(np.uint32(image[q]) * wb) + np.uint32(np.uint32(heat[q]) * wa)
        out[q] = np.uint32(s + np.uint32(32768)) >> np.uint32(16)


@nb.njit(**_JIT)
def _blend_into(image, wa, wb, out):  # pragma: no cover - compiled
    """:func:`_blend` with the colours already in ``out`` (two arrays: one alias check)."""
    for q in range(out.shape[0]):
        s = np.uint32(np.uint32(image[q]) * wb) + np.uint32(np.uint32(out[q]) * wa)
        out[q] = np.uint32(s + np.uint32(32768)) >> np.uint32(16)


@nb.njit(**_JIT)
def colorize_blend_u8(m, a, b, lo, hi, lut32, image, weight, out):  # pragma: no cover - compiled
    """:func:`colorize_u8`, then :func:`blend_u8` of the colours over ``image``.

    A sample is coloured whole, then blended in place while it is in L2: run
    block by block instead, the table reads and the image stream compete for
    L1 and the pair is slower than the two passes apart.
    """
    size = lut32.shape[0] - 1
    idx = np.empty(BLOCK, np.uint32)
    wa = np.uint32(weight)
    wb = np.uint32(65536) - wa
    for i in range(m.shape[0]):
        scale = np.float32(size - 1) / (b[i] - a[i])
        _colour_sample(m[i], lo[i], hi[i], a[i], scale, lut32, out[i], idx)
        _blend_into(image[i], wa, wb, out[i])


@nb.njit(**_JIT)
def blend_u8(heat, image, weight, out):  # pragma: no cover - compiled
    """``out = round(image * (1 - w) + heat * w)`` on uint8 rows, ``w = weight / 65536``."""
    a = np.uint32(weight)
    b = np.uint32(65536) - a
    for i in range(heat.shape[0]):
        _blend(heat[i], image[i], a, b, out[i])


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
                q = 3 * p + c
                o[q] = (np.uint32(g[q]) * b + np.uint32(h[q]) * a + np.uint32(32768)) \
                    >> np.uint32(16)
