"""Resize transforms: to the image (``ResizeToImage``), to a size or fraction
(``Resize``), and the images to the maps (``ResizeImageToHeatmap``).

All three accept every method of the one vocabulary,
:data:`visheat.transforms.resampling.METHODS` (visheat's own and OpenCV's), whose
weights live in :mod:`visheat.transforms.resampling`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..core.batch import Batch
from ..core.errors import check_number, type_error, value_error
from ..core.pipeline import Transform
from .resampling import check_method, resize_array, resize_volume


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
        return size
    fh, fw = (size, size) if not isinstance(size, tuple) else size
    with np.errstate(over="ignore"):  # absurd fractions: refused later by their size
        return (max(1, int(min(np.round(height * fh), 1e300))),
                max(1, int(min(np.round(width * fw), 1e300))))


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
        Any of :data:`visheat.transforms.resampling.METHODS` (default ``"bilinear"``, which never
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
    TypeError: size: expected (height, width) or a float fraction; got 2 (int). For a square use
    (2, 2); for a scale factor, 2.0.
    >>> Resize("image", "nearest-opencv")(np.array([[[1.0, 2.0]]]), image=np.zeros((1, 3, 3)))
    array([[[1., 1., 2.]]])
    """

    volumes = "slices"  # see Transform.volumes

    size: Any = 1.0
    method: str = "bilinear"

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", _check_size(self.size))
        check_method(self.method)

    def apply(self, batch: Batch) -> Batch:
        spatial = batch.stage.spatial_axis
        if self.size == "image":
            if batch.images is None:
                return batch
            size = common_image_size(batch)
        else:
            size = target_size(self.size, *batch.data.shape[spatial:spatial + 2])
        return batch.replace(data=resize_array(batch.data, size, self.method, spatial,
                                             exact=not batch.fast, argument="size"))


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
        Any of :data:`visheat.transforms.resampling.METHODS`; the default
        ``"lanczos3"`` is antialiased.
        imgaug uses ``"cubic"``.

    Examples
    --------
    >>> from visheat import AlphaOverlay
    >>> pipe = ResizeImageToHeatmap() | AlphaOverlay(0.5)
    >>> pipe(np.ones((1, 4, 6, 3)), image=np.zeros((40, 60, 3)), stage="rgb").shape
    (1, 4, 6, 3)
    """

    volumes = "refuse"  # see Transform.volumes

    method: str = "lanczos3"

    def __post_init__(self) -> None:
        check_method(self.method)

    def apply(self, batch: Batch) -> Batch:
        if batch.images is None:
            return batch
        spatial = batch.stage.spatial_axis
        size = tuple(batch.data.shape[spatial:spatial + 2])
        return batch.replace(images=resize_images(batch.images, size, self.method))


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
    out = resize_array(images, size, method, 1, argument="x")
    return out if out.dtype == np.uint8 else np.clip(out, 0, 1)


def _resize_image(image: np.ndarray, size: tuple[int, int], method: str) -> np.ndarray:
    out = resize_array(image, size, method, 0, argument="x")
    return out if out.dtype == np.uint8 else np.clip(out, 0, 1)


__all__ = ["Resize", "ResizeImageToHeatmap", "resize_images", "target_size"]


class ResizeToImage(Transform):
    """Resize every sample to the size of its image (needed before an overlay).

    Works on any stage; in the ``"cam"`` preset it resizes the coloured picture,
    as VisionHeatmaps.jl does. Volumes and clips are resampled in depth (time) too,
    to their pictures' ``(D, H, W)`` (:func:`resize_folded`): ``"bilinear"`` is
    trilinear with half-pixel centres, as PyTorch's ``interpolate(mode="trilinear",
    align_corners=False)``. Without images the batch passes through unchanged,
    with a ``UserWarning`` (a 7 x 7 CAM stays 7 x 7 pixels).

    Parameters
    ----------
    method : {"lanczos1", "bilinear", "nearest", "lanczos3"}
        ``"lanczos1"`` matches VisionHeatmaps.jl; ``"lanczos3"`` is the
        high-quality choice. See :mod:`visheat.transforms.resampling`.

    Examples
    --------
    >>> ResizeToImage()(np.zeros((1, 7, 7)), image=np.zeros((14, 21, 3))).shape
    (1, 14, 21)
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ResizeToImage()(np.zeros((1, 7, 7))).shape
    (1, 7, 7)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    images: expected images to resize to for ResizeToImage('lanczos1'); got none, so the
    pictures keep their own size, 7 x 7. Pass them as heatmap(x, images, pipe) ...
    """

    method: str = "lanczos1"
    volumes = "own"

    def __post_init__(self) -> None:
        check_method(self.method)

    def apply(self, batch: Batch) -> Batch:
        if batch.images is None:
            warnings.warn(self.no_images_message(batch), UserWarning, stacklevel=2)
            return batch
        if batch.depth > 1 or batch.image_depth > 1:
            return resize_folded(batch, self.method)
        size = common_image_size(batch)
        data = resize_array(batch.data, size, self.method, batch.stage.spatial_axis,
                            exact=not batch.fast, argument="images")
        return batch.replace(data=data)

    def no_images_message(self, batch: Batch) -> str:
        """The warning for a batch without images (the engine's fused pass says it too)."""
        h = batch.stage.spatial_axis
        size = f"{batch.data.shape[h]} x {batch.data.shape[h + 1]}"
        return (f"images: expected images to resize to for {self!r}; got none, so the "
                f"pictures keep their own size, {size}. Pass them as heatmap(x, images, "
                "pipe) or heatmap(x, pipe, images=images); without images, leave "
                "ResizeToImage() out, or use Resize((height, width)) for a fixed size.")


def resize_folded(batch: Batch, method: str) -> Batch:
    """A folded volume or clip resampled in D (or T), H and W to its pictures' size.

    The batch is unfolded to ``(..., D, h, w)``, resized by
    :func:`~visheat.transforms.resampling.resize_volume` (float64 on the exact path,
    float32 taps on the 8-bit path, as images) and folded again with the pictures' depth.
    """
    images = batch.images
    if not isinstance(images, np.ndarray):
        raise value_error("images", "the pictures of volumes as one array", "a list",
                          described=True)
    d_out = batch.image_depth
    size = (d_out, images.shape[1] // d_out, int(images.shape[2]))
    data, d = batch.data, batch.depth
    h = batch.stage.spatial_axis
    shape = data.shape[:h] + (d, data.shape[h] // d) + data.shape[h + 1:]
    out = resize_volume(data.reshape(shape), size, method, h, exact=not batch.fast)
    folded = out.reshape(out.shape[:h] + (size[0] * size[1],) + out.shape[h + 2:])
    return batch.replace(data=folded, depth=d_out)


def common_image_size(batch: Batch) -> tuple[int, int]:
    """``(H, W)`` shared by all images of ``batch`` (runs split ragged batches)."""
    images = batch.images
    if isinstance(images, np.ndarray):
        return int(images.shape[1]), int(images.shape[2])
    sizes = {tuple(img.shape[:2]) for img in images}  # type: ignore[union-attr]
    if len(sizes) != 1:
        raise value_error("images", "images of one size in this chunk", f"sizes {sorted(sizes)}",
                          described=True)
    return sizes.pop()
