"""Geometry: transposing, permuting and dropping axes, and resizing to the image.

These steps work on any stage unless stated otherwise; the batch axis is never
touched. ``dims`` in :class:`PermuteDims` and :class:`DropDims` count the
per-sample axes of the current stage: ``(C, H, W)`` for values, ``(H, W)`` for a
map and ``(H, W, 3)`` for pictures.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._errors import type_error, value_error
from .batch import Batch, Stage
from .pipeline import Transform
from .resize import check_method, resize_array


class FlipImage(Transform):
    """Transpose the two spatial axes (H and W) of every sample.

    VisionHeatmaps.jl needs this step because Julia stores images as (W, H);
    with ``layout="WHCN"`` visheat reads Julia's data upright already, so a
    ported pipeline drops its ``FlipImage()``.

    Examples
    --------
    >>> FlipImage()(np.arange(6.0).reshape(1, 2, 3)).shape
    (1, 3, 2)
    """

    def apply(self, batch: Batch) -> Batch:
        h = batch.stage.spatial_axis
        return batch.replace(data=np.swapaxes(batch.data, h, h + 1))


def _check_dims(dims: Any, argument: str) -> tuple[int, ...]:
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        dims = (dims,)
    if not isinstance(dims, (tuple, list)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise type_error(argument, "a tuple of per-sample axis numbers", dims)
    return tuple(int(d) for d in dims)


class PermuteDims(Transform):
    """Permute the per-sample axes, e.g. ``PermuteDims((0, 2, 1))`` on values.

    ``dims`` is a permutation of ``range(k)`` where ``k`` is the number of
    per-sample axes of the stage (3 for values, 2 for a map, 3 for pictures; the
    colour axis of pictures must stay last).

    Examples
    --------
    >>> PermuteDims((1, 0))(np.zeros((1, 2, 5))).shape
    (1, 5, 2)
    """

    dims: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", _check_dims(self.dims, "dims"))

    def apply(self, batch: Batch) -> Batch:
        k = batch.data.ndim - 1
        if sorted(self.dims) != list(range(k)):
            raise value_error("dims", f"a permutation of {tuple(range(k))} for "
                              f"{batch.stage.shape_text}", self.dims)
        if batch.stage is Stage.RGB and self.dims[-1] != k - 1:
            raise value_error("dims", "the colour axis (2) to stay last", self.dims)
        order = (0,) + tuple(d + 1 for d in self.dims)
        return batch.replace(data=np.transpose(batch.data, order))


class DropDims(Transform):
    """Drop the singleton channel axis: values ``(N, 1, H, W)`` -> map ``(N, H, W)``.

    ``dims`` counts per-sample axes as in Julia's ``dropdims``; the only axis that
    can be dropped without breaking a stage's shape is the channel axis, ``0``.

    Examples
    --------
    >>> DropDims(0)(np.zeros((2, 1, 3, 3))).shape
    (2, 3, 3)
    """

    dims: tuple[int, ...] = (0,)
    takes = frozenset({Stage.VALUES})
    gives = Stage.MAP

    def __post_init__(self) -> None:
        dims = _check_dims(self.dims, "dims")
        if dims != (0,):
            raise value_error("dims", "(0,), the channel axis of (C, H, W) values", dims,
                              "Use a reduction such as SumReduction() to merge channels.")
        object.__setattr__(self, "dims", dims)

    def apply(self, batch: Batch) -> Batch:
        if batch.data.shape[1] != 1:
            raise value_error("x", "a single channel (N, 1, H, W) to drop", batch.data,
                              "Use a reduction such as SumReduction() to merge channels.")
        return batch.replace(data=batch.data[:, 0], stage=Stage.MAP)


class ResizeToImage(Transform):
    """Resize every sample to the size of its image (needed before an overlay).

    Works on any stage; in the ``"cam"`` preset it resizes the coloured picture,
    as VisionHeatmaps.jl does. Without images the batch passes through unchanged,
    with a ``UserWarning`` (a 7 x 7 CAM stays 7 x 7 pixels).

    Parameters
    ----------
    method : {"lanczos1", "bilinear", "nearest", "lanczos3"}
        ``"lanczos1"`` matches VisionHeatmaps.jl; ``"lanczos3"`` is the
        high-quality choice. See :mod:`visheat.resize`.

    Examples
    --------
    >>> ResizeToImage()(np.zeros((1, 7, 7)), image=np.zeros((14, 21, 3))).shape
    (1, 14, 21)
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ResizeToImage()(np.zeros((1, 7, 7))).shape
    (1, 7, 7)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    images: expected images to resize to for ResizeToImage('lanczos1'); got none, so the
    pictures keep their own size, 7 x 7. Pass them as heatmap(x, images, pipe) ...
    """

    method: str = "lanczos1"

    def __post_init__(self) -> None:
        check_method(self.method)

    def apply(self, batch: Batch) -> Batch:
        if batch.images is None:
            warnings.warn(self._no_images_message(batch), UserWarning, stacklevel=2)
            return batch
        size = common_image_size(batch)
        data = resize_array(batch.data, size, self.method, batch.stage.spatial_axis,
                            exact=not batch.fast, argument="images")
        return batch.replace(data=data)

    def _no_images_message(self, batch: Batch) -> str:
        h = batch.stage.spatial_axis
        size = f"{batch.data.shape[h]} x {batch.data.shape[h + 1]}"
        return (f"images: expected images to resize to for {self!r}; got none, so the "
                f"pictures keep their own size, {size}. Pass them as heatmap(x, images, "
                "pipe) or heatmap(x, pipe, images=images); without images, leave "
                "ResizeToImage() out, or use Resize((height, width)) for a fixed size.")


def common_image_size(batch: Batch) -> tuple[int, int]:
    """``(H, W)`` shared by all images of ``batch`` (runs split ragged batches)."""
    images = batch.images
    if isinstance(images, np.ndarray):
        return int(images.shape[1]), int(images.shape[2])
    sizes = {tuple(img.shape[:2]) for img in images}  # type: ignore[union-attr]
    if len(sizes) != 1:
        raise value_error("images", "images of one size in this chunk", f"sizes {sorted(sizes)}",
                          described=True)
    return sizes.pop()
