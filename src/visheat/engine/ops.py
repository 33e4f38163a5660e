"""Compiled twins of the transforms' hot loops, and the buffers they work in.

Each function here runs a compiled kernel (:mod:`visheat.engine.compiled`)
that gives the same values as the numpy code of a transform module, or returns
None when the kernels are not loaded (see :mod:`visheat.engine.jit`) or do not
cover the input; the caller then runs the transform's own numpy code. None of
them is a definition of what a transform does: the transform modules are.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..transforms.clipping import order_statistics as numpy_order_statistics
from ..transforms.resampling import kernel_taps, volume_taps
from .jit import kernels

#: Largest scratch buffer a thread keeps between calls (bytes); larger ones are
#: allocated for the call and freed.
SCRATCH_BYTES = 1 << 26
_scratch = threading.local()


def scratch(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised array owned by the library, reused by this thread's later calls.

    A fresh multi-megabyte array costs a page fault per page on its first write,
    which on some machines takes longer than the work done in it. Intermediate
    maps of the fused pipelines live here instead; callers must not let them
    escape. ``name`` keeps buffers that are alive at once apart.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes > SCRATCH_BYTES:
        return np.empty(shape, dtype)
    pool = getattr(_scratch, "pool", None)
    if pool is None:
        pool = _scratch.pool = {}
    buf = pool.get(name)
    if buf is None or buf.nbytes < nbytes:
        buf = pool[name] = np.empty(max(nbytes, 1 << 16), np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def all_finite(data: np.ndarray) -> bool:
    """Whether every value of a float array is finite (one pass, no temporaries)."""
    k = kernels()
    if data.size == 0:
        return True
    if k is None or data.dtype not in (np.float32, np.float64):
        # NaN propagates through min and max, and an infinity is one of them:
        # two reductions without the boolean temporary of isfinite(data).all()
        return bool(np.isfinite(data.min()) and np.isfinite(data.max()))
    ints, mask = (np.uint32, 0x7F800000) if data.dtype == np.float32 else \
        (np.uint64, 0x7FF0000000000000)
    bits = k.as_rows(data).view(ints)
    return bool(k.exponent_max(bits, ints(mask)) != mask)


def reduce_channels(values: np.ndarray, how: str) -> np.ndarray | None:
    """:func:`visheat.transforms.reductions.reduce_channels` of ``(N, C, H, W)`` values
    (C >= 2), or None."""
    k = kernels()
    if k is None or values.dtype not in (np.float32, np.float64) or values.shape[1] < 2:
        return None
    n, c = values.shape[:2]
    out = np.empty((n,) + values.shape[2:], values.dtype)
    if values.flags.c_contiguous:  # whole samples in blocks, not row by row
        pixels = int(np.prod(values.shape[2:], dtype=np.int64))
        k.reduce_channels(values.reshape(n, c, 1, pixels), k.REDUCTIONS[how],
                          out.reshape(n, 1, pixels))
    else:
        k.reduce_channels(values, k.REDUCTIONS[how], out)
    return out


def order_statistics(rows: np.ndarray, ranks: list[int]) -> np.ndarray:
    """:func:`visheat.transforms.clipping.order_statistics`, the tails selected by a
    compiled kernel.

    Rows the kernel does not resolve (a threshold that missed a rank, NaN) go
    to the numpy code, which gives the same values.
    """
    k = kernels()
    n_rows, n = rows.shape
    if k is None or n <= 4096 or rows.dtype not in (np.float32, np.float64):
        return numpy_order_statistics(rows, ranks)
    wanted = np.array(ranks)
    out = np.empty((n_rows, len(ranks)), rows.dtype)
    is_low = wanted < n // 2
    found = np.empty((n_rows, len(ranks)), rows.dtype)
    ok = np.empty(n_rows, np.bool_)
    k.tail_ranks(np.ascontiguousarray(rows), wanted[is_low], wanted[~is_low], found, ok)
    out[:, np.concatenate([np.flatnonzero(is_low), np.flatnonzero(~is_low)])] = found
    todo = np.flatnonzero(~ok)
    if todo.size:
        out[todo] = numpy_order_statistics(rows[todo], ranks)
    return out


def clip_rows(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """Each row of ``rows`` clamped to its ``[lo, hi]``, in the rows' dtype; or None."""
    k = kernels()
    if k is None or rows.dtype not in (np.float32, np.float64):
        return None
    out = np.empty(rows.shape, rows.dtype)
    k.clip_rows(rows, lo.astype(rows.dtype), hi.astype(rows.dtype), out)
    return out


def colorize_u8(m: np.ndarray, lo: np.ndarray, hi: np.ndarray, packed: np.ndarray,
                out: np.ndarray | None = None) -> np.ndarray | None:
    """:func:`visheat.transforms.colormaps.colorize_u8` of a float32 map, or None.

    ``packed`` is :func:`visheat.transforms.colormaps.lut_packed` of the colormap; ranges
    float32 cannot place are the caller's (see ``table_scales_finite``).
    """
    k = kernels()
    if k is None or m.dtype != np.float32:
        return None
    rows = k.as_rows(m)
    if out is None or out.shape != m.shape + (3,) or not out.flags.c_contiguous:
        out = np.empty(m.shape + (3,), np.uint8)
    lo32, hi32 = lo.astype(np.float32), hi.astype(np.float32)
    k.colorize_u8(rows, lo32, hi32, lo32, hi32, packed, k.as_rows(out))
    return out


def blend_u8(heat: np.ndarray, images: np.ndarray, alpha: Any,
             out: np.ndarray | None = None) -> np.ndarray | None:
    """:func:`visheat.transforms.overlay.blend_u8` of uint8 pictures over uint8 images, or None."""
    k = kernels()
    if k is None or heat.dtype != np.uint8 or images.dtype != np.uint8:
        return None
    if out is None or out.shape != heat.shape or not out.flags.c_contiguous:
        out = np.empty(heat.shape, np.uint8)
    if isinstance(alpha, np.ndarray):
        planes = np.broadcast_to(alpha[..., 0], heat.shape[:3])
        weights = k.as_rows(np.rint(planes * 65536).astype(np.uint32))
        k.blend_u8_planes(k.as_rows(heat), k.as_rows(images), weights, k.as_rows(out))
    else:
        k.blend_u8(k.as_rows(heat), k.as_rows(images), round(float(alpha) * 65536),
                   k.as_rows(out))
    return out


def resize_maps(maps: np.ndarray, size: tuple[int, int], method: str,
                keys: np.ndarray | None = None, out: np.ndarray | None = None
                ) -> np.ndarray | None:
    """The 8-bit path's resize of ``(n, h, w)`` maps, in float32, by the compiled kernel.

    Returns ``(n, H, W)`` float32 (``out`` when given), or None when the kernel
    does not apply (kernels not loaded, or too many taps). ``keys``, when given,
    receives each sample's extrema as order keys (see :mod:`visheat.engine.fusion`).
    """
    k = kernels()
    taps = kernel_taps(maps.shape[1:3], size, method)
    if k is None or taps is None or maps.shape[0] == 0:
        return None
    if out is None:
        out = np.empty((maps.shape[0],) + tuple(size), np.float32)
    found = np.empty((0, 2), np.int32) if keys is None else keys
    k.resize_maps(maps.astype(np.float32, copy=False), *taps, out, found)
    return out


def resize_pictures(pictures: np.ndarray, size: tuple[int, int], method: str
                    ) -> np.ndarray | None:
    """The 8-bit path's resize of ``(n, h, w, 3)`` uint8 pictures by the compiled kernel.

    None when the kernel does not apply (see :func:`resize_maps`).
    """
    k = kernels()
    taps = kernel_taps(pictures.shape[1:3], size, method)
    if k is None or taps is None or pictures.shape[0] == 0:
        return None
    out = np.empty((pictures.shape[0],) + tuple(size) + (3,), np.uint8)
    k.resize_pictures(pictures, *taps, out)
    return out


def resize_volumes(data: np.ndarray, size: tuple[int, int, int], method: str
                   ) -> np.ndarray | None:
    """The 8-bit path's 3-D resize of ``(n, d, h, w)`` float maps or ``(n, d, h, w, 3)``
    uint8 pictures to ``size`` ``(D, H, W)``, by the compiled kernels.

    :func:`visheat.transforms.resampling.resize_volume_taps`'s values: float32 maps
    (other float dtypes computed in float32 and returned in theirs), rounded uint8
    pictures. None when the kernels do not apply (see :func:`resize_maps`).
    """
    k = kernels()
    taps = volume_taps(data.shape[1:4], size, method)
    if k is None or taps is None or data.shape[0] == 0:
        return None
    out_shape = (data.shape[0],) + tuple(size) + data.shape[4:]
    if data.dtype == np.uint8 and data.ndim == 5 and data.shape[4] == 3:
        out = np.empty(out_shape, np.uint8)
        k.resize_volume_pictures(np.ascontiguousarray(data), taps, out)
        return out
    if data.dtype.kind != "f" or data.ndim != 4:
        return None
    out = np.empty(out_shape, np.float32)
    k.resize_volumes(np.ascontiguousarray(data, dtype=np.float32), taps, out)
    return out.astype(data.dtype, copy=False)


__all__ = ["scratch", "all_finite", "reduce_channels", "order_statistics", "clip_rows",
           "colorize_u8", "blend_u8", "resize_maps", "resize_pictures", "resize_volumes",
           "SCRATCH_BYTES"]
