"""Reading points, heatmaps and sizes; the shared argument checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.errors import check_number, type_error, value_error


def as_points(points: Any, argument: str = "points") -> tuple[np.ndarray, bool]:
    """``points`` as float64 ``(N, K, 2)``; the flag says a single ``(K, 2)`` was given."""
    try:
        arr = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error(argument, "a (K, 2) or (N, K, 2) array of (x, y)", points) from None
    if arr.ndim not in (2, 3) or arr.shape[-1] != 2:
        raise value_error(argument, "a (K, 2) or (N, K, 2) array of (x, y)", arr)
    return (arr[None], True) if arr.ndim == 2 else (arr, False)


def as_heatmaps(heatmaps: Any, argument: str = "heatmaps") -> tuple[np.ndarray, bool]:
    """``heatmaps`` as float64 ``(N, K, H, W)``; the flag says a single ``(K, H, W)`` was given.

    Non-finite values are a `ValueError` that counts them.
    """
    arr = np.asarray(heatmaps)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise type_error(argument, "a real (K, H, W) or (N, K, H, W) array", arr)
    if arr.ndim not in (3, 4) or arr.shape[-1] == 0 or arr.shape[-2] == 0:
        raise value_error(argument, "a (K, H, W) or (N, K, H, W) array with H, W >= 1", arr)
    arr = arr.astype(np.float64)
    bad = int(np.count_nonzero(~np.isfinite(arr)))
    if bad:
        raise value_error(argument, "finite values", f"{bad} NaN or infinite values in an "
                          f"array of shape {arr.shape}", "Replace them, e.g. with "
                          "np.nan_to_num(heatmaps), before decoding.", described=True)
    return (arr[None], True) if arr.ndim == 3 else (arr, False)


def as_size(size: Any, argument: str = "size") -> tuple[int, int]:
    """``(H, W)`` of a heatmap, both positive integers."""
    if isinstance(size, (str, bytes)):
        raise value_error(argument, "a pair (H, W) of positive integers", size)
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise value_error(argument, "a pair (H, W) of positive integers", size) from None
    if h < 1 or w < 1 or any(float(v) != int(v) for v in size):
        raise value_error(argument, "a pair (H, W) of positive integers", size)
    return h, w


def as_visible(visible: Any, shape: tuple[int, int]) -> np.ndarray:
    """Per-keypoint visibility ``(N, K)`` as booleans (values > 0.5 are visible)."""
    if visible is None:
        return np.ones(shape, dtype=bool)
    arr = np.asarray(visible)
    if arr.dtype.kind not in "biuf":
        raise type_error("visible", "booleans or numbers (> 0.5 is visible)", visible)
    try:
        arr = np.broadcast_to(arr, shape)
    except ValueError:
        raise value_error("visible", f"flags of shape (K,) or (N, K) = {shape}", arr) from None
    return arr.astype(np.float64) > 0.5


def check_sigma(sigma: Any, argument: str = "sigma") -> float:
    """A positive, finite Gaussian standard deviation in heatmap pixels."""
    return check_number(argument, sigma, low=0, low_open=True)


def flat(maps: np.ndarray) -> np.ndarray:
    """``(N, K, H, W)`` as ``(N * K, H, W)`` (a view)."""
    return maps.reshape((-1,) + maps.shape[-2:])


def first_argmax(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the first maximum (row-major) of each ``(M, H, W)`` map."""
    m, h, w = maps.shape
    if m == 0:  # no maps (zero keypoints or samples): no peaks
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    index = maps.reshape(m, h * w).argmax(axis=1)
    return index // w, index % w
