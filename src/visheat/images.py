"""Reading the pictures that heatmaps are drawn over.

Accepted: one ``(H, W, 3)`` / ``(H, W, 4)`` / ``(H, W)`` image for every sample,
an ``(N, H, W, 3)`` batch, or a list of arrays or PIL images (sizes may differ).
A 3-axis array is always *one* image (a batch of grayscale images is a list, or
an ``(N, H, W, 1)`` array).
uint8 images are kept as uint8; float images must lie in [0, 1] and become
float64. Grayscale becomes RGB and RGBA drops its alpha channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._errors import check_allocation, describe, type_error, value_error

Images = np.ndarray | tuple[np.ndarray, ...]


def _one_image(img: Any, argument: str) -> np.ndarray:
    """Convert one image to ``(H, W, 3)`` uint8 or float64 in [0, 1]."""
    if hasattr(img, "mode") and hasattr(img, "convert"):  # a PIL image
        img = np.asarray(img.convert("RGB"))
    arr = _as_array(img, argument)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise value_error(argument, "an image of shape (H, W), (H, W, 3) or (H, W, 4)", arr)
    return _rgb(arr, argument)


def _as_array(img: Any, argument: str) -> np.ndarray:
    """An image-like as an array; refuses what is no picture (text, None, mappings)."""
    if isinstance(img, (str, bytes, dict, set)) or img is None:
        raise type_error(argument, "an image array (uint8 or floats in [0, 1]) or a PIL image",
                         img, "Read files first, e.g. np.asarray(PIL.Image.open(path)).")
    if isinstance(img, np.ndarray) or hasattr(img, "__dlpack__"):
        # as the maps are read: masked arrays (their masks) and matrices as plain arrays,
        # tensors detached from their graph (requires_grad) and copied from accelerators
        from .layout import to_numpy

        return to_numpy(img, argument)
    try:
        return np.asarray(img)
    except (TypeError, ValueError) as err:
        raise type_error(argument, "an image array (uint8 or floats in [0, 1]) or a PIL image",
                         img, f"numpy could not read it: {err}") from None


def _rgb(arr: np.ndarray, argument: str) -> np.ndarray:
    """Make the last axis RGB: repeat gray, drop alpha; check the dtype and range."""
    channels = arr.shape[-1]
    if 0 in arr.shape[-3:-1]:
        raise value_error(argument, "images of at least 1 x 1 pixels", arr)
    if channels == 1 or (arr.dtype != np.uint8 and arr.dtype != np.float64):  # copies
        kept = np.uint8 if arr.dtype == np.uint8 else np.float64
        check_allocation(argument, arr.shape[-3:-1] + (3,), kept, what="an image")
    if channels == 1:
        arr = np.repeat(arr, 3, axis=-1)
    elif channels not in (3, 4):
        raise value_error(argument, "1, 3 or 4 colour channels (gray, RGB, RGBA) last", arr)
    return _image_dtype(arr[..., :3], argument)


def _image_dtype(arr: np.ndarray, argument: str) -> np.ndarray:
    if arr.dtype == np.uint8:
        return _readonly(arr)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise type_error(argument, "uint8 images or float images in [0, 1]", arr)
    if np.issubdtype(arr.dtype, np.integer):
        raise type_error(argument, "uint8 images or float images in [0, 1]", arr,
                         "Convert with img.astype(np.uint8) if the values are 0..255.")
    out = arr.astype(np.float64)
    if out.size and not np.isfinite(out).all():
        bad = int(np.count_nonzero(~np.isfinite(out)))
        raise value_error(argument, "finite float values in [0, 1]",
                          f"{bad} NaN or infinite values in {describe(arr)}",
                          "Clean them first, e.g. np.nan_to_num(img).", described=True)
    if out.size and not (out.min() >= 0 and out.max() <= 1):
        raise value_error(argument, "float values in [0, 1]",
                          f"values in [{out.min():g}, {out.max():g}]",
                          "Divide 0..255 images by 255 or pass them as uint8.", described=True)
    return _readonly(out)


def _readonly(arr: np.ndarray) -> np.ndarray:
    view = arr.view()
    view.flags.writeable = False
    return view


def to_images(images: Any, n: int, argument: str = "images") -> Images:
    """Normalise ``images`` for a batch of ``n`` samples.

    Returns an ``(n, H, W, 3)`` array when every image has the same size (a single
    image is broadcast to all samples without copying), else a tuple of ``n``
    ``(H_i, W_i, 3)`` arrays.

    Examples
    --------
    >>> to_images(np.zeros((4, 5), np.uint8), n=2).shape
    (2, 4, 5, 3)
    >>> to_images([np.zeros((4, 5, 3)), np.zeros((6, 5, 3))], n=2)[1].shape
    (6, 5, 3)
    >>> to_images(np.zeros((3, 4, 5, 3)), n=2)
    Traceback (most recent call last):
    ...
    ValueError: images: expected 2 images (one per sample) or one image for all; got 3 images.
    """
    if isinstance(images, (list, tuple)):
        items = [_one_image(img, f"{argument}[{i}]") for i, img in enumerate(images)]
        return _stack_or_tuple(items, n, argument)
    arr = _as_array(images, argument) if not hasattr(images, "convert") else images
    if isinstance(arr, np.ndarray) and arr.ndim == 4:
        batch = _rgb(arr, argument)
        if batch.shape[0] == 1 and n != 1:
            return np.broadcast_to(batch[0], (n,) + batch.shape[1:])
        if batch.shape[0] != n:
            raise value_error(argument, f"{n} images (one per sample) or one image for all",
                              f"{batch.shape[0]} images", described=True)
        return batch
    one = _one_image(images, argument)
    return np.broadcast_to(one, (n,) + one.shape)


def _stack_or_tuple(items: Sequence[np.ndarray], n: int, argument: str) -> Images:
    if len(items) == 1 and n != 1:
        return np.broadcast_to(items[0], (n,) + items[0].shape)
    if len(items) != n:
        raise value_error(argument, f"{n} images (one per sample) or one image for all",
                          f"{len(items)} images", described=True)
    dtypes = {item.dtype for item in items}
    if len(dtypes) > 1:
        items = [it.astype(np.float64) / 255 if it.dtype == np.uint8 else it for it in items]
    if len({item.shape for item in items}) == 1:
        return _readonly(np.stack(items)) if items else np.zeros((0, 0, 0, 3), np.uint8)
    return tuple(items)


def image_size(images: Images, i: int) -> tuple[int, int]:
    """``(H, W)`` of image ``i``."""
    return tuple(images[i].shape[:2])  # type: ignore[return-value]


def images_as_float(images: np.ndarray) -> np.ndarray:
    """Images as float64 in [0, 1] (uint8 is divided by 255)."""
    if images.dtype == np.uint8:
        return images.astype(np.float64) / 255.0
    return images


def images_as_uint8(images: np.ndarray) -> np.ndarray:
    """Images as uint8 (floats are rounded half to even, as Julia's N0f8 does)."""
    if images.dtype == np.uint8:
        return images
    return np.rint(images * 255.0).astype(np.uint8)
