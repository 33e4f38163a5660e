"""Drawing one heatmap into a matplotlib Axes, with its colour bar.

The axes-level half of :mod:`visheat.display.figures`: :meth:`visheat.Heatmaps.plot` puts a
picture into the user's own matplotlib layout, and :func:`visheat.figure` draws its
colour bars with the same :func:`draw_colorbar`. matplotlib is imported only when
something is drawn; this module imports nothing of visheat at load time, so the
results module can use it without a cycle.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["draw_colorbar", "format_number", "plot_picture", "ramp", "ticks"]


def format_number(value: float) -> str:
    """A short label for a colour-bar tick: three significant digits.

    >>> format_number(0.0031234), format_number(-12345.6), format_number(0.0)
    ('0.00312', '-1.23e+04', '0')
    """
    return f"{float(value):.3g}"


def ramp(stops: np.ndarray, width: int = 256) -> np.ndarray:
    """``(width, 3)`` float colours of a colour bar, from the first to the last stop.

    The same linear interpolation between stops as the colormaps use.

    >>> ramp(np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]), 3)[:, 0]
    array([0. , 0.5, 1. ])
    """
    from ..transforms.colour import colorize

    values = np.linspace(0.0, 1.0, width)[None, None, :]
    return colorize(values, np.zeros(1), np.ones(1), np.asarray(stops, np.float64))[0, 0]


def ticks(lo: float, hi: float) -> list[float]:
    """Colour-bar ticks: both ends, and 0 when it lies strictly inside.

    >>> ticks(-2.0, 2.0), ticks(1.0, 3.0)
    ([-2.0, 0.0, 2.0], [1.0, 3.0])
    """
    return [lo, 0.0, hi] if lo < 0 < hi else [lo, hi]


def draw_colorbar(ax: Any, info: Any, label: str | None = None) -> None:
    """Draw ``info``'s colour stops over ``[lo, hi]`` into ``ax`` (a horizontal bar).

    ``info`` is a :class:`~visheat.display.heatmaps.ColorbarInfo`. Ticks at the ends (and
    0), the colormap's name under the bar. A range of zero width (a constant map
    at the largest float) is drawn as the unit range, ticked with its one value.
    """
    if info.hi > info.lo:
        lo, hi, marks = info.lo, info.hi, ticks(info.lo, info.hi)
        labels = [format_number(t) for t in marks]
    else:
        lo, hi, marks, labels = 0.0, 1.0, [0.0], [format_number(info.lo)]
    ax.imshow(ramp(info.stops)[None], aspect="auto", extent=(lo, hi, 0.0, 1.0),
              interpolation="nearest")
    ax.set_xlim(lo, hi)
    ax.set_yticks([])
    ax.set_xticks(marks, labels, fontsize="x-small")
    ax.set_xlabel(info.name + (" (clipped)" if info.clipped else ""), fontsize="x-small")
    if label is not None:
        ax.set_label(label)


#: Height of the colour bar under a picture, and its gap, as fractions of the Axes.
BAR_HEIGHT, BAR_GAP = 0.06, 0.03


def plot_picture(picture: np.ndarray, info: Any, ax: Any = None, title: str | None = None
                 ) -> Any:
    """Draw an RGB ``picture`` into ``ax`` and, when ``info`` is given, its colour bar.

    The colour bar is an inset Axes under the picture (``ax.child_axes``), so it
    moves and scales with ``ax`` in any layout. Without ``ax`` a new
    :class:`matplotlib.figure.Figure` (no pyplot; it shows itself in Jupyter) is made.
    Returns ``ax``.
    """
    if ax is None:
        from ._notebook_figure import HeatmapFigure

        fig = HeatmapFigure(figsize=(3.0, 3.4 if info is not None else 3.0),
                            layout="constrained")
        ax = fig.add_subplot()
    ax.imshow(picture)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize="medium")
    if info is not None:
        bar = ax.inset_axes((0.0, -BAR_GAP - BAR_HEIGHT, 1.0, BAR_HEIGHT))
        draw_colorbar(bar, info, label="colorbar")
    return ax
