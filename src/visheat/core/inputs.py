"""Reading the input once: ``x`` and its images in, one checked :class:`Batch` out.

Every entry point (``heatmap``, the streaming functions, Dask chunks, the CLI) starts
here, so reading goes down the layers in one step: the axis letters
(:mod:`.layout`), frameworks' arrays and dtypes, the memory a picture will need
(:mod:`.limits`), the images beside the maps (:mod:`.images`), and a finiteness check
that the engine runs on each chunk it already holds (no extra pass over the input).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .batch import Batch
from .images import ImageOptions, _volume_order, prepare_images, to_images
from .layout import check_finite, depth_letter, parse_layout, read_batch, read_folded
from .limits import check_allocation
from .volumes import read_volume_images

_UINT8 = np.dtype(np.uint8)


def read_inputs(x: Any, images: Any = None, layout: str = "NCHW",
                dtype: np.dtype = _UINT8, options: ImageOptions | None = None,
                start: int = 0, tokens: Any = None) -> Batch:
    """``x`` read in ``layout`` with its images (``options`` from
    :func:`~visheat.core.images.image_options`, applied when given), as one :class:`Batch`.
    A layout with L reads transformer tokens with ``tokens``, a
    :class:`~visheat.core.tokens.TokenGrid` (its grid may follow the images' aspect ratio).

    >>> batch = read_inputs(np.zeros((2, 5, 4)), np.zeros((2, 5, 4, 3), np.uint8), "NHW")
    >>> batch.data.shape, batch.stage.name, batch.images.shape
    ((2, 5, 4), 'MAP', (2, 5, 4, 3))
    >>> read_inputs(np.zeros((2, 5, 4)), layout="NCHW")
    Traceback (most recent call last):
    ...
    ValueError: x: expected 4 axes (N, C, H, W) for layout 'NCHW'; got shape (2, 5, 4). ...
    """
    if depth_letter(parse_layout(layout)) is not None:
        return _read_volumes(x, images, layout, dtype, options, start)
    if options is not None:
        images = prepare_images(images, options)
    data, stage = read_batch(x, layout, tokens=tokens, images=images)
    check_allocation("x", data.shape[-2:] + (3,), dtype, what="a picture (one sample)")
    found = None if images is None else to_images(images, data.shape[0])
    if isinstance(found, tuple) and not found:  # an empty batch with an empty list of
        found = np.zeros((0,) + data.shape[-2:] + (3,), np.uint8)  # images: no other size
    return Batch(data, stage, images=found, dtype=dtype, start=start)


def _read_volumes(x: Any, images: Any, layout: str, dtype: np.dtype,
                  options: ImageOptions | None, start: int) -> Batch:
    """Volumes or clips (a layout with D or T), folded, with their pictures (folded alike)."""
    data, stage, depth = read_folded(x, layout, tokens=None)
    check_allocation("x", data.shape[-2:] + (3,), dtype, what="a picture (one sample)")
    found, image_depth = None, 1
    if images is not None:
        named = None if options is None else options.layout
        if options is not None:  # image_layout= and image_mean/std, as for images
            images = prepare_images(images, options)
        found, image_depth = read_volume_images(
            images, parse_layout(layout), data.shape[0],
            None if named is None else _volume_order(named))
    return Batch(data, stage, images=found, dtype=dtype, start=start, depth=depth,
                 image_depth=image_depth, volumetric=True)


def finite_check(batch: Batch, all_finite: Callable[[np.ndarray], bool]
                 ) -> Callable[[np.ndarray], None]:
    """The check the engine runs on each chunk: ``all_finite`` (the engine's fast test)
    and, when it fails, the message that counts NaN and infinities over the whole input."""
    data = batch.data

    def check(chunk: np.ndarray) -> None:
        if not all_finite(chunk):
            check_finite(data)

    return check
