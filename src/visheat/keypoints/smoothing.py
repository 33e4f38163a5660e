"""Gaussian smoothing of heatmaps that keeps their scale.

Smoothing a peaked map lowers its peak and spreads its mass, so "keeping the
scale" has to say which of the two is kept:

``preserve="peak"`` (default)
    each map is rescaled so its maximum is what it was: a confidence map that
    peaked at 0.9 still peaks at 0.9 (DarkPose's and mmpose's ``gaussian_blur``).
``preserve="sum"``
    each map is rescaled so its total is what it was, including the mass the
    blur pushed over the border: a probability map stays a probability map.
``preserve=None``
    the kernel sums to 1 and nothing is rescaled (mass near the border leaks).

Outside the map counts as 0 (zero padding). Maps whose maximum (``"peak"``) or
total (``"sum"``) is not positive are returned smoothed but not rescaled.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import check_number, value_error
from ..core.limits import check_allocation, check_sides
from ..transforms.smoothing import smooth_axis
from ._arrays import as_heatmaps, check_sigma


def gaussian_kernel(sigma: float, radius: int | None = None) -> np.ndarray:
    """Unit-sum 1-D Gaussian of ``2 * radius + 1`` taps (radius defaults to ``ceil(3 sigma)``).

    >>> gaussian_kernel(1.0, 1).round(3)
    array([0.274, 0.452, 0.274])
    """
    sigma = check_sigma(sigma)
    r = math.ceil(min(3 * sigma, 1e300)) if radius is None else int(check_number(
        "radius", radius, low=0, integer=True))
    argument = "sigma" if radius is None else "radius"
    check_sides(argument, (2 * r + 1,), "a kernel")  # radius=10**400: before float formatting
    check_allocation(argument, (2 * r + 1,), np.float64, what="a kernel")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        taps = np.exp(-(np.arange(-r, r + 1, dtype=np.float64) ** 2) / (2 * sigma * sigma))
    taps = np.nan_to_num(taps, nan=1.0)  # sigma**2 underflowed: 0/0 at the centre is the peak
    return taps / taps.sum()


def _convolve_separable(maps: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Correlate the last two axes of ``maps`` with ``kernel`` on each, zero padded
    (visheat's one separable loop, :func:`visheat.transforms.smoothing.smooth_axis`)."""
    rows = smooth_axis(maps, maps.ndim - 1, kernel, edges="zero")
    return smooth_axis(rows, maps.ndim - 2, kernel, edges="zero")


def smooth(heatmaps: Any, sigma: float, *, radius: int | None = None,
           preserve: str | None = "peak") -> np.ndarray:
    """Blur each ``(H, W)`` map with a Gaussian of ``sigma`` heatmap pixels.

    Parameters
    ----------
    heatmaps : array_like
        ``(K, H, W)`` or ``(N, K, H, W)``, finite.
    sigma : float
        Standard deviation of the blur, in heatmap pixels.
    radius : int, optional
        Kernel radius in pixels; default ``ceil(3 * sigma)``.
    preserve : {"peak", "sum", None}
        What the rescaling keeps; see the module docstring.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``heatmaps``.

    Examples
    --------
    >>> m = np.zeros((1, 5, 5)); m[0, 2, 2] = 2.0
    >>> float(smooth(m, 1.0).max()), float(smooth(m, 1.0, preserve="sum").sum().round(12))
    (2.0, 2.0)
    >>> smooth(m, 1.0, preserve=None)[0, 2].round(3)
    array([0.043, 0.193, 0.318, 0.193, 0.043])
    >>> smooth(m, 1.0, preserve="mean")
    Traceback (most recent call last):
    ...
    ValueError: preserve: expected 'peak', 'sum' or None; got 'mean' (str).
    """
    if preserve not in ("peak", "sum", None):
        raise value_error("preserve", "'peak', 'sum' or None", preserve)
    maps, _ = as_heatmaps(heatmaps)
    out = _convolve_separable(maps, gaussian_kernel(sigma, radius))
    if preserve is not None:
        reduce = np.max if preserve == "peak" else np.sum
        before, after = reduce(maps, axis=(-2, -1)), reduce(out, axis=(-2, -1))
        ok = (before > 0) & (after > 0)
        out *= np.where(ok, before / np.where(ok, after, 1.0), 1.0)[..., None, None]
    return out.reshape(np.shape(heatmaps))
