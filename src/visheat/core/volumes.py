"""Volumes and clips beside their maps: reading their pictures, and windowing scans.

A layout with D (depth) or T (time) makes each sample a volume or a clip, folded
into one tall picture of its slices (:func:`~visheat.core.layout.fold_depth`). Its
pictures are read the same way: by default with ``x``'s letters without C, in
``x``'s order (``"NDHW"`` beside an ``"NCDHW"`` CAM), with an optional colour axis
last: a grey ``(N, D, H, W)`` volume, an RGB ``(N, D, H, W, 3)`` one, a clip
``(N, T, H, W, 3)``; without N one volume serves every sample. ``image_layout=``
names other orders (``"NCDHW"``, ``"DHWC"``, ``"TCHW"`` ...). Grey volumes are uint8,
or floats in [0, 1]: a CT in Hounsfield units or an MR goes through :func:`window` first.

:func:`window` maps a scan to grey levels as radiology viewers do: a window of
``width`` around ``level``, by name (:data:`WINDOWS`) or by percentiles (MR).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import check_number, raise_unknown_name, type_error, value_error

#: Window presets ``(level, width)`` in Hounsfield units, as CT viewers name them
#: (Radiopaedia's "windowing (CT)"; brain 40/80, subdural 80/200, stroke 40/40, lung
#: -600/1500, mediastinum 50/350, bone 400/1800, soft tissue 50/400, liver 30/150).
WINDOWS = {"brain": (40.0, 80.0), "subdural": (80.0, 200.0), "stroke": (40.0, 40.0),
           "lung": (-600.0, 1500.0), "mediastinum": (50.0, 350.0), "bone": (400.0, 1800.0),
           "soft tissue": (50.0, 400.0), "liver": (30.0, 150.0)}


def window(volume: Any, level: Any = None, width: Any = None, *,
           percentiles: Any = None) -> np.ndarray:
    """A scan as grey uint8 levels through a window: ``clip((v - (level - width/2)) / width,
    0, 1) · 255``, rounded half to even.

    Parameters
    ----------
    volume : array_like
        Any shape, e.g. a CT in Hounsfield units or an MR's intensities. Not modified.
    level : float or str
        The window's centre, or a preset's name from :data:`WINDOWS` (then no width).
    width : float
        The window's width (> 0).
    percentiles : (float, float), optional
        Instead of level and width: the window from the ``lo``-th to the ``hi``-th
        percentile of the volume (e.g. ``(1, 99)`` for an MR, whose values have no unit).

    Examples
    --------
    >>> window(np.array([-1000.0, 0.0, 40.0, 80.0, 1000.0]), "brain").tolist()
    [0, 0, 128, 255, 255]
    >>> window(np.array([0.0, 5.0, 10.0]), percentiles=(0, 100)).tolist()
    [0, 128, 255]
    >>> window(np.zeros(3), 40, 0)
    Traceback (most recent call last):
    ...
    ValueError: width: expected a positive window width; got 0 (int).
    """
    v = _as_scan(volume)
    if percentiles is not None:
        if level is not None or width is not None:
            raise type_error("percentiles", "either level and width or percentiles",
                             "both", described=True)
        lo, hi = _percentiles(percentiles)
        a, b = np.percentile(v, [lo, hi]) if v.size else (0.0, 1.0)
        level, width = (a + b) / 2, (b - a) if b > a else 1.0
    elif isinstance(level, str):
        if width is not None:
            raise type_error("width", f"no width with the preset {level!r}", width)
        if level not in WINDOWS:
            raise_unknown_name("level", level, tuple(WINDOWS), "window preset")
        level, width = WINDOWS[level]
    else:
        if level is None or width is None:
            raise type_error("level", "a level and a width, a preset's name (e.g. 'lung') "
                             "or percentiles=(1, 99)", level)
        given = width
        level = check_number("level", level)
        width = check_number("width", width)
        if width <= 0:
            raise value_error("width", "a positive window width", given)
    scaled = (v - (float(level) - float(width) / 2)) / float(width)
    return np.rint(np.clip(scaled, 0.0, 1.0) * 255.0).astype(np.uint8)


def _as_scan(volume: Any) -> np.ndarray:
    from .layout import check_finite, to_numpy

    arr = to_numpy(volume, "volume")
    if arr.dtype.kind not in "fiub":
        raise type_error("volume", "real numbers", arr)
    arr = arr.astype(np.float64)
    check_finite(arr, "volume")
    return arr


def _percentiles(value: Any) -> tuple[float, float]:
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise type_error("percentiles", "two percentiles (lo, hi), e.g. (1, 99)", value)
    lo, hi = (check_number("percentiles", p, low=0, high=100) for p in value)
    if not lo < hi:
        raise value_error("percentiles", "lo below hi", value)
    return lo, hi


#: The smallest sides that make a grey volume with 3 or 4 columns look like colour channels.
SUSPICIOUS_SIDE = 16


def volume_image_letters(x_letters: str, ndim: int) -> str:
    """The default layout of a volume's pictures beside ``x`` in ``x_letters``.

    ``x``'s letters without C (the same order), then a colour axis C when the images
    have one more axis; without N when they have one less.

    >>> volume_image_letters("NCDHW", 4), volume_image_letters("NTCHW", 5)
    ('NDHW', 'NTHWC')
    >>> volume_image_letters("NCDHW", 3)
    'DHW'
    """
    base = x_letters.replace("C", "")
    if ndim == len(base) + 1:
        return base + "C"
    if ndim < len(base) and "N" in base:
        base = base.replace("N", "")
        return base + "C" if ndim == len(base) + 1 else base
    return base


def read_volume_images(images: Any, x_letters: str, n: int, layout: str | None = None
                       ) -> tuple[np.ndarray, int]:
    """A volume's (or clip's) pictures as folded ``(n, D·H, W, 3)`` images and their depth.

    ``layout`` (``image_layout=``) names their axes; by default
    :func:`volume_image_letters`. Grey becomes RGB, RGBA drops alpha.

    >>> imgs, depth = read_volume_images(np.zeros((1, 4, 6, 5), np.uint8), "NCDHW", 2)
    >>> imgs.shape, depth
    ((2, 24, 5, 3), 4)
    """
    from .images import _rgb
    from .layout import depth_letter, to_numpy

    if isinstance(images, (list, tuple)):
        shapes = {np.shape(img) for img in images}
        if len(shapes) > 1:
            raise value_error("images", "volumes of one size (one array)",
                              f"sizes {sorted(shapes)}", "Resample them to one size first, "
                              "or render them one by one.", described=True)
    arr = to_numpy(images, "images")
    letters = layout if layout is not None else volume_image_letters(x_letters, arr.ndim)
    deep = depth_letter(x_letters) or "D"
    if layout is None and "C" not in letters and arr.ndim >= 3 and arr.shape[-1] in (3, 4) \
            and min(arr.shape[-3:-1]) >= SUSPICIOUS_SIDE:
        import warnings

        from .layout import _caller_level

        warnings.warn(f"images: shape {arr.shape} looks like colour channels last, not a "
                      f"grey volume {letters} {arr.shape[-1]} pixels wide; pass "
                      f"image_layout={letters + 'C'!r} for RGB volumes (a 2-D image needs "
                      f"one per slice). Reading it as {letters}, as the maps' layout says.",
                      UserWarning, stacklevel=_caller_level())
    if arr.ndim != len(letters) or deep not in letters or "H" not in letters \
            or "W" not in letters:
        raise value_error("images", f"{len(letters)} axes ({', '.join(letters)}) for the "
                          f"pictures of volumes or clips ({deep})", f"shape {arr.shape}",
                          "Pass image_layout=, e.g. 'NDHW' (grey) or 'NDHWC'.", described=True)
    order = [c for c in "N" + deep + "HWC" if c in letters]
    arr = arr.transpose([letters.index(c) for c in order])
    if "C" not in letters:
        arr = arr[..., None]
    if "N" not in letters:
        arr = np.broadcast_to(arr[None], (n,) + arr.shape)
    if arr.shape[0] == 1 and n != 1:
        arr = np.broadcast_to(arr, (n,) + arr.shape[1:])
    if arr.shape[0] != n:
        raise value_error("images", f"{n} volumes (one per sample) or one for all",
                          f"{arr.shape[0]} volumes", described=True)
    if arr.dtype.kind == "f" and arr.size and not (arr.min() >= 0 and arr.max() <= 1):
        raise value_error("images", "uint8 volumes or floats in [0, 1]",
                          f"values in [{arr.min():g}, {arr.max():g}]", "Window a scan first, "
                          "e.g. visheat.window(ct, 'brain') or window(mr, percentiles=(1, 99)).",
                          described=True)
    depth = int(arr.shape[1])
    rgb = _rgb(arr, "images")  # (n, D, H, W, 3)
    return rgb.reshape((n, depth * rgb.shape[2]) + rgb.shape[3:]), depth


__all__ = ["WINDOWS", "window", "read_volume_images", "volume_image_letters"]
