"""Drawing keypoints: a pipeline step for pictures, and a figure of points with their maps.

:class:`DrawKeypoints` draws markers (and optional labels) on the pictures of a
visheat pipeline with Pillow, one colour per keypoint. :func:`keypoint_grid`
lays out, per sample, the image with its points and one heatmap per keypoint,
target points as circles and predicted points as crosses, as fastai's
``show_batch`` does for keypoint models.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error, value_error
from ..core.images import images_as_float
from ..core.pipeline import Transform
from .conventions import to_image

#: Categorical colours for keypoints (matplotlib's tab10, then tab20's light tones).
PALETTE = (
    (0.122, 0.467, 0.706), (1.0, 0.498, 0.055), (0.173, 0.627, 0.173), (0.839, 0.153, 0.157),
    (0.580, 0.404, 0.741), (0.549, 0.337, 0.294), (0.890, 0.467, 0.761), (0.498, 0.498, 0.498),
    (0.737, 0.741, 0.133), (0.090, 0.745, 0.812), (0.682, 0.780, 0.910), (1.0, 0.733, 0.471),
    (0.596, 0.875, 0.541), (1.0, 0.596, 0.588), (0.773, 0.690, 0.835), (0.769, 0.612, 0.580),
)


def palette(k: int) -> tuple[tuple[float, float, float], ...]:
    """``k`` keypoint colours (the 16 of :data:`PALETTE`, repeated).

    >>> palette(2)
    ((0.122, 0.467, 0.706), (1.0, 0.498, 0.055))
    """
    return tuple(PALETTE[i % len(PALETTE)] for i in range(k))


def _as_points(points: Any) -> np.ndarray:
    try:
        arr = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error("points", "a (K, 2) or (N, K, 2) array of (x, y); None for a "
                         "missing point", points) from None
    if arr.ndim not in (2, 3) or arr.shape[-1] != 2:
        raise value_error("points", "a (K, 2) or (N, K, 2) array of (x, y)", arr)
    if np.isinf(arr).any():
        raise value_error("points", "finite coordinates or NaN for a missing point", arr)
    arr.flags.writeable = False
    return arr


def _rgb_tuple(rgb: Any) -> tuple[float, float, float]:
    r, g, b = (round(float(c), 6) for c in rgb)
    return r, g, b


def _as_colors(colors: Any, k: int) -> tuple[tuple[float, float, float], ...] | None:
    if colors is None:
        return None
    from matplotlib.colors import to_rgb

    try:
        table = tuple(_rgb_tuple(to_rgb(color)) for color in colors)
    except (TypeError, ValueError):
        raise value_error("colors", "one matplotlib colour per keypoint", colors) from None
    if len(table) != k:
        raise value_error("colors", f"{k} colours (one per keypoint)", f"{len(table)} colours",
                          described=True)
    return table


def _nan_as_none(value: Any) -> Any:
    if isinstance(value, list):
        return [_nan_as_none(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


class DrawKeypoints(Transform):
    """Draw keypoint markers (and labels) on the pictures.

    Parameters
    ----------
    points : array_like
        ``(K, 2)`` points for every sample, or ``(N, K, 2)`` per sample, as
        ``(x, y)`` in the pictures' pixel coordinates; NaN (``None`` in a
        list) skips a point.
    colors : sequence, optional
        One matplotlib colour per keypoint; default :func:`palette`.
    labels : sequence of str, optional
        Text drawn beside each keypoint.
    radius : float, optional
        Marker radius in pixels; default 1.5 % of the picture's longer side,
        at least 2, so markers stay legible at any size (at most four times the
        longer side: a larger marker covers the picture just the same).

    Examples
    --------
    >>> rgb = np.zeros((1, 9, 9, 3))
    >>> out = DrawKeypoints([[4, 4]], colors=["red"], radius=2)(rgb)
    >>> out[0, 4, 4].tolist(), out[0, 0, 0].tolist()
    ([1.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    >>> DrawKeypoints([[4, 4]], colors=["red"], radius=2)
    DrawKeypoints([[4.0, 4.0]], ((1.0, 0.0, 0.0),), None, 2.0)
    """

    volumes = "refuse"  # 2-D geometry (boxes, points, letterboxes): see Transform.volumes

    points: Any
    colors: Any = None
    labels: Any = None
    radius: Any = None
    takes = frozenset({Stage.RGB})

    def __post_init__(self) -> None:
        points = _as_points(self.points)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "colors", _as_colors(self.colors, points.shape[-2]))
        if self.labels is not None:
            labels = tuple(self.labels) if isinstance(self.labels, (list, tuple)) else None
            if labels is None or len(labels) != points.shape[-2] or not all(
                    isinstance(t, str) for t in labels):
                raise value_error("labels", f"{points.shape[-2]} strings (one per keypoint)",
                                  self.labels)
            object.__setattr__(self, "labels", labels)
        if self.radius is not None:
            object.__setattr__(self, "radius", check_number("radius", self.radius, low=0,
                                                            low_open=True))

    def __repr__(self) -> str:
        points = repr(_nan_as_none(self.points.tolist()))
        rest = ", ".join(repr(v) for v in (self.colors, self.labels, self.radius))
        return f"DrawKeypoints({points}, {rest})"

    def apply(self, batch: Batch) -> Batch:
        pts = self._points_for(batch)
        colors = self.colors or palette(pts.shape[1])
        size = batch.data.shape[1:3]
        # Pillow's work grows with the radius; beyond the picture's size it changes nothing
        radius = min(self.radius or max(2.0, 0.015 * max(size)), 4.0 * max(size))
        layers = np.stack([_marker_layer(size, p, colors, self.labels, radius) for p in pts]) \
            if len(pts) else np.zeros((0,) + size + (4,))
        alpha, color = layers[..., 3:], layers[..., :3]
        out = images_as_float(batch.data) * (1 - alpha) + color * alpha
        if batch.data.dtype == np.uint8:
            out = np.rint(out * 255).astype(np.uint8)
        return batch.replace(data=out)

    def _points_for(self, batch: Batch) -> np.ndarray:
        if self.points.ndim == 2:
            return np.broadcast_to(self.points, (batch.n,) + self.points.shape)
        pts = self.points[batch.start:batch.start + batch.n]
        if len(pts) != batch.n:
            raise value_error("points", f"(K, 2) points or one (K, 2) set per sample for "
                              f"{batch.start + batch.n} samples", self.points)
        return pts


def _marker_layer(size: tuple[int, int], points: np.ndarray, colors: Any, labels: Any,
                  radius: float) -> np.ndarray:
    """An RGBA layer ``(H, W, 4)`` in [0, 1] with the markers of one picture."""
    layer = Image.new("RGBA", (size[1], size[0]), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    outline = max(1, round(radius / 3))
    font = ImageFont.load_default(size=max(8, round(radius * 3))) if labels else None
    for k, (x, y) in enumerate(points):
        outside = max(-x - 0.5, x + 0.5 - size[1], -y - 0.5, y + 0.5 - size[0], 0.0)
        if not (np.isfinite(x) and np.isfinite(y)) or outside > radius:
            continue  # missing, or too far off the picture to show
        fill = tuple(round(c * 255) for c in colors[k]) + (255,)
        box = [x - radius, y - radius, x + radius, y + radius]
        draw.ellipse(box, fill=fill, outline=_contrast(colors[k]), width=outline)
        if labels:
            draw.text((x + radius + 1, y - radius), labels[k], fill=fill, font=font,
                      stroke_width=outline, stroke_fill=_contrast(colors[k]))
    return np.asarray(layer, dtype=np.float64) / 255


def _contrast(color: Any) -> tuple[int, int, int, int]:
    """Black or white, whichever stands out more against ``color``."""
    luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return (0, 0, 0, 255) if luma > 0.5 else (255, 255, 255, 255)


def keypoint_grid(images: Any, points: Any, heatmaps: Any, predicted_points: Any = None, *,
                  stride: Any = 1, convention: Any = "visheat", labels: Any = None,
                  colors: Any = None, cmap: str = "viridis", cell: float = 2.0) -> Any:
    """A figure: per sample, the image with its points, then one heatmap per keypoint.

    Parameters
    ----------
    images : array_like
        ``(N, H, W, 3)`` (uint8 or floats in [0, 1]) or ``(N, H, W)`` gray.
    points : array_like
        ``(N, K, 2)`` target points in image coordinates (circles).
    heatmaps : array_like
        ``(N, K, h, w)`` maps, drawn in image coordinates through ``stride`` and
        ``convention`` so they line up with the points.
    predicted_points : array_like, optional
        ``(N, K, 2)`` predictions (crosses); adds a column with the image and
        the predictions, beside the targets.
    labels, colors
        Per-keypoint titles and colours (default :func:`palette`).
    cmap : str
        matplotlib colormap of the heatmaps (each drawn on [0, its maximum]).
    cell : float
        Size of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Rows are samples; axes hold the artists (images, marker collections).

    Examples
    --------
    >>> fig = keypoint_grid(np.zeros((2, 8, 8, 3)), np.full((2, 3, 2), 4.0),
    ...                     np.zeros((2, 3, 4, 4)), np.full((2, 3, 2), 5.0), stride=2)
    >>> len(fig.axes), fig.axes[1].get_title()
    (10, 'predictions')
    """
    from matplotlib.figure import Figure

    imgs = np.asarray(images)
    pts, maps = np.asarray(points, dtype=np.float64), np.asarray(heatmaps, dtype=np.float64)
    pred = None if predicted_points is None else np.asarray(predicted_points, dtype=np.float64)
    _check_grid(imgs, pts, maps, pred)
    n, k = maps.shape[:2]
    table = _as_colors(colors, k) or palette(k)
    first = 1 if pred is None else 2
    fig = Figure(figsize=(cell * (first + k), cell * max(n, 1)), layout="constrained")
    axes = fig.subplots(max(n, 1), first + k, squeeze=False)
    extent = _extent(maps.shape[-2:], stride, convention)
    for i in range(n):
        _image_panel(axes[i, 0], imgs[i], pts[i], table, "o", "targets" if i == 0 else None)
        if pred is not None:
            _image_panel(axes[i, 1], imgs[i], pred[i], table, "x",
                         "predictions" if i == 0 else None)
        for j in range(k):
            ax = axes[i, first + j]
            ax.imshow(maps[i, j], cmap=cmap, extent=extent, vmin=0,
                      vmax=max(float(maps[i, j].max()), 1e-12), interpolation="nearest")
            _markers(ax, pts[i, j:j + 1], table[j:j + 1], "o")
            if pred is not None:
                _markers(ax, pred[i, j:j + 1], table[j:j + 1], "x")
            if i == 0:
                ax.set_title(labels[j] if labels is not None else f"keypoint {j}")
    for ax in axes.flat:
        ax.set_axis_off()
    return fig


def _check_grid(imgs: np.ndarray, pts: np.ndarray, maps: np.ndarray, pred: Any) -> None:
    if maps.ndim != 4:
        raise value_error("heatmaps", "an (N, K, h, w) array", maps)
    n, k = maps.shape[:2]
    if imgs.ndim not in (3, 4) or len(imgs) != n:
        raise value_error("images", f"{n} images as (N, H, W, 3) or (N, H, W)", imgs)
    for name, arr in (("points", pts), ("predicted_points", pred)):
        if arr is not None and arr.shape != (n, k, 2):
            raise value_error(name, f"an array of shape ({n}, {k}, 2) matching the heatmaps",
                              arr)


def _extent(size: tuple[int, ...], stride: Any, convention: Any) -> list[float]:
    """imshow extent that puts heatmap pixels where they lie in the image."""
    h, w = size
    (x0, y0), (x1, y1) = to_image([[-0.5, -0.5], [w - 0.5, h - 0.5]], stride, convention)
    return [x0, x1, y1, y0]


def _image_panel(ax: Any, image: np.ndarray, pts: np.ndarray, colors: Any, marker: str,
                 title: str | None) -> None:
    img = image if image.dtype == np.uint8 else np.clip(image, 0, 1)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
    _markers(ax, pts, colors, marker)
    if title:
        ax.set_title(title)


def _markers(ax: Any, pts: np.ndarray, colors: Any, marker: str) -> None:
    edge = "white" if marker == "o" else None
    ax.scatter(pts[:, 0], pts[:, 1], c=[tuple(c) for c in colors], marker=marker, s=36,
               edgecolors=edge, linewidths=1.2)
