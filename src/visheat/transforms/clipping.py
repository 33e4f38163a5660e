"""Outlier clipping: ``PercentileClip`` clips each sample to its own quantiles.

``CumulativeSumClip`` divides each sample by the value where the running sum of
its sorted magnitudes reaches a share of the total (captum's ``outlier_perc``)
and clips to [-1, 1]; ``SignSelect`` keeps one sign of the values (captum's
``sign``).

Quantiles use the linear definition that numpy (``method="linear"``), R and
Julia share: Hyndman and Fan's definition 7. The arithmetic follows Julia's
``Statistics.quantile`` step by step, so bounds match VisionHeatmaps.jl's.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from ..core.batch import Batch, Stage, fold_slices, per_sample_rows, unfold_slices
from ..core.errors import check_number, value_error
from ..core.pipeline import Transform, option

#: What ``PercentileClip(scope=...)`` takes its quantiles over: the whole sample (a whole
#: volume or clip), or each slice (frame) of a volume (clip) by itself.
CLIP_SCOPES = ("sample", "slice")


def quantile_rank(n: int, p: float) -> tuple[int, float]:
    """Julia's 1-based lower rank ``j`` and weight ``γ`` for probability ``p``."""
    m = 1.0 - p  # alpha + p * (1 - alpha - beta) with alpha = beta = 1
    aleph = float(Fraction(n) * Fraction(p) + Fraction(m))  # fma(n, p, m): one rounding
    j = min(max(int(aleph), 1), max(n - 1, 1))
    gamma = min(max(aleph - j, 0.0), 1.0)
    return j, gamma


def _interpolate(a: np.ndarray, b: np.ndarray, gamma: float) -> np.ndarray:
    """``(1-γ)a + γb`` the way Julia evaluates it, elementwise over samples."""
    tol = np.sqrt(np.finfo(a.dtype).eps)
    close = (a == b) | (np.abs(a - b) <= tol * np.maximum(np.abs(a), np.abs(b)))
    near = a.astype(np.float64) + gamma * (b - a).astype(np.float64)
    far = (1.0 - gamma) * a.astype(np.float64) + gamma * b.astype(np.float64)
    return np.where(close, near, far)


def order_statistics(rows: np.ndarray, ranks: list[int]) -> np.ndarray:
    """``(N, len(ranks))``: the ``ranks``-th smallest values (0-based) of each row.

    Exact, as a full sort gives, but much faster than ``np.partition`` for
    ranks near the ends (percentile clipping): a subsample of the row gives
    thresholds that cut out small candidate sets at both ends, and only those
    are ordered; a row where a threshold missed a rank (or with NaN, or ranks
    far from the ends) is partitioned outright. The compiled engine has a twin
    of this that gives the same values.

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
    todo = np.arange(n_rows)
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
    low = np.sort(row[row <= t_lo])  # every value up to the threshold: ranks < len(low) exact
    high = np.sort(row[row >= t_hi])
    first_high = row.shape[0] - high.shape[0]
    in_low = ranks < low.shape[0]
    if not (in_low | (ranks >= first_high)).all():
        return np.partition(row, np.unique(ranks))[ranks]
    out = np.empty(ranks.shape[0], row.dtype)
    out[in_low] = low[ranks[in_low]]
    out[~in_low] = high[ranks[~in_low] - first_high]
    return out


def sample_quantiles(maps: np.ndarray, probabilities: tuple[float, ...],
                     order: Callable[[np.ndarray, list[int]], np.ndarray] = order_statistics
                     ) -> np.ndarray:
    """Per-sample quantiles of ``maps`` (any shape with the batch axis first).

    Returns float64 of shape ``(N, len(probabilities))``. Exact: the same order
    statistics as a full sort. ``order(rows, ranks)`` finds them (default
    :func:`order_statistics`; an engine may pass a compiled twin).

    Examples
    --------
    >>> m = np.arange(12, dtype=np.float64).reshape(2, 6)
    >>> sample_quantiles(m, (0.0, 0.5, 1.0))
    array([[ 0. ,  2.5,  5. ],
           [ 6. ,  8.5, 11. ]])
    >>> np.quantile(m, [0.0, 0.5, 1.0], axis=1).T
    array([[ 0. ,  2.5,  5. ],
           [ 6. ,  8.5, 11. ]])
    """
    flat = per_sample_rows(maps)
    n = flat.shape[1]
    ranks = [quantile_rank(n, p) for p in probabilities]
    wanted = [r for j, _ in ranks for r in (j - 1, min(j, n - 1))]
    found = order(flat, wanted) if n else np.zeros((flat.shape[0], len(wanted)))
    columns = []
    for q, (_, gamma) in enumerate(ranks):
        columns.append(_interpolate(found[:, 2 * q], found[:, 2 * q + 1], gamma))
    return np.stack(columns, axis=1) if columns else np.zeros((flat.shape[0], 0))


class PercentileClip(Transform):
    """Clip each sample to its ``lower`` and ``upper`` quantiles.

    Very large values desaturate a colormap; clipping the 0.1 % tails (the
    default) keeps the picture readable. Works on maps and on channel values
    (quantiles over all channels of the sample). The bounds of every sample are
    recorded for colour bars.

    Parameters
    ----------
    lower, upper : float
        Probabilities with ``0 <= lower < upper <= 1``.
    scope : {"sample", "slice"}
        Over what the quantiles are taken: ``"sample"`` (default) the whole sample, so a
        volume or clip (a layout with D or T) is clipped to its own levels in every
        slice; ``"slice"`` each slice or frame by itself (its bounds recorded as
        ``(N, D)``), as ``ExtremaColormap(scope="slice")`` colours them. On images (and
        volumes of one slice) both are the same.

    Notes
    -----
    On the exact (float) path the output is float64, as in Julia, where clamping
    a Float32 array to Float64 bounds promotes it.

    Examples
    --------
    >>> m = np.arange(10, dtype=float).reshape(1, 2, 5)
    >>> PercentileClip(0.1, 0.9)(m)
    array([[[0.9, 1. , 2. , 3. , 4. ],
            [5. , 6. , 7. , 8. , 8.1]]])
    >>> PercentileClip(0.5, 0.2)
    Traceback (most recent call last):
    ...
    ValueError: lower: expected a number below upper=0.2; got 0.5 (float).

    Per slice, a volume of two 1 x 3 slices (``layout="NDHW"``, folded as ``(1, 2, 3)``):

    >>> from visheat import ExtremaColormap, heatmap
    >>> v = np.array([[[[0.0, 1.0, 2.0]], [[10.0, 20.0, 30.0]]]])
    >>> def ranges(scope):
    ...     pipe = PercentileClip(0.5, 1.0, scope=scope) | ExtremaColormap(scope="slice")
    ...     return heatmap(v, pipe, layout="NDHW", dtype=np.float64).value_ranges().tolist()
    >>> ranges("slice")  # each slice from its own median up
    [[1.0, 2.0], [20.0, 30.0]]
    >>> ranges("sample")[1]  # from the volume's median, 6: slice 1 keeps all of its values
    [10.0, 30.0]
    >>> PercentileClip(scope="frame")
    Traceback (most recent call last):
    ...
    ValueError: scope: expected 'sample' (the whole volume or clip) or 'slice' (each slice or
    frame by itself); got 'frame' (str).
    """

    lower: float = 0.001
    upper: float = 0.999
    scope: str = option(default="sample")
    takes = frozenset({Stage.VALUES, Stage.MAP})

    def __post_init__(self) -> None:
        lower = check_number("lower", self.lower, low=0, high=1)
        upper = check_number("upper", self.upper, low=0, high=1)
        if not lower < upper:
            raise value_error("lower", f"a number below upper={upper:g}", self.lower)
        if not isinstance(self.scope, str) or self.scope not in CLIP_SCOPES:
            raise value_error("scope", "'sample' (the whole volume or clip) or 'slice' (each "
                              "slice or frame by itself)", self.scope)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    def apply(self, batch: Batch) -> Batch:
        if self.scope == "slice" and batch.depth > 1:
            return self._clip_slices(batch)
        bounds = sample_quantiles(batch.data, (self.lower, self.upper))
        return self.clip(batch, bounds[:, 0], bounds[:, 1])

    def _clip_slices(self, batch: Batch) -> Batch:
        """Each slice (frame) of the folded volumes clipped to its own quantiles; the bounds
        recorded ``(N, D)``, as the colormaps record ranges per slice."""
        slices = unfold_slices(batch)
        bounds = sample_quantiles(slices.data, (self.lower, self.upper))
        clipped = self.clip(slices, bounds[:, 0], bounds[:, 1])
        d = batch.depth
        return fold_slices(clipped, batch).with_record(
            self, lo=bounds[:, 0].reshape(-1, d), hi=bounds[:, 1].reshape(-1, d))

    def clip(self, batch: Batch, lo: np.ndarray, hi: np.ndarray) -> Batch:
        """``batch`` with sample i clamped to ``[lo[i], hi[i]]``, and the bounds recorded."""
        if batch.fast:  # the 8-bit path keeps the map's precision
            rows = per_sample_rows(batch.data)
            lo32, hi32 = lo.astype(rows.dtype), hi.astype(rows.dtype)
            clipped = np.minimum(np.maximum(rows, lo32[:, None]), hi32[:, None])
            data = clipped.reshape(batch.data.shape)
        else:
            shape = (-1,) + (1,) * (batch.data.ndim - 1)
            data = np.minimum(np.maximum(batch.data, lo.reshape(shape)), hi.reshape(shape))
        return batch.replace(data=data).with_record(self, lo=lo, hi=hi)


SIGNS = ("all", "positive", "negative", "absolute_value")


def _cumulative_sum_threshold(maps: np.ndarray, percent: float) -> np.ndarray:
    """Per sample, the smallest ``|x|`` where the running sum of sorted ``|x|`` reaches
    ``percent`` %.

    captum's ``_cumulative_sum_threshold``, in the maps' precision and in its order
    of operations: sort the magnitudes ascending, cumulate, and take the first
    value whose cumulative sum is at least ``total * 0.01 * percent``. Returns
    ``(N,)`` in the maps' dtype; an empty sample gives 0.

    Examples
    --------
    >>> _cumulative_sum_threshold(np.array([[1.0, -2.0, 3.0, 94.0]]), 98.0)
    array([94.])
    >>> _cumulative_sum_threshold(np.array([[1.0, -2.0, 3.0, 94.0]]), 5.0)
    array([3.])
    """
    rows = np.sort(np.abs(per_sample_rows(maps)), axis=1)
    if rows.shape[1] == 0:
        return np.zeros(rows.shape[0], rows.dtype)
    with np.errstate(over="ignore"):  # sums of values near the float limit become inf
        sums = np.cumsum(rows, axis=1)
        dtype = sums.dtype.type
        limit = sums[:, -1:] * dtype(0.01) * dtype(percent)
    first = np.argmax(sums >= limit, axis=1)
    return rows[np.arange(rows.shape[0]), first]


class CumulativeSumClip(Transform):
    """Divide each sample by its cumulative-sum threshold and clip to [-1, 1].

    captum's ``outlier_perc``: the threshold ``t`` is the magnitude where the
    running sum of the sample's sorted ``|x|`` reaches ``percent`` % of their
    total (:func:`_cumulative_sum_threshold`), not a percentile of the values.
    The result is ``clip(x / t, -1, 1)``: in [-1, 1], or [0, 1] for non-negative
    input. Where ``t = 0`` (an all-zero sample, or a ``percent`` so low that the
    threshold is a zero value; captum fails there) the result is ``sign(x)``, the
    limit of the division.

    Parameters
    ----------
    percent : float
        In [0, 100]; captum's ``100 - outlier_perc`` (default 98).

    Examples
    --------
    >>> CumulativeSumClip(98)(np.array([[[1.0, -2.0, 3.0, 94.0]]], np.float32))
    array([[[ 0.0106383 , -0.0212766 ,  0.03191489,  1.        ]]], dtype=float32)
    >>> CumulativeSumClip(5)(np.array([[[1.0, -2.0, 3.0, 94.0]]]))
    array([[[ 0.33333333, -0.66666667,  1.        ,  1.        ]]])
    """

    percent: float = 98.0
    takes = frozenset({Stage.VALUES, Stage.MAP})

    def __post_init__(self) -> None:
        object.__setattr__(self, "percent", check_number("percent", self.percent, low=0,
                                                         high=100))

    def apply(self, batch: Batch) -> Batch:
        data = batch.data if batch.data.dtype.kind == "f" else batch.data.astype(np.float64)
        t = _cumulative_sum_threshold(data, self.percent)
        shape = (-1,) + (1,) * (data.ndim - 1)
        safe = np.where(t > 0, t, data.dtype.type(1)).reshape(shape)
        out = np.clip(data / safe, -1, 1).astype(data.dtype, copy=False)
        out = np.where((t > 0).reshape(shape), out, np.sign(data))
        return batch.replace(data=out).with_record(self, lo=-t, hi=t)


class SignSelect(Transform):
    """Keep one sign of the values: captum's ``sign`` argument as a step.

    ``"positive"`` keeps ``max(x, 0)``; ``"negative"`` keeps the magnitude of the
    negative values, ``max(-x, 0)`` (captum shows them with a positive colour
    range too); ``"absolute_value"`` is ``|x|``; ``"all"`` passes ``x`` unchanged.

    Parameters
    ----------
    sign : {"all", "positive", "negative", "absolute_value"}

    Examples
    --------
    >>> m = np.array([[[-2.0, 0.0, 3.0]]])
    >>> SignSelect("positive")(m), SignSelect("negative")(m)
    (array([[[0., 0., 3.]]]), array([[[2., 0., 0.]]]))
    >>> SignSelect("absolute_value")(m)
    array([[[2., 0., 3.]]])
    """

    sign: str = "all"
    takes = frozenset({Stage.VALUES, Stage.MAP})

    def __post_init__(self) -> None:
        if self.sign not in SIGNS:
            raise value_error("sign", "one of " + ", ".join(map(repr, SIGNS)), self.sign)

    def apply(self, batch: Batch) -> Batch:
        x = batch.data
        zero = x.dtype.type(0)
        if self.sign == "positive":
            x = np.maximum(x, zero)
        elif self.sign == "negative":
            x = np.maximum(-x, zero)
        elif self.sign == "absolute_value":
            x = np.abs(x)
        return batch.replace(data=x)
