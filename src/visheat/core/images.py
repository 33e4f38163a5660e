"""Reading the pictures that heatmaps are drawn over.

Accepted: one ``(H, W, 3)`` / ``(H, W, 4)`` / ``(H, W)`` image for every sample,
an ``(N, H, W, 3)`` batch, or a list of arrays or PIL images (sizes may differ).
A 3-axis array is always *one* image (a batch of grayscale images is a list, an
``(N, H, W, 1)`` array, or an ``(N, H, W)`` array read with layout ``"NHW"``).
uint8 images are kept as uint8; float images must lie in [0, 1] and become
float64. Grayscale becomes RGB and RGBA drops its alpha channel.

Images as a model saw them are read with :func:`prepare_images`: ``layout``
names channels-first batches (``"NCHW"``, a torch image batch, or ``"CHW"``) and
gray ones without a channel axis (``"NHW"``, or ``"HW"`` for one image), and
``mean``/``std`` undo a normalisation such as ImageNet's (``image * std + mean``,
per channel, then clipped to [0, 1]). :func:`visheat.heatmap` takes them as
``image_layout=``, ``image_mean=`` and ``image_std=``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .errors import describe, type_error, value_error
from .limits import check_allocation

Images = np.ndarray | tuple[np.ndarray, ...]

#: ImageNet's per-channel mean and standard deviation (RGB), as torchvision normalises.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Layouts of images and image batches: by channel position, or gray without channels.
IMAGE_LAYOUTS = ("HWC", "CHW", "NHWC", "NCHW", "HW", "NHW")


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
    if isinstance(img, (str, bytes, os.PathLike, dict, set)) or img is None:
        files = isinstance(img, (str, bytes, os.PathLike))  # a file name: say how to read it
        raise type_error(argument, "an image array (uint8 or floats in [0, 1]) or a PIL image",
                         img, "Read files first, e.g. np.asarray(PIL.Image.open(path))."
                         if files else None)
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
                          "Clean them first, e.g. np.nan_to_num(img, nan=0.0, posinf=1.0, "
                          "neginf=0.0).", described=True)
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
    return tuple(images[i].shape[:2])


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


class ImageOptions(NamedTuple):
    """Validated ``(layout, mean, std)`` of :func:`prepare_images` (see :func:`image_options`)."""

    layout: str | None
    mean: np.ndarray | None
    std: np.ndarray | None


def image_options(layout: Any = None, mean: Any = None, std: Any = None) -> ImageOptions:
    """Validate ``image_layout``, ``image_mean`` and ``image_std`` once, before any work.

    Examples
    --------
    >>> image_options("nchw", IMAGENET_MEAN, 0.5)[0]
    'NCHW'
    >>> image_options("WHC")
    Traceback (most recent call last):
    ...
    ValueError: image_layout: expected one of 'HWC', 'CHW', 'NHWC', 'NCHW', 'HW', 'NHW'; got
    'WHC' (str).
    """
    if layout is not None:
        if not isinstance(layout, str):
            raise type_error("image_layout", "a layout string such as 'NCHW'", layout)
        if layout.upper() not in IMAGE_LAYOUTS and not _volume_layout(layout.upper()):
            raise value_error("image_layout", "one of " + ", ".join(map(repr, IMAGE_LAYOUTS)),
                              layout)
        layout = layout.upper()
    return ImageOptions(layout, _per_channel("image_mean", mean, positive=False),
                        _per_channel("image_std", std, positive=True))


def _volume_layout(layout: str) -> bool:
    """A layout of volumes' or clips' pictures (read by :mod:`.volumes`), e.g. ``"NDHW"``."""
    letters = set(layout)
    return (len(letters) == len(layout) and letters <= set("NCDTHW")
            and len(letters & set("DT")) == 1 and {"H", "W"} <= letters)


def _volume_order(layout: str) -> str:
    """The letters of a volume's pictures in the order they are read: N, D or T, H, W, C.

    >>> _volume_order("NCDHW"), _volume_order("THWC")
    ('NDHWC', 'THWC')
    """
    return "".join(c for c in "NDTHWC" if c in layout)


def _per_channel(argument: str, value: Any, positive: bool) -> np.ndarray | None:
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error(argument, "a number or one number per channel", value) from None
    if arr.ndim > 1 or arr.size == 0 or arr.size > 4:
        raise value_error(argument, "a number or one number per channel (1 to 4)", value)
    if not np.isfinite(arr).all() or (positive and not (arr > 0).all()):
        kind = "positive finite numbers" if positive else "finite numbers"
        raise value_error(argument, kind, value)
    return arr.reshape(-1)


def prepare_images(images: Any, options: ImageOptions | None = None) -> Any:
    """Images in any of :data:`IMAGE_LAYOUTS`, maybe normalised, as channels-last pictures
    (gray ones, ``"NHW"`` or ``"HW"``, with one channel, repeated to RGB when read).

    ``options`` comes from :func:`image_options`. With no layout and no mean/std
    the images are returned as they are (for :func:`to_images`). Otherwise they
    are read as arrays (numpy, torch tensors, also with grad, or a list of them),
    moved to channels-last, un-normalised with ``image * std + mean`` per channel,
    and clipped to [0, 1] (mean/std need float images; uint8 images stay uint8 when
    only the layout changes). The caller's images are never modified.

    Examples
    --------
    >>> chw = np.zeros((3, 2, 2), np.float32)        # normalised zeros: the mean colour
    >>> out = prepare_images(chw, image_options("CHW", IMAGENET_MEAN, IMAGENET_STD))
    >>> out.shape, out[0, 0].round(3).tolist()
    ((2, 2, 3), [0.485, 0.456, 0.406])
    """
    layout, mean, std = options if options is not None else (None, None, None)
    if images is None or (layout is None and mean is None and std is None):
        return images
    if isinstance(images, (list, tuple)):
        one = layout[1:] if layout is not None and layout.startswith("N") else layout
        return [prepare_images(img, ImageOptions(one, mean, std)) for img in images]
    from .layout import to_numpy

    if hasattr(images, "mode") and hasattr(images, "convert"):  # a PIL image: (H, W, C)
        images = np.asarray(images.convert("RGB"))
    arr = to_numpy(images, "images")
    if layout is not None:
        if arr.ndim != len(layout):
            raise value_error("images", f"{len(layout)} axes for image_layout={layout!r}",
                              f"shape {arr.shape}", described=True)
        if _volume_layout(layout):  # volumes' pictures: N, D or T, H, W, channels last
            arr = arr.transpose([layout.index(c) for c in _volume_order(layout)])
        elif layout.endswith("CHW"):
            arr = np.moveaxis(arr, -3, -1)
        elif "C" not in layout:  # gray: one channel, a view
            arr = arr[..., None]
    if mean is None and std is None:
        return arr
    channels = arr.shape[-1]
    for name, value in (("image_mean", mean), ("image_std", std)):
        if value is not None and value.size not in (1, channels):
            raise value_error(name, f"1 or {channels} numbers (one per channel)",
                              f"{value.size} numbers for images of shape {arr.shape}",
                              "Pass image_layout= if the channels come first.", described=True)
    if arr.dtype.kind != "f":
        raise type_error("images", "float images, normalised as the model saw them, with "
                         "image_mean/image_std", arr, "uint8 images need no un-normalising.")
    check_allocation("images", arr.shape, np.float64, what="un-normalised images")
    out = arr.astype(np.float64)
    if std is not None:
        out *= std
    if mean is not None:
        out += mean
    return np.clip(out, 0.0, 1.0, out=out)
