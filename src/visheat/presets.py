"""Named pipelines, usable wherever a pipeline is: ``heatmap(x, "attribution")``.

========================  =======================================================
name                      pipeline
========================  =======================================================
``"sensitivity"``         ``NormReduction() | ExtremaColormap("batlow")`` (default)
``"attribution"``         ``NormReduction() | CenteredColormap("berlin")``
``"cam"``                 ``SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)``
``"gradcam"``             ``SumReduction() | ResizeToImage("bilinear") | GradCamOverlay(0.5)``
========================  =======================================================

The first three are VisionHeatmaps.jl's presets. ``"gradcam"`` gives the pictures
of pytorch-grad-cam's ``show_cam_on_image(img, cam, use_rgb=True)`` for CAMs in
[0, 1] (see :class:`~visheat.cam_overlays.GradCamOverlay`).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ._errors import raise_unknown_name, type_error
from .cam_overlays import GradCamOverlay
from .colormaps import CenteredColormap, ExtremaColormap
from .geometry import ResizeToImage
from .overlay import AlphaOverlay
from .pipeline import Transform
from .reductions import NormReduction, SumReduction

SENSITIVITY = NormReduction() | ExtremaColormap("batlow")
ATTRIBUTION = NormReduction() | CenteredColormap("berlin")
CAM = SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)
GRADCAM = SumReduction() | ResizeToImage("bilinear") | GradCamOverlay(0.5)

#: Read-only mapping of preset names to pipelines.
PRESETS = MappingProxyType({"sensitivity": SENSITIVITY, "attribution": ATTRIBUTION, "cam": CAM,
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
