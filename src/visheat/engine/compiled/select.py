"""Exact order statistics near the ends of each row (the percentiles of a clip).

For ranks in a row's tails, a subsample gives a threshold safely beyond each
wanted rank (found the same way, one level down, in the subsample). One pass of 16-lane
compares (:func:`._llvm.tail_masks`)
finds the values beyond the thresholds, a few percent of the row, and only
those are copied out; the wanted ranks are then selected among them. A row
whose thresholds missed a rank, that holds a NaN, or whose ranks are too far
from the ends is reported, and the caller handles it another way.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from ._llvm import LANES, tail_masks

_JIT = {"nogil": True, "cache": True, "boundscheck": False}

#: the subsample: this many runs of 16 neighbours (one cache line of float32),
#: spread evenly over the row
RUNS = 256
#: most ranks kept by insertion into a sorted buffer; beyond, a quickselect
INSERTION = 64


@nb.njit(**_JIT)
def _smallest(values, keep, out):  # pragma: no cover - compiled
    """The ``keep`` smallest of ``values``, ascending, into ``out[:keep]``.

    Insertion into a sorted buffer: after the first ``keep`` values, most are
    larger than the buffer's last and cost one comparison.
    """
    filled = 0
    for v in values:
        if filled == keep:
            if not v < out[keep - 1]:
                continue
            filled -= 1
        p = filled
        while p > 0 and out[p - 1] > v:
            out[p] = out[p - 1]
            p -= 1
        out[p] = v
        filled += 1


@nb.njit(**_JIT)
def _largest(values, keep, out):  # pragma: no cover - compiled
    """The ``keep`` largest of ``values``, descending, into ``out[:keep]``."""
    filled = 0
    for v in values:
        if filled == keep:
            if not v > out[keep - 1]:
                continue
            filled -= 1
        p = filled
        while p > 0 and out[p - 1] < v:
            out[p] = out[p - 1]
            p -= 1
        out[p] = v
        filled += 1


@nb.njit(**_JIT)
def _select(values, lo, hi, k):  # pragma: no cover - compiled
    """Reorder ``values[lo:hi]`` so that ``values[k]`` holds the value of that rank,
    none larger before it and none smaller after it (quickselect, no NaN).

    For the many candidates of a large map, where insertion into a buffer of
    ``keep`` values would cost ``keep`` moves per candidate.
    """
    while hi - lo > 16:
        mid = (lo + hi) // 2
        a, b, c = values[lo], values[mid], values[hi - 1]
        pivot = max(min(a, b), min(max(a, b), c))  # the median of the three
        i, j = lo, hi - 1
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        # values[lo:j + 1] <= pivot <= values[i:hi], and those between equal the pivot
        if k <= j:
            hi = j + 1
        elif k >= i:
            lo = i
        else:
            return
    for p in range(lo + 1, hi):  # a short run: insertion sort
        v = values[p]
        q = p
        while q > lo and values[q - 1] > v:
            values[q] = values[q - 1]
            q -= 1
        values[q] = v


@nb.njit(**_JIT)
def _pick(values, count, ranks, first, out, at):  # pragma: no cover - compiled
    """``out[at + j]``: the value of rank ``ranks[j] - first`` among ``values[:count]``."""
    order = np.argsort(ranks)
    lo = 0
    for j in order:
        k = ranks[j] - first
        _select(values, lo, count, k)
        out[at + j] = values[k]
        lo = k  # ranks come in ascending order: what follows is not below values[k]


@nb.njit(**_JIT)
def _margin(expected):  # pragma: no cover - compiled
    # a rank's place in the subsample varies by about the square root of its
    # distance from the end; this margin makes a miss far rarer than one in 1e9
    return expected + 8 + int(4 * np.sqrt(expected + 1))


@nb.njit(**_JIT)
def _collect(row, t_lo, t_hi, cand_lo, cand_hi, cap):  # pragma: no cover - compiled
    """Copy the values ``<= t_lo`` and ``>= t_hi`` of ``row``; ``(n_lo, n_hi, nan_seen)``.

    Stops early (counts above ``cap``) once either list is too long to help.
    """
    n = row.shape[0]
    n_lo = n_hi = 0
    one = np.uint64(1)
    full = n - n % LANES
    for at in range(0, full, LANES):
        m = tail_masks(row, at, t_lo, t_hi)
        if m == 0:  # nearly every stretch
            continue
        if m >> np.uint64(2 * LANES):
            return n_lo, n_hi, True
        low = m & np.uint64(0xFFFF)
        while low:
            cand_lo[n_lo] = row[at + trailing_zeros(low)]
            n_lo += 1
            low &= low - one
        high = (m >> np.uint64(LANES)) & np.uint64(0xFFFF)
        while high:
            cand_hi[n_hi] = row[at + trailing_zeros(high)]
            n_hi += 1
            high &= high - one
        if n_lo > cap or n_hi > cap:
            return n_lo, n_hi, False
    for p in range(full, n):
        v = row[p]
        if v <= t_lo:
            cand_lo[n_lo] = v
            n_lo += 1
        elif v >= t_hi:
            cand_hi[n_hi] = v
            n_hi += 1
        elif v != v:
            return n_lo, n_hi, True
    return n_lo, n_hi, False


@nb.njit(**_JIT)
def _thresholds(sample, lo_pos, hi_pos, buf, cand_lo, cand_hi):  # pragma: no cover - compiled
    """The ``lo_pos``-th smallest and ``hi_pos``-th largest of ``sample`` (0-based).

    The same method one level down: every 16th value of the sample gives rough
    thresholds, the sample values beyond them are collected, and the exact
    order statistics are picked from those by insertion.
    """
    m = sample.shape[0]
    sub = sample[::16]
    k = sub.shape[0]
    t_lo, t_hi = sample.dtype.type(-np.inf), sample.dtype.type(np.inf)
    if lo_pos >= 0:
        q = min(k - 1, _margin(lo_pos * k // m))
        _smallest(sub, q + 1, buf)
        t_lo = buf[q]
    if hi_pos >= 0:
        q = min(k - 1, _margin(hi_pos * k // m))
        _largest(sub, q + 1, buf)
        t_hi = buf[q]
    n_lo, n_hi, nan_seen = _collect(sample, t_lo, t_hi, cand_lo, cand_hi, m)
    if nan_seen:
        return sample.dtype.type(np.nan), sample.dtype.type(np.nan)
    if lo_pos >= 0:
        # all values <= t_lo are in cand_lo: enough of them means exact
        _smallest(cand_lo[:n_lo] if n_lo > lo_pos else sample, lo_pos + 1, buf)
        t_lo = buf[lo_pos]
    if hi_pos >= 0:
        _largest(cand_hi[:n_hi] if n_hi > hi_pos else sample, hi_pos + 1, buf)
        t_hi = buf[hi_pos]
    return t_lo, t_hi


@nb.njit(**_JIT)
def _tail_buffers(n, low, high, dtype):  # pragma: no cover - compiled
    """Work buffers for :func:`_row_tail_ranks` on rows of ``n`` values."""
    m = 16 * min(RUNS, n // 16)
    keep = max((low.max() + 1) if low.shape[0] else 0,
               (n - high.min()) if high.shape[0] else 0, 1)
    room = max(n // 8, m) + LANES
    return (np.empty(m, dtype), np.empty(m, dtype), np.empty(room, dtype),
            np.empty(room, dtype), np.empty(keep, dtype))


@nb.njit(**_JIT)
def _row_tail_ranks(row, low, high, buffers, out):  # pragma: no cover - compiled
    """:func:`tail_ranks` for one row into ``out``; whether it was resolved."""
    n = row.shape[0]
    sample, buf, cand_lo, cand_hi, best = buffers
    runs = min(RUNS, n // 16)
    m = 16 * runs
    gap = n // runs
    keep_lo = (low.max() + 1) if low.shape[0] else 0
    keep_hi = (n - high.min()) if high.shape[0] else 0
    cap = n // 8
    if keep_lo > cap or keep_hi > cap:
        return False
    lo_pos = min(m - 1, _margin(keep_lo * m // n))
    hi_pos = min(m - 1, _margin(keep_hi * m // n))
    for r in range(runs):
        sample[16 * r:16 * r + 16] = row[r * gap:r * gap + 16]
    t_lo, t_hi = _thresholds(sample, lo_pos if keep_lo else -1, hi_pos if keep_hi else -1,
                             buf, cand_lo, cand_hi)
    if not t_lo < t_hi:  # the tails meet (few distinct values, or a NaN)
        return False
    n_lo, n_hi, nan_seen = _collect(row, t_lo, t_hi, cand_lo, cand_hi, cap)
    # every value <= t_lo is a candidate, so ranks below n_lo are exact
    if nan_seen or n_lo > cap or n_hi > cap or n_lo < keep_lo or n_hi < keep_hi:
        return False
    if keep_lo > INSERTION:
        _pick(cand_lo, n_lo, low, 0, out, 0)
    elif keep_lo:
        _smallest(cand_lo[:n_lo], keep_lo, best)
        for j in range(low.shape[0]):
            out[j] = best[low[j]]
    if keep_hi > INSERTION:  # in ascending order the high candidates start at rank n - n_hi
        _pick(cand_hi, n_hi, high, n - n_hi, out, low.shape[0])
    elif keep_hi:
        _largest(cand_hi[:n_hi], keep_hi, best)
        for j in range(high.shape[0]):
            out[low.shape[0] + j] = best[n - 1 - high[j]]
    return True


@nb.njit(**_JIT)
def tail_ranks(rows, low, high, out, ok):  # pragma: no cover - compiled
    """``out[i]``: the ``low`` then the ``high`` ranks' values of ``rows[i]`` (0-based).

    ``low`` and ``high`` are the wanted ranks (int64) near the bottom and near
    the top (within an eighth of the row from its end) of rows of at least 16
    values. ``ok[i]`` is False where row ``i`` was not resolved (``out[i]`` is
    then undefined).
    """
    buffers = _tail_buffers(rows.shape[1], low, high, rows.dtype)
    for i in range(rows.shape[0]):
        ok[i] = _row_tail_ranks(rows[i], low, high, buffers, out[i])
