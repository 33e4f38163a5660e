"""Kernels for single steps, registered by transform type (see :mod:`.registry`).

Each kernel does what its transform's ``apply`` does, with a compiled loop
from :mod:`.ops`, and returns None whenever that loop does not cover the input
(kernels not loaded yet, another dtype, an unusual range): the transform's own
numpy code then runs, and raises its usual errors. Fused pipeline tails are in
:mod:`.fusion`.
"""

from __future__ import annotations

import numpy as np

from ..core.batch import Batch, Stage, per_sample_rows
from ..transforms.clipping import PercentileClip, sample_quantiles
from ..transforms.colormaps import RangeColormap, peak_position
from ..transforms.colour import lut_packed, table_scales_finite
from ..transforms.overlay import AlphaOverlay, alpha_for
from ..transforms.reductions import ChannelReduction, underflow_limit
from ..transforms.resampling import check_resize
from ..transforms.resize import Resize, ResizeToImage, common_image_size, target_size
from . import ops
from .jit import kernels as compiled_kernels
from .registry import register_kernel


@register_kernel(ChannelReduction)
def reduce_channels(step: ChannelReduction, batch: Batch) -> Batch | None:
    if batch.stage is not Stage.VALUES:
        return None
    maps = ops.reduce_channels(batch.data, step.how)
    if maps is None:
        return None
    if step.how == "norm" and maps.size and bool(
            (per_sample_rows(maps).max(axis=1) < underflow_limit(maps.dtype)).any()):
        return None  # squares may have underflowed: the numpy code rescales such samples
    step.check_values(batch)  # what apply checks (e.g. CamSumReduction's depth warning)
    return batch.replace(data=maps, stage=Stage.MAP)


@register_kernel(PercentileClip)
def percentile_clip(step: PercentileClip, batch: Batch) -> Batch | None:
    if compiled_kernels() is None or step.scope == "slice" and batch.depth > 1:
        return None  # quantiles per slice: apply (on images "slice" is "sample")
    bounds = sample_quantiles(batch.data, (step.lower, step.upper), order=ops.order_statistics)
    lo, hi = bounds[:, 0], bounds[:, 1]
    if batch.fast:
        rows = ops.clip_rows(per_sample_rows(batch.data), lo, hi)
        if rows is not None:
            data = rows.reshape(batch.data.shape)
            return batch.replace(data=data).with_record(step, lo=lo, hi=hi)
    return step.clip(batch, lo, hi)


@register_kernel(RangeColormap)
def colorize(step: RangeColormap, batch: Batch) -> Batch | None:
    if not batch.fast or batch.data.dtype != np.float32 or compiled_kernels() is None:
        return None
    if batch.depth > 1 and step.scope == "slice":
        return None  # ranges per slice (see apply)
    m = step.work_map(batch.data)
    if m.dtype != np.float32:
        return None
    lo, hi = step.value_range(m)  # refuses NaN and infinities, as apply does
    packed = lut_packed(step.name)
    if not table_scales_finite(lo, hi, len(packed)):
        return None
    rgb = ops.colorize_u8(m, lo, hi, packed, batch.out)
    if rgb is None:
        return None
    done = batch.replace(data=rgb, stage=Stage.RGB)
    if batch.is_volume:  # where each volume's highest value lies, as apply records it
        return done.with_record(step, lo=lo, hi=hi, peak=peak_position(m, batch.depth))
    return done.with_record(step, lo=lo, hi=hi)


@register_kernel(AlphaOverlay)
def alpha_overlay(step: AlphaOverlay, batch: Batch) -> Batch | None:
    images = batch.images
    if not batch.fast or not isinstance(images, np.ndarray) or images.shape != batch.data.shape:
        return None
    blended = ops.blend_u8(batch.data, images, alpha_for(step.alpha, batch), batch.out)
    return None if blended is None else batch.replace(data=blended)


def _resized(batch: Batch, size: tuple[int, int], method: str, argument: str) -> Batch | None:
    """The 8-bit path's resize of a map or of uint8 pictures, or None."""
    data = batch.data
    if batch.depth > 1 or batch.image_depth > 1:
        return None  # volumes resample depth too (see _resized_volume)
    if not batch.fast or batch.stage is Stage.VALUES or tuple(data.shape[1:3]) == tuple(size):
        return None
    check_resize(data.shape, size, 1, argument)
    if batch.stage is Stage.MAP and data.dtype.kind == "f":
        maps = ops.resize_maps(data, size, method)
        return None if maps is None else batch.replace(data=maps.astype(data.dtype, copy=False))
    if batch.stage is Stage.RGB and data.dtype == np.uint8:
        pictures = ops.resize_pictures(data, size, method)
        return None if pictures is None else batch.replace(data=pictures)
    return None


def _resized_volume(batch: Batch, method: str) -> Batch | None:
    """The 8-bit path's :func:`~visheat.transforms.resize.resize_folded`, or None."""
    data, images, d = batch.data, batch.images, batch.depth
    if not batch.fast or batch.stage is Stage.VALUES or not isinstance(images, np.ndarray):
        return None
    d_out = batch.image_depth
    size = (d_out, images.shape[1] // d_out, int(images.shape[2]))
    size_in = (d, data.shape[1] // d, int(data.shape[2]))
    if size_in == size:
        return None
    check_resize(data.shape, (size[0] * size[1], size[2]), 1, "images")
    found = ops.resize_volumes(data.reshape(data.shape[:1] + size_in + data.shape[3:]),
                               size, method)
    if found is None:
        return None
    folded = found.reshape((data.shape[0], size[0] * size[1]) + found.shape[3:])
    return batch.replace(data=folded, depth=d_out)


@register_kernel(ResizeToImage)
def _resize_to_image(step: ResizeToImage, batch: Batch) -> Batch | None:
    if batch.images is None:
        return None
    if batch.depth > 1 or batch.image_depth > 1:
        return _resized_volume(batch, step.method)
    return _resized(batch, common_image_size(batch), step.method, "images")


@register_kernel(Resize)
def resize(step: Resize, batch: Batch) -> Batch | None:
    if batch.stage is Stage.VALUES:
        return None
    if step.size == "image":
        if batch.images is None:
            return None
        return _resized(batch, common_image_size(batch), step.method, "images")
    return _resized(batch, target_size(step.size, *batch.data.shape[1:3]), step.method, "size")
