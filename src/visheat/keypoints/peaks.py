"""Peak finding: one peak per channel, or every local peak for many instances.

``find_global_peaks`` keeps each channel's maximum if it reaches ``threshold``
(else NaN, as SLEAP does). ``find_local_peaks`` keeps every pixel that is
strictly greater than its 8 neighbours and reaches ``threshold``; pixels off the
map count as lower, so border pixels can be peaks, and a plateau of equal
maxima has no peak. Both refine with ``refine=``:

``"local"``
    a fixed ``delta`` (0.25) step along the sign of the gradient on each axis,
    neighbours off the map read as 0 (SLEAP's local direction).
``"integral"``
    centre of mass of a ``patch x patch`` window (SLEAP's integral regression).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..core.errors import check_number, value_error
from . import refine as _refine
from ._arrays import as_heatmaps, flat
from .conventions import _as_stride, get_convention, to_image
from .decoding import Decoded, _peak_pixels

REFINEMENTS = (None, "local", "integral")


class LocalPeaks(NamedTuple):
    """Every local peak, one row each, ordered by sample, channel, row, column."""

    points: np.ndarray
    """``(P, 2)`` image coordinates ``(x, y)``."""
    scores: np.ndarray
    """``(P,)`` heatmap values at the peaks."""
    samples: np.ndarray
    """``(P,)`` sample index of each peak."""
    channels: np.ndarray
    """``(P,)`` channel (keypoint) index of each peak."""


def find_global_peaks(heatmaps: Any, threshold: float = 0.2, refine: str | None = None, *,
                      stride: Any = 1, convention: Any = "visheat", patch: int = 5,
                      delta: float = 0.25) -> Decoded:
    """The maximum of each channel, refined; NaN where it is below ``threshold``.

    Parameters
    ----------
    heatmaps : array_like
        ``(K, H, W)`` or ``(N, K, H, W)``, finite.
    threshold : float
        Smallest peak value kept (SLEAP's default 0.2).
    refine : {None, "local", "integral"}
        Sub-pixel refinement; see the module docstring.
    stride, convention
        As for :func:`~visheat.keypoints.decode`.
    patch : int
        Odd window size for ``"integral"``.
    delta : float
        Step of ``"local"``.

    Returns
    -------
    Decoded
        ``(points, scores)`` of shapes ``(N, K, 2)`` and ``(N, K)``.

    Examples
    --------
    >>> m = np.zeros((2, 3, 4)); m[0, 1, 2] = 1.0; m[0, 1, 3] = 0.5; m[1, 0, 0] = 0.1
    >>> find_global_peaks(m, refine="local").points
    array([[2.25, 1.  ],
           [ nan,  nan]])
    """
    threshold = check_number("threshold", threshold)
    maps, single = as_heatmaps(heatmaps)
    conv, s = get_convention(convention), _as_stride(stride)
    m = flat(maps)
    rows, cols, scores = _peak_pixels(m, conv)
    x, y = _apply(m, rows, cols, refine, conv.flavour, patch, delta)
    points = to_image(np.stack([x, y], -1), s, conv)
    points[scores < threshold] = np.nan
    shape = maps.shape[:2]
    points, scores = points.reshape(shape + (2,)), scores.reshape(shape)
    return Decoded(points[0], scores[0]) if single else Decoded(points, scores)


def find_local_peaks(heatmaps: Any, threshold: float = 0.2, refine: str | None = None, *,
                     stride: Any = 1, convention: Any = "visheat", patch: int = 5,
                     delta: float = 0.25) -> LocalPeaks:
    """Every strict 3 x 3 maximum that reaches ``threshold``, for many instances per map.

    Parameters are those of :func:`find_global_peaks`; a single ``(K, H, W)``
    input reports sample 0.

    Examples
    --------
    >>> m = np.zeros((1, 1, 4, 6)); m[0, 0, 1, 1] = 0.9; m[0, 0, 2, 4] = 0.5
    >>> peaks = find_local_peaks(m)
    >>> peaks.points.tolist(), peaks.scores.tolist(), peaks.channels.tolist()
    ([[1.0, 1.0], [4.0, 2.0]], [0.9, 0.5], [0, 0])
    """
    threshold = check_number("threshold", threshold)
    maps, _ = as_heatmaps(heatmaps)
    conv, s = get_convention(convention), _as_stride(stride)
    m = flat(maps)
    which, rows, cols = np.nonzero(_strict_maxima(m) & (m >= threshold))
    x, y = _apply(m[which], rows, cols, refine, conv.flavour, patch, delta)
    points = to_image(np.stack([x, y], -1), s, conv)
    k = maps.shape[1]
    return LocalPeaks(points, m[which, rows, cols], which // k, which % k)


def _strict_maxima(m: np.ndarray) -> np.ndarray:
    """Pixels greater than all 8 neighbours (off the map counts as -inf)."""
    h, w = m.shape[-2:]
    padded = np.pad(m, ((0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    out = np.ones(m.shape, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                out &= m > padded[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
    return out


def _apply(m: np.ndarray, rows: np.ndarray, cols: np.ndarray, refine: Any, flavour: str,
           patch: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
    if refine not in REFINEMENTS:
        raise value_error("refine", "None, 'local' or 'integral'", refine)
    if refine is None:
        return cols.astype(np.float64), rows.astype(np.float64)
    if refine == "local":
        delta = check_number("delta", delta, low=0)
        return _refine.quarter(m, rows, cols, "sleap", delta)
    patch = int(check_number("patch", patch, low=1, integer=True))
    if patch % 2 == 0:
        raise value_error("patch", "an odd window size such as 5", patch)
    return _refine.integral(m, rows, cols, patch, flavour)
