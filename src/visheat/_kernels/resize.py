"""Separable resizing of float32 maps with few taps per output pixel.

Upsampling a CAM (7 x 7 to 224 x 224) touches two input pixels per axis. Two
matrix products spend most of their time multiplying zeros; here the horizontal
pass makes ``h`` short rows, and each output row is a weighted sum of two or
three of them.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .reduce import _key_range

_JIT = {"nogil": True, "cache": True, "boundscheck": False}


@nb.njit(**_JIT)
def resize_maps(src, wy, y0, y1, wx, x0, x1, out, keys):  # pragma: no cover - compiled
    """``out[i] = Wy @ src[i] @ Wx.T`` over the taps ``[y0, y1)``, ``[x0, x1)`` of each row.

    ``src`` is ``(n, h, w)``, ``out`` ``(n, H, W)`` C-contiguous, all float32; each
    output value is summed tap by tap in increasing order, horizontal pass first.
    ``keys`` (``(n, 2)`` int32, or a ``(0, 2)`` array for none) receives each
    sample's extrema as order keys.
    """
    n, h = src.shape[0], src.shape[1]
    height, width = out.shape[1], out.shape[2]
    tmp = np.empty((h, width), np.float32)
    for i in range(n):
        for j in range(h):
            for x in range(width):
                acc = src[i, j, x0[x]] * wx[x, x0[x]]
                for k in range(x0[x] + 1, x1[x]):
                    acc += src[i, j, k] * wx[x, k]
                tmp[j, x] = acc
        # whole-array loops with 2-D indexing: LLVM vectorises them without the
        # per-row cost of slicing
        for y in range(height):
            j0, taps = y0[y], y1[y] - y0[y]
            w0 = wy[y, j0]
            if taps == 1:
                for x in range(width):
                    out[i, y, x] = w0 * tmp[j0, x]
            elif taps == 2:
                w1 = wy[y, j0 + 1]
                for x in range(width):
                    out[i, y, x] = w0 * tmp[j0, x] + w1 * tmp[j0 + 1, x]
            else:
                for x in range(width):
                    out[i, y, x] = w0 * tmp[j0, x]
                for j in range(j0 + 1, y1[y]):
                    w = wy[y, j]
                    for x in range(width):
                        out[i, y, x] += w * tmp[j, x]
        if keys.shape[0] > 0:
            keys[i, 0], keys[i, 1] = _key_range(out[i].ravel().view(np.int32),
                                                np.int32(0x7FFFFFFF), np.int32(-0x80000000))
