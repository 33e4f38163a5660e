"""The batch engine: the hot loops of the pipeline, compiled when numba is there.

Every function here has two implementations with the same results: compiled
kernels (:mod:`visheat._kernels`, numba) and plain numpy. The kernels are used
when numba imports; set ``VISHEAT_NUMBA=0`` to force numpy (the test suite runs
both and compares them).
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any

import numpy as np


@functools.cache
def kernels() -> Any:
    """The compiled kernels module, or None (numba missing or disabled)."""
    if os.environ.get("VISHEAT_NUMBA", "1") == "0":
        return None
    try:
        from . import _kernels
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return _kernels


#: Largest scratch buffer a thread keeps between calls (bytes); larger ones are
#: allocated for the call and freed.
SCRATCH_BYTES = 1 << 26
_scratch = threading.local()


def scratch(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised array owned by the library, reused by this thread's later calls.

    A fresh multi-megabyte array costs a page fault per page on its first write,
    which on some machines takes longer than the work done in it. Intermediate
    maps of the fused pipelines live here instead; callers must not let them
    escape. ``name`` keeps buffers that are alive at once apart.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes > SCRATCH_BYTES:
        return np.empty(shape, dtype)
    pool = getattr(_scratch, "pool", None)
    if pool is None:
        pool = _scratch.pool = {}
    buf = pool.get(name)
    if buf is None or buf.nbytes < nbytes:
        buf = pool[name] = np.empty(max(nbytes, 1 << 16), np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def all_finite(data: np.ndarray) -> bool:
    """Whether every value of a float array is finite (one pass, no temporaries)."""
    k = kernels()
    if k is None or data.dtype not in (np.float32, np.float64) or data.size == 0:
        return bool(np.isfinite(data).all())
    ints, mask = (np.uint32, 0x7F800000) if data.dtype == np.float32 else \
        (np.uint64, 0x7FF0000000000000)
    bits = k.as_rows(data).view(ints)
    return bool(k.exponent_max(bits, ints(mask)) != mask)


def extrema(data: np.ndarray, centered: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample ``(min, max)``, or ``(-max|x|, max|x|)`` when ``centered``.

    numpy's own SIMD reductions are the fastest here; max|x| is taken from the
    two extrema, with no temporary array.
    """
    rows = data.reshape(data.shape[0], -1) if data.size else None
    if rows is None or rows.shape[1] == 0:
        zeros = np.zeros(data.shape[0], data.dtype)
        return zeros, zeros
    lo, hi = rows.min(axis=1), rows.max(axis=1)
    return symmetric(lo, hi) if centered else (lo, hi)


def symmetric(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(-m, m)`` with ``m = max(-lo, hi)``: the centred range of data in ``[lo, hi]``."""
    top = np.maximum(-lo, hi)
    return -top, top


def reduce_channels(values: np.ndarray, how: str, numpy_reduce: Any) -> np.ndarray:
    """Reduce ``(N, C, H, W)`` values (C >= 2) to ``(N, H, W)``; see :mod:`visheat.reductions`."""
    k = kernels()
    if k is None or values.dtype not in (np.float32, np.float64):
        return numpy_reduce(values)
    n, c = values.shape[:2]
    out = np.empty((n,) + values.shape[2:], values.dtype)
    if values.flags.c_contiguous:  # whole samples in blocks, not row by row
        pixels = int(np.prod(values.shape[2:], dtype=np.int64))
        k.reduce_channels(values.reshape(n, c, 1, pixels), k.REDUCTIONS[how],
                          out.reshape(n, 1, pixels))
    else:
        k.reduce_channels(values, k.REDUCTIONS[how], out)
    return out


def order_statistics(rows: np.ndarray, ranks: list[int]) -> np.ndarray:
    """``(N, len(ranks))``: the ``ranks``-th smallest values (0-based) of each row.

    Exact, as a full sort gives, but much faster than ``np.partition`` for
    ranks near the ends (percentile clipping): a subsample of the row gives
    thresholds that cut out small candidate sets at both ends, and only those
    are ordered. The compiled kernel (:func:`visheat._kernels.tail_ranks`) does
    it in two passes over the row; rows it does not resolve (a threshold that
    missed a rank, NaN, ranks far from the ends), and every row without numba,
    take the same method in numpy, which partitions a row outright when a
    threshold misses.

    Examples
    --------
    >>> rows = np.random.default_rng(0).normal(size=(3, 10000))
    >>> ranks = [9, 10, 9989, 9990]
    >>> bool((order_statistics(rows, ranks) == np.sort(rows, axis=1)[:, ranks]).all())
    True
    """
    n_rows, n = rows.shape
    out = np.empty((n_rows, len(ranks)), rows.dtype if n else np.float64)
    if n == 0:
        out[:] = 0
        return out
    wanted = np.array(ranks)
    if n <= 4096:  # small rows: a partition is as cheap as anything
        return np.partition(rows, sorted(set(ranks)), axis=1)[:, wanted]
    k = kernels()
    todo = np.arange(n_rows)
    if k is not None and rows.dtype in (np.float32, np.float64):
        is_low = wanted < n // 2
        found = np.empty((n_rows, len(ranks)), rows.dtype)
        ok = np.empty(n_rows, np.bool_)
        k.tail_ranks(np.ascontiguousarray(rows), wanted[is_low], wanted[~is_low], found, ok)
        out[:, np.concatenate([np.flatnonzero(is_low), np.flatnonzero(~is_low)])] = found
        todo = np.flatnonzero(~ok)
        if todo.size == 0:
            return out
    rows_left = rows[todo]
    step = n // 1024
    sample = np.sort(rows_left[:, ::step], axis=1)
    t_lo, t_hi = _thresholds(sample, n, min(ranks), max(ranks))
    for j, i in enumerate(todo):
        out[i] = _select_row(rows_left[j], wanted, t_lo[j], t_hi[j])
    return out


def _thresholds(sample: np.ndarray, n: int, lo_rank: int, hi_rank: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Values of a sorted subsample that sit safely beyond the wanted ranks."""
    m = sample.shape[1]
    lo_exp, hi_exp = lo_rank * m // n, (n - 1 - hi_rank) * m // n
    # a rank's place in the sample varies by about the square root of its distance from the end
    lo_pos = min(m - 1, lo_exp + 8 + int(4 * np.sqrt(lo_exp + 1)))
    hi_pos = max(0, m - 1 - (hi_exp + 8 + int(4 * np.sqrt(hi_exp + 1))))
    return sample[:, lo_pos], sample[:, hi_pos]


def _select_row(row: np.ndarray, ranks: np.ndarray, t_lo: Any, t_hi: Any) -> np.ndarray:
    if np.isnan(row).any() or not t_lo < t_hi:  # NaN sorts last: no threshold finds it
        return np.partition(row, np.unique(ranks))[ranks]
    low = np.sort(row[row <= t_lo])  # every value up to the threshold, so ranks < len(low) are exact
    high = np.sort(row[row >= t_hi])
    first_high = row.shape[0] - high.shape[0]
    in_low = ranks < low.shape[0]
    if not (in_low | (ranks >= first_high)).all():
        return np.partition(row, np.unique(ranks))[ranks]
    out = np.empty(ranks.shape[0], row.dtype)
    out[in_low] = low[ranks[in_low]]
    out[~in_low] = high[ranks[~in_low] - first_high]
    return out


def clip_rows(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each row of ``rows`` clamped to its ``[lo, hi]``, in the rows' dtype."""
    lo, hi = lo.astype(rows.dtype), hi.astype(rows.dtype)
    k = kernels()
    if k is None:
        return np.minimum(np.maximum(rows, lo[:, None]), hi[:, None])
    out = np.empty(rows.shape, rows.dtype)
    k.clip_rows(rows, lo, hi, out)
    return out


def pack_rgb(table: np.ndarray) -> np.ndarray:
    """``(L, 3)`` uint8 colours -> ``(L,)`` uint32 with R in the lowest byte."""
    t = table.astype(np.uint32)
    packed = t[:, 0] | (t[:, 1] << 8) | (t[:, 2] << 16)
    packed.flags.writeable = False
    return packed


def table_scales_finite(lo: np.ndarray, hi: np.ndarray, packed: np.ndarray) -> bool:
    """Whether the kernels' float32 placement of ranges ``[lo, hi]`` on ``packed`` is finite.

    The kernels compute ``(packed entries - 1) / (hi - lo)`` in float32; a range
    too wide or too narrow for that takes the exact path instead.
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        width = hi.astype(np.float32) - lo.astype(np.float32)
        scale = np.float32(packed.shape[0] - 2) / width
    return bool(np.isfinite(scale).all() and np.isfinite(width).all())


def colorize_u8(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, packed: np.ndarray,
                numpy_colorize: Any, out: np.ndarray | None = None) -> np.ndarray:
    """8-bit colours ``(N, H, W, 3)`` of a float map through a packed 8-bit table.

    ``packed`` is :func:`pack_rgb` of the table (with its guard entry).
    ``numpy_colorize(m, lo, hi)`` is the fallback, also used for samples whose
    range is too wide or narrow for float32 arithmetic.
    """
    k = kernels()
    if k is None or not table_scales_finite(lo, hi, packed):
        return numpy_colorize(m, lo, hi)
    rows = k.as_rows(m.astype(np.float32, copy=False))
    if out is None or out.shape != m.shape + (3,) or not out.flags.c_contiguous:
        out = np.empty(m.shape + (3,), np.uint8)
    lo32, hi32 = lo.astype(np.float32), hi.astype(np.float32)
    k.colorize_u8(rows, lo32, hi32, lo32, hi32, packed, k.as_rows(out))
    return out


def blend_u8(heat: np.ndarray, images: np.ndarray, alpha: Any,
             out: np.ndarray | None = None) -> np.ndarray | None:
    """``round(image * (1 - alpha) + heat * alpha)`` for uint8 pictures.

    ``alpha`` is a number or an array broadcastable to ``(n, H, W, 1)``.
    """
    k = kernels()
    if k is None or heat.dtype != np.uint8 or images.dtype != np.uint8:
        return None
    if out is None or out.shape != heat.shape or not out.flags.c_contiguous:
        out = np.empty(heat.shape, np.uint8)
    if isinstance(alpha, np.ndarray):
        planes = np.broadcast_to(alpha[..., 0], heat.shape[:3])
        weights = k.as_rows(np.rint(planes * 65536).astype(np.uint32))
        k.blend_u8_planes(k.as_rows(heat), k.as_rows(images), weights, k.as_rows(out))
    else:
        k.blend_u8(k.as_rows(heat), k.as_rows(images), round(float(alpha) * 65536), k.as_rows(out))
    return out
