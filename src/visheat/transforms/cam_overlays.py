"""CAM overlays: pytorch-grad-cam's ``show_cam_on_image`` and a heat-driven transparency.

``GradCamOverlay`` reproduces, step by step, what grad-cam users get from
``show_cam_on_image(img, mask, use_rgb=True, colormap=cv2.COLORMAP_JET,
image_weight=0.5)``::

    levels  = uint8(255 * mask)                 # truncated, not rounded
    heat    = TABLE[levels] / 255               # OpenCV's 256-colour table, RGB order
    cam     = (1 - w) * heat + w * img          # float32, img in [0, 1]
    cam     = cam / max(cam)                    # per picture, over all pixels and channels
    picture = uint8(255 * cam)                  # truncated again

The division by the maximum is a quirk worth knowing: the brightest channel of
the whole picture is stretched to 255, so a picture's overall brightness depends
on its hottest, brightest pixel, and two pictures with the same CAM but
different images are scaled differently. OpenCV's jet is not matplotlib's
``"jet"``; every OpenCV colormap ships as data (``tools/make_opencv_colormaps.py``,
``"opencv:NAME"`` colour tables), so no OpenCV is needed. grad-cam's default
``use_rgb=False`` looks the colours up in BGR order and adds the image as given
(meant for BGR images, as ``cv2.imread`` reads them): ``channels="bgr"``.

``HeatAlphaOverlay`` colours the map and lets the map set the opacity: pixel
opacity is ``alpha * t`` where ``t`` in [0, 1] is the pixel's place in the
colour range, so cold areas show the image and only the heat is painted over it.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..core.batch import Batch, Stage, per_sample_rows
from ..core.errors import check_number, value_error
from ..core.pipeline import Transform, option
from .colormaps import ExtremaColormap
from .colour import _check_finite_map, _combine_extrema, colorize, colorize_u8, positions
from .overlay import blend_u8
from .schemes import opencv_table


def opencv_jet() -> np.ndarray:
    """OpenCV's ``COLORMAP_JET`` as a read-only ``(256, 3)`` uint8 RGB table.

    The same as ``opencv_table("jet")``; see :func:`visheat.transforms.schemes.opencv_table`
    for every other OpenCV colormap.

    Examples
    --------
    >>> opencv_jet()[[0, 128, 255]]
    array([[  0,   0, 128],
           [130, 255, 126],
           [128,   0,   0]], dtype=uint8)
    """
    return opencv_table("jet")


@lru_cache(maxsize=64)
def _heat_table(colormap: str, channels: str) -> np.ndarray:
    """OpenCV's table as float32 in [0, 1], in the requested channel order (read-only)."""
    table = opencv_table(colormap)
    table = (table[:, ::-1] if channels == "bgr" else table).astype(np.float32) / np.float32(255)
    table.flags.writeable = False
    return table


def _needs_images(batch: Batch, name: str) -> np.ndarray:
    if batch.images is None:
        raise value_error("images", f"images to draw over ({name} blends the CAM with them)",
                          None, "Pass them as heatmap(x, images, pipe).")
    images = np.asarray(batch.images)
    if images.shape[1:3] != batch.data.shape[1:3]:
        raise value_error("images", f"pictures of the maps' size {batch.data.shape[1:3]}",
                          f"size {images.shape[1:3]}", f"Add ResizeToImage() before {name}.",
                          described=True)
    return images


#: How far beyond [0, 1] a CAM may reach before GradCamOverlay warns: half the range. A
#: resize of a CAM in [0, 1] (cubic, Lanczos) overshoots by a fifth at most; raw CAMs
#: are on their network's own scale.
CAM_RANGE_SLACK = 0.5
#: The least share of [0, 1] a varying CAM should span. grad-cam's scaling (and the
#: "gradcam" preset, BoxRenormalize) give every CAM all of [0, 1]; a sixteenth is 16 of
#: the 256 colour levels, shades of one colour (dark blue in OpenCV's jet).
CAM_LEAST_SPAN = 1 / 16


def _cam_range_message(step: Any, lo: np.ndarray, hi: np.ndarray) -> str | None:
    """The warning for CAMs that ``GradCamOverlay`` cannot draw as meant, or None.

    ``lo`` and ``hi`` are the CAMs' per-sample extrema. A CAM is suspect when it
    reaches more than :data:`CAM_RANGE_SLACK` beyond [0, 1], or when it varies
    but spans less than :data:`CAM_LEAST_SPAN` of it: a raw CAM of size 1e-4
    draws as one flat colour.

    Examples
    --------
    >>> print(_cam_range_message(GradCamOverlay(), np.array([0.0]), np.array([1e-4])))
    ... # doctest: +ELLIPSIS
    x: expected CAMs in [0, 1] ...; got values from 0 to 0.0001 in CAM 0, a span under 1/16 ...
    >>> _cam_range_message(GradCamOverlay(), np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    """
    far = (hi > 1 + CAM_RANGE_SLACK) | (lo < -CAM_RANGE_SLACK)
    faint = (lo < hi) & (hi - lo < CAM_LEAST_SPAN)
    bad = np.flatnonzero(far | faint)
    if not bad.size:
        return None
    i = int(bad[0])
    what = ("far outside it: values above 1 are drawn as 1, below 0 as 0" if far[i] else
            "a span under 1/16 of it: a few shades of one colour")
    more = f" (and in {bad.size - 1} more)" if bad.size > 1 else ""
    low, high = lo[i] + 0, hi[i] + 0  # + 0: a -0.0 prints as 0
    return (f"x: expected CAMs in [0, 1] for {step!r}, as grad-cam's show_cam_on_image "
            f"colours 255 * cam; got values from {low:.3g} to {high:.3g} in CAM {i}{more}, "
            f"{what}. Raw CAMs need scaling first: use the 'gradcam' preset (grad-cam's "
            "scale_cam_image) or put MinMaxScale() before the overlay.")


def gradcam_blend(masks: np.ndarray, images: np.ndarray, image_weight: float,
                  colormap: str = "jet", channels: str = "rgb") -> np.ndarray:
    """``show_cam_on_image``'s picture before the final ``uint8`` cast: float32 in [0, 1].

    ``masks`` is ``(N, H, W)`` (values outside [0, 1] are clipped, where grad-cam
    would wrap around in uint8), ``images`` ``(N, H, W, 3)`` uint8 or floats in
    [0, 1]. ``colormap`` names an OpenCV colormap, ``channels`` the order of its
    colours (``"bgr"`` is grad-cam's ``use_rgb=False``; the images are used as
    given). Returns ``(N, H, W, 3)``; a picture whose maximum is 0 stays 0
    (grad-cam divides by zero).
    """
    levels = np.clip(masks * masks.dtype.type(255), 0, 255).astype(np.uint8)
    heat = _heat_table(colormap, channels)[levels]
    if images.dtype == np.uint8:
        img = images.astype(np.float32) / np.float32(255)
    else:
        img = images.astype(np.float32)
    cam = (1 - image_weight) * heat + image_weight * img
    top = per_sample_rows(cam).max(axis=1, initial=0)[:, None, None, None]
    return np.divide(cam, top, out=np.zeros_like(cam), where=top > 0)


class GradCamOverlay(Transform):
    """pytorch-grad-cam's ``show_cam_on_image``: an OpenCV-coloured CAM blended with the image.

    Takes the CAM map, expected in [0, 1] as grad-cam returns it, and the batch's
    images (same size; put ``ResizeToImage()`` first otherwise). The 8-bit
    pictures (``dtype=np.uint8``, the default) equal grad-cam's output (tested
    for every OpenCV colormap, both channel orders, several weights, against
    vectors from grad-cam 1.5.7 and OpenCV 5.1); with a float ``dtype`` you get
    the picture before its last truncation to 8 bits. See
    :mod:`visheat.transforms.cam_overlays` for the arithmetic and its quirk (each picture is
    divided by its own maximum). Raw CAMs (not in [0, 1]) need scaling first, as
    grad-cam's ``scale_cam_image`` does; the ``"gradcam"`` preset puts
    :class:`~visheat.MinMaxScale` before and after the resize. The colour record
    is OpenCV's jet over [0, 1], so figures and galleries draw a colour bar for
    these pictures.

    Parameters
    ----------
    image_weight : float
        Weight of the image in [0, 1]; the CAM colours get ``1 - image_weight``.
    colormap : str
        An OpenCV colormap, ``cv2.COLORMAP_<NAME>`` in lower case (``"jet"``,
        ``"viridis"``, ``"turbo"``, ``"twilight_shifted"``, ...).
    channels : {"rgb", "bgr"}
        Order of the CAM colours: ``"rgb"`` is grad-cam's ``use_rgb=True``;
        ``"bgr"`` its default ``use_rgb=False``, for images in BGR order (the
        images are blended as given, and the result is BGR).

    Examples
    --------
    >>> cam = np.array([[[0.0, 1.0]]], np.float32)
    >>> GradCamOverlay(0.5)(cam, image=np.zeros((1, 2, 3), np.uint8), dtype=np.uint8)
    array([[[[  0,   0, 255],
             [255,   0,   0]]]], dtype=uint8)
    """

    image_weight: float = 0.5
    colormap: str = option(default="jet")
    channels: str = option(default="rgb")
    takes = frozenset({Stage.MAP})
    gives = Stage.RGB

    def __post_init__(self) -> None:
        weight = check_number("image_weight", self.image_weight, low=0, high=1)
        object.__setattr__(self, "image_weight", float(weight))
        opencv_table(self.colormap)  # raises for an unknown name, with "did you mean"
        if self.channels not in ("rgb", "bgr"):
            raise value_error("channels", "'rgb' or 'bgr'", self.channels)

    @property
    def stops(self) -> np.ndarray:
        """OpenCV's jet as ``(256, 3)`` RGB floats in [0, 1]: the colour bar's stops."""
        return opencv_jet().astype(np.float64) / 255

    @property
    def name(self) -> str:
        """The colour scheme's name, for colour bars."""
        return "OpenCV jet"

    def apply(self, batch: Batch) -> Batch:
        images = _needs_images(batch, "GradCamOverlay()")
        masks = batch.data if batch.data.dtype.kind == "f" else batch.data.astype(np.float64)
        rows = per_sample_rows(masks)
        if rows.size:
            lo, hi = rows.min(axis=1), rows.max(axis=1)
            _check_finite_map(masks, lo, hi, self)
            message = _cam_range_message(self, lo, hi)
            if message is not None:
                warnings.warn(message, UserWarning, stacklevel=2)
        cam = gradcam_blend(masks, images, self.image_weight, self.colormap, self.channels)
        data = (np.float32(255) * cam).astype(np.uint8) if batch.fast else cam.astype(np.float64)
        unit = np.ones(batch.n)  # the mask's levels 0..255 span [0, 1]
        return batch.replace(data=data, stage=Stage.RGB).with_record(self, lo=0 * unit, hi=unit)


class HeatAlphaOverlay(Transform):
    """Colour the map and paint it over the image with opacity growing with the heat.

    Per pixel, ``t`` in [0, 1] is the value's place in the colour range (the
    sample's minimum and maximum, or ``vmin``/``vmax``), and the picture is
    ``image * (1 - alpha * t) + colour * alpha * t``: cold areas show the image
    untouched, the hottest get opacity ``alpha``. Takes the map (the values are
    needed for the opacity, and a colormap step would discard them); without
    images the pictures are the coloured map.

    Parameters
    ----------
    name : str or array_like of shape (K, 3)
        Colormap, as in :class:`ExtremaColormap` (default ``"jet"``).
    alpha : float
        Opacity of the hottest pixels, in [0, 1].
    vmin, vmax, scope
        As in :class:`ExtremaColormap`.

    Examples
    --------
    >>> m = np.array([[[0.0, 0.5, 1.0]]])
    >>> out = HeatAlphaOverlay("gray", alpha=1.0)(m, image=np.full((1, 3, 3), 0.2))
    >>> out[0, 0, :, 0]
    array([0.2 , 0.35, 1.  ])
    """

    name: Any = "jet"
    alpha: float = 0.6
    vmin: float | None = option(default=None)
    vmax: float | None = option(default=None)
    scope: str = option(default="sample")
    takes = frozenset({Stage.MAP})
    gives = Stage.RGB

    def __post_init__(self) -> None:
        colormap = ExtremaColormap(self.name, vmin=self.vmin, vmax=self.vmax, scope=self.scope)
        object.__setattr__(self, "name", colormap.name)
        object.__setattr__(self, "vmin", colormap.vmin)
        object.__setattr__(self, "vmax", colormap.vmax)
        object.__setattr__(self, "alpha", float(check_number("alpha", self.alpha, low=0, high=1)))

    def _colormap(self) -> ExtremaColormap:
        return ExtremaColormap(self.name, vmin=self.vmin, vmax=self.vmax, scope=self.scope)

    @property
    def stops(self) -> np.ndarray:
        """The colour stops ``(K, 3)``."""
        return self._colormap().stops

    def is_per_sample(self) -> bool:
        return self.scope == "sample"

    # two passes (see visheat.render.twopass): the batch range, as ExtremaColormap finds it
    def partial_stats(self, batch: Batch) -> tuple[Any, Any] | None:
        """This slice's share of the batch range (see :meth:`ExtremaColormap.partial_stats`)."""
        return self._colormap().partial_stats(batch)

    combine_stats = staticmethod(_combine_extrema)

    def with_stats(self, stats: tuple[Any, Any] | None) -> HeatAlphaOverlay:
        """The per-sample overlay with the batch range ``stats`` fixed."""
        fixed: Any = self._colormap().with_stats(stats)  # an ExtremaColormap
        return replace(self, vmin=fixed.vmin, vmax=fixed.vmax, scope="sample")

    def apply(self, batch: Batch) -> Batch:
        colormap = self._colormap()
        m = colormap.work_map(batch.data)
        lo, hi = colormap.value_range(m)
        t = (positions(m, lo, hi, 2) - 1).astype(np.float64)  # the colormaps' own arithmetic
        opacity = (self.alpha * t)[..., None]
        if batch.fast:
            colours = colorize_u8(m, lo, hi, self.name)
        else:
            colours = colorize(m, lo, hi, self.stops)
        if batch.images is None:
            data = colours
        else:
            images = _needs_images(batch, "HeatAlphaOverlay()")
            if batch.fast:
                data = blend_u8(colours, images, opacity)
            else:
                img = images.astype(np.float64) / 255 if images.dtype == np.uint8 else images
                data = img * (1 - opacity) + colours * opacity
        return batch.replace(data=data, stage=Stage.RGB).with_record(self, lo=lo, hi=hi)


__all__ = ["GradCamOverlay", "HeatAlphaOverlay", "gradcam_blend", "opencv_jet"]
