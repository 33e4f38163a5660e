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


def _check_stage_shape(data: np.ndarray, stage: Stage, argument: str = "x") -> None:
    """Raise a `ValueError` unless ``data`` has the shape contract of ``stage``.

    Examples
    --------
    >>> _check_stage_shape(np.zeros((2, 5, 5)), Stage.MAP)
    >>> _check_stage_shape(np.zeros((2, 5, 5)), Stage.RGB)
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


def _check_depth(height: int, depth: Any, argument: str) -> None:
    if not isinstance(depth, (int, np.integer)) or isinstance(depth, bool) or depth < 1:
        raise value_error(argument, "a positive int (slices per sample)", depth)
    if height % depth:
        raise value_error(argument, f"a divisor of the folded height {height} (D·H)", depth,
                          "A spatial step changed the height of a folded volume; it should "
                          "run per slice (Transform.volumes = 'slices').")


def unfold_slices(batch: Batch) -> Batch:
    """A folded batch as a batch of its slices: ``(N·D, ...)``, ``depth`` 1, sample-major.

    Images come along when they are folded with the same depth, else they are dropped.
    New records of a step run on the slices are not kept (:func:`fold_slices`).

    >>> b = unfold_slices(Batch(np.zeros((2, 3, 12, 5)), Stage.VALUES, depth=4))
    >>> b.data.shape, b.depth
    ((8, 3, 3, 5), 1)
    """
    n, d = batch.n, batch.depth
    images = batch.images
    if isinstance(images, np.ndarray) and batch.image_depth == d:
        images = images.reshape((n * d, images.shape[1] // d) + images.shape[2:])
    else:
        images = None
    return Batch(_slices(batch.data, batch.stage, d), batch.stage, images=images,
                 dtype=batch.dtype, start=batch.start * d)


def _slices(data: np.ndarray, stage: Stage, d: int) -> np.ndarray:
    n = data.shape[0]
    if stage is Stage.VALUES:  # (N, C, D·h, w) -> (N, D, C, h, w) -> (N·D, C, h, w)
        c, dh, w = data.shape[1:]
        return data.reshape(n, c, d, dh // d, w).transpose(0, 2, 1, 3, 4).reshape(
            n * d, c, dh // d, w)
    return data.reshape((n * d, data.shape[1] // d) + data.shape[2:])


def fold_slices(slices: Batch, folded: Batch) -> Batch:
    """The result of a step run on :func:`unfold_slices` of ``folded``, folded back.

    >>> b = Batch(np.arange(12.0).reshape(1, 4, 3), Stage.MAP, depth=2)
    >>> fold_slices(unfold_slices(b), b).data.shape
    (1, 4, 3)
    """
    n, d = folded.n, folded.depth
    data = slices.data
    if slices.stage is Stage.VALUES:
        c, h, w = data.shape[1:]
        data = data.reshape(n, d, c, h, w).transpose(0, 2, 1, 3, 4).reshape(n, c, d * h, w)
    else:
        data = data.reshape((n, d * data.shape[1]) + data.shape[2:])
    images, image_depth = folded.images, folded.image_depth
    inner = slices.images
    if isinstance(inner, np.ndarray) and isinstance(folded.images, np.ndarray) \
            and folded.image_depth == d:
        images = inner.reshape((n, d * inner.shape[1]) + inner.shape[2:])
    return replace(folded, data=data, stage=slices.stage, images=images,
                   image_depth=image_depth, out=None)


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
    depth : int
        Slices (or frames) per sample: a volume or clip (a layout with D or T) is
        one row of the batch with its D slices folded into H, so ``data`` is
        ``(N, C, D·H, W)``, ``(N, D·H, W)`` or ``(N, D·H, W, 3)`` and H is a multiple
        of ``depth`` (checked). 1 for images. Steps that only look at values
        (reductions, clipping, colour) need not know; spatial steps declare how they
        treat volumes (``Transform.volumes``).
    image_depth : int
        The same for ``images`` (a volume's pictures, folded alike): 1 for images.
    volumetric : bool
        True when the samples are volumes or clips (a layout with D or T), also of one
        slice (``depth`` 1: a 2.5-D model's), which the views accept and images are not.
        See :attr:`is_volume`.
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
    depth: int = 1
    image_depth: int = 1
    volumetric: bool = False

    def __post_init__(self) -> None:
        _check_stage_shape(self.data, self.stage, "data")
        if self.depth != 1 or self.image_depth != 1:
            _check_depth(self.data.shape[self.stage.spatial_axis], self.depth, "depth")
            if isinstance(self.images, np.ndarray):
                _check_depth(self.images.shape[1], self.image_depth, "image_depth")

    @property
    def is_volume(self) -> bool:
        """Whether each sample is a volume or clip: ``depth`` above 1, or ``volumetric``.

        >>> Batch(np.zeros((1, 4, 4)), Stage.MAP).is_volume
        False
        >>> Batch(np.zeros((1, 4, 4)), Stage.MAP, volumetric=True).is_volume
        True
        """
        return self.depth > 1 or self.volumetric

    def slice_shape(self) -> tuple[int, int]:
        """``(H, W)`` of one slice (of the whole picture when ``depth`` is 1)."""
        h = self.stage.spatial_axis
        return self.data.shape[h] // self.depth, int(self.data.shape[h + 1])

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
