"""Training targets: Gaussian heatmaps and randomized-rounding binary maps.

Three Gaussian kinds, all with peak value 1 and ``sigma`` in heatmap pixels:

``"unbiased"`` (default)
    ``exp(-|p - mu|^2 / (2 sigma^2))`` over the whole map, centred on the exact
    sub-pixel point ``mu`` (DARK's and SLEAP's targets). Decoding it with
    ``"dark"`` gives the point back to float precision.
``"msra"``
    The classic target of HRNet and mmpose's ``MSRAHeatmap``: the Gaussian is
    centred on the *rounded* point and filled only in a square patch of
    half-width ``3 sigma``; the rest of the map is 0.
``"udp"``
    UDP's target: the same patch around the rounded point, filled with the
    Gaussian centred on the exact point.

A channel is empty (all zeros) and its weight 0 when the point is NaN, not
``visible``, or outside the map (for visheat: outside the map's extent
``[-0.5, W - 0.5]`` in heatmap coordinates; other conventions use their own
rule, see :class:`~visheat.keypoints.Convention`). Weights are 1 otherwise.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..core.errors import type_error, value_error
from ..core.limits import check_allocation
from ._arrays import as_points, as_size, as_visible, check_sigma
from .conventions import Convention, get_convention, to_heatmap


class Targets(NamedTuple):
    """What the target functions return: the maps and one weight per keypoint."""

    heatmaps: np.ndarray
    """``(N, K, H, W)`` (or ``(K, H, W)`` for ``(K, 2)`` points)."""
    weights: np.ndarray
    """``(N, K)`` (or ``(K,)``): 1 for a drawn keypoint, 0 for an empty channel."""


def gaussian_heatmaps(points: Any, size: Any, sigma: float, *, stride: Any = 1,
                      kind: str | None = None, visible: Any = None,
                      convention: Any = "visheat", dtype: Any = np.float32) -> Targets:
    """Gaussian target heatmaps for ``(K, 2)`` or ``(N, K, 2)`` points.

    Parameters
    ----------
    points : array_like
        ``(x, y)`` in image pixel coordinates, ``(K, 2)`` or ``(N, K, 2)``; NaN
        marks a missing point.
    size : (int, int)
        ``(H, W)`` of the heatmaps.
    sigma : float
        Standard deviation of the Gaussian in heatmap pixels.
    stride : float or (float, float)
        Image pixels per heatmap pixel (``(sx, sy)`` if they differ).
    kind : {"unbiased", "msra", "udp"}, optional
        See the module docstring; default: the convention's.
    visible : array_like of bool, optional
        ``(K,)`` or ``(N, K)`` flags; invisible keypoints get empty channels.
    convention : str or Convention
        Grid and rounding rules (see :data:`~visheat.keypoints.CONVENTIONS`).
    dtype : numpy dtype
        dtype of the heatmaps (``float32`` by default).

    Returns
    -------
    Targets
        ``(heatmaps, weights)``: ``(N, K, H, W)`` and ``(N, K)``, without the
        ``N`` axis for ``(K, 2)`` points.

    Examples
    --------
    >>> hm, w = gaussian_heatmaps([[2.0, 1.0], [np.nan, 0.0]], size=(3, 5), sigma=1.0)
    >>> hm.shape, w.tolist()
    ((2, 3, 5), [1.0, 0.0])
    >>> hm[0].round(2)
    array([[0.08, 0.37, 0.61, 0.37, 0.08],
           [0.14, 0.61, 1.  , 0.61, 0.14],
           [0.08, 0.37, 0.61, 0.37, 0.08]], dtype=float32)

    The classic patch sits on the rounded point (2.5 rounds up to 3):

    >>> gaussian_heatmaps([[2.5, 1.0]], (3, 5), 1.0, kind="msra").heatmaps[0, 1].round(2)
    array([0.01, 0.14, 0.61, 1.  , 0.61], dtype=float32)
    """
    conv = get_convention(convention)
    kind = conv.target if kind is None else kind
    if kind not in ("unbiased", "msra", "udp"):
        raise value_error("kind", "one of 'unbiased', 'msra', 'udp'", kind)
    mu, single, valid, (h, w) = _prepare(points, size, stride, visible, conv)
    check_allocation("size", mu.shape[:2] + (h, w), np.float64, what="the heatmaps")
    sigma = check_sigma(sigma)
    valid &= _inside(mu, (h, w), sigma, kind, conv)
    gx = _profile(mu[..., 0], w, sigma, kind, conv)
    gy = _profile(mu[..., 1], h, sigma, kind, conv)
    maps = gy[..., :, None] * gx[..., None, :]
    maps *= valid[..., None, None]
    return _result(maps.astype(dtype, copy=False), valid, single)


def binary_heatmaps(points: Any, size: Any, *, stride: Any = 1, rng: Any = None,
                    visible: Any = None, convention: Any = "visheat",
                    dtype: Any = np.float32) -> Targets:
    """One-hot target maps; with ``rng``, the hot pixel is chosen by randomized rounding.

    Randomized rounding (H3R, Yu et al. 2020) puts the 1 at ``floor(mu)`` or
    ``floor(mu) + 1`` on each axis, the upper one with probability equal to the
    fractional part, so the *expected* hot pixel is the exact point. Without
    ``rng`` the nearest pixel is used. Indices are clamped into the map.

    Parameters
    ----------
    points, size, stride, visible, convention, dtype
        As for :func:`gaussian_heatmaps`.
    rng : numpy.random.Generator, optional
        Source of the random draws (one ``(N, K, 2)`` draw per call).

    Examples
    --------
    >>> hm, _ = binary_heatmaps([[1.2, 0.0]], (2, 4))
    >>> hm[0]
    array([[0., 1., 0., 0.],
           [0., 0., 0., 0.]], dtype=float32)
    >>> rng = np.random.default_rng(0)
    >>> hits = [binary_heatmaps([[1.25, 0.0]], (1, 4), rng=rng)[0][0, 0] for _ in range(400)]
    >>> float(np.mean([h.argmax() for h in hits]).round(1))
    1.2
    """
    conv = get_convention(convention)
    mu, single, valid, (h, w) = _prepare(points, size, stride, visible, conv)
    check_allocation("size", mu.shape[:2] + (h, w), dtype, what="the heatmaps")
    valid &= _inside(mu, (h, w), 1.0, "unbiased", conv)
    safe = np.where(np.isfinite(mu), mu, 0.0)
    if rng is None:
        index = np.floor(safe + 0.5)
    elif isinstance(rng, np.random.Generator):
        base = np.floor(safe)
        index = base + (rng.random(safe.shape) < safe - base)
    else:
        raise type_error("rng", "a numpy.random.Generator such as np.random.default_rng(0)", rng)
    col = np.clip(index[..., 0], 0, w - 1).astype(np.intp)
    row = np.clip(index[..., 1], 0, h - 1).astype(np.intp)
    maps = np.zeros(mu.shape[:2] + (h, w), dtype=dtype)
    n, k = np.nonzero(valid)
    maps[n, k, row[n, k], col[n, k]] = 1
    return _result(maps, valid, single)


def _prepare(points: Any, size: Any, stride: Any, visible: Any,
             conv: Convention) -> tuple[np.ndarray, bool, np.ndarray, tuple[int, int]]:
    pts, single = as_points(points)
    hw = as_size(size)
    mu = to_heatmap(pts, stride, conv)
    valid = as_visible(visible, pts.shape[:2]) & np.isfinite(mu).all(axis=-1)
    return mu, single, valid, hw


def _result(maps: np.ndarray, valid: np.ndarray, single: bool) -> Targets:
    weights = valid.astype(np.float32)
    return Targets(maps[0], weights[0]) if single else Targets(maps, weights)


def _centre(mu: np.ndarray, conv: Convention) -> np.ndarray:
    """The rounded point: ``floor(mu + 0.5)``, or the reference code's ``int(mu + 0.5)``."""
    return np.trunc(mu + 0.5) if conv.reference_ints else np.floor(mu + 0.5)


def _window(mu: np.ndarray, sigma: float, conv: Convention) -> tuple[np.ndarray, ...]:
    """Patch ``[lo, hi)`` and the pixel its Gaussian peaks on, per axis.

    The reference code sizes the patch with ``int()`` casts: ``lo = int(c - r)``,
    ``hi = int(c + r + 1)`` and the peak at ``lo + (2 r + 1) // 2`` (for a whole
    ``r`` and a point inside the map, that is ``c - r``, ``c + r + 1`` and ``c``).
    """
    r = conv.window * sigma
    c = _centre(mu, conv)
    if conv.reference_ints:
        lo, hi = np.trunc(c - r), np.trunc(c + r + 1)
        return lo, hi, lo + np.floor((2 * r + 1) / 2), c
    return c - np.floor(r), c + np.floor(r) + 1, c, c


def _profile(mu: np.ndarray, length: int, sigma: float, kind: str,
             conv: Convention) -> np.ndarray:
    """The 1-D Gaussian factor ``(N, K, length)`` along one axis."""
    grid = np.arange(length, dtype=np.float64)
    safe = np.where(np.isfinite(mu), mu, 0.0)[..., None]
    # far points give exp(-inf) = 0, exactly right; a sigma whose square underflows gives
    # 0/0 on the point itself, which is the peak
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        if kind == "unbiased":
            profile = np.exp(-((grid - safe) ** 2) / (2 * sigma * sigma))
        else:
            lo, hi, peak, c = (a[..., None] for a in _window(safe[..., 0], sigma, conv))
            centre = peak if kind == "msra" else peak + (safe - c)
            inside = (grid >= lo) & (grid < hi)
            profile = np.where(inside, np.exp(-((grid - centre) ** 2) / (2 * sigma * sigma)), 0.0)
    return np.nan_to_num(profile, nan=1.0)


def _inside(mu: np.ndarray, size: tuple[int, int], sigma: float, kind: str,
            conv: Convention) -> np.ndarray:
    """Which points get a drawn channel under the convention's ``clip`` rule."""
    limits = np.array([size[1], size[0]], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if conv.clip == "none":
            return np.ones(mu.shape[:-1], dtype=bool)
        if conv.clip == "extent":
            return np.asarray(((mu >= -0.5) & (mu <= limits - 0.5)).all(axis=-1))
        r = conv.window * sigma
        if kind == "unbiased" or not conv.reference_ints:
            lo, hi = mu - r, mu + r + 1
        else:
            lo, hi = _window(mu, sigma, conv)[:2]
        return np.asarray(((lo < limits) & (hi >= 0)).all(axis=-1))
