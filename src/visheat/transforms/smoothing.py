"""Gaussian smoothing of maps and channel values: ``GaussianSmooth``.

A separable Gaussian: one 1-D convolution down the columns, one along the rows,
each a sum of ``2r + 1`` shifted copies of the edge-mirrored array (``r =
int(truncate * sigma + 0.5)``), vectorised over the whole batch. The kernel and
the edge rule are scipy's ``gaussian_filter`` defaults (weights ``exp(-x^2 /
2 sigma^2)`` normalised to sum 1, mode ``"reflect"``, i.e. numpy's
``"symmetric"``: ``b a | a b c``), so results agree with scipy to rounding.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import check_number
from ..core.layout import as_float
from ..core.limits import check_allocation
from ..core.pipeline import Transform, option


@lru_cache(maxsize=64)
def gaussian_weights(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """The normalised 1-D kernel, ``2r + 1`` taps (read-only).

    Examples
    --------
    >>> gaussian_weights(1.0, 2.0).round(4)
    array([0.0545, 0.2442, 0.4026, 0.2442, 0.0545])
    """
    radius = int(min(truncate * sigma + 0.5, 1e300))
    if radius == 0 or sigma * sigma < 1e-300:  # narrower than a pixel: the identity
        return np.ones(1)
    check_allocation("sigma" if truncate <= 4 else "truncate", (2 * radius + 1,), np.float64,
                     what="a kernel")
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):  # far taps of narrow kernels: exactly 0
        w = np.exp(-0.5 / (sigma * sigma) * x * x)
    w /= w.sum()
    w.flags.writeable = False
    return w


EDGES = ("mirror", "zero")


def smooth_axis(a: np.ndarray, axis: int, weights: np.ndarray, edges: str = "mirror"
                ) -> np.ndarray:
    """Correlate ``a`` along ``axis`` with odd-length ``weights``: the one separable-filter
    loop of visheat, for both conventions of the edges.

    ``edges="mirror"`` (:class:`GaussianSmooth`, as Julia's ImageFiltering and
    ``scipy.ndimage``'s ``reflect``): the signal is mirrored, computed in float64; a
    kernel wider than twice the axis is first folded onto one period of the mirrored
    signal (which repeats every ``2 n`` pixels): the same sum, with at most ``2 n`` taps.
    ``edges="zero"`` (the keypoint codecs, as SLEAP's and mmpose's): outside the map
    counts as 0, in the array's own precision; taps that reach past the map read only
    zeros, so at most the central ``2 n - 1`` are used.

    >>> smooth_axis(np.array([0.0, 1.0, 0.0]), 0, np.array([0.25, 0.5, 0.25]), "zero")
    array([0.25, 0.5 , 0.25])
    >>> smooth_axis(np.array([1.0, 0.0, 0.0]), 0, np.array([0.25, 0.5, 0.25]))
    array([0.75, 0.25, 0.  ])
    """
    n = a.shape[axis]
    mirror = edges == "mirror"
    if mirror and len(weights) // 2 > n:
        return _smooth_folded(a, axis, weights)
    if not mirror:
        weights = _within(weights, n)
    radius = len(weights) // 2
    widths = [(0, 0)] * a.ndim
    widths[axis] = (radius, radius)
    padded = (np.pad(a.astype(np.float64, copy=False), widths, mode="symmetric") if mirror
              else np.pad(a, widths))
    out: Any = 0
    for k, w in enumerate(weights):
        out = out + w * padded.take(np.arange(k, k + n), axis=axis)
    return np.asarray(out)


def _within(weights: np.ndarray, n: int) -> np.ndarray:
    """The central ``2 n - 1`` taps of odd ``weights`` (all of them when shorter)."""
    r = len(weights) // 2
    return weights if r < n else weights[r - (n - 1):r + n]


def _smooth_folded(a: np.ndarray, axis: int, weights: np.ndarray) -> np.ndarray:
    """:func:`smooth_axis` for kernels wider than ``2 n``: tap offset ``d`` reads
    ``a[reflect(i + d)]`` and ``reflect`` has period ``2 n``, so taps are summed by
    ``d mod 2 n`` first."""
    radius, n = len(weights) // 2, a.shape[axis]
    folded = np.bincount((np.arange(-radius, radius + 1) % (2 * n)), weights, minlength=2 * n)
    source = np.arange(3 * n) % (2 * n)  # one period and a half, mirrored: b a | a b | b a
    source = np.where(source < n, source, 2 * n - 1 - source)
    out = np.zeros(a.shape, np.float64)
    data = a.astype(np.float64, copy=False)
    for d, w in enumerate(folded):
        if w:
            out += w * data.take(source[d:d + n], axis=axis)
    return out


def gaussian_smooth(a: np.ndarray, sigma: float, spatial: int = 1,
                    truncate: float = 4.0) -> np.ndarray:
    """Smooth axes ``spatial, spatial + 1`` of ``a``; keeps the float dtype.

    Examples
    --------
    >>> m = np.zeros((1, 1, 5)); m[0, 0, 2] = 1.0
    >>> gaussian_smooth(m, 1.0, truncate=2.0).round(4)
    array([[[0.0545, 0.2442, 0.4026, 0.2442, 0.0545]]])
    """
    a = as_float(a)
    if sigma == 0 or a.size == 0:
        return a
    weights = gaussian_weights(float(sigma), float(truncate))
    out = smooth_axis(smooth_axis(a, spatial, weights), spatial + 1, weights)
    return out.astype(a.dtype, copy=False)


class GaussianSmooth(Transform):
    """Blur every map (or every channel) with a Gaussian of standard deviation ``sigma``.

    Smoothing a blocky CAM or a noisy gradient map before colouring it makes
    the picture easier to read. The sum of a map is kept (up to what the
    mirrored edges redistribute); a constant map stays constant.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels (>= 0; 0 is the identity).
    truncate : float
        Cut the kernel at ``truncate * sigma`` (default 4, as scipy).

    Examples
    --------
    >>> GaussianSmooth(2.0)(np.full((1, 3, 3), 5.0))
    array([[[5., 5., 5.],
            [5., 5., 5.],
            [5., 5., 5.]]])
    >>> GaussianSmooth(-1)
    Traceback (most recent call last):
    ...
    ValueError: sigma: expected a number in [0, inf]; got -1 (int).
    """

    volumes = "slices"  # see Transform.volumes

    sigma: float = 1.0
    truncate: float = option(default=4.0)
    takes = frozenset({Stage.VALUES, Stage.MAP})

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", float(check_number("sigma", self.sigma, low=0)))
        value = check_number("truncate", self.truncate, low=0, low_open=True)
        object.__setattr__(self, "truncate", float(value))

    def apply(self, batch: Batch) -> Batch:
        data = gaussian_smooth(batch.data, self.sigma, batch.stage.spatial_axis, self.truncate)
        return batch.replace(data=data)


__all__ = ["GaussianSmooth", "gaussian_smooth", "gaussian_weights"]
