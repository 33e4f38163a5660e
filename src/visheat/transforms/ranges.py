"""Known value ranges: maps in ``[min_value, max_value]`` to [0, 1] and back, and inversion.

imgaug's ``HeatmapsOnImage(arr, min_value=..., max_value=...)`` stores a heatmap
normalised to [0, 1] and ``get_arr()`` maps it back. In visheat the two
directions are transforms, so a pipeline says where the scaling happens::

    ToUnitRange(-1, 20) | Invert() | FromUnitRange(-1, 20)

Both work elementwise on channel values ``(N, C, H, W)`` and maps ``(N, H, W)``
and keep the float dtype; the arithmetic is imgaug's (``(x - min) / (max - min)``
and ``min + (max - min) * u`` in the array's precision). To colour a map with a
known range without rescaling it, use ``ExtremaColormap(vmin=..., vmax=...)``.

:class:`MinMaxScale` is the other kind of scaling: each sample to [0, 1] by its
own minimum and maximum, as pytorch-grad-cam's ``scale_cam_image`` scales raw CAMs.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.batch import Batch, Stage, per_sample_rows
from ..core.errors import check_number, type_error, value_error
from ..core.layout import as_float
from ..core.pipeline import Transform, option

_MAPS = frozenset({Stage.VALUES, Stage.MAP})


def _check_range(min_value: object, max_value: object) -> tuple[float, float]:
    low = check_number("min_value", min_value)
    high = check_number("max_value", max_value)
    if not low < high:
        raise value_error("max_value", f"a number above min_value={low:g}", max_value)
    if not (math.isfinite(high - low) and math.isfinite(high + low)):
        raise value_error("max_value", f"a range whose width and sum are finite floats with "
                          f"min_value={low:g}", max_value, "Both ends are within 1.7e308, but "
                          "max_value - min_value or max_value + min_value overflows.")
    return low, high


def _set_range(transform: Transform) -> None:
    """Validate and store ``min_value``/``max_value`` as floats (one canonical form)."""
    low, high = _check_range(transform.min_value, transform.max_value)  # type: ignore[attr-defined]
    object.__setattr__(transform, "min_value", low)
    object.__setattr__(transform, "max_value", high)


def to_unit_range(x: np.ndarray, min_value: float, max_value: float,
                  clip: bool = True) -> np.ndarray:
    """``(x - min_value) / (max_value - min_value)``, clipped to [0, 1] by default.

    Examples
    --------
    >>> to_unit_range(np.array([-1.0, 9.5, 20.0, 30.0]), -1, 20)
    array([0. , 0.5, 1. , 1. ])
    """
    x = as_float(np.asarray(x))
    kind = x.dtype.type
    work = x if x.dtype == np.float64 or _fits(x.dtype, min_value, max_value) \
        else x.astype(np.float64)
    wide = work.dtype.type
    out = (work - wide(min_value)) / wide(max_value - min_value)
    if clip:
        np.clip(out, 0, 1, out=out)
    with np.errstate(over="ignore"):  # unclipped values beyond the dtype become inf
        return out.astype(kind, copy=False)


def from_unit_range(u: np.ndarray, min_value: float, max_value: float) -> np.ndarray:
    """``min_value + (max_value - min_value) * u`` (imgaug's ``get_arr()``).

    Examples
    --------
    >>> from_unit_range(np.array([0.0, 0.5, 1.0]), -1, 20)
    array([-1. ,  9.5, 20. ])
    """
    u = as_float(np.asarray(u))
    kind = u.dtype.type
    if u.dtype != np.float64 and not _fits(u.dtype, min_value, max_value):
        with np.errstate(over="ignore"):  # results beyond the dtype become inf
            return from_unit_range(u.astype(np.float64), min_value, max_value).astype(kind)
    return kind(min_value) + kind(max_value - min_value) * u


def _fits(dtype: np.dtype, min_value: float, max_value: float) -> bool:
    """Whether the range's ends and width are normal, finite numbers in ``dtype``."""
    info = np.finfo(dtype)
    width = max_value - min_value
    return (max(abs(min_value), abs(max_value), width) <= float(info.max)
            and width >= float(info.tiny))


class ToUnitRange(Transform):
    """Normalise values known to lie in ``[min_value, max_value]`` to [0, 1].

    imgaug's ``HeatmapsOnImage(arr, min_value=..., max_value=...)``. Values
    outside the range are clipped (imgaug clips too, but only when one of the
    first 50 values is outside); ``clip=False`` keeps the plain affine map.

    Parameters
    ----------
    min_value, max_value : float
        The range of the input, ``min_value < max_value`` (e.g. depth in metres,
        logits in a known interval).
    clip : bool
        Clip the result to [0, 1] (default ``True``).

    Examples
    --------
    >>> ToUnitRange(-1, 20)(np.array([[[-1.0, 9.5, 20.0]]]))
    array([[[0. , 0.5, 1. ]]])
    >>> ToUnitRange(1, 1)
    Traceback (most recent call last):
    ...
    ValueError: max_value: expected a number above min_value=1; got 1 (int).
    """

    min_value: float = 0.0
    max_value: float = 1.0
    clip: bool = option(default=True)
    takes = _MAPS

    def __post_init__(self) -> None:
        _set_range(self)
        if not isinstance(self.clip, (bool, np.bool_)):
            raise type_error("clip", "True or False", self.clip)
        object.__setattr__(self, "clip", bool(self.clip))

    def apply(self, batch: Batch) -> Batch:
        data = to_unit_range(batch.data, self.min_value, self.max_value, bool(self.clip))
        return batch.replace(data=data)


class FromUnitRange(Transform):
    """Map [0, 1] values back to ``[min_value, max_value]`` (imgaug's ``get_arr()``).

    Examples
    --------
    >>> FromUnitRange(-1, 20)(np.array([[[0.0, 0.5, 1.0]]]))
    array([[[-1. ,  9.5, 20. ]]])
    """

    min_value: float = 0.0
    max_value: float = 1.0
    takes = _MAPS

    def __post_init__(self) -> None:
        _set_range(self)

    def apply(self, batch: Batch) -> Batch:
        return batch.replace(data=from_unit_range(batch.data, self.min_value, self.max_value))


class Invert(Transform):
    """Reflect values about the middle of a range: ``v -> min_value + max_value - v``.

    With the default range [0, 1] this is imgaug's ``invert()``, ``v -> 1 - v``
    (e.g. to turn a distance map into a proximity map). Applying it twice gives
    the input back, up to floating-point rounding.

    Parameters
    ----------
    min_value, max_value : float
        The range to reflect in (default [0, 1]).

    Examples
    --------
    >>> Invert()(np.array([[[0.0, 0.25, 1.0]]]))
    array([[[1.  , 0.75, 0.  ]]])
    >>> Invert(-1, 20)(np.array([[[-1.0, 0.0]]]))
    array([[[20., 19.]]])
    """

    min_value: float = 0.0
    max_value: float = 1.0
    takes = _MAPS

    def __post_init__(self) -> None:
        _set_range(self)

    def apply(self, batch: Batch) -> Batch:
        data = as_float(batch.data)
        total = self.min_value + self.max_value
        if abs(total) > float(np.finfo(data.dtype).max):
            with np.errstate(over="ignore"):  # results beyond the dtype become inf
                return batch.replace(data=(total - data.astype(np.float64)).astype(data.dtype))
        return batch.replace(data=data.dtype.type(total) - data)


def min_max_scale(x: np.ndarray, eps: float = 0.0, relu: bool = False) -> np.ndarray:
    """Scale every sample (first axis) to [0, 1]: ``(x - min) / (eps + max - min)``.

    ``relu`` clips negative values to 0 first. With ``eps=0`` a constant sample
    becomes 0. The float dtype is kept (integers become float64).

    Examples
    --------
    >>> min_max_scale(np.array([[2.0, 4.0, 3.0], [5.0, 5.0, 5.0]]))
    array([[0. , 1. , 0.5],
           [0. , 0. , 0. ]])
    >>> min_max_scale(np.array([[-1.0, 0.0, 2.0]]), relu=True)
    array([[0., 0., 1.]])
    """
    x = as_float(np.asarray(x))
    if relu:
        x = np.maximum(x, x.dtype.type(0))
    rows = per_sample_rows(x)
    if rows.shape[1] == 0:
        return x.copy()
    shape = (-1,) + (1,) * (x.ndim - 1)
    lo = rows.min(axis=1).reshape(shape)
    width = (rows.max(axis=1).reshape(shape) - lo) + x.dtype.type(eps)
    safe = np.where(width > 0, width, x.dtype.type(1))
    return np.where(width > 0, (x - lo) / safe, x.dtype.type(0)).astype(x.dtype, copy=False)


class MinMaxScale(Transform):
    """Scale every sample to [0, 1] by its own extremes: ``(x - min) / (eps + max - min)``.

    pytorch-grad-cam's ``scale_cam_image`` is ``MinMaxScale(1e-7, relu=True)``
    (grad-cam clips a CAM at 0, then divides by ``1e-7 + max`` after subtracting
    the minimum); ``MinMaxScale()`` is the exact scaling, where a constant sample
    becomes 0. Works on channel values (every sample over all its channels) and
    on maps. Use :class:`ToUnitRange` when the range is known in advance.

    Parameters
    ----------
    eps : float
        Added to ``max - min`` (``>= 0``), as grad-cam's ``1e-7``.
    relu : bool
        Clip negative values to 0 first (grad-cam does).

    Examples
    --------
    >>> MinMaxScale()(np.array([[[1.0, 2.0, 5.0]]]))
    array([[[0.  , 0.25, 1.  ]]])
    >>> MinMaxScale(1e-7, relu=True)(np.array([[[-3.0, 0.0, 0.5]]]))
    array([[[0.       , 0.       , 0.9999998]]])
    >>> MinMaxScale(-1)
    Traceback (most recent call last):
    ...
    ValueError: eps: expected a number in [0, inf]; got -1 (int).
    """

    eps: float = 0.0
    relu: bool = option(default=False)
    takes = _MAPS

    def __post_init__(self) -> None:
        eps = check_number("eps", self.eps, low=0)
        if not math.isfinite(eps):
            raise value_error("eps", "a finite number >= 0", self.eps)
        object.__setattr__(self, "eps", float(eps))
        if not isinstance(self.relu, (bool, np.bool_)):
            raise type_error("relu", "True or False", self.relu)
        object.__setattr__(self, "relu", bool(self.relu))

    def apply(self, batch: Batch) -> Batch:
        return batch.replace(data=min_max_scale(batch.data, self.eps, bool(self.relu)))


__all__ = ["ToUnitRange", "FromUnitRange", "Invert", "MinMaxScale", "to_unit_range",
           "from_unit_range", "min_max_scale"]
