"""Channel reductions, extrema, clipping and the finiteness check.

Each kernel does in one pass what numpy needs several passes and temporaries
for, in the same arithmetic as the numpy code of the transform modules (the
tests compare the two). Work goes in blocks of :data:`BLOCK` values whose loops
run over whole 1-D slices: that form is what LLVM vectorises.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_JIT = {"nogil": True, "cache": True, "boundscheck": False}

SUM, NORM, MAXABS, SUMABS, ABSSUM = range(5)
REDUCTIONS = {"sum": SUM, "norm": NORM, "maxabs": MAXABS, "sumabs": SUMABS, "abssum": ABSSUM}


#: values per block: long enough that slicing and loop set-up stay cheap (blocks of
#: 1024 cost 40 % more), short enough that the block is still in L2 for its extrema
BLOCK = 16384


@nb.njit(**_JIT)
def _reduce_block(x, i, h, s, e, how, out):  # pragma: no cover - compiled
    """``out = `` the reduction of ``x[i, :, h, s:e]`` over channels.

    Every loop runs over whole 1-D slices, which LLVM vectorises; channels are
    folded in one at a time, in Julia's order.
    """
    if x.shape[1] == 3:  # RGB: one loop over the three channels is twice as fast
        _reduce3(x[i, 0, h, s:e], x[i, 1, h, s:e], x[i, 2, h, s:e], how, out)
        return
    first = x[i, 0, h, s:e]
    if how == NORM:
        for p in range(out.shape[0]):
            out[p] = np.sqrt(first[p] * first[p])
    elif how == MAXABS or how == SUMABS:
        for p in range(out.shape[0]):
            out[p] = abs(first[p])
    else:
        for p in range(out.shape[0]):
            out[p] = first[p]
    for c in range(1, x.shape[1]):
        row = x[i, c, h, s:e]
        if how == NORM:  # Julia: reduce((a, c) -> sqrt(a^2 + c^2), cs; init = 0)
            for p in range(out.shape[0]):
                out[p] = np.sqrt(out[p] * out[p] + row[p] * row[p])
        elif how == MAXABS:
            for p in range(out.shape[0]):
                out[p] = max(out[p], abs(row[p]))
        elif how == SUMABS:
            for p in range(out.shape[0]):
                out[p] += abs(row[p])
        else:
            for p in range(out.shape[0]):
                out[p] += row[p]
    if how == ABSSUM:
        for p in range(out.shape[0]):
            out[p] = abs(out[p])


@nb.njit(**_JIT)
def _reduce3(r, g, b, how, out):  # pragma: no cover - compiled
    """:func:`_reduce_block` for three channels, in the same order of operations."""
    if how == NORM:
        for p in range(out.shape[0]):
            v = np.sqrt(r[p] * r[p])
            v = np.sqrt(v * v + g[p] * g[p])
            out[p] = np.sqrt(v * v + b[p] * b[p])
    elif how == MAXABS:
        for p in range(out.shape[0]):
            out[p] = max(max(abs(r[p]), abs(g[p])), abs(b[p]))
    elif how == SUMABS:
        for p in range(out.shape[0]):
            out[p] = abs(r[p]) + abs(g[p]) + abs(b[p])
    elif how == ABSSUM:
        for p in range(out.shape[0]):
            out[p] = abs(r[p] + g[p] + b[p])
    else:
        for p in range(out.shape[0]):
            out[p] = r[p] + g[p] + b[p]


@nb.njit(**_JIT)
def reduce_channels(x, how, out):  # pragma: no cover - compiled
    """``out[i, h, w] = reduction over c of x[i, c, h, w]``.

    Contiguous data runs fastest passed as ``(n, c, 1, h * w)`` with ``out`` as
    ``(n, 1, h * w)``: whole samples in blocks instead of rows.
    """
    width = x.shape[3]
    for i in range(x.shape[0]):
        for h in range(x.shape[2]):
            for s in range(0, width, BLOCK):
                e = min(width, s + BLOCK)
                _reduce_block(x, i, h, s, e, how, out[i, h, s:e])


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
    """:func:`reduce_channels` into ``maps`` and each map's extrema keys.

    ``keys[i] = (lo, hi)`` as order keys (see :func:`_key_range`), found on each
    block just after it is written, while it is in L1. Every reduction but
    ``maxabs`` carries a NaN or infinity of its input into the map; for
    ``maxabs`` the input blocks are checked and a bad one sets a NaN key.
    """
    width = x.shape[3]
    nan_key = np.int32(0x7FC00000)
    for i in range(x.shape[0]):
        lo, hi = np.int32(0x7FFFFFFF), np.int32(-0x80000000)
        bad = False
        for h in range(x.shape[2]):
            for s in range(0, width, BLOCK):
                e = min(width, s + BLOCK)
                block = maps[i, h, s:e]
                _reduce_block(x, i, h, s, e, how, block)
                lo, hi = _key_range(block.view(np.int32), lo, hi)
                if how == MAXABS:
                    for c in range(x.shape[1]):
                        bad |= _any_nonfinite(x[i, c, h, s:e])
        keys[i, 0] = lo
        keys[i, 1] = nan_key if bad else hi


@nb.njit(**_JIT)
def _any_nonfinite(values):  # pragma: no cover - compiled
    """Whether ``values`` holds a NaN or an infinity (a vectorised count, any strides)."""
    big = np.float32(np.finfo(np.float32).max)
    count = 0
    for k in range(values.shape[0]):
        count += not (abs(values[k]) <= big)
    return count > 0


@nb.njit(**_JIT)
def row_extrema(rows, keys):  # pragma: no cover - compiled
    """Extrema keys (see :func:`_key_range`) of each float32 row."""
    for i in range(rows.shape[0]):
        keys[i, 0], keys[i, 1] = _key_range(rows[i].view(np.int32), np.int32(0x7FFFFFFF),
                                            np.int32(-0x80000000))


def as_rows(a: np.ndarray) -> np.ndarray:
    """A C-contiguous ``(n, everything else)`` view (copying only if needed)."""
    a = np.ascontiguousarray(a)
    return a.reshape(a.shape[0], int(np.prod(a.shape[1:], dtype=np.int64)))


