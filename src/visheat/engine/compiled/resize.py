"""Separable resizing of float32 maps with few taps per output pixel.

Upsampling a CAM (7 x 7 to 224 x 224) touches two input pixels per axis. Two
matrix products spend most of their time multiplying zeros; here the horizontal
pass makes ``h`` short rows, and each output row is a weighted sum of two or
three of them. Volumes (:func:`_resize_volume_one`) add depth as a third pass:
each input slice is resized as an image, and each output slice is a weighted sum
of two or three of those (``visheat.transforms.resampling.resize_volume_taps``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .reduce import _key_range

_JIT = {"nogil": True, "cache": True, "boundscheck": False}


@nb.njit(**_JIT)
def _resize_one(src, wy, y0, y1, wx, x0, x1, tmp, out):  # pragma: no cover - compiled
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
    """:func:`_resize_one` for each of ``n`` maps: ``src`` ``(n, h, w)`` to ``out`` ``(n, H, W)``.

    All float32, ``out`` C-contiguous. ``keys`` (``(n, 2)`` int32, or a ``(0, 2)``
    array for none) receives each sample's extrema as order keys.
    """
    tmp = np.empty((src.shape[1], out.shape[2]), np.float32)
    for i in range(src.shape[0]):
        _resize_one(src[i], wy, y0, y1, wx, x0, x1, tmp, out[i])
        if keys.shape[0] > 0:
            keys[i, 0], keys[i, 1] = _key_range(out[i].ravel().view(np.int32),
                                                np.int32(0x7FFFFFFF), np.int32(-0x80000000))


@nb.njit(**_JIT)
def resize_pictures(src, wy, y0, y1, wx, x0, x1, out):  # pragma: no cover - compiled
    """8-bit RGB pictures ``src`` ``(n, h, w, 3)`` resized into ``out`` ``(n, H, W, 3)``.

    The sums of :func:`_resize_one` in float32 on each channel, then rounded half
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


@nb.njit(**_JIT)
def _row_sums(slices, wd, d0, d1, out):  # pragma: no cover - compiled
    """``out[z] = sum_j wd[z, j] * slices[j]`` over the taps of ``z``, in increasing order
    (the first product, then each next one added).

    ``slices`` ``(d, P)`` and ``out`` ``(D, P)`` float32 rows of ``P`` values: the
    slices of a volume (the depth pass) or the rows of an image (the vertical pass).
    """
    pixels = out.shape[1]
    for z in range(out.shape[0]):
        j0, taps = d0[z], d1[z] - d0[z]
        w0 = wd[z, j0]
        if taps == 2:
            w1 = wd[z, j0 + 1]
            for p in range(pixels):
                out[z, p] = w0 * slices[j0, p] + w1 * slices[j0 + 1, p]
        else:
            for p in range(pixels):
                out[z, p] = w0 * slices[j0, p]
            for j in range(j0 + 1, d1[z]):
                w = wd[z, j]
                for p in range(pixels):
                    out[z, p] += w * slices[j, p]


@nb.njit(**_JIT)
def _resize_volume_one(src, taps, tmp, slices, out):  # pragma: no cover - compiled
    """One ``(d, h, w)`` volume resized into ``out`` ``(D, H, W)``: W, then H, then D.

    ``taps`` is ``(wd, d0, d1, wy, y0, y1, wx, x0, x1)``; ``tmp`` ``(h, W)`` and
    ``slices`` ``(d, H, W)`` are work buffers (``slices`` unused, and may be empty,
    when ``d == D == 1``: then this is :func:`_resize_one`).
    """
    wd, d0, d1, wy, y0, y1, wx, x0, x1 = taps
    depth, height, width = out.shape
    if src.shape[0] == 1 and depth == 1:  # an image: its depth weight is 1.0
        _resize_one(src[0], wy, y0, y1, wx, x0, x1, tmp, out[0])
        return
    for j in range(src.shape[0]):
        _resize_one(src[j], wy, y0, y1, wx, x0, x1, tmp, slices[j])
    _row_sums(slices.reshape(src.shape[0], height * width), wd, d0, d1,
                out.reshape(depth, height * width))


@nb.njit(**_JIT)
def resize_volumes(src, taps, out):  # pragma: no cover - compiled
    """:func:`_resize_volume_one` for each of ``n`` float32 volumes ``src`` ``(n, d, h, w)``
    into ``out`` ``(n, D, H, W)``."""
    tmp = np.empty((src.shape[2], out.shape[3]), np.float32)
    slices = np.empty((src.shape[1],) + out.shape[2:], np.float32)
    for i in range(src.shape[0]):
        _resize_volume_one(src[i], taps, tmp, slices, out[i])


@nb.njit(**_JIT)
def resize_volume_pictures(src, taps, out):  # pragma: no cover - compiled
    """8-bit RGB volumes ``src`` ``(n, d, h, w, 3)`` resized into ``out`` ``(n, D, H, W, 3)``.

    The sums of :func:`_resize_volume_one` in float32 on each channel (interleaved),
    rounded half to even and clamped to 0..255, as ``resize_volume_taps`` rounds
    uint8 data.
    """
    wd, d0, d1, wy, y0, y1, wx, x0, x1 = taps
    n, d, h, w = src.shape[:4]
    depth, height, width = out.shape[1:4]
    tmp = np.empty((h, 3 * width), np.float32)
    slices = np.empty((d, height * 3 * width), np.float32)
    row = np.empty((1, height * 3 * width), np.float32)
    for i in range(n):
        for j in range(d):
            for r in range(h):
                for x in range(width):
                    k0 = x0[x]
                    wk = wx[x, k0]
                    for c in range(3):
                        tmp[r, 3 * x + c] = np.float32(src[i, j, r, k0, c]) * wk
                    for k in range(k0 + 1, x1[x]):
                        wk = wx[x, k]
                        for c in range(3):
                            tmp[r, 3 * x + c] += np.float32(src[i, j, r, k, c]) * wk
            _row_sums(tmp, wy, y0, y1, slices[j].reshape(height, 3 * width))
        flat = out[i].reshape(depth, height * 3 * width)
        for z in range(depth):
            _row_sums(slices, wd[z:z + 1], d0[z:z + 1], d1[z:z + 1], row)
            for p in range(row.shape[1]):
                flat[z, p] = np.uint8(np.rint(min(max(row[0, p], np.float32(0)),
                                                  np.float32(255))))
