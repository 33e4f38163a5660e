"""Resizing by size or fraction: ``Resize`` and ``ResizeImageToHeatmap``.

Besides visheat's own methods (``"lanczos1"``, ``"bilinear"``, ``"nearest"``,
``"lanczos3"``; see :mod:`visheat.resize`) these accept three methods with
OpenCV's ``cv2.resize`` arithmetic, which imgaug uses:

``"cubic"``
    ``INTER_CUBIC``: Keys' cubic with ``a = -0.75`` at the half-pixel positions
    ``(i + 0.5) * s - 0.5`` (``s = n_in / n_out``), edge pixels repeated, no
    antialiasing. imgaug's default for heatmaps. It overshoots at steps.
``"area"``
    ``INTER_AREA``: when both axes shrink, each output pixel is the mean of the
    input area it covers; otherwise OpenCV's area-weighted linear taps.
``"nearest-opencv"``
    ``INTER_NEAREST``: input pixel ``floor(i * s)``. visheat's ``"nearest"``
    takes the pixel that contains the output pixel's centre instead; the two
    differ by up to half an output pixel.

imgaug's ``"linear"`` is visheat's ``"bilinear"``: the same positions and
weights as ``INTER_LINEAR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ._errors import check_number, raise_unknown_name, type_error
from .batch import Batch
from .geometry import _spatial_axis, common_image_size
from .pipeline import Transform
from .resize import METHODS as OWN_METHODS
from .resize import check_resize, resize_array

OPENCV_METHODS = ("cubic", "area", "nearest-opencv")
ALL_METHODS = OWN_METHODS + OPENCV_METHODS


def check_any_method(method: Any, argument: str = "method") -> str:
    """Validate a method name of :data:`ALL_METHODS`."""
    if method not in ALL_METHODS:
        raise_unknown_name(argument, str(method), ALL_METHODS, "resize method")
    return method


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
def opencv_weights(n_in: int, n_out: int, method: str, shrink_both: bool) -> np.ndarray:
    """``(n_out, n_in)`` weights of one axis for an OpenCV method (read-only).

    ``shrink_both`` says whether neither axis grows (OpenCV's area path).

    Examples
    --------
    >>> opencv_weights(4, 2, "area", True)
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


def resize_any(a: np.ndarray, size: tuple[int, int], method: str, spatial: int,
               exact: bool = True, argument: str = "size") -> np.ndarray:
    """Resize axes ``spatial, spatial + 1`` of ``a`` to ``size`` with any of :data:`ALL_METHODS`.

    Keeps the float dtype; uint8 is rounded back to uint8 (clipped to 0..255).

    Examples
    --------
    >>> resize_any(np.array([[[0.0, 1.0, 0.0, 0.0]]]), (1, 2), "area", 1)
    array([[[0.5, 0. ]]])
    """
    if method in OWN_METHODS:
        return resize_array(a, size, method, spatial, exact, argument)
    size_in = tuple(a.shape[spatial:spatial + 2])
    if size_in == tuple(size):
        return a
    check_resize(a.shape, size, spatial, argument)
    shrink = size[0] <= size_in[0] and size[1] <= size_in[1]
    wy = opencv_weights(size_in[0], size[0], method, shrink)
    wx = opencv_weights(size_in[1], size[1], method, shrink)
    work = np.float64 if exact else np.float32
    moved = np.moveaxis(a, (spatial, spatial + 1), (-2, -1)).astype(work)
    out = np.matmul(np.matmul(wy.astype(work), moved), wx.T.astype(work))
    out = np.moveaxis(out, (-2, -1), (spatial, spatial + 1))
    if a.dtype == np.uint8:
        return np.rint(np.clip(out, 0, 255)).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=a.dtype)


def _check_size(size: Any) -> float | str | tuple[float, float] | tuple[int, int]:
    hint = ("Pass (height, width) in pixels, a float fraction such as 0.25 or (0.5, 2.0), "
            "or 'image'.")
    if isinstance(size, str) and size == "image":
        return size
    if isinstance(size, (list, tuple)) and len(size) == 2:
        ints = all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in size)
        if ints:
            return tuple(int(check_number("size", s, low=1, integer=True)) for s in size)  # type: ignore[return-value]
        if all(isinstance(s, (float, np.floating)) for s in size):
            return tuple(check_number("size", s, low=0, low_open=True) for s in size)  # type: ignore[return-value]
        raise type_error("size", "two ints (pixels) or two floats (fractions)", size, hint)
    if isinstance(size, (float, np.floating)):
        return check_number("size", size, low=0, low_open=True)
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        raise type_error("size", "(height, width) or a float fraction", size,
                         f"For a square use ({size}, {size}); for a scale factor, {float(size)}.")
    raise type_error("size", "(height, width) or a float fraction", size, hint)


def target_size(size: Any, height: int, width: int) -> tuple[int, int]:
    """Output ``(H, W)``: pixels as given, or ``round(n * fraction)`` (half to even, >= 1).

    Examples
    --------
    >>> target_size(0.25, 161, 240), target_size((0.5, 2.0), 161, 240), target_size((8, 9), 1, 1)
    ((40, 60), (80, 480), (8, 9))
    """
    if isinstance(size, tuple) and isinstance(size[0], int):
        return size  # type: ignore[return-value]
    fh, fw = (size, size) if not isinstance(size, tuple) else size
    with np.errstate(over="ignore"):  # absurd fractions: refused later by their size
        return (max(1, int(min(np.round(height * fh), 1e300))),
                max(1, int(min(np.round(width * fw), 1e300))))


@dataclass(frozen=True, repr=False, eq=False)
class Resize(Transform):
    """Resize every sample to a size in pixels or by a fraction (imgaug's ``resize``).

    Works on every stage. ``Resize(0.25)`` scales both axes (sizes rounded half
    to even, as imgaug's ``np.round``); ``Resize((0.5, 2.0))`` per axis;
    ``Resize((40, 60))`` gives 40 x 60 pixels. imgaug's ``heatmap.resize(s)``
    is ``Resize(s, "cubic") | ToUnitRange(0, 1)``: cubic, then clipped to [0, 1].
    ``Resize("image", method)`` resizes every sample to the size of its image,
    as :class:`~visheat.ResizeToImage` does, with any method (imgaug's
    ``draw_on_image`` enlarges maps with ``"nearest-opencv"``); without images
    the batch passes through.

    Parameters
    ----------
    size : float, (float, float), (int, int) or "image"
        Fraction(s), ``(height, width)`` in pixels, or the images' size.
    method : str
        Any of :data:`ALL_METHODS` (default ``"bilinear"``, which never
        overshoots); see the module docstring for the OpenCV ones.

    Examples
    --------
    >>> Resize(0.25)(np.zeros((1, 161, 240))).shape
    (1, 40, 60)
    >>> Resize((2, 4), "nearest")(np.array([[[1.0, 2.0]]]))
    array([[[1., 1., 2., 2.],
            [1., 1., 2., 2.]]])
    >>> Resize(2)
    Traceback (most recent call last):
    ...
    TypeError: size: expected (height, width) or a float fraction; got 2 (int). For a square use (2, 2); for a scale factor, 2.0.
    >>> Resize("image", "nearest-opencv")(np.array([[[1.0, 2.0]]]), image=np.zeros((1, 3, 3)))
    array([[[1., 1., 2.]]])
    """

    size: Any = 1.0
    method: str = "bilinear"

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", _check_size(self.size))
        check_any_method(self.method)

    def apply(self, batch: Batch) -> Batch:
        spatial = _spatial_axis(batch.stage)
        if self.size == "image":
            if batch.images is None:
                return batch
            size = common_image_size(batch)
        else:
            size = target_size(self.size, *batch.data.shape[spatial:spatial + 2])
        return batch.replace(data=resize_any(batch.data, size, self.method, spatial,
                                             exact=not batch.fast, argument="size"))


@dataclass(frozen=True, repr=False, eq=False)
class ResizeImageToHeatmap(Transform):
    """Resize the batch's images to the heatmaps' size (imgaug's ``resize="image"``).

    ``... | ResizeImageToHeatmap() | AlphaOverlay()`` draws the heatmap at its
    own resolution over a shrunken image; ``... | ResizeToImage() |
    AlphaOverlay()`` (imgaug's default ``resize="heatmaps"``) enlarges the
    heatmap instead. The data passes through unchanged; without images this
    step does nothing.

    Parameters
    ----------
    method : str
        Any of :data:`ALL_METHODS`; the default ``"lanczos3"`` is antialiased.
        imgaug uses ``"cubic"``.

    Examples
    --------
    >>> from visheat import AlphaOverlay
    >>> pipe = ResizeImageToHeatmap() | AlphaOverlay(0.5)
    >>> pipe(np.ones((1, 4, 6, 3)), image=np.zeros((40, 60, 3)), stage="rgb").shape
    (1, 4, 6, 3)
    """

    method: str = "lanczos3"

    def __post_init__(self) -> None:
        check_any_method(self.method)

    def apply(self, batch: Batch) -> Batch:
        if batch.images is None:
            return batch
        spatial = _spatial_axis(batch.stage)
        size = tuple(batch.data.shape[spatial:spatial + 2])
        return batch.replace(images=resize_images(batch.images, size, self.method))  # type: ignore[arg-type]


def resize_images(images: Any, size: tuple[int, int], method: str) -> np.ndarray:
    """Resize ``(N, H, W, 3)`` images (or a tuple of ``(H_i, W_i, 3)``) to ``size``.

    A single image broadcast to every sample is resized once. Float images stay
    in [0, 1].
    """
    if isinstance(images, tuple):
        return np.stack([_resize_image(img, size, method) for img in images]) if images else \
            np.zeros((0,) + tuple(size) + (3,), np.uint8)
    if images.shape[0] > 1 and images.strides[0] == 0:  # one image shared by all samples
        one = _resize_image(images[0], size, method)
        return np.broadcast_to(one, (images.shape[0],) + one.shape)
    out = resize_any(images, size, method, 1, argument="x")
    return out if out.dtype == np.uint8 else np.clip(out, 0, 1)


def _resize_image(image: np.ndarray, size: tuple[int, int], method: str) -> np.ndarray:
    out = resize_any(image, size, method, 0, argument="x")
    return out if out.dtype == np.uint8 else np.clip(out, 0, 1)


__all__ = ["Resize", "ResizeImageToHeatmap", "resize_any", "target_size", "opencv_weights",
           "OPENCV_METHODS", "ALL_METHODS"]
