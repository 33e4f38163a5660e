"""
CAMs of a detector
==================

A detector explains each *box*: the CAM of one detection should be read inside that
box, scaled to the box's own range, and drawn over the full image. Detectors also
often run on a letterboxed (padded) input, so the CAM has to be cut back to the
image before it is resized.

.. note::

   A dedicated ``visheat.cam.combine`` module (box renormalisation and letterbox removal) is
   being built. This example does both steps with numpy on the built-in Grad-CAM
   maps and draws with ``ResizeToImage`` and ``AlphaOverlay``; it will be rewritten
   with that API.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from visheat import AlphaOverlay, ExtremaColormap, ResizeToImage, SumReduction, figure, heatmap
from visheat.sample_data import load_sample

sample = load_sample()
image, cam = sample.images[2], sample.cams[2]  # the cat; the CAM is 7x7 (stride 32)

# %%
# Letterbox: pretend the detector saw the image padded to 288x224 and produced a
# 9x7 CAM; the padding rows (one at the top and the bottom) are cut off again.
letterboxed = np.pad(cam, ((1, 1), (0, 0)), mode="constant")
unpadded = letterboxed[1:-1]
print(letterboxed.shape, "->", unpadded.shape, np.array_equal(unpadded, cam))

# %%
# Renormalise inside each detection box
# -------------------------------------
# Two boxes in image pixels (x0, y0, x1, y1). Each box's picture is coloured over the
# CAM's range *inside the box* and is transparent outside it (a per-pixel alpha).
boxes = {"cat face": (20, 40, 215, 215), "left eye": (40, 50, 115, 115)}
upsampled = ResizeToImage("bilinear")(unpadded[None], image=image)[0]  # 224x224 map
maps, alphas = [], []
for x0, y0, x1, y1 in boxes.values():
    inside = np.zeros(upsampled.shape, bool)
    inside[y0:y1, x0:x1] = True
    low = upsampled[inside].min()
    maps.append(np.where(inside, upsampled, low))  # outside: the box's lowest value
    alphas.append(0.6 * inside)

pipe = SumReduction() | ExtremaColormap("jet") | AlphaOverlay(np.stack(alphas))
h = heatmap(np.stack(maps), image, pipe, layout="NHW")
fig = figure(h, image, titles=list(boxes))
print({name: tuple(np.round(r, 3)) for name, r in zip(boxes, h.value_ranges())})

# %%
# The boxes over the whole-image CAM:
whole = heatmap(cam, image, "cam", layout="HW")
fig_boxes = Figure(figsize=(4, 4), layout="constrained")
ax = fig_boxes.subplots()
ax.imshow(whole[0])
for name, (x0, y0, x1, y1) in boxes.items():
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="white", lw=2))
    ax.text(x0 + 4, y0 + 14, name, color="white")
ax.set_axis_off()
