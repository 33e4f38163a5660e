"""Per-sample detection data for transforms: boxes, labels and scores.

Detections are ragged (image i has B_i boxes), so transforms hold them as one
entry per sample: boxes as ``(B_i, 4)`` corners ``x1, y1, x2, y2`` in image
pixels (x to the right, y down; ``x2``/``y2`` are the far edges, so a box
``(0, 0, W, H)`` covers the whole image). They are stored as tuples of tuples so
a transform stays hashable and its ``repr`` is pasteable code; sample ``i`` of a
batch reads entry ``batch.start + i``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batch import Batch
from ..core.errors import type_error, value_error

Boxes = tuple[tuple[tuple[float, float, float, float], ...], ...]


def _rows(value: Any, argument: str, width: int | None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error(argument, "numbers", value) from None
    if arr.size == 0:
        return arr.reshape((0, width) if width else (0,))
    expected = f"a (B, {width}) array" if width else "a (B,) array"
    if (width and (arr.ndim != 2 or arr.shape[1] != width)) or (not width and arr.ndim != 1):
        raise value_error(argument, expected, arr)
    if not np.isfinite(arr).all():
        raise value_error(argument, "finite numbers", arr)
    return arr


def _per_sample(value: Any, argument: str) -> list[Any]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise type_error(argument, "one entry per sample (a list of arrays)", value)
    return list(value)


def as_boxes(value: Any, argument: str = "boxes") -> Boxes:
    """Validate per-sample boxes and return them as nested tuples of floats.

    Examples
    --------
    >>> as_boxes([[[0, 0, 4, 2]], []])
    (((0.0, 0.0, 4.0, 2.0),), ())
    >>> as_boxes([[[5, 0, 4, 2]]])
    Traceback (most recent call last):
    ...
    ValueError: boxes[0]: expected x1 <= x2 and y1 <= y2 (corners x1, y1, x2, y2, not a width and
    height); got box 0 = (5.0, 0.0, 4.0, 2.0).
    """
    out = []
    for i, entry in enumerate(_per_sample(value, argument)):
        arr = _rows(entry, f"{argument}[{i}]", 4)
        bad = np.flatnonzero((arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1]))
        if bad.size:
            raise value_error(f"{argument}[{i}]", "x1 <= x2 and y1 <= y2 (corners x1, y1, x2, y2, "
                              "not a width and height)",
                              f"box {bad[0]} = {tuple(arr[bad[0]].tolist())}", described=True)
        out.append(tuple(tuple(row) for row in arr.tolist()))
    return tuple(out)


def as_column(value: Any, argument: str, integer: bool, boxes: Boxes) -> tuple | None:
    """Validate per-sample labels (``integer``) or scores matching ``boxes``; ``None`` passes."""
    if value is None:
        return None
    entries = _per_sample(value, argument)
    if len(entries) != len(boxes):
        raise value_error(argument, f"one entry per sample like boxes ({len(boxes)})",
                          f"{len(entries)} entries", described=True)
    out = []
    for i, (entry, sample_boxes) in enumerate(zip(entries, boxes)):
        arr = _rows(entry, f"{argument}[{i}]", None)
        if len(arr) != len(sample_boxes):
            raise value_error(f"{argument}[{i}]", f"{len(sample_boxes)} values, one per box",
                              f"{len(arr)} values", described=True)
        if integer and (np.any(arr < 0) or np.any(arr != np.round(arr))):
            raise value_error(f"{argument}[{i}]", "class indices (integers >= 0)", arr)
        out.append(tuple(int(v) for v in arr) if integer else tuple(float(v) for v in arr))
    return tuple(out)


def sample_entry(entries: tuple, batch: Batch, i: int, argument: str) -> Any:
    """Entry of sample ``i`` of ``batch`` (offset by ``batch.start``)."""
    index = batch.start + i
    if index >= len(entries):
        raise value_error(argument, f"one entry per sample (at least {batch.start + batch.n})",
                          f"{len(entries)} entries", described=True)
    return entries[index]


def to_data_pixels(boxes: np.ndarray, batch: Batch, i: int, size: tuple[int, int]) -> np.ndarray:
    """Boxes in image pixels -> pixels of the batch's arrays (``size = (H, W)``).

    Without images the boxes are taken to be in the arrays' pixels already.
    """
    if batch.images is None or len(boxes) == 0:
        return boxes
    ih, iw = batch.image(i).shape[:2]
    scale = np.array([size[1] / iw, size[0] / ih, size[1] / iw, size[0] / ih])
    return boxes * scale


def pixel_span(a: float, b: float, n: int) -> tuple[int, int]:
    """Pixels ``[start, stop)`` whose centres ``p + 0.5`` lie in ``[a, b)``, clipped to ``[0, n]``.

    >>> pixel_span(2, 5, 10), pixel_span(-3, 2.4, 10), pixel_span(8, 30, 10)
    ((2, 5), (0, 2), (8, 10))
    """
    start = int(np.clip(np.ceil(a - 0.5), 0, n))
    stop = int(np.clip(np.ceil(b - 0.5), 0, n))
    return start, max(start, stop)


__all__ = ["as_boxes", "as_column", "sample_entry", "to_data_pixels", "pixel_span"]
