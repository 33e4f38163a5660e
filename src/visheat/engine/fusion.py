"""Fused execution of the common 8-bit pipelines.

Run step by step, ``NormReduction() | PercentileClip() | ExtremaColormap()`` reads
and writes the sample several times: the input check, the reduction, the
extrema, the clip, the colours, the blend. Most of those passes are folded
together here, for pipelines that end in

    [reduction] | [ResizeToImage] | [PercentileClip] | ExtremaColormap / CenteredColormap
    | [AlphaOverlay]

on the 8-bit path (``dtype=np.uint8``) with float32 data:

* the reduction (or the resize of a small map to its image) writes each map
  while the sample's extrema are found on the same rows, and a NaN or
  infinity shows in those extrema, so the separate input check is not needed;
* a clip is not written out: ``min(clamp(m, a, b)) = clamp(min(m), a, b)`` gives
  the clipped map's extrema, and the clamp is folded into the colour lookup;
* the colours of a sample stay in a scratch row in the cache when a blend over
  the image follows.

The results are identical to the step-by-step run, records included (the
tests compare both on random pipelines and inputs). Anything unusual (other
dtypes, a colour range too wide for float32, NaN, a size mismatch) runs the
steps one by one, which also gives the usual errors.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.batch import Batch, Record, Stage
from ..transforms.clipping import PercentileClip, quantile_rank, sample_quantiles
from ..transforms.colormaps import CenteredColormap, ExtremaColormap, peak_fractions
from ..transforms.colour import fits, lut_packed, symmetric_range, table_scales_finite
from ..transforms.overlay import AlphaOverlay
from ..transforms.reductions import ChannelReduction, underflow_limit
from ..transforms.resampling import check_resize, volume_taps
from ..transforms.resize import ResizeToImage
from . import ops
from .jit import kernels

Check = Callable[[np.ndarray], None]


@dataclass(frozen=True)
class _FusedTail:
    """The fusable end of a pipeline: ``prefix`` runs as usual, the rest fused."""

    prefix: tuple[Any, ...]
    reduction: ChannelReduction | None
    resize: ResizeToImage | None
    clip: PercentileClip | None
    colormap: Any
    overlay: AlphaOverlay | None

    def run(self, part: Batch, target: np.ndarray | None, check: Check | None,
            apply_steps: Callable[..., Batch]) -> Batch:
        """The pipeline on ``part``; the pictures go into ``target`` when it fits."""
        total = len(self.prefix) + len(self.tail)
        if self.prefix and check is not None:
            check(part.data)
        batch = apply_steps(self.prefix, part, total=total)
        fused = self._fused(batch, target)
        if fused is not None:
            self._warn_as_the_steps_do(batch)
            return fused
        # the step-by-step run gives the same pictures, and the errors with their step
        if not self.prefix and check is not None:
            check(part.data)
        return apply_steps(self.tail, batch.replace(out=target), offset=len(self.prefix),
                           total=total)

    def _warn_as_the_steps_do(self, batch: Batch) -> None:
        """The warnings the fused steps' own ``apply`` gives (same pictures, same words)."""
        if self.reduction is not None:
            self.reduction.check_values(batch)
        if self.resize is not None and batch.images is None:
            warnings.warn(self.resize.no_images_message(batch), UserWarning, stacklevel=2)

    def picture_shape(self, batch: Batch) -> tuple[int, ...] | None:
        """``(N, H, W, 3)`` of the pictures for ``batch``, or None if only running tells.

        Known when nothing runs before the fused tail: the map's size, or the
        images' size after a resize.
        """
        data = batch.data
        if self.prefix or data.ndim not in (3, 4):
            return None
        size = tuple(data.shape[-2:])
        if self.resize is not None and batch.images is not None:
            if not (isinstance(batch.images, np.ndarray) and batch.images.ndim == 4):
                return None
            size = tuple(batch.images.shape[1:3])
        return (batch.n,) + size + (3,)

    @property
    def tail(self) -> tuple[Any, ...]:
        return tuple(s for s in (self.reduction, self.resize, self.clip, self.colormap,
                                 self.overlay) if s is not None)

    def _fused(self, batch: Batch, target: np.ndarray | None) -> Batch | None:
        k = kernels()
        data = batch.data
        if k is None or data.dtype != np.float32 or data.ndim not in (3, 4) or batch.n == 0:
            return None
        n, size = batch.n, tuple(data.shape[-2:])
        images = batch.images
        keys = np.empty((n, 2), np.int32)
        resize_to = None
        if self.resize is not None and images is not None:
            if not (isinstance(images, np.ndarray) and images.ndim == 4):
                return None
            resize_to = tuple(images.shape[1:3])
            if resize_to == size and batch.depth == batch.image_depth:
                resize_to = None
            else:
                try:
                    check_resize((n,) + size, resize_to, 1, "images")
                except ValueError:  # the step-by-step run raises it, naming the step
                    return None
        per_sample = self._per_sample(batch, target, resize_to)
        if per_sample is not None or batch.depth > 1 or batch.image_depth > 1:
            return per_sample  # volumes: one pass per sample, or step by step
        found_keys = False
        if batch.stage is Stage.VALUES and data.shape[1] > 1:
            if self.reduction is None:
                return None
            how = k.REDUCTIONS[self.reduction.how]
            values = np.ascontiguousarray(data).reshape(n, data.shape[1], 1, -1)
            maps = ops.scratch("maps", (n, size[0] * size[1]), np.float32)
            if resize_to is None:
                k.reduce_extrema(values, how, maps.reshape(n, 1, -1), keys)
                found_keys = True
            else:
                k.reduce_channels(values, how, maps.reshape(n, 1, -1))
        else:
            maps = k.as_rows(data)
        if resize_to is not None:
            method = self.resize.method if self.resize is not None else "bilinear"
            resized = ops.resize_maps(maps.reshape((n,) + size), resize_to, method,
                                       keys, ops.scratch("resized", (n,) + resize_to,
                                                            np.float32))
            if resized is None:
                return None
            maps, size, found_keys = resized.reshape(n, -1), resize_to, True
        if not found_keys:
            k.row_extrema(maps, keys)
        lo, hi = _key_floats(keys)
        if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
            return None
        if self._norm_underflow(np.maximum(np.abs(lo), np.abs(hi)) < self._underflow()):
            return None  # the reduction computes such samples again, scaled (see reductions)
        records = batch.records
        clip_lo, clip_hi = lo, hi
        if self.clip is not None:
            bounds = sample_quantiles(maps, (self.clip.lower, self.clip.upper),
                                      order=ops.order_statistics)
            records += (Record(self.clip, {"lo": bounds[:, 0], "hi": bounds[:, 1]}),)
            clip_lo, clip_hi = bounds[:, 0].astype(np.float32), bounds[:, 1].astype(np.float32)
            # extrema of the clipped map, without writing it
            lo, hi = np.clip(lo, clip_lo, clip_hi), np.clip(hi, clip_lo, clip_hi)
        cm = self.colormap
        a, b = symmetric_range(lo, hi) if cm.centered else (lo, hi)
        a, b = cm.range_from_extrema(a, b, maps)
        packed = lut_packed(cm.name)
        if not table_scales_finite(a, b, len(packed)):
            return None
        # clamp(clamp(v, c, d), a, b) == clamp(v, clamp(c, a, b), clamp(d, a, b))
        clamp_lo, clamp_hi = np.clip(clip_lo, a, b), np.clip(clip_hi, a, b)
        shape = (n,) + tuple(size) + (3,)
        out = _pictures(target, shape)
        if self.overlay is not None and images is not None:
            if not (isinstance(images, np.ndarray) and images.shape == shape
                    and images.dtype == np.uint8):
                return None
            weight = round(float(self.overlay.alpha) * 65536)
            k.colorize_blend_u8(maps, a, b, clamp_lo, clamp_hi, packed, k.as_rows(images),
                                weight, k.as_rows(out))
        else:
            k.colorize_u8(maps, a, b, clamp_lo, clamp_hi, packed, k.as_rows(out))
        records += (Record(cm, {"lo": a, "hi": b}),)
        return batch.replace(data=out, stage=Stage.RGB, records=records)


    def _underflow(self) -> float:
        return underflow_limit(np.dtype(np.float32))

    def _norm_underflow(self, suspect: np.ndarray) -> bool:
        """Whether a norm's squares may have underflowed in a sample flagged by ``suspect``.

        The compiled reduction squares values as they are; the numpy one rescales
        samples whose norm is tiny (:func:`visheat.transforms.reductions.underflow_limit`), so
        such samples (and constant maps, whose range hides how small they were)
        take the step-by-step path. Fixed ranges colour tiny maps alike either way.
        """
        if self.reduction is None or self.reduction.how != "norm" or not suspect.any():
            return False
        return not any(getattr(self.colormap, v, None) is not None for v in ("vmin", "vmax"))

    def _per_sample(self, batch: Batch, target: np.ndarray | None,
                    resize_to: tuple[int, int] | None) -> Batch | None:
        """The tail in one compiled pass per sample (:func:`visheat.engine.compiled.render`).

        None when the pipeline or the data need the chunk-wide path below (which
        handles every case, and raises the usual errors).
        """
        k = kernels()
        data, n = batch.data, batch.n
        size_in = tuple(data.shape[-2:])
        size = resize_to or size_in
        pixels = size[0] * size[1]
        depth_in = batch.depth
        depth = batch.image_depth if resize_to is not None else depth_in
        small_shape = (n, depth_in, size_in[0] // depth_in, size_in[1])
        x, maps, small, taps = _NO_VALUES, _NO_MAPS, _NO_SMALL, _NO_TAPS
        how = 0
        if batch.stage is Stage.VALUES and data.shape[1] > 1:
            if self.reduction is None:
                return None
            how = k.REDUCTIONS[self.reduction.how]
            values = np.ascontiguousarray(data).reshape(n, data.shape[1], 1, -1)
            if resize_to is None:
                mode, x = k.VALUES, values
            else:
                mode = k.RESIZE
                small = ops.scratch("small", small_shape, np.float32)
                k.reduce_channels(values, how, small.reshape(n, 1, -1))
        else:
            rows = k.as_rows(data)
            if resize_to is None:
                mode, maps = k.MAPS, rows
            else:
                mode, small = k.RESIZE, rows.reshape(small_shape)
        if mode == k.RESIZE:
            found = volume_taps(small_shape[1:], (depth, size[0] // depth, size[1]),
                                self.resize.method) if self.resize else None
            if found is None:
                return None
            taps = found
        low = high = _NO_RANKS
        gammas = np.zeros(2)
        if self.clip is not None:
            (j_lo, g_lo), (j_hi, g_hi) = (quantile_rank(pixels, p) for p in (self.clip.lower,
                                                                      self.clip.upper))
            low = np.array([j_lo - 1, min(j_lo, pixels - 1)])
            high = np.array([j_hi - 1, min(j_hi, pixels - 1)])
            gammas = np.array([g_lo, g_hi])
        images = _NO_IMAGES
        weight = 0
        shape = (n,) + tuple(size) + (3,)
        if self.overlay is not None and batch.images is not None:
            if not (isinstance(batch.images, np.ndarray) and batch.images.shape == shape
                    and batch.images.dtype == np.uint8):
                return None
            images = k.as_rows(batch.images)
            weight = round(float(self.overlay.alpha) * 65536)
        cm = self.colormap
        limit = [np.nan if v is None else float(v) for v in (getattr(cm, "vmin", None),
                                                             getattr(cm, "vmax", None))]
        out = _pictures(target, shape)
        rec_lo, rec_hi = np.empty(n, np.float32), np.empty(n, np.float32)
        rec_clip = np.empty((n, 2))
        peaks = np.empty(n, np.int64) if depth > 1 else _NO_PEAKS
        flags = np.empty(n, np.bool_)
        k.render(mode, x, maps, small, how, taps, self.clip is not None, low, high, gammas,
                 cm.centered, limit[0], limit[1], lut_packed(cm.name), images, weight,
                 k.as_rows(out), rec_lo, rec_hi, rec_clip, peaks, flags,
                 ops.scratch("row", (pixels,), np.float32))
        if flags.any() or self._norm_underflow(_tiny_or_degenerate(rec_lo, rec_hi,
                                                                   self._underflow())):
            return None
        records = batch.records
        if self.clip is not None:
            records += (Record(self.clip, {"lo": rec_clip[:, 0], "hi": rec_clip[:, 1]}),)
        found_range = {"lo": rec_lo, "hi": rec_hi}
        if depth > 1:  # where each volume's highest value lies, as the colormap records it
            found_range["peak"] = peak_fractions(peaks, (depth, size[0] // depth, size[1]))
        records += (Record(cm, found_range),)
        return batch.replace(data=out, stage=Stage.RGB, records=records, depth=depth)


def _tiny_or_degenerate(lo: np.ndarray, hi: np.ndarray, limit: float) -> np.ndarray:
    """Samples whose colour range is tiny, or the range of a constant map, per sample."""
    lo64, hi64 = lo.astype(np.float64), hi.astype(np.float64)
    tiny = np.maximum(np.abs(lo64), np.abs(hi64)) < limit
    return tiny | ((lo64 == 0) & (hi64 == 1)) | ((lo64 == -1) & (hi64 == 1))


def _pictures(target: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """``target`` when the pictures can be written into it, else a new uint8 array."""
    if target is not None and target.shape == shape and target.flags.c_contiguous:
        return target
    return np.empty(shape, np.uint8)


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


# Stand-ins for the arguments a source mode does not use (read-only where the real
# ones are, so that every mode shares one compiled signature)
_NO_VALUES = np.empty((0, 1, 1, 1), np.float32)
_NO_MAPS = np.empty((0, 1), np.float32)
_NO_SMALL = np.empty((0, 1, 1, 1), np.float32)
_NO_TAPS: tuple[np.ndarray, ...] = tuple(
    _read_only(a) for _ in range(3)
    for a in (np.zeros((1, 1), np.float32), np.zeros(1, np.intp), np.ones(1, np.intp)))
_NO_PEAKS = np.empty(0, np.int64)
_NO_RANKS = np.zeros(0, np.int64)
_NO_IMAGES = np.empty((0, 0), np.uint8)


def _key_floats(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float32 values of order keys (see ``visheat.engine.compiled.reduce.key_range``)."""
    bits = keys ^ ((keys >> 31) & np.int32(0x7FFFFFFF))
    floats = bits.view(np.float32)
    return floats[:, 0].copy(), floats[:, 1].copy()


def plan(steps: list[Any], batch: Batch) -> _FusedTail | None:
    """The fused form of ``steps`` for ``batch``, or None when they do not fit it."""
    if not batch.fast or kernels() is None or not steps:
        return None
    rest = list(steps)
    overlay = rest.pop() if type(rest[-1]) is AlphaOverlay else None
    if overlay is not None and isinstance(overlay.alpha, np.ndarray):
        return None
    if not rest or type(rest[-1]) not in (ExtremaColormap, CenteredColormap):
        return None
    colormap = rest.pop()
    if colormap.scope != "sample" or not fits(colormap._limits(), np.dtype(np.float32)):
        return None
    clip = rest.pop() if rest and type(rest[-1]) is PercentileClip else None
    if clip is not None and clip.scope != "sample":
        return None  # quantiles per slice: the steps' own code
    resize = rest.pop() if rest and type(rest[-1]) is ResizeToImage else None
    reduction = None
    last = rest[-1] if rest else None
    if isinstance(last, ChannelReduction) and type(last).apply is ChannelReduction.apply:
        reduction = rest.pop()
    return _FusedTail(tuple(rest), reduction, resize, clip, colormap, overlay)
