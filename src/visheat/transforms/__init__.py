"""The transforms: one module per family. May import :mod:`visheat.core`.

``reductions`` (channels -> a map), ``clipping`` (percentiles, cumulative sums,
signs), ``colour`` (the colour arithmetic and 8-bit tables) apart from ``colormaps``
(the transforms that use it) and ``schemes`` (the read-only registry of colour
tables), ``geometry`` (flip, permute, drop axes), ``resize`` (every resize transform)
over ``resampling`` (the one vocabulary of methods and their weights), ``overlay`` and
``cam_overlays`` (pictures over images), ``padding``, ``pooling``, ``ranges``,
``smoothing``, ``views`` (slices, montages, orthogonal views and projections of
volumes and clips), ``presets`` (named pipelines) and ``peers`` (captum's, zennit's,
pytorch-grad-cam's and imgaug's pictures as pipelines; :mod:`visheat.compat`).
"""

from .cam_overlays import GradCamOverlay, HeatAlphaOverlay
from .clipping import CumulativeSumClip, PercentileClip, SignSelect
from .colormaps import CenteredColormap, ExtremaColormap, LookupColormap, RangeColormap
from .geometry import DropDims, FlipImage, PermuteDims
from .overlay import AlphaOverlay, ChannelOrder, GrayOverlay, MaskImage
from .padding import Crop, Pad, PadToAspectRatio, Unpad, pad_amounts
from .pooling import AvgPool, MaxPool
from .presets import PRESETS
from .ranges import FromUnitRange, Invert, MinMaxScale, ToUnitRange
from .reductions import (
    AbsSumReduction,
    CamSumReduction,
    ChannelReduction,
    MaxAbsReduction,
    NormReduction,
    SumAbsReduction,
    SumReduction,
)
from .resampling import METHODS as RESIZE_METHODS
from .resize import Resize, ResizeImageToHeatmap, ResizeToImage
from .smoothing import GaussianSmooth
from .views import MaxProjection, Montage, OrthoViews, Slices

__all__ = [
    "NormReduction", "SumReduction", "MaxAbsReduction", "SumAbsReduction",
    "AbsSumReduction", "CamSumReduction", "ChannelReduction",
    "PercentileClip", "CumulativeSumClip", "SignSelect",
    "ExtremaColormap", "CenteredColormap", "LookupColormap", "RangeColormap",
    "FlipImage", "PermuteDims", "DropDims",
    "ResizeToImage", "Resize", "ResizeImageToHeatmap", "RESIZE_METHODS",
    "AlphaOverlay", "GrayOverlay", "MaskImage", "ChannelOrder",
    "GradCamOverlay", "HeatAlphaOverlay",
    "Pad", "PadToAspectRatio", "Crop", "Unpad", "pad_amounts",
    "AvgPool", "MaxPool",
    "ToUnitRange", "FromUnitRange", "Invert", "MinMaxScale",
    "GaussianSmooth",
    "Slices", "Montage", "OrthoViews", "MaxProjection",
    "PRESETS",
]
