"""Drawing detections on the pictures: boxes, class labels and scores.

Drawn with Pillow (no OpenCV): an outline per box in its class's colour and a
filled label above it (inside the box when there is no room above) with the
class name and score, in black or white, whichever reads better on the colour.
Line width and text size follow the picture's size (``min(H, W) / 200`` and
``min(H, W) / 25`` pixels, at least 1 and 9), so labels stay legible from
thumbnails to full-size photographs. Pillow >= 10.1 scales its bundled font;
older Pillow falls back to its small bitmap font.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error, value_error
from ..core.pipeline import Transform, option
from .boxes import as_boxes, as_column, sample_entry, to_data_pixels


def class_color(label: int) -> tuple[int, int, int]:
    """A distinct, stable 8-bit RGB colour for class ``label`` (golden-ratio hues).

    >>> class_color(0), class_color(1)
    ((242, 36, 36), (36, 96, 242))
    """
    hue = (label * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return int(round(r * 255)), int(round(g * 255)), int(round(b * 255))


@lru_cache(maxsize=32)
def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, AttributeError, ImportError):  # Pillow < 10.1 or no FreeType
        return ImageFont.load_default()


def _check_names(names: Any) -> tuple[str, ...] | None:
    if names is None:
        return None
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise type_error("class_names", "a sequence of strings, one per class index", names)
    return tuple(names)


def _check_colors(colors: Any) -> tuple[tuple[float, float, float], ...] | None:
    if colors is None:
        return None
    try:
        arr = np.asarray(colors, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error("colors", "a (K, 3) table of RGB in [0, 1], one row per class",
                         colors) from None
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] == 0:
        raise value_error("colors", "a (K, 3) table of RGB in [0, 1], one row per class", arr)
    if not (np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1):
        raise value_error("colors", "values in [0, 1]", arr, "Divide 0..255 colours by 255.")
    return tuple((float(r), float(g), float(b)) for r, g, b in arr)


def _label_text(label: int | None, score: float | None, names: tuple[str, ...] | None) -> str:
    name = ""
    if label is not None:
        name = names[label] if names is not None and label < len(names) else str(label)
    if score is not None:
        return f"{name} {score:.2f}".strip()
    return name


class DrawDetections(Transform):
    """Draw detection boxes with class labels and scores on the pictures.

    Parameters
    ----------
    boxes : sequence of array_like
        One ``(B_i, 4)`` array of corners ``x1, y1, x2, y2`` per sample, in the
        pixels of the sample's image (scaled when the pictures have another
        size), or of the pictures when there are no images.
    labels : sequence of array_like, optional
        One ``(B_i,)`` array of class indices per sample; they pick the colour
        and the name.
    scores : sequence of array_like, optional
        One ``(B_i,)`` array of confidences per sample, shown with 2 decimals.
    class_names : sequence of str, optional
        Name of each class index (else the index is shown).
    colors : array_like of shape (K, 3), optional
        RGB in [0, 1] per class (``label % K``); default: a stable colour per
        class (:func:`class_color`).
    width, font_size : int, optional
        Line width and text height in pixels instead of the size-relative ones
        (at most the picture's longer side; larger values draw the same).

    Examples
    --------
    >>> pictures = np.zeros((1, 40, 60, 3))
    >>> out = DrawDetections([[[10, 10, 50, 30]]], labels=[[2]], scores=[[0.9]],
    ...                      class_names=("cat", "dog", "car"))(pictures)
    >>> out.shape, bool(out[0, 29, 30].any()), bool(out[0, 20, 30].any())
    ((1, 40, 60, 3), True, False)
    """

    volumes = "refuse"  # 2-D geometry (boxes, points, letterboxes): see Transform.volumes

    boxes: Any = ()
    labels: Any = option(default=None)
    scores: Any = option(default=None)
    class_names: Any = option(default=None)
    colors: Any = option(default=None)
    width: int | None = option(default=None)
    font_size: int | None = option(default=None)
    takes = frozenset({Stage.RGB})

    def __post_init__(self) -> None:
        boxes = as_boxes(self.boxes)
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "labels", as_column(self.labels, "labels", True, boxes))
        object.__setattr__(self, "scores", as_column(self.scores, "scores", False, boxes))
        object.__setattr__(self, "class_names", _check_names(self.class_names))
        object.__setattr__(self, "colors", _check_colors(self.colors))
        for name in ("width", "font_size"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, int(check_number(name, value, low=1, integer=True)))

    def _color(self, label: int | None) -> tuple[int, int, int]:
        index = 0 if label is None else label
        if self.colors is not None:
            r, g, b = self.colors[index % len(self.colors)]
            return int(round(r * 255)), int(round(g * 255)), int(round(b * 255))
        return class_color(index)

    def _layer(self, batch: Batch, i: int, size: tuple[int, int]) -> np.ndarray:
        """An RGBA drawing of sample ``i``'s detections on a transparent picture."""
        h, w = size
        boxes = np.array(sample_entry(self.boxes, batch, i, "boxes"), np.float64).reshape(-1, 4)
        boxes = to_data_pixels(boxes, batch, i, size)
        labels = None if self.labels is None else sample_entry(self.labels, batch, i, "labels")
        scores = None if self.scores is None else sample_entry(self.scores, batch, i, "scores")
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        # Pillow's work grows with these: beyond the picture's size they change nothing visible
        line = min(self.width or max(1, round(min(h, w) / 200)), max(h, w))
        font = _font(min(self.font_size or max(9, round(min(h, w) / 25)), max(9, h, w)))
        margin = line + 1  # corners beyond the picture by more than a line are not drawn
        boxes = np.clip(boxes, -margin, np.array([w, h, w, h]) + margin)
        for k, (x1, y1, x2, y2) in enumerate(boxes):
            label = None if labels is None else labels[k]
            color = self._color(label)
            corners = [round(x1), round(y1), max(round(x1), round(x2) - 1),
                       max(round(y1), round(y2) - 1)]
            draw.rectangle(corners, outline=color + (255,), width=line)
            text = _label_text(label, None if scores is None else scores[k], self.class_names)
            if text:
                _draw_label(draw, text, font, color, corners, (h, w))
        return np.asarray(layer)

    def apply(self, batch: Batch) -> Batch:
        size = batch.data.shape[1:3]
        out = np.array(batch.data, copy=True)
        for i in range(batch.n):
            layer = self._layer(batch, i, size)
            alpha = layer[..., 3:].astype(np.float32) / 255
            if not alpha.any():
                continue
            if out.dtype == np.uint8:
                blended = out[i] * (1 - alpha) + layer[..., :3] * alpha
                out[i] = np.rint(blended).astype(np.uint8)
            else:
                out[i] = out[i] * (1 - alpha) + (layer[..., :3] / 255.0) * alpha
        return batch.replace(data=out)


def _draw_label(draw: Any, text: str, font: Any, color: tuple[int, int, int],
                corners: list[int], size: tuple[int, int]) -> None:
    h, w = size
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    tw, th = right - left, bottom - top
    pad = max(1, th // 5)
    x = min(max(corners[0], 0), max(0, w - tw - 2 * pad))
    y = corners[1] - th - 2 * pad
    if y < 0:  # no room above the box: inside it
        y = corners[1]
    y = min(max(y, 0), max(0, h - th - 2 * pad))
    draw.rectangle([x, y, x + tw + 2 * pad - 1, y + th + 2 * pad - 1], fill=color + (255,))
    luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    ink = (0, 0, 0, 255) if luminance > 140 else (255, 255, 255, 255)
    draw.text((x + pad - left, y + pad - top), text, font=font, fill=ink)


__all__ = ["DrawDetections", "class_color"]
