"""Outlier clipping: ``PercentileClip`` clips each sample to its own quantiles.

Quantiles use the linear definition that numpy (``method="linear"``), R and
Julia share: Hyndman and Fan's definition 7. The arithmetic follows Julia's
``Statistics.quantile`` step by step, so bounds match VisionHeatmaps.jl's.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from . import engine
from ._errors import check_number, value_error
from .batch import Batch, Stage, per_sample_rows
from .pipeline import Transform


def _rank(n: int, p: float) -> tuple[int, float]:
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


def sample_quantiles(maps: np.ndarray, probabilities: tuple[float, ...]) -> np.ndarray:
    """Per-sample quantiles of ``maps`` (any shape with the batch axis first).

    Returns float64 of shape ``(N, len(probabilities))``. Exact: the same order
    statistics as a full sort.

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
    ranks = [_rank(n, p) for p in probabilities]
    wanted = [r for j, _ in ranks for r in (j - 1, min(j, n - 1))]
    found = engine.order_statistics(flat, wanted) if n else np.zeros((flat.shape[0], len(wanted)))
    columns = []
    for q, (_, gamma) in enumerate(ranks):
        columns.append(_interpolate(found[:, 2 * q], found[:, 2 * q + 1], gamma))
    return np.stack(columns, axis=1) if columns else np.zeros((flat.shape[0], 0))


@dataclass(frozen=True, repr=False, eq=False)
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
    """

    lower: float = 0.001
    upper: float = 0.999
    takes = frozenset({Stage.VALUES, Stage.MAP})

    def __post_init__(self) -> None:
        lower = check_number("lower", self.lower, low=0, high=1)
        upper = check_number("upper", self.upper, low=0, high=1)
        if not lower < upper:
            raise value_error("lower", f"a number below upper={upper:g}", self.lower)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    def apply(self, batch: Batch) -> Batch:
        bounds = sample_quantiles(batch.data, (self.lower, self.upper))
        lo, hi = bounds[:, 0], bounds[:, 1]
        if batch.fast:  # the 8-bit path keeps the map's precision
            rows = engine.clip_rows(per_sample_rows(batch.data), lo, hi)
            data = rows.reshape(batch.data.shape)
        else:
            shape = (-1,) + (1,) * (batch.data.ndim - 1)
            data = np.minimum(np.maximum(batch.data, lo.reshape(shape)), hi.reshape(shape))
        return batch.replace(data=data).with_record(self, lo=lo, hi=hi)
