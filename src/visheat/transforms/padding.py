"""Padding and cropping: ``Pad``, ``PadToAspectRatio``, ``Crop`` and ``Unpad``.

Amounts are in pixels, in imgaug's order ``(top, right, bottom, left)``. The
modes are numpy's (:func:`numpy.pad`): ``"constant"`` (fill with ``cval``),
``"edge"``, ``"linear_ramp"`` (a ramp from the edge to ``cval``), ``"maximum"``,
``"mean"``, ``"median"``, ``"minimum"`` (the statistic of the whole row or
column), ``"reflect"`` (mirror without repeating the edge, ``d c b | a b c d``),
``"symmetric"`` (mirror with the edge, ``b a | a b c d``) and ``"wrap"``. imgaug's
``"reflect"``/``"symmetric"`` go through OpenCV's ``BORDER_REFLECT_101``/
``BORDER_REFLECT``, which are the same arrays.

Unlike imgaug, visheat does not rescale maps to [0, 1] first: ``cval`` is in the
units of the data. Pads are recorded per sample (``top``, ``right``, ``bottom``,
``left``) in the batch's provenance, imgaug's ``return_pad_amounts=True``; a later
``Unpad()`` in the same pipeline reads them and removes the padding again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batch import Batch, Record, Stage
from ..core.errors import check_number, raise_unknown_name, type_error, value_error
from ..core.layout import as_float
from ..core.limits import check_allocation, check_sides
from ..core.pipeline import Transform, option

PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
             "reflect", "symmetric", "wrap")
SIDES = ("top", "right", "bottom", "left")
_MAPS = frozenset({Stage.VALUES, Stage.MAP})


def _check_mode(mode: Any) -> str:
    """Validate a pad mode name (see the module docstring)."""
    if mode not in PAD_MODES:
        raise_unknown_name("mode", str(mode), PAD_MODES, "pad mode")
    return mode


def pad_array(a: np.ndarray, amounts: tuple[int, int, int, int], mode: str = "constant",
              cval: float = 0.0, spatial: int = 1, argument: str = "amounts") -> np.ndarray:
    """Pad axes ``spatial, spatial + 1`` of ``a`` by ``(top, right, bottom, left)``.

    Axes of size 0 can only be padded with a constant (as in imgaug). A result
    larger than the allocation limit (per sample) is refused, naming ``argument``.

    Examples
    --------
    >>> pad_array(np.array([[[1.0, 2.0]]]), (0, 2, 0, 1), "reflect")
    array([[[2., 1., 2., 1., 2.]]])
    """
    top, right, bottom, left = amounts
    out = list(a.shape)
    out[spatial] += top + bottom
    out[spatial + 1] += left + right
    check_sides(argument, out[spatial:spatial + 2], "a padded array (one sample)")
    check_allocation(argument, tuple(out[1:]), a.dtype, what="a padded array (one sample)")
    widths = [(0, 0)] * a.ndim
    widths[spatial] = (top, bottom)
    widths[spatial + 1] = (left, right)
    if 0 in a.shape[spatial:spatial + 2]:
        mode = "constant"
    if mode == "constant":
        return np.pad(a, widths, mode="constant", constant_values=cval)
    if mode == "linear_ramp":
        return np.pad(a, widths, mode="linear_ramp", end_values=cval)
    return np.pad(a, widths, mode=mode)  # type: ignore[call-overload]


def aspect_ratio_pads(height: int, width: int, ratio: float) -> tuple[int, int, int, int]:
    """``(top, right, bottom, left)`` that pad ``height x width`` to ``width / height = ratio``.

    imgaug's arithmetic: only the short axis is padded, by ``ratio * height - width``
    (or ``width / ratio - height``) split in two, the odd pixel going to the
    bottom or right.

    Examples
    --------
    >>> aspect_ratio_pads(161, 240, 1.0)
    (39, 0, 40, 0)
    """
    top = right = bottom = left = 0
    if height == 0:
        height, bottom = 1, 1
    if width == 0:
        width, right = 1, 1
    current = width / height
    if current < ratio:
        diff = min(ratio * height - width, 1e300)  # absurd ratios: refused by their size
        right += int(np.ceil(diff / 2))
        left += int(np.floor(diff / 2))
    elif current > ratio:
        diff = min((1 / ratio) * width - height, 1e300)
        top += int(np.floor(diff / 2))
        bottom += int(np.ceil(diff / 2))
    return top, right, bottom, left


def crop_array(a: np.ndarray, amounts: tuple[int, int, int, int], spatial: int) -> np.ndarray:
    """Remove ``(top, right, bottom, left)`` pixels from axes ``spatial, spatial + 1``.

    At least one row and one column must remain: a crop of everything is refused
    (an empty picture cannot be drawn or saved).

    Examples
    --------
    >>> crop_array(np.zeros((2, 8, 8)), (4, 0, 4, 0), 1)
    Traceback (most recent call last):
    ...
    ValueError: amounts: expected less than the size (8, 8) in total per axis, so that a pixel
    remains; got (top, right, bottom, left) = (4, 0, 4, 0) for an array of shape (2, 8, 8).
    """
    top, right, bottom, left = amounts
    h, w = a.shape[spatial], a.shape[spatial + 1]
    if top + bottom >= h or left + right >= w:
        raise value_error("amounts", f"less than the size {(h, w)} in total per axis, so that "
                          "a pixel remains", f"(top, right, bottom, left) = {amounts} for an "
                          f"array of shape {a.shape}", described=True)
    index = [slice(None)] * a.ndim
    index[spatial] = slice(top, h - bottom)
    index[spatial + 1] = slice(left, w - right)
    return a[tuple(index)]


def _check_amounts(transform: Transform) -> None:
    for side in SIDES:
        value = check_number(side, getattr(transform, side), low=0, integer=True)
        object.__setattr__(transform, side, int(value))


def _record_pads(transform: Transform, batch: Batch, data: np.ndarray,
                 amounts: tuple[int, ...]) -> Batch:
    values = {side: np.full(batch.n, amount, np.int64) for side, amount in zip(SIDES, amounts)}
    return batch.replace(data=data).with_record(transform, **values)


class _Padding(Transform):
    """Shared behaviour of the pads; subclasses declare ``mode`` and ``cval`` last."""

    volumes = "slices"  # see Transform.volumes

    takes = _MAPS
    _argument = "amounts"  # named when the padded result is too large

    def __post_init__(self) -> None:
        _check_mode(self.mode)  # type: ignore[attr-defined]
        object.__setattr__(self, "cval", check_number("cval", self.cval))  # type: ignore[attr-defined]

    def amounts(self, height: int, width: int) -> tuple[int, int, int, int]:
        """``(top, right, bottom, left)`` for a map of ``height x width``."""
        raise NotImplementedError

    def apply(self, batch: Batch) -> Batch:
        spatial = batch.stage.spatial_axis
        amounts = self.amounts(*batch.data.shape[spatial:spatial + 2])
        data = pad_array(as_float(batch.data), amounts, self.mode, self.cval,  # type: ignore[attr-defined]
                         spatial, self._argument)
        # the record names the pad that was applied, so Unpad (and a reader of the
        # provenance) knows the amounts even for an empty batch
        done = Pad(*amounts, mode=self.mode, cval=self.cval)  # type: ignore[attr-defined]
        return _record_pads(done, batch, data, amounts)


class Pad(_Padding):
    """Pad every map by fixed amounts (imgaug's ``pad(top, right, bottom, left, mode, cval)``).

    Works on maps ``(N, H, W)`` and channel values ``(N, C, H, W)`` (each channel
    padded alike). The amounts are recorded for :class:`Unpad`.

    Parameters
    ----------
    top, right, bottom, left : int
        Pixels to add on each side (>= 0).
    mode : str
        One of numpy's pad modes; see :mod:`visheat.transforms.padding`.
    cval : float
        The fill value of ``"constant"`` and the end value of ``"linear_ramp"``.

    Examples
    --------
    >>> Pad(1, 0, 0, 2, cval=9)(np.ones((1, 1, 1)))
    array([[[9., 9., 9.],
            [9., 9., 1.]]])
    >>> Pad(0, 1, mode="edge")(np.array([[[1.0, 2.0]]]))
    array([[[1., 2., 2.]]])
    >>> Pad(mode="symetric")
    Traceback (most recent call last):
    ...
    ValueError: mode: expected a known pad mode name; got 'symetric'. Did you mean 'symmetric'?
    """

    top: int = 0
    right: int = 0
    bottom: int = 0
    left: int = 0
    mode: str = option(default="constant")
    cval: float = option(default=0.0)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_amounts(self)

    @property
    def _argument(self) -> str:  # type: ignore[override]
        return max(SIDES, key=lambda side: getattr(self, side))  # the largest amount

    def amounts(self, height: int, width: int) -> tuple[int, int, int, int]:
        return self.top, self.right, self.bottom, self.left


class PadToAspectRatio(_Padding):
    """Pad the short axis until ``width / height`` is ``ratio`` (imgaug's ``pad_to_aspect_ratio``).

    The pad is split between the two sides of the axis, the odd pixel going to
    the bottom or right, exactly as imgaug computes it (see
    :func:`aspect_ratio_pads`). The pad it applied is recorded as
    ``Pad(top, right, bottom, left, ...)`` with the amounts per sample (imgaug's
    ``return_pad_amounts=True``): read them with :func:`pad_amounts` from
    ``Heatmaps.records``, or undo the pad with :class:`Unpad` later in the pipeline.

    Parameters
    ----------
    ratio : float
        The target ``width / height`` (> 0), e.g. ``1.0`` for squares.
    mode, cval
        As in :class:`Pad`.

    Examples
    --------
    >>> PadToAspectRatio(1.0)(np.ones((1, 1, 3))).shape
    (1, 3, 3)
    >>> (PadToAspectRatio(1.0) | Unpad())(np.ones((1, 1, 3))).shape
    (1, 1, 3)
    """

    ratio: float = 1.0
    mode: str = option(default="constant")
    cval: float = option(default=0.0)

    def __post_init__(self) -> None:
        super().__post_init__()
        value = check_number("ratio", self.ratio, low=0, low_open=True)
        object.__setattr__(self, "ratio", float(value))

    _argument = "ratio"

    def amounts(self, height: int, width: int) -> tuple[int, int, int, int]:
        return aspect_ratio_pads(height, width, self.ratio)


class Crop(Transform):
    """Remove fixed amounts from every side; ``Pad(t, r, b, l) | Crop(t, r, b, l)`` is the identity.

    Works on every stage (maps, channel values, pictures).

    Examples
    --------
    >>> Crop(1, 0, 0, 1)(np.arange(9.0).reshape(1, 3, 3))
    array([[[4., 5.],
            [7., 8.]]])
    """

    volumes = "slices"  # see Transform.volumes

    top: int = 0
    right: int = 0
    bottom: int = 0
    left: int = 0

    def __post_init__(self) -> None:
        _check_amounts(self)

    def apply(self, batch: Batch) -> Batch:
        amounts = (self.top, self.right, self.bottom, self.left)
        return batch.replace(data=crop_array(batch.data, amounts, batch.stage.spatial_axis))


class Unpad(Transform):
    """Undo the latest not yet undone ``Pad`` or ``PadToAspectRatio`` of the pipeline.

    Reads the pad amounts from the batch's provenance, so it works on every
    stage: e.g. pad a map to a square for smoothing, colour it, then remove the
    padding from the pictures. Nested pads are undone innermost first.

    Examples
    --------
    >>> pipe = PadToAspectRatio(1.0, mode="edge") | Pad(1, 1, 1, 1) | Unpad() | Unpad()
    >>> pipe(np.ones((1, 2, 5))).shape
    (1, 2, 5)
    >>> Unpad()(np.ones((1, 2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: Unpad(): expected a Pad or PadToAspectRatio step earlier in the pipeline; got no
    pad to undo.
    """

    volumes = "slices"  # see Transform.volumes

    def apply(self, batch: Batch) -> Batch:
        amounts = _latest_pads(batch)
        data = crop_array(batch.data, amounts, batch.stage.spatial_axis)
        return batch.replace(data=data).with_record(self)


def _latest_pads(batch: Batch) -> tuple[int, int, int, int]:
    """Amounts of the innermost pad that no later ``Unpad`` has undone."""
    pending = 0
    for record in reversed(batch.records):
        if isinstance(record.transform, Unpad):
            pending += 1
        elif isinstance(record.transform, Pad):
            if pending == 0:
                return record.transform.amounts(0, 0)
            pending -= 1
    raise value_error("Unpad()", "a Pad or PadToAspectRatio step earlier in the pipeline",
                      "no pad to undo", described=True)


def pad_amounts(records: Any) -> np.ndarray:
    """``(N, 4)`` amounts ``(top, right, bottom, left)`` of the last pad in ``records``.

    ``records`` is ``Heatmaps.records`` (or a batch's). imgaug's
    ``pad_to_aspect_ratio(..., return_pad_amounts=True)`` second result.

    Examples
    --------
    >>> from visheat import heatmap, ExtremaColormap
    >>> h = heatmap(np.ones((2, 1, 3)), PadToAspectRatio(1.0) | ExtremaColormap(), layout="NHW")
    >>> pad_amounts(h.records)
    array([[1, 0, 1, 0],
           [1, 0, 1, 0]])
    """
    if isinstance(records, (str, bytes)) or not hasattr(records, "__iter__"):
        raise type_error("records", "the records of a Heatmaps result (h.records)", records)
    for record in reversed(tuple(records)):
        if not isinstance(record, Record):
            raise type_error("records", "the records of a Heatmaps result (h.records)", record)
        if isinstance(record.transform, Pad):
            return np.stack([np.asarray(record.values[side]) for side in SIDES], axis=1)
    raise value_error("records", "a record of Pad or PadToAspectRatio", "none", described=True)


__all__ = ["Pad", "PadToAspectRatio", "Crop", "Unpad", "pad_array", "crop_array",
           "aspect_ratio_pads", "pad_amounts", "PAD_MODES"]
