"""
Overlays: CAMs over their images
================================

A class-activation map is small (7x7 here) and belongs over its image. The ``cam``
preset colours it, resizes the coloured map to the image and blends it with
``AlphaOverlay``. The opacity can be one number or a per-pixel plane, so weak
regions can stay fully transparent.
"""

import numpy as np

from visheat import AlphaOverlay, ExtremaColormap, ResizeToImage, SumReduction, figure, heatmap
from visheat.sample_data import load_sample

sample = load_sample()
print(sample.cam_method)
print("CAM shape", sample.cams.shape, "images", sample.images.shape)

# %%
# The preset
# ----------
# CAMs are a batch of maps, so the layout is ``"NHW"``. The figure shows each image,
# and the overlay with the colour bar of the CAM's own range (the model's units).
h = heatmap(sample.cams, sample.images, "cam", layout="NHW")
fig = figure(h, sample.images, titles=list(sample.labels))

# %%
# Transparent where the CAM is weak
# ---------------------------------
# Use the CAM itself, resized and normalised, as the alpha plane: one ``(H, W)``
# plane per sample.
strength = heatmap(sample.cams, sample.images,
                   SumReduction() | ExtremaColormap("gray") | ResizeToImage(),
                   layout="NHW").to_numpy()[..., 0] / 255.0
pipe = SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.8 * strength)
transparent = heatmap(sample.cams, sample.images, pipe, layout="NHW")
fig_transparent = figure(transparent, sample.images, titles=list(sample.labels), ncols=4)

# %%
# Without an overlay step, ``figure`` blends the heatmap itself and shows all three:
plain = heatmap(sample.cams, sample.images, SumReduction() | ExtremaColormap("jet")
                | ResizeToImage(), layout="NHW")
fig_three = figure(plain[:2], sample.images[:2], titles=list(sample.labels[:2]), alpha=0.4)
print(np.round(plain.value_ranges(), 3))
