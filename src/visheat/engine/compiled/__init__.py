"""Compiled loops of the 8-bit fast path (numba; compiled on first use and cached).

Every kernel releases the GIL and works on one sample at a time, in blocks small
enough for the L1 cache. Only float32 maps reach them: the 8-bit path computes
in float32, which resolves a 65 536-entry colour table with room to spare.
The transform modules hold the numpy definition of each; :mod:`visheat.engine.ops` calls these.
"""

from .colour import blend_u8, blend_u8_planes, colorize_blend_u8, colorize_u8
from .reduce import (
    ABSSUM,
    MAXABS,
    NORM,
    REDUCTIONS,
    SUM,
    SUMABS,
    as_rows,
    clip_rows,
    exponent_max,
    reduce_channels,
    reduce_extrema,
    row_extrema,
)
from .render import MAPS, RESIZE, VALUES, render
from .resize import resize_maps, resize_pictures, resize_volume_pictures, resize_volumes
from .select import tail_ranks

__all__ = ["ABSSUM", "MAPS", "MAXABS", "NORM", "REDUCTIONS", "RESIZE", "SUM", "SUMABS",
           "VALUES", "as_rows", "blend_u8", "blend_u8_planes", "clip_rows", "colorize_blend_u8",
           "colorize_u8", "exponent_max", "reduce_channels", "reduce_extrema", "render",
           "resize_maps", "resize_pictures", "resize_volume_pictures", "resize_volumes",
           "row_extrema", "tail_ranks"]
