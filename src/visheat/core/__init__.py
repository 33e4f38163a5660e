"""The core: the algebra every other layer builds on. Imports numpy only.

- ``batch``: :class:`Batch`, the immutable record that flows through a pipeline, its
  :class:`Stage` (values ``(N, C, H, W)`` -> map ``(N, H, W)`` -> rgb ``(N, H, W, 3)``)
  and its :class:`Record` of provenance;
- ``pipeline``: :class:`Transform`, :class:`Pipeline`, ``|`` and the stage checks;
- ``spec``: the parser of a pipeline's text (``Pipeline.parse``), never ``eval``;
- ``layout``, ``images`` and ``inputs``: reading ``x`` and the images at the boundary
  (axis letters, frameworks' arrays, dtypes, finiteness) into one :class:`Batch`;
- ``tokens``: :class:`TokenGrid`, how transformer tokens (the layout letter L) lie on
  the image, and reading them into a patch grid;
- ``volumes``: the pictures of volumes and clips (layouts with D or T) and
  :func:`window` for scans;
- ``errors``: the one template of visheat's messages; ``limits``: memory limits;
- ``lazy``: names loaded on first use; ``version``.
"""

from .batch import Batch, Record, Stage
from .images import IMAGENET_MEAN, IMAGENET_STD
from .pipeline import Pipeline, Transform, option
from .tokens import TokenGrid
from .version import VERSION
from .volumes import window

__all__ = ["Batch", "Stage", "Record", "Transform", "Pipeline", "option", "TokenGrid",
           "IMAGENET_MEAN", "IMAGENET_STD", "VERSION", "window"]
