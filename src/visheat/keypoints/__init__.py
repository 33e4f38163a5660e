"""Keypoint heatmaps: targets, decoding, peaks, smoothing and drawing. May import
:mod:`visheat.core` and :mod:`visheat.transforms`.

Pose and landmark models answer with one confidence map per keypoint, in
visheat's NCHW layout: ``(N, K, H, W)``, channel = keypoint. This subpackage
makes training targets from points, reads points back as precisely as the maps
allow, and draws both, with one documented coordinate convention and named
presets for SLEAP's, mmpose's, HRNet's and imgaug's.

>>> import numpy as np
>>> from visheat import keypoints as kp
>>> points = np.array([[[20.3, 11.8], [7.0, 30.2]]])          # (N, K, 2) image (x, y)
>>> targets, weights = kp.gaussian_heatmaps(points, size=(16, 16), sigma=2.0, stride=4)
>>> decoded, scores = kp.decode(targets, "dark", stride=4)
>>> bool(np.abs(decoded - points).max() < 1e-4)
True
"""

from .conventions import (
    CONVENTIONS,
    Convention,
    blur_from_kernel_size,
    get_convention,
    to_heatmap,
    to_image,
)
from .decoding import METHODS, Decoded, decode
from .draw import PALETTE, DrawKeypoints, keypoint_grid, palette
from .peaks import LocalPeaks, find_global_peaks, find_local_peaks
from .smoothing import gaussian_kernel, smooth
from .targets import Targets, binary_heatmaps, gaussian_heatmaps

__all__ = [
    # conventions
    "Convention",
    "CONVENTIONS",
    "get_convention",
    "to_image",
    "to_heatmap",
    "blur_from_kernel_size",
    # targets
    "gaussian_heatmaps",
    "binary_heatmaps",
    "Targets",
    # decoding
    "decode",
    "Decoded",
    "METHODS",
    # peaks
    "find_global_peaks",
    "find_local_peaks",
    "LocalPeaks",
    # smoothing
    "smooth",
    "gaussian_kernel",
    # drawing
    "DrawKeypoints",
    "keypoint_grid",
    "palette",
    "PALETTE",
]
