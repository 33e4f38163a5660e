"""Display: the pictures as people see them. May import every layer below the entry
points (core, transforms, cam, keypoints, engine, io), never :mod:`visheat.render`.

``heatmaps`` (:class:`Heatmaps`, the result of :func:`visheat.heatmap`, and
:class:`ColorbarInfo`), ``figures`` (:func:`figure`, matplotlib figures with colour
bars) over ``plotting`` (one picture in an Axes) and ``_notebook_figure``, ``cards``
(what a figure and a gallery show per sample), ``gallery`` (:func:`write_gallery`, an
offline HTML gallery), ``explorer`` (:class:`Explorer`, :func:`write_explorer`) and
``swatches`` (colormap swatches). Figures, galleries and pages load on first use.
"""

from typing import TYPE_CHECKING

from ..core.lazy import attach
from .heatmaps import ColorbarInfo, Heatmaps

if TYPE_CHECKING:
    from .explorer import Explorer, write_explorer
    from .figures import figure
    from .gallery import GalleryWriter, write_gallery

__getattr__, __dir__ = attach(__name__, {
    "figure": "figures", "write_gallery": "gallery", "GalleryWriter": "gallery",
    "Explorer": "explorer", "write_explorer": "explorer"}, ["Heatmaps", "ColorbarInfo"])

__all__ = ["Heatmaps", "ColorbarInfo", "figure", "write_gallery", "GalleryWriter", "Explorer",
           "write_explorer"]
