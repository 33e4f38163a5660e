"""visheat: readable heatmaps from vision models.

Transforms chain with ``|`` into a :class:`Pipeline`; :func:`heatmap` applies one
to a whole batch of attributions, saliency maps or CAMs and returns pictures.

>>> import numpy as np, visheat
>>> x = np.random.default_rng(1).normal(size=(4, 3, 32, 32)).astype(np.float32)
>>> visheat.heatmap(x, "attribution").to_numpy().shape
(4, 32, 32, 3)
"""

from .batch import Batch, Record, Stage
from .clipping import PercentileClip
from .colormaps import CenteredColormap, ExtremaColormap
from .geometry import DropDims, FlipImage, PermuteDims, ResizeToImage
from .heatmap import heatmap
from . import keypoints
from .keypoints import DrawKeypoints
from .overlay import AlphaOverlay
from .pipeline import Pipeline, Transform
from .presets import PRESETS
from .reductions import (
    AbsSumReduction,
    MaxAbsReduction,
    NormReduction,
    SumAbsReduction,
    SumReduction,
)
from .results import Heatmaps
from .stream import heatmap_batches, save_heatmaps

__version__ = "0.1.0"

__all__ = [
    # applying pipelines
    "heatmap",
    "heatmap_batches",
    "save_heatmaps",
    "Heatmaps",
    "PRESETS",
    # the algebra
    "Transform",
    "Pipeline",
    "Batch",
    "Stage",
    "Record",
    # reductions
    "NormReduction",
    "SumReduction",
    "MaxAbsReduction",
    "SumAbsReduction",
    "AbsSumReduction",
    # clipping
    "PercentileClip",
    # colormaps
    "ExtremaColormap",
    "CenteredColormap",
    # geometry
    "FlipImage",
    "PermuteDims",
    "DropDims",
    "ResizeToImage",
    # overlays
    "AlphaOverlay",
    # keypoints
    "DrawKeypoints",
    "keypoints",
]
