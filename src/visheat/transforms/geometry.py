"""Geometry: transposing, permuting and dropping axes (resizing is in ``resize``).

These steps work on any stage unless stated otherwise; the batch axis is never
touched. ``dims`` in :class:`PermuteDims` and :class:`DropDims` count the
per-sample axes of the current stage: ``(C, H, W)`` for values, ``(H, W)`` for a
map and ``(H, W, 3)`` for pictures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import type_error, value_error
from ..core.pipeline import Transform


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

    volumes = "slices"  # see Transform.volumes

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

    volumes = "refuse"  # see Transform.volumes

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

    volumes = "refuse"  # see Transform.volumes

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
