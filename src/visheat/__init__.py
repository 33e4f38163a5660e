"""visheat: readable heatmaps from vision models.

Transforms chain with ``|`` into a :class:`Pipeline`; :func:`heatmap` applies one
to a whole batch of attributions, saliency maps or CAMs and returns pictures.

>>> import numpy as np, visheat
>>> x = np.random.default_rng(1).normal(size=(4, 3, 32, 32)).astype(np.float32)
>>> visheat.heatmap(x, "attribution").to_numpy().shape
(4, 32, 32, 3)

The folders are the layers; imports only point down the list:

- :mod:`visheat.core`: Batch, Stage, Transform, Pipeline, the text spec, reading inputs,
  errors, memory limits (numpy only);
- :mod:`visheat.transforms`: one module per family of transforms, the colour arithmetic
  and tables, presets, and the peers' pictures (:mod:`visheat.compat`);
- :mod:`visheat.cam` and :mod:`visheat.keypoints`: detector CAMs; keypoint codecs;
- :mod:`visheat.engine`: chunks, threads, fused passes and compiled kernels, reached
  through a registry; it gives the same pixels as the transforms' numpy code;
- :mod:`visheat.io`: arrays and stores in, PNG out, one policy for writing files;
- :mod:`visheat.display`: :class:`Heatmaps`, figures, galleries;
- :mod:`visheat.render`: the entry points: :func:`heatmap`, streaming, two-pass
  statistics, Dask (:mod:`visheat.dask`), folders;
- :mod:`visheat.explorer`: :class:`Explorer`, the live notebook widget over data the
  kernel keeps, and the offline explorer page (:func:`write_explorer`);
- :mod:`visheat.cli`: the ``visheat`` command, a module per sub-command.

:mod:`visheat.sample_data` and :mod:`visheat.testing` (a test kit for transforms) stand
beside them.
"""

from typing import TYPE_CHECKING

from . import keypoints, sample_data
from .cam import (
    BoxRenormalize,
    CombineMaps,
    DrawDetections,
    Letterbox,
    Unletterbox,
    combine_cams,
    letterbox,
    letterbox_geometry,
    unletterbox_boxes,
)
from .core import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    VERSION,
    Batch,
    Pipeline,
    Record,
    Stage,
    TokenGrid,
    Transform,
    window,
)
from .core.lazy import attach
from .display import Heatmaps
from .keypoints import DrawKeypoints
from .render import heatmap, heatmap_batches, save_heatmaps
from .sample_data import load_sample
from .transforms import (
    PRESETS,
    AbsSumReduction,
    AlphaOverlay,
    AvgPool,
    CamSumReduction,
    CenteredColormap,
    ChannelOrder,
    Crop,
    CumulativeSumClip,
    DropDims,
    ExtremaColormap,
    FlipImage,
    FromUnitRange,
    GaussianSmooth,
    GradCamOverlay,
    GrayOverlay,
    HeatAlphaOverlay,
    Invert,
    LookupColormap,
    MaskImage,
    MaxAbsReduction,
    MaxPool,
    MaxProjection,
    MinMaxScale,
    Montage,
    NormReduction,
    OrthoViews,
    Pad,
    PadToAspectRatio,
    PercentileClip,
    PermuteDims,
    Resize,
    ResizeImageToHeatmap,
    ResizeToImage,
    SignSelect,
    Slices,
    SumAbsReduction,
    SumReduction,
    ToUnitRange,
    Unpad,
    pad_amounts,
)

if TYPE_CHECKING:  # what users' type checkers see of the names loaded on first use
    from . import compat
    from .display.figures import figure
    from .display.gallery import write_gallery
    from .explorer import Explorer, write_explorer
    from .render.folders import render_folder

# Pages, figures, folders and the peers' pictures load when first used: a notebook
# that only calls heatmap() should not pay for them at import.
__getattr__, __dir__ = attach(__name__, {
    "figure": "display.figures", "write_gallery": "display.gallery",
    "Explorer": "explorer.widget", "write_explorer": "explorer.page",
    "render_folder": "render.folders", "compat": "compat"}, [])

__version__ = VERSION

__all__ = [
    # render (applying pipelines)
    "heatmap", "heatmap_batches", "save_heatmaps", "render_folder",
    # display (the results)
    "Heatmaps", "figure", "write_gallery",
    # explorer (the notebook widget and the offline page)
    "Explorer", "write_explorer",
    # core (the algebra)
    "Transform", "Pipeline", "Batch", "Stage", "Record", "IMAGENET_MEAN", "IMAGENET_STD",
    "TokenGrid", "window",
    # transforms: presets and reductions
    "PRESETS", "NormReduction", "SumReduction", "MaxAbsReduction", "SumAbsReduction",
    "AbsSumReduction", "CamSumReduction",
    # transforms: clipping and value ranges
    "PercentileClip", "CumulativeSumClip", "SignSelect", "ToUnitRange", "FromUnitRange",
    "Invert", "MinMaxScale",
    # transforms: colour
    "ExtremaColormap", "CenteredColormap", "LookupColormap",
    # transforms: geometry, resizing, padding, pooling, smoothing
    "FlipImage", "PermuteDims", "DropDims", "ResizeToImage", "Resize",
    "ResizeImageToHeatmap", "Pad", "PadToAspectRatio", "Crop", "Unpad", "pad_amounts",
    "AvgPool", "MaxPool", "GaussianSmooth",
    # transforms: views of volumes and clips
    "Slices", "Montage", "OrthoViews", "MaxProjection",
    # transforms: overlays
    "AlphaOverlay", "GrayOverlay", "MaskImage", "ChannelOrder", "GradCamOverlay",
    "HeatAlphaOverlay",
    # the peers' pictures as pipelines
    "compat",
    # cam (detector CAMs)
    "combine_cams", "CombineMaps", "BoxRenormalize", "letterbox", "letterbox_geometry",
    "unletterbox_boxes", "Letterbox", "Unletterbox", "DrawDetections",
    # keypoints
    "keypoints", "DrawKeypoints",
    # sample data
    "load_sample", "sample_data",
]
