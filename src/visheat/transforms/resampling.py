"""Separable resizing by per-axis weight matrices.

Every method here is separable, so a resize is two small matrix products per
sample: ``out = Wy @ a @ Wx.T`` with ``Wy`` of shape ``(H_out, H_in)``. The
matrices are built once per shape and reused for the whole batch.

Methods
-------
``"lanczos1"``
    ImageTransformations.jl's ``imresize`` with Interpolations.jl's ``Lanczos(1)``
    (VisionHeatmaps.jl's default). Output pixel ``i`` (1-based) samples the input
    at ``p = s*i + 0.5 - 0.5*s`` with ``s = n_in / n_out``; when either axis is
    upsampled the positions are clamped to ``[1, n_in]``. Taps ``floor(p)`` and
    ``floor(p) + 1`` get weights proportional to ``(1 - d)**2`` and ``d**2``
    (``d = p - floor(p)``). Pure downsampling samples points (no smoothing).
``"bilinear"``
    The same positions, clamped, with weights ``1 - d`` and ``d``.
``"nearest"``
    The input pixel that contains the output pixel's centre.
``"lanczos3"``
    High quality: a Lanczos-3 windowed sinc whose support widens by the scale
    factor when downsampling (antialiased, like Pillow's ``LANCZOS``).

Three more follow OpenCV's ``cv2.resize`` arithmetic, which imgaug uses:

``"cubic"``
    ``INTER_CUBIC``: Keys' cubic with ``a = -0.75`` at the half-pixel positions
    ``(i + 0.5) * s - 0.5`` (``s = n_in / n_out``), edge pixels repeated, no
    antialiasing. imgaug's default for heatmaps. It overshoots at steps.
``"area"``
    ``INTER_AREA``: when both axes shrink, each output pixel is the mean of the
    input area it covers; otherwise OpenCV's area-weighted linear taps.
``"nearest-opencv"``
    ``INTER_NEAREST``: input pixel ``floor(i * s)``. ``"nearest"`` takes the
    pixel that contains the output pixel's centre instead; the two differ by up
    to half an output pixel.

imgaug's ``"linear"`` is ``"bilinear"``: the same positions and weights as
``INTER_LINEAR``. Every method is accepted wherever visheat resizes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..core.errors import raise_unknown_name, value_error
from ..core.limits import check_allocation, check_sides

#: Every resize method, accepted wherever visheat resizes (``ResizeToImage``, ``Resize``,
#: ``ResizeImageToHeatmap``, ``combine_cams``, ``Letterbox``...).
METHODS = ("lanczos1", "bilinear", "nearest", "lanczos3", "cubic", "area", "nearest-opencv")
#: The methods with OpenCV's ``cv2.resize`` arithmetic (imgaug uses them).
OPENCV_METHODS = ("cubic", "area", "nearest-opencv")


def check_method(method: str, argument: str = "method") -> str:
    """Validate a resize method name."""
    if method not in METHODS:
        raise_unknown_name(argument, str(method), METHODS, "resize method")
    return method


def _positions(n_in: int, n_out: int, clamp: bool) -> np.ndarray:
    s = n_in / n_out
    p = s * np.arange(1, n_out + 1) + 0.5 - 0.5 * s
    return np.clip(p, 1, n_in) if clamp else p


def _two_tap(n_in: int, n_out: int, clamp: bool, squared: bool) -> np.ndarray:
    p = _positions(n_in, n_out, clamp)
    base = np.floor(p)
    d = p - base
    w0, w1 = ((1 - d) ** 2, d ** 2) if squared else (1 - d, d)
    total = w0 + w1
    w0, w1 = w0 / total, w1 / total
    weights = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    i0 = base.astype(np.intp) - 1
    i1 = np.minimum(i0 + 1, n_in - 1)
    np.add.at(weights, (rows, np.clip(i0, 0, n_in - 1)), w0)
    np.add.at(weights, (rows, i1), w1)
    return weights


def _nearest(n_in: int, n_out: int) -> np.ndarray:
    src = np.floor((np.arange(n_out) + 0.5) * n_in / n_out).astype(np.intp)
    weights = np.zeros((n_out, n_in))
    weights[np.arange(n_out), np.minimum(src, n_in - 1)] = 1.0
    return weights


def _lanczos3(n_in: int, n_out: int) -> np.ndarray:
    scale = n_in / n_out
    support = 3.0 * max(scale, 1.0)
    centre = (np.arange(n_out) + 0.5) * scale - 0.5  # 0-based input coordinates
    taps = np.arange(n_in)[None, :]
    x = (taps - centre[:, None]) / max(scale, 1.0)
    weights = np.sinc(x) * np.sinc(x / 3.0) * (np.abs(x) < 3.0)
    weights[np.abs(taps - centre[:, None]) >= support] = 0.0
    return weights / weights.sum(axis=1, keepdims=True)


def _cubic(n_in: int, n_out: int) -> np.ndarray:
    a = -0.75
    s = n_in / n_out
    fx = (np.arange(n_out) + 0.5) * s - 0.5
    sx = np.floor(fx)
    x = fx - sx
    c0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    c1 = ((a + 2) * x - (a + 3)) * x * x + 1
    c2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1
    c3 = 1 - c0 - c1 - c2
    weights = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    for k, c in enumerate((c0, c1, c2, c3)):
        taps = np.clip(sx.astype(np.intp) - 1 + k, 0, n_in - 1)
        np.add.at(weights, (rows, taps), c)
    return weights


def _box(n_in: int, n_out: int) -> np.ndarray:
    """Exact overlap of output cell ``[i s, (i + 1) s)`` with each input pixel, over ``s``."""
    s = n_in / n_out
    starts = np.arange(n_out)[:, None] * s
    ends = starts + s
    pixels = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(ends, pixels + 1) - np.maximum(starts, pixels), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def _area_linear(n_in: int, n_out: int) -> np.ndarray:
    """OpenCV's INTER_AREA taps when not every axis shrinks."""
    scale = n_in / n_out
    inv = n_out / n_in
    dx = np.arange(n_out)
    sx = np.floor(dx * scale)
    fx = (dx + 1) - (sx + 1) * inv
    fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
    weights = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    i0 = np.clip(sx.astype(np.intp), 0, n_in - 1)
    i1 = np.clip(sx.astype(np.intp) + 1, 0, n_in - 1)
    np.add.at(weights, (rows, i0), 1 - fx)
    np.add.at(weights, (rows, i1), fx)
    return weights


def _nearest_opencv(n_in: int, n_out: int) -> np.ndarray:
    step = 1.0 / (n_out / n_in)
    src = np.minimum(np.floor(np.arange(n_out) * step).astype(np.intp), n_in - 1)
    weights = np.zeros((n_out, n_in))
    weights[np.arange(n_out), src] = 1.0
    return weights


@lru_cache(maxsize=128)
def _opencv_weights(n_in: int, n_out: int, method: str, shrink_both: bool) -> np.ndarray:
    """``(n_out, n_in)`` weights of one axis for an OpenCV method (read-only).

    ``shrink_both`` says whether neither axis grows (OpenCV's area path).

    Examples
    --------
    >>> _opencv_weights(4, 2, "area", True)
    array([[0.5, 0.5, 0. , 0. ],
           [0. , 0. , 0.5, 0.5]])
    """
    if method == "cubic":
        w = _cubic(n_in, n_out)
    elif method == "area":
        w = _box(n_in, n_out) if shrink_both else _area_linear(n_in, n_out)
    else:
        w = _nearest_opencv(n_in, n_out)
    w.flags.writeable = False
    return w


@lru_cache(maxsize=128)
def axis_weights(n_in: int, n_out: int, method: str, clamp: bool) -> np.ndarray:
    """The ``(n_out, n_in)`` weight matrix of one axis (rows sum to 1; read-only).

    Examples
    --------
    >>> axis_weights(2, 6, "lanczos1", True)[:, 0].round(2)
    array([1. , 1. , 0.8, 0.2, 0. , 0. ])
    >>> axis_weights(2, 6, "bilinear", True)[:, 0].round(2)
    array([1.  , 1.  , 0.67, 0.33, 0.  , 0.  ])
    """
    if method == "lanczos1":
        w = _two_tap(n_in, n_out, clamp, squared=True)
    elif method == "bilinear":
        w = _two_tap(n_in, n_out, True, squared=False)
    elif method == "nearest":
        w = _nearest(n_in, n_out)
    elif method == "lanczos3":
        w = _lanczos3(n_in, n_out)
    else:
        w = _opencv_weights(n_in, n_out, method, shrink_both=not clamp)
    w.flags.writeable = False
    return w


#: Most taps per output pixel (on either axis) for which the compiled kernel is
#: used on the 8-bit path; wider kernels (downsampling, Lanczos-3) use matrix products.
KERNEL_TAPS = 4


@lru_cache(maxsize=128)
def _axis_taps(n_in: int, n_out: int, method: str, clamp: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float32 weights of one axis and each output's tap range ``[first, stop)``."""
    w = axis_weights(n_in, n_out, method, clamp)
    nonzero = w != 0
    first = nonzero.argmax(axis=1)
    stop = n_in - nonzero[:, ::-1].argmax(axis=1)
    w32 = w.astype(np.float32)
    for a in (w32, first, stop):
        a.flags.writeable = False
    return w32, first.astype(np.intp), stop.astype(np.intp)


def kernel_taps(size_in: tuple[int, ...], size: tuple[int, int], method: str
                ) -> tuple[np.ndarray, ...] | None:
    """``(wy, y0, y1, wx, x0, x1)`` for the compiled resize kernels, or None when an
    output pixel needs more than :data:`KERNEL_TAPS` taps on either axis."""
    upsampling = size[0] > size_in[0] or size[1] > size_in[1]
    wy, y0, y1 = _axis_taps(int(size_in[0]), int(size[0]), method, upsampling)
    wx, x0, x1 = _axis_taps(int(size_in[1]), int(size[1]), method, upsampling)
    if max((y1 - y0).max(), (x1 - x0).max()) > KERNEL_TAPS:
        return None
    return wy, y0, y1, wx, x0, x1


def volume_taps(size_in: tuple[int, int, int], size: tuple[int, int, int], method: str
                ) -> tuple[np.ndarray, ...] | None:
    """``(wd, d0, d1, wy, y0, y1, wx, x0, x1)`` for the compiled 3-D resizes (the taps of
    :func:`resize_volume_taps`), or None when an output needs more than :data:`KERNEL_TAPS`
    taps on any axis."""
    upsampling = any(o > i for i, o in zip(size_in, size))
    taps = [_axis_taps(int(i), int(o), method, upsampling) for i, o in zip(size_in, size)]
    if max(int((stop - first).max()) for _, first, stop in taps) > KERNEL_TAPS:
        return None
    return tuple(a for axis in taps for a in axis)


def resize_weights(size_in: tuple[int, int], size_out: tuple[int, int],
                   method: str) -> tuple[np.ndarray, np.ndarray]:
    """``(Wy, Wx)`` for resizing ``(H, W)`` arrays from ``size_in`` to ``size_out``."""
    upsampling = size_out[0] > size_in[0] or size_out[1] > size_in[1]
    return (axis_weights(size_in[0], size_out[0], method, upsampling),
            axis_weights(size_in[1], size_out[1], method, upsampling))


def check_resize(shape: tuple[int, ...], size: tuple[int, int], spatial: int,
                 argument: str = "size") -> None:
    """Refuse a resize from an empty axis, or one whose result is absurdly large.

    ``shape`` is the array's, ``size`` the new ``(H, W)`` of axes ``spatial``,
    ``spatial + 1``. The limit applies to one sample (axis 0 is the batch when
    ``spatial > 0``) and to the weight matrices; see
    :func:`visheat.core.errors.check_allocation`.
    """
    size_in = tuple(shape[spatial:spatial + 2])
    if 0 in size_in:
        raise value_error("x", "maps of at least 1 x 1 pixels to resize",
                          f"shape {tuple(shape)}", described=True)
    if min(size) < 1:
        raise value_error(argument, "a size of at least 1 x 1 pixels", f"{tuple(size)}",
                          described=True)
    out = list(shape)
    out[spatial:spatial + 2] = size
    check_sides(argument, size, "a resized array (one sample)")
    check_allocation(argument, tuple(out[1:] if spatial > 0 else out), np.float64,
                     what="a resized array (one sample)")
    for n_in, n_out in zip(size_in, size):
        check_allocation(argument, (n_out, n_in), np.float64, what="resize weights")


def resize_array(a: np.ndarray, size: tuple[int, int], method: str, spatial: int,
                 exact: bool = True, argument: str = "size") -> np.ndarray:
    """Resize the two spatial axes ``spatial, spatial + 1`` of ``a`` to ``size``.

    The exact path computes in float64 and returns the input's float dtype (as
    Julia's ``imresize`` keeps the element type). ``exact=False`` (the 8-bit
    path) computes in float32 by :func:`_resize_taps`. uint8 input is rounded back
    to uint8.

    Examples
    --------
    >>> resize_array(np.array([[[0.0, 1.0]]]), (1, 4), "bilinear", 1)
    array([[[0.  , 0.25, 0.75, 1.  ]]])
    """
    size_in = a.shape[spatial:spatial + 2]
    if tuple(size_in) == tuple(size):
        return a
    check_resize(a.shape, size, spatial, argument)
    if not exact:
        return _resize_taps(a, size, method, spatial)
    wy, wx = resize_weights((int(size_in[0]), int(size_in[1])), (int(size[0]), int(size[1])),
                            method)
    moved = np.moveaxis(a, (spatial, spatial + 1), (-2, -1)).astype(np.float64)
    out = np.matmul(np.matmul(wy, moved), wx.T)
    out = np.moveaxis(out, (-2, -1), (spatial, spatial + 1))
    if a.dtype == np.uint8:
        return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=a.dtype)


def _resize_taps(a: np.ndarray, size: tuple[int, int], method: str, spatial: int
                ) -> np.ndarray:
    """The 8-bit path's resize: float32 sums over each output pixel's taps.

    Each output value is ``Wy @ a @ Wx.T`` summed tap by tap in increasing
    order, the horizontal pass first, in float32 (products rounded, then
    added). That order is the definition: the compiled kernels follow it and
    give the same values. uint8 pictures are rounded half to even and clamped
    to 0..255.

    >>> _resize_taps(np.array([[[0.0, 1.0]]], np.float32), (1, 4), "bilinear", 1)
    array([[[0.  , 0.25, 0.75, 1.  ]]], dtype=float32)
    """
    size_in = tuple(a.shape[spatial:spatial + 2])
    upsampling = size[0] > size_in[0] or size[1] > size_in[1]
    src = np.moveaxis(a, (spatial, spatial + 1), (-2, -1)).astype(np.float32)
    wx, x0, x1 = _axis_taps(int(size_in[1]), int(size[1]), method, upsampling)
    tmp = _tap_sums(src, wx, x0, x1, axis=-1)
    wy, y0, y1 = _axis_taps(int(size_in[0]), int(size[0]), method, upsampling)
    out = _tap_sums(tmp, wy, y0, y1, axis=-2)
    out = np.moveaxis(out, (-2, -1), (spatial, spatial + 1))
    if a.dtype == np.uint8:
        return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=a.dtype)


def _tap_sums(src: np.ndarray, w: np.ndarray, first: np.ndarray, stop: np.ndarray,
              axis: int) -> np.ndarray:
    """``sum_k src[..., k] * w[o, k]`` over ``k`` in ``[first[o], stop[o])``, in order."""
    outputs = np.arange(len(first))
    shape = (-1,) + (1,) * (-1 - axis)
    out = np.take(src, first, axis=axis) * w[outputs, first].reshape(shape)
    for t in range(1, int((stop - first).max())):
        k = np.minimum(first + t, src.shape[axis] - 1)
        valid = (first + t < stop).reshape(shape)
        term = np.take(src, k, axis=axis) * w[outputs, k].reshape(shape)
        np.add(out, term, out=out, where=np.broadcast_to(valid, out.shape))
    return out


def resize_volume(a: np.ndarray, size: tuple[int, int, int], method: str, axis: int,
                  exact: bool = True) -> np.ndarray:
    """Resize the three axes ``axis .. axis + 2`` (D, H, W) of ``a`` to ``size``, separably.

    Depth (or time) is resampled with the same one-axis weights as H and W
    (:func:`axis_weights`), so ``"bilinear"`` is trilinear with half-pixel centres,
    PyTorch's ``interpolate(..., mode="trilinear", align_corners=False)``, and the
    Lanczos methods are their separable 3-D forms. The exact path computes in float64;
    ``exact=False`` (the 8-bit path) in float32 by :func:`resize_volume_taps`. The
    input's dtype is kept, uint8 rounded.

    >>> resize_volume(np.array([[[[0.0]], [[1.0]]]]), (4, 1, 1), "bilinear", 1)[0, :, 0, 0]
    array([0.  , 0.25, 0.75, 1.  ])
    """
    size_in = tuple(int(n) for n in a.shape[axis:axis + 3])
    size = tuple(int(n) for n in size)  # type: ignore[assignment]
    if size_in == size:
        return a
    check_resize(a.shape[:axis] + (size_in[0] * size_in[1], size_in[2]) + a.shape[axis + 3:],
                 (size[0] * size[1], size[2]), axis, "images")
    if not exact:
        return resize_volume_taps(a, size, method, axis)
    upsampling = any(o > i for i, o in zip(size_in, size))
    wd = axis_weights(size_in[0], size[0], method, upsampling)
    moved = np.moveaxis(a.astype(np.float64), axis, -1)
    deep = np.moveaxis(moved @ wd.T, -1, axis)
    wy, wx = (axis_weights(size_in[k], size[k], method, upsampling) for k in (1, 2))
    moved = np.moveaxis(deep, (axis + 1, axis + 2), (-2, -1))
    out = np.moveaxis(np.matmul(np.matmul(wy, moved), wx.T), (-2, -1), (axis + 1, axis + 2))
    if a.dtype == np.uint8:
        return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=a.dtype)


def resize_volume_taps(a: np.ndarray, size: tuple[int, int, int], method: str, axis: int
                       ) -> np.ndarray:
    """The 8-bit path's 3-D resize: :func:`_resize_taps` with depth as a third pass.

    Float32 sums over each output's taps in increasing order: along W, then H
    (each input slice resized as an image is), then D, products rounded, then
    added. The compiled kernels follow this order and give the same values; the
    clamp of the two-tap methods is on when any of the three axes grows. uint8
    pictures are rounded half to even and clamped to 0..255.

    >>> vol = np.array([[[[0.0]], [[1.0]]]], np.float32)
    >>> resize_volume_taps(vol, (4, 1, 2), "bilinear", 1)[0, :, 0, 0]
    array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    size_in = tuple(int(n) for n in a.shape[axis:axis + 3])
    upsampling = any(o > i for i, o in zip(size_in, size))
    out = np.moveaxis(a, (axis, axis + 1, axis + 2), (-3, -2, -1)).astype(np.float32)
    for k in (2, 1, 0):
        w, first, stop = _axis_taps(size_in[k], int(size[k]), method, upsampling)
        out = _tap_sums(out, w, first, stop, axis=k - 3)
    out = np.moveaxis(out, (-3, -2, -1), (axis, axis + 1, axis + 2))
    if a.dtype == np.uint8:
        return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=a.dtype)
