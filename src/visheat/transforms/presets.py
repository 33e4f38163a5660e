"""Named pipelines, usable wherever a pipeline is: ``heatmap(x, "attribution")``.

``"sensitivity"`` (default)
    ``NormReduction() | ExtremaColormap("batlow")``
``"attribution"``
    ``SumReduction() | PercentileClip(0.01, 0.99) | CenteredColormap("vik")``
``"attribution-julia"``
    ``NormReduction() | CenteredColormap("berlin")``
``"cam"``
    ``CamSumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)``
``"gradcam"``
    ``CamSumReduction() | MinMaxScale(1e-07, relu=True) | ResizeToImage("bilinear") |
    MinMaxScale(1e-07, relu=True) | GradCamOverlay(0.5)``

``"sensitivity"`` and ``"cam"`` are VisionHeatmaps.jl's presets. ``"attribution"``
shows the sign: the channels are summed (a sum keeps the sign, as captum's
``visualize_image_attr(..., sign="all")`` does) and coloured symmetrically around
0, so positive evidence is red and negative evidence blue. Two choices make it
read at a glance (docs/attribution-preset.md shows the candidates and their
measured shares):

- the 1 % tails at each end are clipped (:class:`~visheat.PercentileClip`): one
  outlier no longer sets the colour range and leaves every other pixel at the
  centre colour. At most 2 % of the pixels saturate (captum's ``outlier_perc=2``
  clips 2 % of the magnitude mass instead), the colour bar stays in the map's own
  units, and the clip is fused into the colour lookup;
- ``vik`` (Crameri, like ``batlow`` and ``berlin``: perceptually uniform and
  readable with colour-vision deficiencies) has a light centre, so small values
  already move visibly away from it; ``berlin``'s centre is black, and so was most
  of every picture.

A map that is almost all exact zeros loses its detail to the clip (when 99 % of its
values are at most 0 and 99 % at least 0, both percentiles are 0 and the picture is one
colour): draw such maps with ``CumulativeSumClip(98)`` (captum's clip, by magnitude
mass, blind to zeros) in place of the percentile clip.

VisionHeatmaps.jl's ``:attribution`` takes the norm instead, which is never
negative: only the dark half of ``berlin`` is used and the colour bar shows a
negative half that cannot occur. It stays available as ``"attribution-julia"``
for pictures identical to Julia's.

The CAM presets sum a CAM's channels with ``CamSumReduction()`` (visheat.reductions),
the pictures of ``SumReduction()``, with a warning when a CAM has more than 4
channels: the depth of a 3-D CAM or a stack of layers' CAMs read as channels.

``"gradcam"`` draws raw CAMs the way pytorch-grad-cam does: ``max(cam, 0)``
scaled per CAM to [0, 1] as ``scale_cam_image`` does (``(cam - min) / (1e-7 +
max)``), resized bilinearly to the image (``cv2.resize``), scaled again (grad-cam
scales the layers' mean once more), then drawn like ``show_cam_on_image(img, cam,
use_rgb=True)`` (see :class:`~visheat.transforms.cam_overlays.GradCamOverlay`). CAMs that are
in [0, 1] already and have a 0 and a 1 pass the scaling unchanged up to 1e-7.

Examples
--------
>>> import numpy as np
>>> x = np.array([[[[1.0, -1.0]], [[1.0, -2.0]]]])        # (1, 2, 1, 2): signed values
>>> pictures = PRESETS["attribution"](x, dtype=np.float64)
>>> red, blue = pictures[0, 0, :, 0], pictures[0, 0, :, 2]
>>> red > blue                        # the positive sum is red, the negative one blue
array([ True, False])
>>> print(PRESETS["attribution"])
SumReduction() | PercentileClip(0.01, 0.99) | CenteredColormap('vik')
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ..core.errors import raise_unknown_name, type_error
from ..core.pipeline import Transform
from .cam_overlays import GradCamOverlay
from .clipping import PercentileClip
from .colormaps import CenteredColormap, ExtremaColormap
from .overlay import AlphaOverlay
from .ranges import MinMaxScale
from .reductions import CamSumReduction, NormReduction, SumReduction
from .resize import ResizeToImage

SENSITIVITY = NormReduction() | ExtremaColormap("batlow")
#: signed, readable: the 1 % tails clipped, a light centre (docs/attribution-preset.md)
ATTRIBUTION = SumReduction() | PercentileClip(0.01, 0.99) | CenteredColormap("vik")
ATTRIBUTION_JULIA = NormReduction() | CenteredColormap("berlin")
CAM = CamSumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)
#: grad-cam's ``scale_cam_image`` (eps 1e-7, after its ReLU), before and after the resize.
GRADCAM_SCALE = MinMaxScale(1e-7, relu=True)
GRADCAM = (CamSumReduction() | GRADCAM_SCALE | ResizeToImage("bilinear") | GRADCAM_SCALE
           | GradCamOverlay(0.5))

#: Read-only mapping of preset names to pipelines.
PRESETS = MappingProxyType({"sensitivity": SENSITIVITY, "attribution": ATTRIBUTION,
                            "attribution-julia": ATTRIBUTION_JULIA, "cam": CAM,
                            "gradcam": GRADCAM})


def as_pipeline(pipe: Any, argument: str = "pipe") -> Transform:
    """Accept a transform, a pipeline or a preset name; return a transform."""
    if isinstance(pipe, Transform):
        return pipe
    if isinstance(pipe, str):
        if pipe in PRESETS:
            return PRESETS[pipe]
        raise_unknown_name(argument, pipe, PRESETS, "preset")
    raise type_error(argument, "a Pipeline, a Transform or a preset name "
                     f"({', '.join(map(repr, PRESETS))})", pipe)
