"""The entry points: a pipeline applied to whole inputs. May import every layer below
(core, transforms, cam, keypoints, engine, io, display).

``apply`` (:func:`heatmap`: read the input once, run the engine, return
:class:`~visheat.Heatmaps`), ``stream`` (:func:`heatmap_batches`, :func:`save_heatmaps`:
any sliceable array a slice at a time), ``twopass`` (batch-wide statistics from a
first pass), ``dask`` (the same on Dask; :mod:`visheat.dask`) and ``folders``
(:func:`render_folder`: a folder of images with their CAMs). Folders load on first use.
"""

from typing import TYPE_CHECKING

from ..core.lazy import attach
from .apply import heatmap
from .stream import heatmap_batches, save_heatmaps
from .twopass import pipeline_stats, resolve

if TYPE_CHECKING:
    from .folders import render_folder

__getattr__, __dir__ = attach(__name__, {"render_folder": "folders"},
                              ["heatmap", "heatmap_batches", "save_heatmaps", "pipeline_stats",
                               "resolve"])

__all__ = ["heatmap", "heatmap_batches", "save_heatmaps", "render_folder", "pipeline_stats",
           "resolve"]
