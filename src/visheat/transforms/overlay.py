"""Overlays: blending coloured heatmaps over their images, and the pictures' channel order.

``AlphaOverlay`` computes ``image * (1 - alpha) + heatmap * alpha`` per pixel, as
VisionHeatmaps.jl does. ``alpha`` is one number, an ``(H, W)`` array used for
every sample, or an ``(N, H, W)`` array with one plane per sample.
``ChannelOrder("bgr")`` turns the finished RGB pictures into OpenCV's BGR order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error, value_error
from ..core.images import images_as_float
from ..core.pipeline import Transform


def _as_alpha(alpha: Any) -> float | np.ndarray:
    if isinstance(alpha, (bool, np.bool_, str, bytes)):
        raise type_error("alpha", "a number in [0, 1] or an (H, W) / (N, H, W) array", alpha)
    if isinstance(alpha, (int, float, np.integer, np.floating)) and not isinstance(alpha, bool):
        return check_number("alpha", alpha, low=0, high=1)
    try:
        arr = np.array(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error("alpha", "a number in [0, 1] or an (H, W) / (N, H, W) array",
                         alpha) from None
    if arr.ndim not in (2, 3):
        raise value_error("alpha", "a number in [0, 1] or an (H, W) / (N, H, W) array", arr)
    if arr.size and not (np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1):
        raise value_error("alpha", "values in [0, 1]", arr)
    arr.flags.writeable = False
    return arr


def alpha_for(alpha: float | np.ndarray, batch: Batch) -> float | np.ndarray:
    """Alpha broadcastable against the batch's ``(n, H, W, 3)`` pictures."""
    if not isinstance(alpha, np.ndarray):
        return alpha
    size = batch.data.shape[1:3]
    planes = alpha[None] if alpha.ndim == 2 else alpha[batch.start:batch.start + batch.n]
    if planes.shape[1:] != size or planes.shape[0] not in (1, batch.n):
        raise value_error("alpha", f"an {size} or (N, {size[0]}, {size[1]}) array matching the "
                          "heatmaps", alpha)
    return planes[..., None]


class AlphaOverlay(Transform):
    """Blend the coloured heatmap over its image with opacity ``alpha``.

    Without images the pictures pass through unchanged. Heatmap and image must
    have the same size; put :class:`ResizeToImage` before the overlay when they
    differ.

    Parameters
    ----------
    alpha : float or array_like
        Opacity of the heatmap in [0, 1]: a number, an ``(H, W)`` array, or an
        ``(N, H, W)`` array (one plane per sample).

    Examples
    --------
    >>> rgb = np.ones((1, 1, 2, 3))
    >>> AlphaOverlay(0.25)(rgb, image=np.zeros((1, 2, 3)))[0, 0, :, 0]
    array([0.25, 0.25])
    >>> AlphaOverlay(2.0)
    Traceback (most recent call last):
    ...
    ValueError: alpha: expected a number in [0, 1]; got 2.0 (float).
    """

    alpha: Any = 0.6
    takes = frozenset({Stage.RGB})

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", _as_alpha(self.alpha))

    def apply(self, batch: Batch) -> Batch:
        if batch.images is None:
            return batch
        images = np.asarray(batch.images)
        if images.shape != batch.data.shape:
            raise value_error("images", f"pictures of the heatmaps' size {batch.data.shape[1:3]}",
                              f"size {images.shape[1:3]}",
                              "Add ResizeToImage() before AlphaOverlay().", described=True)
        alpha = alpha_for(self.alpha, batch)
        if batch.fast:
            return batch.replace(data=blend_u8(batch.data, images, alpha, batch.out))
        heat = batch.data.astype(np.float64)
        return batch.replace(data=images_as_float(images) * (1 - alpha) + heat * alpha)


def blend_u8(heat: np.ndarray, images: np.ndarray, alpha: float | np.ndarray,
              out: np.ndarray | None = None) -> np.ndarray:
    """8-bit blend of ``(N, H, W, 3)`` pictures, rounded to the nearest level.

    ``alpha`` is a number or an array broadcastable to ``(N, H, W, 1)``. With
    uint8 pictures and images the weight is taken in 16-bit fixed point,
    ``w = round(alpha * 65536)``, and the blend is exact integer arithmetic:
    ``(image * (65536 - w) + heat * w + 32768) >> 16``. Float pictures blend in
    float32.

    >>> heat, image = np.full((1, 1, 1, 3), 255, np.uint8), np.zeros((1, 1, 1, 3), np.uint8)
    >>> blend_u8(heat, image, 0.25)[0, 0, 0]
    array([64, 64, 64], dtype=uint8)
    """
    if heat.dtype == np.uint8 and images.dtype == np.uint8:
        w = np.rint(np.asarray(alpha, np.float64) * 65536).astype(np.uint32)
        total = images.astype(np.uint32) * (np.uint32(65536) - w)
        total += heat.astype(np.uint32) * w
        total += np.uint32(32768)
        total >>= np.uint32(16)
        if out is not None and out.shape == heat.shape and out.dtype == np.uint8:
            np.copyto(out, total, casting="unsafe")
            return out
        return total.astype(np.uint8)
    img = _levels(images)
    a = np.float32(alpha) if not isinstance(alpha, np.ndarray) else alpha.astype(np.float32)
    blended = img * (np.float32(1) - a) + _levels(heat) * a
    return np.rint(blended).astype(np.uint8)


def _levels(rgb: np.ndarray) -> np.ndarray:
    """Pictures as float32 on the 0..255 scale (uint8 as is, floats times 255)."""
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float32)
    return rgb.astype(np.float32) * np.float32(255)


class ChannelOrder(Transform):
    """Reorder the channels of the finished pictures: ``"bgr"`` for OpenCV, ``"rgb"`` as is.

    Put it last: it reorders the colours of the pictures, not of the images a later
    overlay would blend them with. ``cv2.imwrite`` and ``cv2.imshow`` expect BGR.

    Parameters
    ----------
    order : {"rgb", "bgr"}
        ``"bgr"`` reverses the three channels; ``"rgb"`` keeps them (the identity).

    Examples
    --------
    >>> ChannelOrder("bgr")(np.array([[[[1.0, 0.5, 0.0]]]]))
    array([[[[0. , 0.5, 1. ]]]])
    >>> ChannelOrder("brg")
    Traceback (most recent call last):
    ...
    ValueError: order: expected 'rgb' or 'bgr'; got 'brg' (str).
    """

    order: str = "bgr"
    takes = frozenset({Stage.RGB})

    def __post_init__(self) -> None:
        if self.order not in ("rgb", "bgr"):
            raise value_error("order", "'rgb' or 'bgr'", self.order)

    def apply(self, batch: Batch) -> Batch:
        if self.order == "rgb":
            return batch
        return batch.replace(data=np.ascontiguousarray(batch.data[..., ::-1]))


def _gray_background(images: np.ndarray) -> np.ndarray:
    """Each image's channel mean, min-max stretched to [0, 1] per image, as ``(N, H, W, 3)``.

    What ``imshow(np.mean(image, axis=2), cmap="gray")`` shows (matplotlib scales
    a single-channel image to its own range); a flat image becomes black.

    Examples
    --------
    >>> img = np.array([[[[0, 0, 0], [30, 60, 90]], [[100, 100, 100], [120, 120, 120]]]], np.uint8)
    >>> _gray_background(img)[0, :, :, 0]
    array([[0.  , 0.5 ],
           [0.83333333, 1.  ]])
    """
    mean = images.astype(np.float64).mean(axis=-1)
    lo = mean.min(axis=(1, 2), keepdims=True, initial=np.inf) if mean.size else mean
    hi = mean.max(axis=(1, 2), keepdims=True, initial=-np.inf) if mean.size else mean
    width = hi - lo
    gray = np.where(width > 0, (mean - lo) / np.where(width > 0, width, 1), 0)
    return np.repeat(gray[..., None], 3, axis=-1)


def _images_of(batch: Batch, name: str) -> np.ndarray:
    if batch.images is None:
        raise value_error("images", f"images ({name} draws them)", None,
                          "Pass them as heatmap(x, images, pipe).")
    images = np.asarray(batch.images)
    if images.shape[1:3] != batch.data.shape[1:3]:
        raise value_error("images", f"pictures of the heatmaps' size {batch.data.shape[1:3]}",
                          f"size {images.shape[1:3]}", f"Add ResizeToImage() before {name}.",
                          described=True)
    return images


def _finish(batch: Batch, picture: np.ndarray) -> Batch:
    """Float pictures in [0, 1] -> the batch's output (8-bit rounded on the fast path)."""
    if batch.fast:
        return batch.replace(data=np.rint(np.clip(picture, 0, 1) * 255).astype(np.uint8),
                             stage=Stage.RGB)
    return batch.replace(data=picture, stage=Stage.RGB)


class GrayOverlay(Transform):
    """Blend the coloured heatmap over a grey version of its image.

    The grey image is the channel mean of each image, stretched to [0, 1]
    (:func:`_gray_background`), as captum's ``blended_heat_map`` draws it; the
    picture is ``grey * (1 - alpha) + heatmap * alpha``. Heatmap and image must
    have the same size.

    Parameters
    ----------
    alpha : float
        Opacity of the heatmap in [0, 1] (captum's ``alpha_overlay``, default 0.5).

    Examples
    --------
    >>> rgb = np.ones((1, 1, 2, 3))
    >>> img = np.array([[[0.0, 0.0, 0.0], [0.2, 0.4, 0.6]]])
    >>> GrayOverlay(0.5)(rgb, image=img)[0, 0, :, 0]
    array([0.5, 1. ])
    """

    alpha: float = 0.5
    takes = frozenset({Stage.RGB})

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", float(check_number("alpha", self.alpha, low=0,
                                                             high=1)))

    def apply(self, batch: Batch) -> Batch:
        images = _images_of(batch, "GrayOverlay()")
        heat = batch.data.astype(np.float64) / (255 if batch.data.dtype == np.uint8 else 1)
        return _finish(batch, _gray_background(images) * (1 - self.alpha) + heat * self.alpha)


class MaskImage(Transform):
    """Show the image where the map is high: the map in [0, 1] is each pixel's opacity.

    The picture is ``image * m + background * (1 - m)`` with ``m`` the map
    clipped to [0, 1] (put :class:`CumulativeSumClip` or :class:`ToUnitRange`
    first). ``background="black"`` is captum's ``masked_image``; ``"white"`` its
    ``alpha_scaling`` (the map as the image's alpha channel, shown on white).

    Parameters
    ----------
    background : {"black", "white"}

    Examples
    --------
    >>> m = np.array([[[0.0, 0.5, 1.0]]])
    >>> img = np.full((1, 3, 3), 0.8)
    >>> MaskImage()(m, image=img)[0, 0, :, 0]
    array([0. , 0.4, 0.8])
    >>> MaskImage("white")(m, image=img)[0, 0, :, 0]
    array([1. , 0.9, 0.8])
    """

    background: str = "black"
    takes = frozenset({Stage.MAP})
    gives = Stage.RGB

    def __post_init__(self) -> None:
        if self.background not in ("black", "white"):
            raise value_error("background", "'black' or 'white'", self.background)

    def apply(self, batch: Batch) -> Batch:
        images = images_as_float(_images_of(batch, "MaskImage()"))
        m = np.clip(batch.data.astype(np.float64), 0, 1)[..., None]
        picture = images * m + (1 - m if self.background == "white" else 0)
        return _finish(batch, picture)
