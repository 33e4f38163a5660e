"""The record that flows through a pipeline: array, stage, images and provenance.

Three stages, each with a fixed shape contract (batch axis first):

========  ==================  ==============================================
stage     shape               meaning
========  ==================  ==============================================
values    ``(N, C, H, W)``    channel values, e.g. an input-space attribution
map       ``(N, H, W)``       one number per pixel, e.g. a reduced attribution
rgb       ``(N, H, W, 3)``    pictures: floats in [0, 1] or uint8
========  ==================  ==============================================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import type_error, value_error


class Stage(enum.Enum):
    """What a batch array holds; see the module docstring for the shapes."""

    VALUES = "values"
    MAP = "map"
    RGB = "rgb"

    @property
    def ndim(self) -> int:
        """Number of axes of a batch array in this stage (batch axis included)."""
        return {Stage.VALUES: 4, Stage.MAP: 3, Stage.RGB: 4}[self]

    @property
    def shape_text(self) -> str:
        """Human description used in error messages."""
        return {
            Stage.VALUES: "channel values (N, C, H, W)",
            Stage.MAP: "a map (N, H, W)",
            Stage.RGB: "RGB pictures (N, H, W, 3)",
        }[self]

    @property
    def spatial_axis(self) -> int:
        """Index of the H axis in a batch array of this stage (W follows it)."""
        return 2 if self is Stage.VALUES else 1

    @classmethod
    def coerce(cls, value: Any, argument: str = "stage") -> Stage:
        """Accept a `Stage` or its name (``"values"``, ``"map"``, ``"rgb"``)."""
        if isinstance(value, Stage):
            return value
        try:
            return cls(value)
        except ValueError:
            raise value_error(argument, "one of 'values', 'map', 'rgb'", value) from None


def check_stage_shape(data: np.ndarray, stage: Stage, argument: str = "x") -> None:
    """Raise a `ValueError` unless ``data`` has the shape contract of ``stage``.

    Examples
    --------
    >>> check_stage_shape(np.zeros((2, 5, 5)), Stage.MAP)
    >>> check_stage_shape(np.zeros((2, 5, 5)), Stage.RGB)
    Traceback (most recent call last):
    ...
    ValueError: x: expected RGB pictures (N, H, W, 3); got array of shape (2, 5, 5) and dtype
    float64.
    """
    ok = data.ndim == stage.ndim and (stage is not Stage.RGB or data.shape[-1] == 3)
    if not ok:
        raise value_error(argument, stage.shape_text, data)


#: The dtypes of final pictures: uint8 (the 8-bit path) or floats in [0, 1].
DTYPES = (np.uint8, np.float32, np.float64)


def check_dtype(dtype: Any, argument: str = "dtype") -> np.dtype:
    """Validate the dtype of final pictures (one of :data:`DTYPES`).

    >>> check_dtype("uint8")
    dtype('uint8')
    >>> check_dtype(np.int16)
    Traceback (most recent call last):
    ...
    ValueError: dtype: expected np.uint8, np.float32 or np.float64; got dtype('int16') (Int16DType).
    """
    try:
        found = np.dtype(dtype)
    except TypeError:
        raise type_error(argument, "np.uint8, np.float32 or np.float64", dtype) from None
    if found not in [np.dtype(d) for d in DTYPES]:
        raise value_error(argument, "np.uint8, np.float32 or np.float64", found)
    return found


def per_sample_rows(data: np.ndarray) -> np.ndarray:
    """View ``data`` as ``(N, everything else)``; works for empty batches too.

    >>> per_sample_rows(np.zeros((0, 4, 5))).shape
    (0, 20)
    """
    return data.reshape(data.shape[0], int(np.prod(data.shape[1:], dtype=np.int64)))


@dataclass(frozen=True)
class Record:
    """What one step did to each sample, kept so figures can tell the truth.

    Attributes
    ----------
    transform : Transform
        The step that wrote the record.
    values : Mapping[str, numpy.ndarray]
        Per-sample arrays, each with the batch axis first; e.g. a colormap stores
        ``lo`` and ``hi`` of shape ``(N,)``: the value range it mapped onto the colours.
    """

    transform: Any
    values: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Batch:
    """An immutable batch in one stage, with its images and provenance.

    Parameters
    ----------
    data : numpy.ndarray
        The array, in the shape contract of ``stage``.
    stage : Stage
    images : numpy.ndarray or tuple of numpy.ndarray, optional
        The pictures the heatmaps belong to: an ``(N, H, W, 3)`` array, or one
        ``(H_i, W_i, 3)`` array per sample when sizes differ. uint8, or floats in
        [0, 1].
    records : tuple of Record
        Provenance, appended by the steps that choose value ranges.
    dtype : numpy.dtype
        The dtype of the final pictures: ``uint8`` selects the fast 8-bit path,
        a float dtype keeps un-quantised colours all the way through.
    start : int
        Index of this batch's first sample in the whole input (pipelines run in
        chunks; per-sample parameters such as an ``(N, H, W)`` alpha use it).
    out : numpy.ndarray, optional
        Where the final pictures go. Only the last step of a pipeline receives
        it; a step may write its result into it (same shape and dtype) and
        return it as ``data``, saving a copy. Ignoring it is always correct.

    Examples
    --------
    >>> b = Batch(np.zeros((2, 4, 4)), Stage.MAP)
    >>> b.n, b.stage.value
    (2, 'map')
    """

    data: np.ndarray
    stage: Stage
    images: np.ndarray | tuple[np.ndarray, ...] | None = None
    records: tuple[Record, ...] = ()
    dtype: np.dtype = field(default=np.dtype(np.float64))
    start: int = 0
    out: np.ndarray | None = None

    def __post_init__(self) -> None:
        check_stage_shape(self.data, self.stage, "data")

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.data.shape[0])

    @property
    def fast(self) -> bool:
        """True when the final pictures are uint8 (the 8-bit fast path)."""
        return self.dtype == np.uint8

    def replace(self, **changes: Any) -> Batch:
        """A copy with some fields changed (the batch itself is immutable)."""
        return replace(self, **changes)

    def with_record(self, transform: Any, **values: np.ndarray) -> Batch:
        """A copy with one more provenance record."""
        return replace(self, records=self.records + (Record(transform, values),))

    def out_for(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """``out`` when it fits ``shape`` and ``dtype``, else a new array to write into."""
        if self.out is not None and self.out.shape == shape and self.out.dtype == dtype:
            return self.out
        return np.empty(shape, dtype)

    def image(self, i: int) -> np.ndarray:
        """The image of sample ``i`` of this batch (raises if there are none)."""
        if self.images is None:
            raise value_error("images", "images for this step", None)
        return self.images[i]
