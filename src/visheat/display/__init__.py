"""Display: the pictures as people see them. May import every layer below the entry
points (core, transforms, cam, keypoints, engine, io), never :mod:`visheat.render`.

``heatmaps`` (:class:`Heatmaps`, the result of :func:`visheat.heatmap`, and
:class:`ColorbarInfo`), ``figures`` (:func:`figure`, matplotlib figures with colour
bars) over ``plotting`` (one picture in an Axes) and ``_notebook_figure``, ``cards``
(what a figure and a gallery show per sample), ``gallery`` (:func:`write_gallery`, an
offline HTML gallery) and ``swatches`` (colormap swatches). Figures and galleries load
on first use. (The explorer, which needs :mod:`visheat.render`, is :mod:`visheat.explorer`.)
"""

from typing import TYPE_CHECKING

from ..core.lazy import attach
from .heatmaps import ColorbarInfo, Heatmaps

if TYPE_CHECKING:
    from .figures import figure
    from .gallery import GalleryWriter, write_gallery

__getattr__, __dir__ = attach(__name__, {
    "figure": "figures", "write_gallery": "gallery", "GalleryWriter": "gallery"},
    ["Heatmaps", "ColorbarInfo"])

__all__ = ["Heatmaps", "ColorbarInfo", "figure", "write_gallery", "GalleryWriter"]
