"""Named pipelines, usable wherever a pipeline is: ``heatmap(x, "attribution")``.

========================  =======================================================
name                      pipeline
========================  =======================================================
``"sensitivity"``         ``NormReduction() | ExtremaColormap("batlow")`` (default)
``"attribution"``         ``NormReduction() | CenteredColormap("berlin")``
``"cam"``                 ``SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)``
========================  =======================================================

These are VisionHeatmaps.jl's presets.
"""

from __future__ import annotations

from types import MappingProxyType

from .colormaps import CenteredColormap, ExtremaColormap
from .geometry import ResizeToImage
from .overlay import AlphaOverlay
from .reductions import NormReduction, SumReduction

SENSITIVITY = NormReduction() | ExtremaColormap("batlow")
ATTRIBUTION = NormReduction() | CenteredColormap("berlin")
CAM = SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)

#: Read-only mapping of preset names to pipelines.
PRESETS = MappingProxyType({"sensitivity": SENSITIVITY, "attribution": ATTRIBUTION, "cam": CAM})
