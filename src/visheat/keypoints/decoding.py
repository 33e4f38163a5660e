"""Reading points back from heatmaps, as precisely as the map allows.

``decode(heatmaps, method)`` finds each channel's maximum and refines it:

============  =================================================================
method        what it does
============  =================================================================
``argmax``    the first maximum in row-major order (no refinement)
``quarter``   a quarter pixel toward the larger neighbour on each axis (HRNet)
``dark``      peak of a Gaussian fitted to the 13 x 13 window around the maximum
              (log-heatmap quadratic, least squares; round unless measurably
              elongated), by a Newton step as in DARK: exact for Gaussian maps
              anywhere, borders included, and it averages noise (see
              :mod:`~visheat.keypoints.gaussfit`); ``blur=sigma`` blurs first
              and reads DARK's 3 x 3 stencil instead
``topk``      softmax-weighted mean of the ``k`` highest pixels (H3R)
``integral``  centre of mass of a ``patch x patch`` window around the maximum
============  =================================================================

Defined edge cases (visheat's convention): ties go to the first maximum in
row-major order; a flat map (every value equal, e.g. all zeros) has no peak and
decodes to NaN with the constant as its score; refinement never reads off the
map nor moves a point off its extent ``[-0.5, W - 0.5]``; where ``dark``'s fit
fails (peaks narrower than sigma ~0.55, fewer than six positive values, no
maximum) it reads the 3 x 3 stencil, which keeps the grid maximum when that has
no maximum either; NaN or infinite values are a `ValueError`. Other conventions
report a missing peak the way their system does (``-1`` for mmpose and imgaug,
``0`` for HRNet).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..core.errors import check_number, value_error
from . import refine
from ._arrays import as_heatmaps, first_argmax, flat
from .conventions import Convention, _as_stride, get_convention, to_image

METHODS = ("argmax", "quarter", "dark", "topk", "integral")
#: Pixels ``"topk"`` averages by default (H3R's 3 x 3); maps with fewer give all of theirs.
TOPK = 9


class Decoded(NamedTuple):
    """Decoded points and their scores."""

    points: np.ndarray
    """``(N, K, 2)`` (or ``(K, 2)``) image coordinates ``(x, y)``; NaN where no peak."""
    scores: np.ndarray
    """``(N, K)`` (or ``(K,)``): each map's maximum value."""


def decode(heatmaps: Any, method: str | None = None, *, stride: Any = 1,
           convention: Any = "visheat", k: int | None = None, patch: int = 5,
           blur: float | None = None, threshold: float | None = None) -> Decoded:
    """Points and scores from ``(K, H, W)`` or ``(N, K, H, W)`` heatmaps.

    Parameters
    ----------
    heatmaps : array_like
        One map per keypoint; finite values (confidences, not logits, for
        ``"dark"``).
    method : {"argmax", "quarter", "dark", "topk", "integral"}, optional
        See the module docstring; default: the convention's (``"dark"``).
    stride : float or (float, float)
        Image pixels per heatmap pixel.
    convention : str or Convention
        Grid and refinement rules (see :data:`~visheat.keypoints.CONVENTIONS`).
    k : int, optional
        Pixels averaged by ``"topk"`` (1 to H * W); default 9, or every pixel of a
        map with fewer.
    patch : int
        Odd window size of ``"integral"``.
    blur : float, optional
        Sigma (heatmap pixels) of the Gaussian blur ``"dark"`` applies first;
        default: the convention's (none for visheat, whose fit already
        averages noise); ``0`` turns it off.
    threshold : float, optional
        Maps whose maximum is below it decode to the convention's "no peak";
        default: the convention's (none for visheat).

    Returns
    -------
    Decoded
        ``(points, scores)``.

    Examples
    --------
    >>> from visheat.keypoints import gaussian_heatmaps
    >>> maps, _ = gaussian_heatmaps([[10.3, 6.6]], size=(8, 8), sigma=1.5, stride=2)
    >>> decode(maps, stride=2).points.round(6)
    array([[10.3, 6.6]])
    >>> decode(maps, "argmax", stride=2).points
    array([[10.5, 6.5]])

    Also on the edge of the map, where half the peak is cut off:

    >>> edge, _ = gaussian_heatmaps([[-0.5, 0.9]], size=(8, 8), sigma=1.5, stride=2)
    >>> decode(edge, stride=2).points.round(6)
    array([[-0.5,  0.9]])
    >>> decode(np.zeros((1, 4, 4)))
    Decoded(points=array([[nan, nan]]), scores=array([0.]))
    >>> decode(np.full((1, 2, 2), np.nan))
    Traceback (most recent call last):
    ...
    ValueError: heatmaps: expected finite values; got 4 NaN or infinite values in an array of shape
    (1, 2, 2). Replace them, e.g. with np.nan_to_num(heatmaps), before decoding.
    """
    conv = get_convention(convention)
    method = conv.method if method is None else method
    if method not in METHODS:
        raise value_error("method", "one of " + ", ".join(map(repr, METHODS)), method)
    maps, single = as_heatmaps(heatmaps)
    s = _as_stride(stride)
    m = flat(maps)
    rows, cols, scores = _peak_pixels(m, conv)
    x, y = _refine(m, rows, cols, method, conv, k=k, patch=patch, blur=blur)
    points, scores = finish(m, np.stack([x, y], -1), scores, conv, threshold, s)
    shape = maps.shape[:2]
    points, scores = points.reshape(shape + (2,)), scores.reshape(shape)
    return Decoded(points[0], scores[0]) if single else Decoded(points, scores)


def _peak_pixels(m: np.ndarray, conv: Convention) -> tuple[np.ndarray, ...]:
    """Row, column and value of each map's grid maximum.

    SLEAP takes the column of the largest column maximum and the row of the
    largest row maximum separately; they differ from the first maximum only
    when the maximum is tied.
    """
    if conv.flavour == "sleap" and m.size:
        rows, cols = m.max(axis=2).argmax(axis=1), m.max(axis=1).argmax(axis=1)
    else:
        rows, cols = first_argmax(m)
    return rows, cols, m.reshape(len(m), -1).max(axis=1) if m.size else np.zeros(0)


def _refine(m: np.ndarray, rows: np.ndarray, cols: np.ndarray, method: str,
            conv: Convention, *, k: int | None, patch: int, blur: float | None
            ) -> tuple[np.ndarray, np.ndarray]:
    if method == "argmax":
        return cols.astype(np.float64), rows.astype(np.float64)
    if method == "quarter":
        return refine.quarter(m, rows, cols, conv.flavour)
    if method == "integral":
        patch = int(check_number("patch", patch, low=1, integer=True))
        if patch % 2 == 0:
            raise value_error("patch", "an odd window size such as 5", patch)
        return refine.integral(m, rows, cols, patch, conv.flavour)
    if method == "topk":
        pixels = m.shape[1] * m.shape[2]
        k = min(TOPK, pixels) if k is None else int(check_number("k", k, low=1, high=pixels,
                                                                 integer=True))
        return refine.topk(m, k)
    sigma = conv.blur if blur is None else check_number("blur", blur, low=0)
    radius = conv.blur_radius if blur is None else None
    if not sigma:
        return refine.dark(m, rows, cols, conv.flavour)
    blurred = refine._blur_for_dark(m, sigma, radius, conv.flavour)
    return refine.dark(blurred, rows, cols, conv.flavour, blurred=True)


def finish(m: np.ndarray, xy: np.ndarray, scores: np.ndarray, conv: Convention,
           threshold: float | None, stride: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply the convention's "no peak" rule, then map to image coordinates."""
    if threshold is not None:
        threshold = check_number("threshold", threshold)
    limit = conv.threshold if threshold is None else threshold
    if conv.flavour in ("visheat", "sleap"):
        empty = m.reshape(len(m), -1).min(axis=1) == scores if m.size else np.zeros(0, bool)
        empty = empty if conv.flavour == "visheat" else np.zeros_like(empty)
    else:
        empty = scores <= 0
    if limit is not None:
        empty = empty | (scores < limit)
    points = to_image(xy, stride, conv)
    sentinel = {"nan": np.nan, "minus-one": -1.0, "zero": 0.0}[conv.empty]
    points[empty] = sentinel * stride
    if conv.flavour == "sleap":
        scores = np.where(empty, 0.0, scores)
    return points, scores
