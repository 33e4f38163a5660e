"""The peers' pictures as visheat pipelines: captum, zennit, pytorch-grad-cam, imgaug.

The public name of :mod:`visheat.transforms.peers` (where the code lives, beside the
transforms it combines). Each function returns an ordinary :class:`~visheat.Pipeline`:

>>> from visheat import compat
>>> compat.show_cam_on_image()
Pipeline(
  GradCamOverlay(0.5),
)
"""

from .transforms.peers import (
    draw_on_image,
    imgify,
    show_cam_on_image,
    visualize_image_attr,
    zennit_table,
)

__all__ = ["show_cam_on_image", "visualize_image_attr", "imgify", "zennit_table",
           "draw_on_image"]
