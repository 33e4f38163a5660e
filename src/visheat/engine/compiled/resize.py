"""Separable resizing of float32 maps with few taps per output pixel.

Upsampling a CAM (7 x 7 to 224 x 224) touches two input pixels per axis. Two
matrix products spend most of their time multiplying zeros; here the horizontal
pass makes ``h`` short rows, and each output row is a weighted sum of two or
three of them.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .reduce import key_range

_JIT = {"nogil": True, "cache": True, "boundscheck": False}


@nb.njit(**_JIT)
def resize_one(src, wy, y0, y1, wx, x0, x1, tmp, out):  # pragma: no cover - compiled
    """``out = Wy @ src @ Wx.T`` for one ``(h, w)`` map into ``out`` ``(H, W)``.

    Each output value is summed tap by tap in increasing order, horizontal pass
    first (into ``tmp``, ``(h, W)``).
    """
    height, width = out.shape
    for j in range(src.shape[0]):
        for x in range(width):
            acc = src[j, x0[x]] * wx[x, x0[x]]
            for k in range(x0[x] + 1, x1[x]):
                acc += src[j, k] * wx[x, k]
            tmp[j, x] = acc
    # whole-array loops with 2-D indexing: LLVM vectorises them without the
    # per-row cost of slicing
    for y in range(height):
        j0, taps = y0[y], y1[y] - y0[y]
        w0 = wy[y, j0]
        if taps == 1:
            for x in range(width):
                out[y, x] = w0 * tmp[j0, x]
        elif taps == 2:
            w1 = wy[y, j0 + 1]
            for x in range(width):
                out[y, x] = w0 * tmp[j0, x] + w1 * tmp[j0 + 1, x]
        else:
            for x in range(width):
                out[y, x] = w0 * tmp[j0, x]
            for j in range(j0 + 1, y1[y]):
                w = wy[y, j]
                for x in range(width):
                    out[y, x] += w * tmp[j, x]


@nb.njit(**_JIT)
def resize_maps(src, wy, y0, y1, wx, x0, x1, out, keys):  # pragma: no cover - compiled
    """:func:`resize_one` for each of ``n`` maps: ``src`` ``(n, h, w)`` to ``out`` ``(n, H, W)``.

    All float32, ``out`` C-contiguous. ``keys`` (``(n, 2)`` int32, or a ``(0, 2)``
    array for none) receives each sample's extrema as order keys.
    """
    tmp = np.empty((src.shape[1], out.shape[2]), np.float32)
    for i in range(src.shape[0]):
        resize_one(src[i], wy, y0, y1, wx, x0, x1, tmp, out[i])
        if keys.shape[0] > 0:
            keys[i, 0], keys[i, 1] = key_range(out[i].ravel().view(np.int32),
                                                np.int32(0x7FFFFFFF), np.int32(-0x80000000))


@nb.njit(**_JIT)
def resize_pictures(src, wy, y0, y1, wx, x0, x1, out):  # pragma: no cover - compiled
    """8-bit RGB pictures ``src`` ``(n, h, w, 3)`` resized into ``out`` ``(n, H, W, 3)``.

    The sums of :func:`resize_one` in float32 on each channel, then rounded half
    to even and clamped to 0..255, as ``resize_array`` rounds uint8 data. The
    three channels stay interleaved, so the vertical pass runs over rows of
    ``3 W`` contiguous values.
    """
    n, h = src.shape[0], src.shape[1]
    height, width = out.shape[1], out.shape[2]
    tmp = np.empty((h, 3 * width), np.float32)
    row = np.empty(3 * width, np.float32)
    for i in range(n):
        for j in range(h):
            for x in range(width):
                k0 = x0[x]
                w = wx[x, k0]
                for c in range(3):
                    tmp[j, 3 * x + c] = np.float32(src[i, j, k0, c]) * w
                for k in range(k0 + 1, x1[x]):
                    w = wx[x, k]
                    for c in range(3):
                        tmp[j, 3 * x + c] += np.float32(src[i, j, k, c]) * w
        flat = out[i].reshape(height, 3 * width)
        for y in range(height):
            j0, taps = y0[y], y1[y] - y0[y]
            w0 = wy[y, j0]
            if taps == 2:
                w1 = wy[y, j0 + 1]
                for p in range(3 * width):
                    row[p] = w0 * tmp[j0, p] + w1 * tmp[j0 + 1, p]
            else:
                for p in range(3 * width):
                    row[p] = w0 * tmp[j0, p]
                for j in range(j0 + 1, y1[y]):
                    w = wy[y, j]
                    for p in range(3 * width):
                        row[p] += w * tmp[j, p]
            for p in range(3 * width):
                flat[y, p] = np.uint8(np.rint(min(max(row[p], np.float32(0)),
                                                  np.float32(255))))
