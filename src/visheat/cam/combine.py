"""Detector CAM workflow: combining CAMs of several layers, renormalising inside boxes.

pytorch-grad-cam, given several target layers, turns each layer's CAM into
``max(cam, 0)`` scaled to [0, 1] per image, resizes it to the input size
(``cv2.resize``, bilinear), averages the layers and scales the mean to [0, 1]
again. :func:`combine_cams` is that step for CAMs of different sizes (a list of
arrays in, one ``(N, H, W)`` map out); :class:`CombineMaps` does it inside a
pipeline for layers stacked as channels ``(N, L, H, W)``.

:class:`BoxRenormalize` is the ``renormalize_cam_in_bounding_boxes`` helper of
grad-cam's detector tutorials as a transform: the map is min-max scaled inside
every detection box and zeroed outside.

Scaling to [0, 1] here is exact: ``(x - min) / (max - min)``, and a constant
region becomes 0. grad-cam divides by ``max - min + 1e-7`` instead, which only
differs noticeably for regions whose values span less than about ``1e-5``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.batch import Batch, Stage, per_sample_rows
from ..core.errors import check_number, describe, type_error, value_error
from ..core.layout import as_float
from ..core.limits import check_allocation
from ..core.pipeline import Transform, option
from ..transforms.resampling import check_method, resize_array
from .boxes import as_boxes, pixel_span, sample_entry, to_data_pixels

COMBINE = ("mean", "max")
OVERLAPS = ("max", "last")
SCALES = ("box", "rows")


def unit_scale(a: np.ndarray) -> np.ndarray:
    """Min-max scale each sample (first axis) of ``a`` to [0, 1]; constant samples become 0.

    Examples
    --------
    >>> unit_scale(np.array([[2.0, 4.0, 3.0], [5.0, 5.0, 5.0]]))
    array([[0. , 1. , 0.5],
           [0. , 0. , 0. ]])
    """
    flat = per_sample_rows(a)
    if flat.shape[1] == 0:
        return a.copy()
    shape = (-1,) + (1,) * (a.ndim - 1)
    lo = flat.min(axis=1).reshape(shape)
    width = (flat.max(axis=1) - flat.min(axis=1)).reshape(shape)
    safe = np.where(width > 0, width, 1)
    return np.where(width > 0, (a - lo) / safe, 0).astype(a.dtype, copy=False)


def combine_layers(stack: np.ndarray, how: str = "mean", relu: bool = True,
                   scale_layers: bool = True) -> np.ndarray:
    """Combine ``(N, L, H, W)`` layer CAMs into ``(N, H, W)`` the way grad-cam does.

    ``relu`` clips negative values to 0 first; ``scale_layers`` scales every
    layer of every sample to [0, 1] before combining (skip it when the layers are
    scaled already). The combination (``"mean"`` or ``"max"``) is scaled to
    [0, 1] again.
    """
    work = np.maximum(stack, 0) if relu else stack
    if scale_layers:
        n, layers = work.shape[:2]
        work = unit_scale(work.reshape((n * layers,) + work.shape[2:])).reshape(work.shape)
    merged = work.mean(axis=1) if how == "mean" else work.max(axis=1)
    return unit_scale(np.maximum(merged, 0) if relu else merged)


def _check_how(how: Any) -> str:
    if how not in COMBINE:
        raise value_error("how", "'mean' or 'max'", how)
    return how


def _layer(cam: Any, i: int) -> np.ndarray:
    arr = as_float(np.asarray(cam), f"cams[{i}]")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise value_error(f"cams[{i}]", "an (N, h, w) batch of CAMs or one (h, w) CAM", arr)
    if not np.isfinite(arr).all():
        raise value_error(f"cams[{i}]", "finite values", f"{np.count_nonzero(~np.isfinite(arr))} "
                          f"NaN or infinite values in {describe(arr)}",
                          "Clean them first, e.g. np.nan_to_num(cam).", described=True)
    return arr


def _check_size(size: Any) -> tuple[int, int]:
    if isinstance(size, (str, bytes)) or not isinstance(size, Sequence) or len(size) != 2:
        raise type_error("size", "(height, width) in pixels", size)
    return tuple(int(check_number("size", s, low=1, integer=True)) for s in size)  # type: ignore[return-value]


def combine_cams(cams: Sequence[Any], size: tuple[int, int] | None = None, how: str = "mean",
                 method: str = "bilinear", relu: bool = True) -> np.ndarray:
    """Resize CAMs of several layers to one size and combine them: grad-cam's multi-layer CAM.

    Every layer is clipped at 0 (``relu``), scaled to [0, 1] per image, resized
    to ``size`` and the layers are combined (``how``) and scaled to [0, 1] again.

    Parameters
    ----------
    cams : sequence of array_like
        One ``(N, h_l, w_l)`` array per layer (the same N images), or one
        ``(h_l, w_l)`` array per layer for a single image. Sizes may differ.
    size : (int, int), optional
        ``(H, W)`` of the result, e.g. the input image's size; default: the
        largest height and width among the layers.
    how : {"mean", "max"}
        grad-cam averages (``"mean"``).
    method : str
        Resize method (see :mod:`visheat.transforms.resize`); ``"bilinear"`` is
        ``cv2.resize``'s default, which grad-cam uses.
    relu : bool
        Clip negative values to 0 before scaling (grad-cam does).

    Returns
    -------
    numpy.ndarray
        ``(N, H, W)`` in [0, 1]; float32 when every layer is float32.

    Examples
    --------
    >>> deep = np.array([[[0.0, 1.0], [0.0, 0.0]]])          # (1, 2, 2)
    >>> shallow = np.array([[[0.0, 0.0, 2.0, 2.0]] * 4])     # (1, 4, 4)
    >>> combine_cams([deep, shallow], how="max").shape
    (1, 4, 4)
    >>> combine_cams([])
    Traceback (most recent call last):
    ...
    ValueError: cams: expected at least one array of CAMs; got [] (list).
    """
    if isinstance(cams, np.ndarray) or not isinstance(cams, Sequence) or isinstance(cams, str):
        raise type_error("cams", "a list of CAM arrays, one per layer", cams,
                         "For layers stacked as channels use CombineMaps().")
    if len(cams) == 0:
        raise value_error("cams", "at least one array of CAMs", list(cams))
    layers = [_layer(cam, i) for i, cam in enumerate(cams)]
    if len({layer.shape[0] for layer in layers}) != 1:
        raise value_error("cams", "the same number of images in every layer",
                          f"{[layer.shape[0] for layer in layers]} images", described=True)
    _check_how(how)
    check_method(method)
    if size is None:
        size = (max(layer.shape[1] for layer in layers), max(layer.shape[2] for layer in layers))
    size = _check_size(size)
    if any(0 in layer.shape[1:] for layer in layers):
        raise value_error("cams", "CAMs of at least 1 x 1 pixels",
                          f"shapes {[layer.shape for layer in layers]}", described=True)
    check_allocation("size", (layers[0].shape[0], len(layers)) + size, np.float64,
                     what="the resized layers")
    dtype = np.result_type(*layers)
    scaled = [resize_array(unit_scale(np.maximum(layer, 0) if relu else layer), size, method, 1)
              for layer in layers]
    stack = np.stack([s.astype(dtype, copy=False) for s in scaled], axis=1)
    return combine_layers(stack, how, relu, scale_layers=False)


class CombineMaps(Transform):
    """Combine CAMs of several layers, stacked as channels ``(N, L, H, W)``, into one map.

    Each layer is clipped at 0, scaled to [0, 1] per sample, the layers are
    averaged (or maxed) and the result is scaled to [0, 1] again: pytorch-grad-cam's
    multi-layer aggregation. Layers of different sizes cannot share an array;
    :func:`combine_cams` resizes and combines them in one call.

    Parameters
    ----------
    how : {"mean", "max"}
    relu : bool
        Clip negative values to 0 first (default ``True``, as grad-cam).

    Examples
    --------
    >>> stack = np.array([[[[0.0, 2.0, 4.0]], [[40.0, 0.0, 40.0]]]])   # (1, 2, 1, 3)
    >>> CombineMaps()(stack).round(2)        # layers -> [0, .5, 1] and [1, 0, 1]
    array([[[0.33, 0.  , 1.  ]]])
    >>> CombineMaps("max")(stack)
    array([[[1., 0., 1.]]])
    """

    volumes = "refuse"  # 2-D geometry (boxes, points, letterboxes): see Transform.volumes

    how: str = "mean"
    relu: bool = option(default=True)
    takes = frozenset({Stage.VALUES})
    gives = Stage.MAP

    def __post_init__(self) -> None:
        _check_how(self.how)
        if not isinstance(self.relu, (bool, np.bool_)):
            raise type_error("relu", "True or False", self.relu)
        object.__setattr__(self, "relu", bool(self.relu))

    def apply(self, batch: Batch) -> Batch:
        data = combine_layers(as_float(batch.data), self.how, bool(self.relu))
        return batch.replace(data=data, stage=Stage.MAP)


def renormalize_in_boxes(m: np.ndarray, boxes: np.ndarray, overlap: str = "max",
                         scale: str = "box") -> np.ndarray:
    """Scale one ``(H, W)`` map to [0, 1] inside every box, 0 outside; float64.

    ``boxes`` is ``(B, 4)`` in the map's pixels; a pixel belongs to a box when
    its centre does. Where boxes overlap the larger value wins (``"max"``) or
    the later box (``"last"``, grad-cam's helper). With ``scale="box"`` each box
    is min-max scaled as a whole and the result is divided by its maximum; with
    ``scale="rows"`` every row of a box is min-max scaled on its own and every row
    of the result is divided by its own maximum, which is what grad-cam's
    ``scale_cam_image`` does to the 2-D slices its tutorials pass it.

    Examples
    --------
    >>> m = np.array([[1.0, 2.0, 3.0, 9.0], [0.0, 4.0, 0.0, 0.0]])
    >>> renormalize_in_boxes(m, np.array([[0, 0, 3, 2]]))
    array([[0.25, 0.5 , 0.75, 0.  ],
           [0.  , 1.  , 0.  , 0.  ]])
    >>> renormalize_in_boxes(m, np.array([[0, 0, 3, 2]]), scale="rows")
    array([[0. , 0.5, 1. , 0. ],
           [0. , 1. , 0. , 0. ]])
    """
    h, w = m.shape
    out = np.zeros((h, w), np.float64)
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        (r0, r1), (c0, c1) = pixel_span(y1, y2, h), pixel_span(x1, x2, w)
        if r1 == r0 or c1 == c0:
            continue
        region = m[r0:r1, c0:c1].astype(np.float64)
        region = unit_scale(region) if scale == "rows" else unit_scale(region[None])[0]
        if overlap == "max":
            np.maximum(out[r0:r1, c0:c1], region, out=out[r0:r1, c0:c1])
        else:
            out[r0:r1, c0:c1] = region
    top = out.max(axis=1 if scale == "rows" else None, initial=0.0, keepdims=True)
    return np.divide(out, top, out=out, where=top > 0)


class BoxRenormalize(Transform):
    """Min-max scale each map inside its detection boxes and zero it outside.

    The detector-CAM trick of grad-cam's tutorials (``renormalize_cam_in_bounding_boxes``):
    heat outside the detections is removed and every detected object gets the
    full colour range, so small objects are not drowned by one hot box.

    Per sample: for every box, the map inside it is scaled to [0, 1] (a flat
    box becomes 0); outside every box it is 0; the result is divided by its
    maximum. A sample without boxes gives an all-zero map (no detections, no
    heat), which an ``ExtremaColormap`` shows in its first colour and a
    :class:`HeatAlphaOverlay` as the bare image.

    Parameters
    ----------
    boxes : sequence of array_like
        One ``(B_i, 4)`` array of corners ``x1, y1, x2, y2`` per sample, in the
        pixels of the sample's image (or of the map when there are no images);
        boxes are scaled to the map when the two sizes differ and clipped to it.
    overlap : {"max", "last"}
        Where boxes overlap, keep the larger value (default; every box keeps
        its maximum of 1) or the later box's (grad-cam's helper).
    scale : {"box", "rows"}
        ``"box"`` (default) scales each box as a whole and the result by its
        maximum. ``"rows"`` is what grad-cam's tutorials and the YOLOv8 post
        really compute: their helper passes 2-D slices to ``scale_cam_image``,
        which scales every *row* of a box on its own, and then every row of the
        whole map by its maximum, so each row of a box spans the full colour
        range (horizontal stripes). See docs/cam.md for the two side by side.

    Notes
    -----
    Differences from grad-cam's helper (beyond ``scale``): it truncates box
    corners to integers and clips ``x2``/``y2`` to ``W - 1``/``H - 1`` (so the
    last row and column are never inside a box); visheat keeps sub-pixel boxes
    (a pixel is inside when its centre is) and boxes may reach the far edges. It
    divides by ``max - min + 1e-7``; visheat by ``max - min`` (flat rows become 0).

    Examples
    --------
    >>> m = np.array([[[1.0, 2.0, 3.0, 9.0]]])
    >>> BoxRenormalize([[[0, 0, 3, 1]]])(m)
    array([[[0. , 0.5, 1. , 0. ]]])
    >>> BoxRenormalize([[]])(m)
    array([[[0., 0., 0., 0.]]])
    """

    volumes = "refuse"  # 2-D geometry (boxes, points, letterboxes): see Transform.volumes

    boxes: Any = ()
    overlap: str = option(default="max")
    scale: str = option(default="box")
    takes = frozenset({Stage.MAP})

    def __post_init__(self) -> None:
        object.__setattr__(self, "boxes", as_boxes(self.boxes))
        if self.overlap not in OVERLAPS:
            raise value_error("overlap", "'max' or 'last'", self.overlap)
        if self.scale not in SCALES:
            raise value_error("scale", "'box' or 'rows'", self.scale)

    def apply(self, batch: Batch) -> Batch:
        m = as_float(batch.data)
        out = np.empty_like(m)
        for i in range(batch.n):
            boxes = np.array(sample_entry(self.boxes, batch, i, "boxes"), np.float64)
            boxes = to_data_pixels(boxes.reshape(-1, 4), batch, i, m.shape[1:])
            out[i] = renormalize_in_boxes(m[i], boxes, self.overlap, self.scale)
        return batch.replace(data=out)


__all__ = ["combine_cams", "CombineMaps", "BoxRenormalize", "renormalize_in_boxes",
           "unit_scale", "combine_layers"]
