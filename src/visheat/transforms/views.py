"""Views of volumes and clips: one slice, a montage, three orthogonal slices, a projection.

A volume (a layout with D) or a clip (T) flows through a pipeline folded, one row of
the batch (see :class:`~visheat.core.batch.Batch`, ``depth``). Without a view,
``heatmap`` returns one picture per slice or frame; a view at the end of a pipeline
(or, for :class:`MaxProjection`, before the colour) makes one picture per sample.

Orientation (radiological viewers' convention for volumes stored with slice 0 at the
bottom, e.g. NIfTI's RAS+ arrays read as D, H, W = inferior→superior, ...):

========  ===========  ===============  ==================================
axis      name         rows (top→down)  columns (left→right)
========  ===========  ===============  ==================================
``"D"``   axial        H, 0 at the top  W, 0 at the left
``"H"``   coronal      D *flipped*      W, 0 at the left
``"W"``   sagittal     D *flipped*      H, 0 at the left
========  ===========  ===============  ==================================

So the coronal and sagittal pictures have the last slice on top and slice 0 at the
bottom (superior up): ``Slices("H", y)`` of a folded picture is
``pictures[:, ::-1, y]`` of the ``(N, D, H, W, 3)`` pictures, ``Slices("W", x)`` is
``pictures[:, ::-1, :, x]``. Nothing is mirrored left to right.

``spacing=(dz, dy, dx)`` (voxel sizes, e.g. in millimetres) makes pixels square: a
view's rows and columns are resampled by their spacing over the smallest of the two
(``round(n · s / min)`` pixels), with ``method`` (``"nearest"``, the default, keeps
every voxel a crisp block; ``"bilinear"`` is smoother). Spacing ``(3, 1, 1)`` triples
the height of coronal and sagittal pictures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error, value_error
from ..core.pipeline import Transform, option
from .resampling import resize_array

AXES = ("D", "H", "W")
#: 3 x 5 pixel digits for the montage's slice indices (rows top to bottom, 3 bits each).
_GLYPHS = {"0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7),
           "3": (7, 1, 7, 1, 7), "4": (5, 5, 7, 1, 1), "5": (7, 4, 7, 1, 7),
           "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1), "8": (7, 5, 7, 5, 7),
           "9": (7, 5, 7, 1, 7)}


def _check_axis(axis: Any) -> str:
    if not isinstance(axis, str) or axis.upper() not in AXES:
        raise value_error("axis", "'D' (axial), 'H' (coronal) or 'W' (sagittal)", axis)
    return axis.upper()


def _check_spacing(spacing: Any) -> tuple[float, float, float] | None:
    if spacing is None:
        return None
    if not isinstance(spacing, (tuple, list)) or len(spacing) != 3:
        raise type_error("spacing", "three voxel sizes (dz, dy, dx)", spacing)
    return tuple(check_number("spacing", s, low=0, low_open=True) for s in spacing)  # type: ignore[return-value]


def _check_view_method(method: Any) -> str:
    if method not in ("nearest", "bilinear"):
        raise value_error("method", "'nearest' or 'bilinear'", method)
    return str(method)


def unfolded(batch: Batch, what: str) -> np.ndarray:
    """The folded volumes of ``batch`` as ``(N, D, H, W)`` maps or ``(N, D, H, W, 3)``
    pictures (``D`` may be 1: a volume of one slice); a `ValueError` for images (a layout
    without D or T) and for channel values."""
    if not batch.is_volume:
        raise value_error("x", f"volumes or clips (a layout with D or T) for {what}",
                          "images (a layout without D or T)", "Pass layout='NCDHW' or "
                          "'NTHW' ..., or leave the view out for images.", described=True)
    if batch.stage is Stage.VALUES:
        raise value_error("x", f"a map or pictures for {what}", "channel values",
                          "Reduce the channels first, e.g. SumReduction().", described=True)
    return _unfold(batch.data, batch.depth)


def _unfold(data: np.ndarray, depth: int) -> np.ndarray:
    return data.reshape((data.shape[0], depth, data.shape[1] // depth) + data.shape[2:])


def view_slice(volume: np.ndarray, axis: str, at: int) -> np.ndarray:
    """Slice ``at`` along ``axis`` of ``(N, D, H, W, ...)`` volumes, oriented as the
    module docstring says (coronal and sagittal: D flipped, superior up).

    >>> v = np.arange(8).reshape(1, 2, 2, 2)
    >>> view_slice(v, "D", 1)[0].tolist(), view_slice(v, "H", 0)[0].tolist()
    ([[4, 5], [6, 7]], [[4, 5], [0, 1]])
    """
    if axis == "D":
        return volume[:, at]
    if axis == "H":
        return volume[:, ::-1, at]
    return volume[:, ::-1, :, at]


def _position(at: Any, size: int, axis: str) -> int:
    if at is None:
        return size // 2
    if not isinstance(at, (int, np.integer)) or isinstance(at, bool):
        raise type_error("at", "a slice index (int)", at)
    if not -size <= at < size:
        raise value_error("at", f"a slice index along {axis} in [{-size}, {size - 1}]", at)
    return int(at) % size


def _view_spacing(axis: str, spacing: tuple[float, float, float]) -> tuple[float, float]:
    dz, dy, dx = spacing
    return {"D": (dy, dx), "H": (dz, dx), "W": (dz, dy)}[axis]


def square_pixels(pictures: np.ndarray, axis: str, spacing: tuple[float, float, float] | None,
                  method: str) -> np.ndarray:
    """``(N, rows, cols, ...)`` views resampled so that pixels are square (see the module)."""
    if spacing is None:
        return pictures
    sr, sc = _view_spacing(axis, spacing)
    unit = min(sr, sc)
    size = (max(1, int(round(pictures.shape[1] * sr / unit))),
            max(1, int(round(pictures.shape[2] * sc / unit))))
    return resize_array(pictures, size, method, 1, argument="spacing")


def _images_like(batch: Batch) -> np.ndarray | None:
    """The batch's pictures unfolded when they have the volume's own size, else None."""
    images = batch.images
    if not isinstance(images, np.ndarray) or batch.image_depth != batch.depth \
            or images.shape[1:3] != batch.data.shape[1:3]:
        return None
    return _unfold(images, batch.depth)


class Slices(Transform):
    """One slice of every volume (or frame of every clip), as a picture.

    Parameters
    ----------
    axis : {"D", "H", "W"}
        ``"D"`` an axial slice (a frame of a clip), ``"H"`` coronal, ``"W"`` sagittal;
        orientation in :mod:`visheat.transforms.views`.
    at : int, optional
        The slice's index along ``axis`` (negative counts from the end); default the
        middle one.
    spacing : (float, float, float), optional
        Voxel sizes ``(dz, dy, dx)``: resamples the picture so its pixels are square.
    method : {"nearest", "bilinear"}
        How ``spacing`` resamples.

    Examples
    --------
    >>> from visheat import ExtremaColormap, heatmap
    >>> x = np.random.default_rng(0).random((1, 4, 5, 6))
    >>> heatmap(x, ExtremaColormap() | Slices("H", 2), layout="NDHW").to_numpy().shape
    (1, 4, 6, 3)

    A volume of one slice is a volume (images, without D or T, are refused):

    >>> heatmap(x[:, :1], ExtremaColormap() | Slices("H", 2), layout="NDHW").to_numpy().shape
    (1, 1, 6, 3)
    """

    axis: str = "D"
    at: int | None = None
    spacing: Any = option(default=None)
    method: str = option(default="nearest")
    takes = frozenset({Stage.MAP, Stage.RGB})
    volumes = "own"
    is_view = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "axis", _check_axis(self.axis))
        if self.at is not None:
            _position(self.at, 2**62, self.axis)
        object.__setattr__(self, "spacing", _check_spacing(self.spacing))
        object.__setattr__(self, "method", _check_view_method(self.method))

    def apply(self, batch: Batch) -> Batch:
        volume = unfolded(batch, repr(self))
        at = _position(self.at, volume.shape[1 + AXES.index(self.axis)], self.axis)
        data = square_pixels(view_slice(volume, self.axis, at), self.axis, self.spacing,
                             self.method)
        images = _images_like(batch)
        if images is not None:
            images = square_pixels(view_slice(images, self.axis, at), self.axis, self.spacing,
                                   self.method)
        return batch.replace(data=np.ascontiguousarray(data), images=images, depth=1,
                             image_depth=1, volumetric=False)


class MaxProjection(Transform):
    """The maximum intensity projection (MIP) of every volume's map along ``axis``.

    Place it before the colour (it takes a map), so the colours span the projection's
    range: ``MaxProjection("D") | ExtremaColormap()`` gives the pictures of
    ``heatmap(x.max(axis=D))``. The pictures beside the volume are projected the same
    way (their brightest voxel). Orientation as :class:`Slices` (``"H"`` and ``"W"``
    have D flipped, superior up).

    Examples
    --------
    >>> from visheat import ExtremaColormap, heatmap
    >>> x = np.random.default_rng(0).random((2, 4, 5, 6))
    >>> a = heatmap(x, MaxProjection("D") | ExtremaColormap(), layout="NDHW").to_numpy()
    >>> b = heatmap(x.max(axis=1), ExtremaColormap(), layout="NHW").to_numpy()
    >>> bool((a == b).all())
    True
    """

    axis: str = "D"
    takes = frozenset({Stage.MAP})
    volumes = "own"
    is_view = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "axis", _check_axis(self.axis))

    def apply(self, batch: Batch) -> Batch:
        volume = unfolded(batch, repr(self))
        data = project(volume, self.axis)
        images = batch.images
        if isinstance(images, np.ndarray) and (batch.image_depth > 1 or batch.volumetric
                                               and batch.depth == 1):  # one-slice volumes
            images = project(_unfold(images, batch.image_depth), self.axis)
        elif images is not None:
            images = None
        return batch.replace(data=data, images=images, depth=1, image_depth=1,
                             volumetric=False)


def project(volume: np.ndarray, axis: str) -> np.ndarray:
    """The maximum of ``(N, D, H, W, ...)`` along ``axis``, oriented as :func:`view_slice`."""
    k = 1 + AXES.index(axis)
    out = volume.max(axis=k) if volume.shape[0] else np.zeros(
        volume.shape[:k] + volume.shape[k + 1:], volume.dtype)
    return np.ascontiguousarray(out if axis == "D" else out[:, ::-1])


class OrthoViews(Transform):
    """Axial, coronal and sagittal slices through one point, side by side.

    Each sample's picture holds, left to right and top-aligned, ``Slices("D", z)``,
    ``Slices("H", y)`` and ``Slices("W", x)`` (same orientation and ``spacing``),
    ``gap`` black columns apart, on a black background below the shorter ones. With
    ``crosshair`` a 1-pixel white line in each marks the point.

    Parameters
    ----------
    at : (int, int, int), "peak" or None
        The point ``(z, y, x)``; ``"peak"`` the voxel of the highest value of each
        volume's map (as the colormap recorded it); None the centre.
    crosshair : bool
    spacing : (float, float, float), optional
        Voxel sizes ``(dz, dy, dx)`` (see :class:`Slices`).
    gap : int
        Black columns between the views.

    Examples
    --------
    >>> from visheat import ExtremaColormap, heatmap
    >>> x = np.random.default_rng(0).random((1, 4, 5, 6))
    >>> heatmap(x, ExtremaColormap() | OrthoViews(), layout="NDHW").to_numpy().shape
    (1, 5, 21, 3)
    """

    at: Any = None
    crosshair: bool = True
    spacing: Any = option(default=None)
    gap: int = option(default=2)
    method: str = option(default="nearest")
    takes = frozenset({Stage.RGB})
    volumes = "own"
    is_view = True

    def __post_init__(self) -> None:
        at = self.at
        if isinstance(at, (list, tuple)):
            if len(at) != 3:
                raise type_error("at", "(z, y, x), 'peak' or None", at)
            at = tuple(_position(a, 2**62, "DHW"[i]) - (2**62 if a < 0 else 0)
                       for i, a in enumerate(at))
        elif at is not None and at != "peak":
            raise type_error("at", "(z, y, x), 'peak' or None", at)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "crosshair", bool(self.crosshair))
        object.__setattr__(self, "spacing", _check_spacing(self.spacing))
        object.__setattr__(self, "gap", int(check_number("gap", self.gap, low=0, integer=True)))
        object.__setattr__(self, "method", _check_view_method(self.method))

    def apply(self, batch: Batch) -> Batch:
        volume = unfolded(batch, repr(self))
        points = self._points(batch, volume.shape[1:4])
        rows = []
        for i in range(volume.shape[0]):
            views = []
            for axis, k in zip(AXES, range(3)):
                pic = square_pixels(view_slice(volume[i:i + 1], axis, points[i][k]), axis,
                                    self.spacing, self.method)[0]
                if self.crosshair:
                    pic = _crosshair(pic, axis, points[i], volume.shape[1:4])
                views.append(pic)
            rows.append(_side_by_side(views, self.gap))
        shape = (len(rows),) + (rows[0].shape if rows else (1, 1, 3))
        data = np.stack(rows) if rows else np.zeros(shape, batch.data.dtype)
        return batch.replace(data=data, images=None, depth=1, image_depth=1, volumetric=False)

    def _points(self, batch: Batch, size: tuple[int, ...]) -> list[tuple[int, int, int]]:
        n = batch.n
        if self.at is None:
            return [_point(s // 2 for s in size)] * n
        if self.at == "peak":
            found = [r.values["peak"] for r in batch.records if "peak" in r.values]
            if not found:
                raise value_error("at", "a colormap before OrthoViews('peak') (it records "
                                  "where each volume peaks)", "no such record",
                                  described=True)
            frac = found[-1]
            return [_point(min(int(f * s), s - 1) for f, s in zip(row, size)) for row in frac]
        return [_point(_position(a, s, ax) for a, s, ax in zip(self.at, size, AXES))] * n


def _point(values: Any) -> tuple[int, int, int]:
    z, y, x = (int(v) for v in values)
    return z, y, x


def _crosshair(pic: np.ndarray, axis: str, point: tuple[int, int, int],
               size: tuple[int, ...]) -> np.ndarray:
    """A white horizontal and vertical line through ``point`` in a view of ``axis``."""
    z, y, x = point
    d, h, w = size
    row, col, n_rows, n_cols = {"D": (y, x, h, w), "H": (d - 1 - z, x, d, w),
                                "W": (d - 1 - z, y, d, h)}[axis]
    r = int((row + 0.5) * pic.shape[0] / n_rows)
    c = int((col + 0.5) * pic.shape[1] / n_cols)
    out = pic.copy()
    white = 255 if out.dtype == np.uint8 else 1.0
    out[r, :] = white
    out[:, c] = white
    return out


def _side_by_side(views: list[np.ndarray], gap: int) -> np.ndarray:
    height = max(v.shape[0] for v in views)
    width = sum(v.shape[1] for v in views) + gap * (len(views) - 1)
    out = np.zeros((height, width) + views[0].shape[2:], views[0].dtype)
    col = 0
    for v in views:
        out[: v.shape[0], col:col + v.shape[1]] = v
        col += v.shape[1] + gap
    return out


class Montage(Transform):
    """A grid of slices of every volume (or frames of every clip), indices drawn small.

    Slices ``0, every, 2·every, ...`` along ``axis`` (oriented as :class:`Slices`)
    fill ``cols`` columns row by row (default: a near-square grid), ``gap`` black pixels
    apart; each slice's index is drawn in white 3 x 5 pixel digits on black in its
    top-left corner (``labels=False`` leaves them out).

    Examples
    --------
    >>> from visheat import ExtremaColormap, heatmap
    >>> x = np.random.default_rng(0).random((1, 9, 8, 8))
    >>> heatmap(x, ExtremaColormap() | Montage(cols=3), layout="NDHW").to_numpy().shape
    (1, 26, 26, 3)
    """

    axis: str = "D"
    every: int = 1
    cols: int | None = None
    gap: int = option(default=1)
    labels: bool = option(default=True)
    takes = frozenset({Stage.RGB})
    volumes = "own"
    is_view = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "axis", _check_axis(self.axis))
        object.__setattr__(self, "every", int(check_number("every", self.every, low=1,
                                                           integer=True)))
        if self.cols is not None:
            object.__setattr__(self, "cols", int(check_number("cols", self.cols, low=1,
                                                              integer=True)))
        object.__setattr__(self, "gap", int(check_number("gap", self.gap, low=0, integer=True)))
        object.__setattr__(self, "labels", bool(self.labels))

    def apply(self, batch: Batch) -> Batch:
        volume = unfolded(batch, repr(self))
        picks = list(range(0, volume.shape[1 + AXES.index(self.axis)], self.every))
        cols = self.cols or int(np.ceil(np.sqrt(len(picks))))
        rows = -(-len(picks) // cols)
        tiles = [view_slice(volume, self.axis, k) for k in picks]
        th, tw = tiles[0].shape[1:3]
        g = self.gap
        out = np.zeros((volume.shape[0], rows * th + (rows - 1) * g,
                        cols * tw + (cols - 1) * g, 3), batch.data.dtype)
        for j, (k, tile) in enumerate(zip(picks, tiles)):
            r, c = divmod(j, cols)
            block = out[:, r * (th + g):r * (th + g) + th, c * (tw + g):c * (tw + g) + tw]
            block[...] = tile
            if self.labels:
                draw_number(block, k)
        return batch.replace(data=out, images=None, depth=1, image_depth=1, volumetric=False)


def draw_number(block: np.ndarray, number: int) -> None:
    """Write ``number`` in white 3 x 5 digits on black into the top-left of ``(N, h, w, 3)``
    pictures (in place; cut off at the picture's edges)."""
    text = str(number)
    white = 255 if block.dtype == np.uint8 else 1.0
    h, w = block.shape[1:3]
    box = np.zeros((7, 4 * len(text) + 1), bool)
    for i, ch in enumerate(text):
        for r, bits in enumerate(_GLYPHS[ch]):
            for b in range(3):
                box[1 + r, 1 + 4 * i + b] = bool(bits >> (2 - b) & 1)
    bh, bw = min(7, h), min(box.shape[1], w)
    block[:, :bh, :bw] = 0
    block[:, :bh, :bw][:, box[:bh, :bw]] = white


__all__ = ["Slices", "MaxProjection", "OrthoViews", "Montage", "view_slice", "project",
           "unfolded", "square_pixels", "draw_number", "AXES"]
