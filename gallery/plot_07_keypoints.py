"""
Keypoint confidence maps
========================

Pose and landmark models predict one confidence map per keypoint, usually a
Gaussian bump around each point. Colour the maps like any other batch of maps
(layout ``"NHW"``), overlay them on the image, and mark the peaks.

.. note::

   The dedicated ``visheat.keypoints`` module (Gaussian targets, peak decoding with
   sub-pixel refinement, drawing points) is being built; until it lands this example
   makes the bumps with numpy and finds the peaks with ``argmax``. It will be
   rewritten with that API.
"""

import numpy as np
from matplotlib.figure import Figure

from visheat import AlphaOverlay, ExtremaColormap, ResizeToImage, SumReduction, figure, heatmap
from visheat.sample_data import load_sample

sample = load_sample()
cat = sample.images[2]
points = np.array([[75.0, 82.0], [177.0, 92.0], [134.0, 170.0]])  # (x, y): eyes and nose
names = ["left eye", "right eye", "nose"]

# %%
# Gaussian bumps on a 56x56 grid (stride 4), one map per keypoint
# ----------------------------------------------------------------
stride, sigma = 4, 2.0
ys, xs = np.mgrid[0:56, 0:56] * stride + stride / 2
maps = np.stack([np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * (sigma * stride) ** 2))
                 for x, y in points])
print(maps.shape, maps.max())

# %%
# Each keypoint's map over the photograph. Confidences are probabilities, so the
# colormap uses the fixed range [0, 1] (``vmin``, ``vmax``) and the colour bars say so:
pipe = (SumReduction() | ExtremaColormap("fire", vmin=0, vmax=1) | ResizeToImage()
        | AlphaOverlay(0.6))
h = heatmap(maps, cat, pipe, layout="NHW")
fig = figure(h, cat, titles=names)

# %%
# All keypoints in one picture, with the decoded peaks marked
# -----------------------------------------------------------
combined = heatmap(maps.max(axis=0), cat, "cam", layout="HW")
peaks = [np.unravel_index(m.argmax(), m.shape) for m in maps]
fig_points = Figure(figsize=(4, 4), layout="constrained")
ax = fig_points.subplots()
ax.imshow(combined[0])
for (row, col), name in zip(peaks, names):
    x, y = col * stride + stride / 2, row * stride + stride / 2
    ax.plot(x, y, "o", mfc="none", mec="white", ms=10, mew=2)
    ax.annotate(name, (x, y), xytext=(6, -6), textcoords="offset points", color="white")
ax.set_axis_off()
