"""A matplotlib Figure that shows itself in Jupyter without pyplot.

:func:`visheat.figure` builds figures with the object-oriented API, so Jupyter's
inline backend (which hooks pyplot) never sees them, and a notebook showed
``<Figure size 1200x290 with 12 Axes>`` unless ``%matplotlib inline`` had run.
:class:`HeatmapFigure` adds ``_repr_png_``, which IPython's display formatter
calls for any object; with the inline backend active, IPython's own printer for
figures takes precedence and the picture shows once. This module imports
matplotlib, so it is imported only when a figure is made.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["HeatmapFigure"]


class HeatmapFigure(Figure):
    """A :class:`matplotlib.figure.Figure` with a PNG form for notebooks (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
