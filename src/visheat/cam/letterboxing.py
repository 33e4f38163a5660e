"""Letterbox geometry: detector inputs resized with their aspect ratio kept, then padded.

YOLO-style detectors see an image resized by ``r = min(H_new / h, W_new / w)``
and padded to ``H_new x W_new`` (or, with ``auto=True``, only to the next
multiple of ``stride``). A CAM computed on that input lives in letterbox
coordinates; :class:`Unletterbox` removes the padding and resizes the rest onto
the original image, so the heat lands on the right pixels.

The arithmetic is ultralytics' ``LetterBox`` (8.4), step by step::

    r = min(H_new / h, W_new / w)                  # min(r, 1) when scaleup=False
    w_r, h_r = max(round(w * r), 1), max(round(h * r), 1)  # half to even; >= 1 pixel
    dw, dh = W_new - w_r, H_new - h_r              # % stride when auto=True
    top, bottom = round(dh / 2 - 0.1), round(dh / 2 + 0.1)
    left, right = round(dw / 2 - 0.1), round(dw / 2 + 0.1)
    # center=False: top = left = 0, bottom = dh, right = dw

(``scale_fill=True`` stretches to ``H_new x W_new`` without padding.) Older
ultralytics releases let a thin side round to 0 pixels (a 1 x 2000 image had no
rows left); visheat follows the current rule. The
seed tool's ``letterbox(img)`` is called with ultralytics' old default
``auto=True``; visheat's default is ``auto=False`` (a full ``640 x 640`` input).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error, value_error
from ..core.layout import as_float
from ..core.limits import check_allocation, check_sides
from ..core.pipeline import Transform, option
from ..transforms.padding import crop_array, pad_array
from ..transforms.resampling import check_method, resize_array
from ..transforms.resize import common_image_size


@dataclass(frozen=True)
class LetterboxGeometry:
    """Where an image sits inside its letterboxed version.

    Attributes
    ----------
    image_size : (int, int)
        ``(h, w)`` of the original image.
    shape : (int, int)
        ``(H, W)`` of the letterboxed input.
    resized : (int, int)
        ``(h_r, w_r)`` of the resized image inside it.
    pad : (int, int, int, int)
        ``(top, right, bottom, left)`` padding around it.
    """

    image_size: tuple[int, int]
    shape: tuple[int, int]
    resized: tuple[int, int]
    pad: tuple[int, int, int, int]


def _pair(value: Any, argument: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise type_error(argument, "an int or (height, width)", value)
    return tuple(int(check_number(argument, v, low=1, integer=True)) for v in value)  # type: ignore[return-value]


def letterbox_geometry(image_size: Any, new_shape: Any = 640, *, auto: bool = False,
                       stride: int = 32, scaleup: bool = True,
                       scale_fill: bool = False, center: bool = True) -> LetterboxGeometry:
    """The letterbox of an ``(h, w)`` image, with ultralytics' arithmetic.

    As ultralytics 8.4's ``LetterBox``: a thin image keeps at least one pixel per
    side after resizing, and ``center=False`` puts the image in the top-left
    corner (all padding right and below).

    Examples
    --------
    >>> letterbox_geometry((427, 640), 640)
    LetterboxGeometry(image_size=(427, 640), shape=(640, 640), resized=(427, 640),
                      pad=(106, 0, 107, 0))
    >>> letterbox_geometry((427, 640), 640, auto=True).shape
    (448, 640)
    >>> letterbox_geometry((1, 2000), 640).pad
    (319, 0, 320, 0)
    >>> letterbox_geometry((427, 640), 640, center=False).pad
    (0, 0, 213, 0)
    """
    h, w = _pair(image_size, "image_size")
    new_h, new_w = _pair(new_shape, "new_shape")
    check_sides("new_shape", (new_h, new_w), "a letterboxed image")  # before float arithmetic
    stride = int(check_number("stride", stride, low=1, integer=True))
    auto, scaleup, scale_fill, center = (_flag(name, value) for name, value in (
        ("auto", auto), ("scaleup", scaleup), ("scale_fill", scale_fill), ("center", center)))
    r = min(new_h / h, new_w / w)
    if not scaleup:
        r = min(r, 1.0)
    w_r, h_r = max(int(round(w * r)), 1), max(int(round(h * r)), 1)  # thin images keep 1 pixel
    dw, dh = new_w - w_r, new_h - h_r
    if auto:
        dw, dh = dw % stride, dh % stride  # Python ints: exact for any stride
    elif scale_fill:
        dw, dh, w_r, h_r = 0, 0, new_w, new_h
    if center:
        top, bottom = int(round(dh / 2 - 0.1)), int(round(dh / 2 + 0.1))
        left, right = int(round(dw / 2 - 0.1)), int(round(dw / 2 + 0.1))
    else:  # top-left placement: ultralytics' center=False
        top, bottom, left, right = 0, int(dh), 0, int(dw)
    return LetterboxGeometry((h, w), (h_r + top + bottom, w_r + left + right), (h_r, w_r),
                             (top, right, bottom, left))


def letterbox(image: Any, new_shape: Any = 640, *, color: Any = (114, 114, 114),
              auto: bool = False, stride: int = 32, scaleup: bool = True,
              scale_fill: bool = False, center: bool = True
              ) -> tuple[np.ndarray, LetterboxGeometry]:
    """Letterbox one ``(h, w, 3)`` image for a detector; return it and its geometry.

    Resizing is bilinear with OpenCV's sample positions (the model input of
    ultralytics' ``letterbox`` up to rounding of 8-bit levels); ``color`` fills
    the padding (0..255 for uint8 images, [0, 1] for float images).

    Examples
    --------
    >>> picture, geometry = letterbox(np.zeros((100, 200, 3), np.uint8), 64)
    >>> picture.shape, geometry.pad, int(picture[0, 0, 0])
    ((64, 64, 3), (16, 0, 16, 0), 114)
    """
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise value_error("image", "one (h, w, 3) image", arr)
    if arr.dtype != np.uint8 and arr.dtype.kind != "f":
        raise type_error("image", "a uint8 image or a float image in [0, 1]", arr)
    fill = _fill_color(color, arr.dtype)
    geometry = letterbox_geometry(arr.shape[:2], new_shape, auto=auto, stride=stride,
                                  scaleup=scaleup, scale_fill=scale_fill, center=center)
    check_allocation("new_shape", geometry.shape + (3,), np.float64, what="a letterboxed image")
    _check_resized(geometry, "image")
    resized = resize_array(arr, geometry.resized, "bilinear", 0, argument="new_shape")
    out = np.empty(geometry.shape + (3,), arr.dtype)
    out[...] = fill
    top, _, _, left = geometry.pad
    out[top:top + geometry.resized[0], left:left + geometry.resized[1]] = resized
    return out, geometry


def _check_resized(g: LetterboxGeometry, argument: str) -> None:
    """A very elongated input rounds to 0 pixels on its short side (cv2.resize fails there)."""
    if min(g.resized) < 1:
        raise value_error(argument, f"a size that keeps at least one pixel when letterboxed to "
                          f"{g.shape}", f"size {g.image_size}, which rounds to {g.resized}",
                          described=True)


def _fill_color(color: Any, dtype: np.dtype) -> np.ndarray:
    """``color`` as 3 values of ``dtype``: 0..255 for uint8 images, [0, 1] for float ones."""
    top = 255 if dtype == np.uint8 else 1
    expected = f"an (R, G, B) colour in [0, {top}] for {np.dtype(dtype)} images"
    try:
        values = np.broadcast_to(np.asarray(color, dtype=np.float64), (3,))
    except (TypeError, ValueError):
        raise type_error("color", expected, color) from None
    if not (np.isfinite(values).all() and values.min() >= 0 and values.max() <= top):
        raise value_error("color", expected, color)
    return values.astype(dtype)


def unletterbox_boxes(boxes: Any, geometry: LetterboxGeometry) -> np.ndarray:
    """Map ``(B, 4)`` boxes from letterbox pixels back to the original image's pixels.

    The inverse of the crop-and-resize :class:`Unletterbox` applies to maps;
    corners are clipped to the image.

    Examples
    --------
    >>> g = letterbox_geometry((100, 200), 64)
    >>> unletterbox_boxes([[0, 16, 32, 48]], g)
    array([[  0.,   0., 100., 100.]])
    """
    if not isinstance(geometry, LetterboxGeometry):
        raise type_error("geometry", "a LetterboxGeometry from letterbox_geometry()", geometry)
    try:
        arr = np.asarray(boxes, np.float64)
    except (TypeError, ValueError):
        raise type_error("boxes", "a (B, 4) array of corners x1, y1, x2, y2", boxes) from None
    if arr.size % 4 or (arr.ndim != 2 and arr.size) or (arr.ndim == 2 and arr.shape[1] != 4):
        raise value_error("boxes", "a (B, 4) array of corners x1, y1, x2, y2", arr)
    arr = arr.reshape(-1, 4)
    top, _, _, left = geometry.pad
    (h, w), (h_r, w_r) = geometry.image_size, geometry.resized
    sx, sy = w / w_r, h / h_r
    out = (arr - [left, top, left, top]) * [sx, sy, sx, sy]
    return np.clip(out, 0, [w, h, w, h])


class Letterbox(Transform):
    """Letterbox every map (or channel) as a detector's input would be.

    The maps are resized by ``r`` and padded with ``cval``; the padding is
    recorded per sample (``top``, ``right``, ``bottom``, ``left``).
    ``Letterbox(s) | Unletterbox()`` with the original images brings the maps
    back to their size (exactly when no resize was needed); for ``auto=True``
    give ``Unletterbox`` the same parameters.

    Parameters
    ----------
    new_shape : int or (int, int)
        Size of the detector input, ``640`` for ``640 x 640``.
    auto, stride, scaleup, scale_fill, center
        As in ultralytics' ``LetterBox`` (see :mod:`visheat.cam.letterboxing`);
        ``center=False`` places the map top-left.
    cval : float
        Value of the padding.
    method : str
        Resize method (default ``"bilinear"``, OpenCV's ``INTER_LINEAR``).

    Examples
    --------
    >>> Letterbox(8)(np.ones((1, 2, 4))).shape
    (1, 8, 8)
    """

    volumes = "refuse"  # 2-D geometry (boxes, points, letterboxes): see Transform.volumes

    new_shape: Any = 640
    auto: bool = option(default=False)
    stride: int = option(default=32)
    scaleup: bool = option(default=True)
    scale_fill: bool = option(default=False)
    center: bool = option(default=True)
    cval: float = option(default=0.0)
    method: str = option(default="bilinear")
    takes = frozenset({Stage.VALUES, Stage.MAP})

    def __post_init__(self) -> None:
        shape = _pair(self.new_shape, "new_shape")
        object.__setattr__(self, "new_shape", shape if shape[0] != shape[1] else shape[0])
        object.__setattr__(self, "cval", check_number("cval", self.cval))
        _check_options(self)
        check_method(self.method)

    def geometry(self, image_size: tuple[int, int]) -> LetterboxGeometry:
        """The letterbox of an image of ``image_size``."""
        return letterbox_geometry(image_size, self.new_shape, auto=self.auto, stride=self.stride,
                                  scaleup=self.scaleup, scale_fill=self.scale_fill,
                                  center=self.center)

    def apply(self, batch: Batch) -> Batch:
        spatial = batch.stage.spatial_axis
        g = self.geometry(batch.data.shape[spatial:spatial + 2])
        _check_resized(g, "x")
        data = resize_array(as_float(batch.data), g.resized, self.method, spatial,
                          argument="new_shape")
        data = pad_array(data, g.pad, "constant", self.cval, spatial, "new_shape")
        sides = dict(zip(("top", "right", "bottom", "left"), g.pad))
        return batch.replace(data=data).with_record(
            self, **{k: np.full(batch.n, v, np.int64) for k, v in sides.items()})


class Unletterbox(Transform):
    """Map CAMs computed on letterboxed inputs back onto the original images.

    Removes the padding and resizes the rest to each sample's image size. Where
    the padding comes from, in order:

    * ``pad=(top, right, bottom, left)`` in the map's pixels, e.g.
      ``letterbox_geometry(...).pad``;
    * the letterbox parameters (``new_shape`` and ``auto``, ``stride``,
      ``scaleup``, ``scale_fill`` as in :func:`letterbox_geometry`), computed
      for each image's size;
    * otherwise from the two shapes: the map is taken to be the whole
      letterboxed input made with ``auto=False`` (visheat's default), so its
      shape is ``new_shape``.

    Shapes alone cannot tell an ``auto=True`` letterbox from an ``auto=False``
    one of the smaller shape (rounding makes both possible), so give the
    parameters for ``auto=True``. Works on every stage; needs the original
    images, except with ``pad`` (without images the map is only cropped).

    Parameters
    ----------
    pad : (int, int, int, int), optional
        Explicit padding to remove.
    new_shape, auto, stride, scaleup, scale_fill
        The letterbox parameters (see :mod:`visheat.cam.letterboxing`).
    method : str
        Resize method (default ``"bilinear"``).

    Examples
    --------
    >>> cam = np.zeros((1, 640, 640)); cam[:, 106:533] = 1.0     # padding stays 0
    >>> out = Unletterbox()(cam, image=np.zeros((427, 640, 3), np.uint8))
    >>> out.shape, float(out.min())
    ((1, 427, 640), 1.0)
    >>> Unletterbox(new_shape=640, auto=True)(cam[:, 96:544], image=np.zeros((427, 640, 3))).shape
    (1, 427, 640)
    """

    volumes = "refuse"  # 2-D geometry (boxes, points, letterboxes): see Transform.volumes

    pad: Any = None
    new_shape: Any = option(default=None)
    auto: bool = option(default=False)
    stride: int = option(default=32)
    scaleup: bool = option(default=True)
    scale_fill: bool = option(default=False)
    center: bool = option(default=True)
    method: str = option(default="bilinear")

    def __post_init__(self) -> None:
        if self.pad is not None:
            if not isinstance(self.pad, (tuple, list)) or len(self.pad) != 4:
                raise type_error("pad", "(top, right, bottom, left)", self.pad)
            pad = tuple(int(check_number("pad", v, low=0, integer=True)) for v in self.pad)
            object.__setattr__(self, "pad", pad)
        if self.new_shape is not None:
            shape = _pair(self.new_shape, "new_shape")
            object.__setattr__(self, "new_shape", shape if shape[0] != shape[1] else shape[0])
        _check_options(self)
        check_method(self.method)

    def geometry(self, image_size: tuple[int, int], shape: tuple[int, int]) -> LetterboxGeometry:
        """The letterbox an image of ``image_size`` had, given a map of ``shape``.

        Use it to map detections with :func:`unletterbox_boxes`.
        """
        if self.pad is not None:
            top, right, bottom, left = self.pad
            resized = (shape[0] - top - bottom, shape[1] - left - right)
            return LetterboxGeometry(tuple(image_size), tuple(shape), resized, self.pad)  # type: ignore[arg-type]
        if self.new_shape is None:
            return letterbox_geometry(image_size, shape, center=self.center)
        g = letterbox_geometry(image_size, self.new_shape, auto=self.auto, stride=self.stride,
                               scaleup=self.scaleup, scale_fill=self.scale_fill,
                               center=self.center)
        if g.shape != tuple(shape):
            raise value_error("x", f"maps of the letterboxed size {g.shape} for images of size "
                              f"{tuple(image_size)}", f"size {tuple(shape)}",
                              "Resize the CAM to the model input's size first, or pass pad=.",
                              described=True)
        return g

    def apply(self, batch: Batch) -> Batch:
        spatial = batch.stage.spatial_axis
        shape = batch.data.shape[spatial:spatial + 2]
        if batch.images is None:
            if self.pad is None:
                raise value_error("images", "the original images (their size undoes the "
                                  "letterbox)", None, "Pass them, or give pad=(top, right, "
                                  "bottom, left).")
            return batch.replace(data=crop_array(batch.data, self.pad, spatial))
        size = common_image_size(batch)
        data = crop_array(batch.data, self.geometry(size, shape).pad, spatial)
        return batch.replace(data=resize_array(data, size, self.method, spatial,
                                             exact=not batch.fast, argument="images"))


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise type_error(name, "True or False", value)
    return bool(value)


def _check_options(transform: Transform) -> None:
    object.__setattr__(transform, "stride", int(check_number(
        "stride", transform.stride, low=1, integer=True)))  # type: ignore[attr-defined]
    for flag in ("auto", "scaleup", "scale_fill", "center"):
        object.__setattr__(transform, flag, _flag(flag, getattr(transform, flag)))


__all__ = ["LetterboxGeometry", "letterbox_geometry", "letterbox", "unletterbox_boxes",
           "Letterbox", "Unletterbox"]
