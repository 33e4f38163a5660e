"""visheat: readable heatmaps from vision models.

Transforms chain with ``|`` into a :class:`Pipeline`; :func:`heatmap` applies one
to a whole batch of attributions, saliency maps or CAMs and returns pictures.

>>> import numpy as np, visheat
>>> x = np.random.default_rng(1).normal(size=(4, 3, 32, 32)).astype(np.float32)
>>> visheat.heatmap(x, "attribution").to_numpy().shape
(4, 32, 32, 3)
"""

from . import (
    keypoints,
    sample_data,  # numpy and Pillow only: cheap to import
)
from .batch import Batch, Record, Stage
from .cam import BoxRenormalize, CombineMaps, combine_cams
from .cam_overlays import GradCamOverlay, HeatAlphaOverlay
from .clipping import CumulativeSumClip, PercentileClip, SignSelect
from .colormaps import CenteredColormap, ExtremaColormap, LookupColormap
from .detections import DrawDetections
from .geometry import DropDims, FlipImage, PermuteDims, ResizeToImage
from .heatmap import heatmap
from .images import IMAGENET_MEAN, IMAGENET_STD
from .keypoints import DrawKeypoints
from .letterbox import Letterbox, Unletterbox, letterbox, letterbox_geometry, unletterbox_boxes
from .overlay import AlphaOverlay, ChannelOrder, GrayOverlay, MaskImage
from .padding import Crop, Pad, PadToAspectRatio, Unpad, pad_amounts
from .pipeline import Pipeline, Transform
from .pooling import AvgPool, MaxPool
from .presets import PRESETS
from .ranges import FromUnitRange, Invert, MinMaxScale, ToUnitRange
from .reductions import (
    AbsSumReduction,
    MaxAbsReduction,
    NormReduction,
    SumAbsReduction,
    SumReduction,
)
from .results import Heatmaps
from .sample_data import load_sample
from .scaling import Resize, ResizeImageToHeatmap
from .smoothing import GaussianSmooth
from .stream import heatmap_batches, save_heatmaps
from .version import VERSION

# Pages, figures, folders and the peers' pictures load when first used: a notebook
# that only calls heatmap() should not pay for them at import.
_LAZY = {"Explorer": "explorer", "write_explorer": "explorer", "figure": "figure",
         "render_folder": "folders", "write_gallery": "gallery", "compat": "compat"}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'visheat' has no attribute {name!r}")
    import importlib

    found = importlib.import_module(f".{module}", __name__)
    value = found if name == "compat" else getattr(found, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

__version__ = VERSION


__all__ = [
    # applying pipelines
    "heatmap",
    "heatmap_batches",
    "save_heatmaps",
    "Heatmaps",
    "PRESETS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    # sample data
    "load_sample",
    "sample_data",
    # figures and galleries
    "figure",
    "write_gallery",
    "write_explorer",
    "Explorer",
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
    # heatmap operations
    "ToUnitRange",
    "FromUnitRange",
    "Invert",
    "MinMaxScale",
    "Pad",
    "PadToAspectRatio",
    "Crop",
    "Unpad",
    "pad_amounts",
    "AvgPool",
    "MaxPool",
    "Resize",
    "ResizeImageToHeatmap",
    "GaussianSmooth",
    # CAM workflow
    "combine_cams",
    "CombineMaps",
    "BoxRenormalize",
    "letterbox",
    "letterbox_geometry",
    "unletterbox_boxes",
    "Letterbox",
    "Unletterbox",
    "DrawDetections",
    "GradCamOverlay",
    "ChannelOrder",
    "GrayOverlay",
    "MaskImage",
    "CumulativeSumClip",
    "SignSelect",
    "LookupColormap",
    "compat",
    "HeatAlphaOverlay",
    "render_folder",
]
