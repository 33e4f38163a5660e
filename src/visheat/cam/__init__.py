"""Detector CAMs: several maps combined, renormalised in boxes, letterboxed inputs,
boxes and labels drawn. May import :mod:`visheat.core` and :mod:`visheat.transforms`.

``combine`` (:func:`combine_cams`, :class:`CombineMaps`, :class:`BoxRenormalize`),
``boxes`` (box arrays and their checks), ``letterboxing`` (:func:`letterbox` and its
inverse, as ultralytics pads), ``detections`` (:class:`DrawDetections`).
"""

from .combine import BoxRenormalize, CombineMaps, combine_cams
from .detections import DrawDetections
from .letterboxing import Letterbox, Unletterbox, letterbox, letterbox_geometry, unletterbox_boxes

__all__ = ["combine_cams", "CombineMaps", "BoxRenormalize", "DrawDetections", "letterbox",
           "letterbox_geometry", "unletterbox_boxes", "Letterbox", "Unletterbox"]
