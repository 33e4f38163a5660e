"""Pooling: ``AvgPool`` and ``MaxPool`` shrink maps by whole blocks.

imgaug's convention: an axis that is not a multiple of the block is first padded
to the next multiple, the pad split between its two sides (the odd pixel at the
bottom or right), then every block becomes one value. A 161 x 240 map pooled by
4 is padded to 164 x 240 and gives 41 x 60. imgaug pads ``avg_pool`` with
``"reflect"`` and ``max_pool`` with ``"edge"`` so the pad does not bias the
result; those are the defaults here. Max pooling keeps sparse peaks that
resizing would blur away.

Both work on maps ``(N, H, W)`` and channel values ``(N, C, H, W)`` (per channel),
vectorised: one pad and one reshape for the whole batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error
from ..core.layout import as_float
from ..core.pipeline import Transform, option
from .padding import _check_mode, pad_array


def _check_block(block: Any) -> int | tuple[int, int]:
    if isinstance(block, (list, tuple)):
        if len(block) != 2:
            raise type_error("block", "an int or a pair (block_height, block_width)", block)
        return tuple(int(check_number("block", b, low=1, integer=True)) for b in block)  # type: ignore[return-value]
    return int(check_number("block", block, low=1, integer=True))


def _split(size: int, block: int) -> tuple[int, int]:
    """Pad before and after an axis of ``size`` to reach a multiple of ``block``."""
    todo = block if size == 0 else (-size) % block
    return todo // 2, todo - todo // 2


def pool_array(a: np.ndarray, block: int | tuple[int, int], how: str, mode: str,
               cval: float = 0.0, spatial: int = 1) -> np.ndarray:
    """Pool axes ``spatial, spatial + 1`` of ``a`` by ``block`` with ``how`` in {"mean", "max"}.

    Examples
    --------
    >>> m = np.arange(12.0).reshape(1, 3, 4)
    >>> pool_array(m, 2, "max", "edge")
    array([[[ 5.,  7.],
            [ 9., 11.]]])
    """
    bh, bw = (block, block) if isinstance(block, int) else block
    h, w = a.shape[spatial], a.shape[spatial + 1]
    top, bottom = _split(h, bh)
    left, right = _split(w, bw)
    padded = pad_array(a, (top, right, bottom, left), mode, cval, spatial, "block")
    hp, wp = padded.shape[spatial], padded.shape[spatial + 1]
    shape = padded.shape[:spatial] + (hp // bh, bh, wp // bw, bw) + padded.shape[spatial + 2:]
    blocks = padded.reshape(shape)
    axes = (spatial + 1, spatial + 3)
    if how == "max":
        return blocks.max(axis=axes)
    return blocks.mean(axis=axes, dtype=np.float64).astype(a.dtype, copy=False)


class _Pool(Transform):
    takes = frozenset({Stage.VALUES, Stage.MAP})
    volumes = "slices"  # see Transform.volumes
    how = "mean"

    def __post_init__(self) -> None:
        object.__setattr__(self, "block", _check_block(self.block))  # type: ignore[attr-defined]
        _check_mode(self.mode)  # type: ignore[attr-defined]
        object.__setattr__(self, "cval", check_number("cval", self.cval))  # type: ignore[attr-defined]

    def apply(self, batch: Batch) -> Batch:
        data = pool_array(as_float(batch.data), self.block, self.how, self.mode,  # type: ignore[attr-defined]
                          self.cval, batch.stage.spatial_axis)  # type: ignore[attr-defined]
        return batch.replace(data=data)


class AvgPool(_Pool):
    """Average every ``block`` x ``block`` block (imgaug's ``avg_pool``).

    Parameters
    ----------
    block : int or (int, int)
        Block size, or ``(block_height, block_width)``.
    mode : str
        How an axis that is not a multiple of the block is padded first
        (default ``"reflect"``, as imgaug); any mode of :class:`Pad`.
    cval : float
        Fill value for ``mode="constant"``.

    Examples
    --------
    >>> AvgPool(4)(np.zeros((1, 161, 240))).shape
    (1, 41, 60)
    >>> AvgPool(2)(np.array([[[1.0, 3.0], [5.0, 7.0]]]))
    array([[[4.]]])
    >>> AvgPool(0)
    Traceback (most recent call last):
    ...
    ValueError: block: expected an integer in [1, inf]; got 0 (int).
    """

    block: Any = 2
    mode: str = option(default="reflect")
    cval: float = option(default=0.0)
    how = "mean"


class MaxPool(_Pool):
    """Keep the maximum of every ``block`` x ``block`` block (imgaug's ``max_pool``).

    Parameters are those of :class:`AvgPool`; the default pad mode is
    ``"edge"`` (imgaug's), which never invents a new maximum.

    Examples
    --------
    >>> MaxPool(2)(np.array([[[0.0, 0.0, 0.0], [0.0, 0.0, 5.0]]]))
    array([[[0., 5.]]])
    """

    block: Any = 2
    mode: str = option(default="edge")
    cval: float = option(default=0.0)
    how = "max"


__all__ = ["AvgPool", "MaxPool", "pool_array"]
