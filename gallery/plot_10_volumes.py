"""
Volumes and clips
=================

3-D CNNs in medical imaging and video models give CAMs and attributions with one more
axis: depth (D) or time (T). ``layout="NCDHW"`` (or ``"NDHW"``, ``"NTCHW"``, ``"NTHW"``,
any order) reads them; a sample is the whole volume or clip, so its colour range covers
every slice (one value, one colour) and ``ResizeToImage`` resamples depth too
(trilinear, as PyTorch's ``interpolate``). Without a view you get one picture per
slice; ``Slices``, ``Montage``, ``OrthoViews`` and ``MaxProjection`` make one picture
per volume.

This example builds a synthetic phantom (no patient data): a head of ellipsoids in
Hounsfield units with a lesion, and a low-resolution CAM that peaks over the lesion.
"""

import matplotlib.pyplot as plt
import numpy as np

from visheat import (
    AlphaOverlay,
    ExtremaColormap,
    MaxProjection,
    Montage,
    OrthoViews,
    ResizeToImage,
    Slices,
    SumReduction,
    figure,
    heatmap,
    window,
)

D, H, W = 32, 64, 56
z, y, x = np.meshgrid(np.linspace(-1, 1, D), np.linspace(-1, 1, H), np.linspace(-1, 1, W),
                      indexing="ij")


def inside(cz, cy, cx, rz, ry, rx):
    return ((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1


ct = np.full((D, H, W), -1000.0)                       # air
ct[inside(0, 0, 0, 0.95, 0.9, 0.8)] = 900.0            # skull
ct[inside(0, 0, 0, 0.87, 0.82, 0.72)] = 35.0           # brain
ct[inside(0.1, -0.1, -0.15, 0.3, 0.2, 0.08)] = 5.0     # ventricles
ct[inside(0.1, -0.1, 0.15, 0.3, 0.2, 0.08)] = 5.0
ct[inside(0.3, 0.35, 0.35, 0.15, 0.15, 0.15)] = 70.0   # a lesion

# A CAM of a 3-D CNN: one channel at a quarter of the resolution, (N, C, D, H, W).
cz, cy, cx = np.meshgrid(np.linspace(-1, 1, D // 4), np.linspace(-1, 1, H // 4),
                         np.linspace(-1, 1, W // 4), indexing="ij")
cam = np.exp(-((cz - 0.3) ** 2 + (cy - 0.35) ** 2 + (cx - 0.35) ** 2) / 0.1)[None, None]

# %%
# The scan as grey levels: a window
# ---------------------------------
# ``window(ct, "brain")`` maps level 40 +- 40 HU to 0..255 (presets for lung, bone,
# liver ...; ``window(mr, percentiles=(1, 99))`` for an MR). The grey (1, D, H, W)
# volume is read beside the CAM with the CAM's letters: N, D, H, W.
grey = window(ct, "brain")[None]
pipe = SumReduction() | ExtremaColormap("inferno") | ResizeToImage("bilinear") \
    | AlphaOverlay(0.45)
slices = heatmap(cam, grey, pipe, layout="NCDHW")
print(slices.to_numpy().shape)  # (1, 32, 64, 56, 3): one picture per slice

# %%
# Views: a montage, orthogonal slices through the peak, projections
# -----------------------------------------------------------------
# Coronal and sagittal views put slice 0 at the bottom (superior up); ``spacing``
# (dz, dy, dx) makes the voxels square: here slices twice as thick as the pixels.
montage = heatmap(cam, grey, pipe | Montage(every=4, cols=4), layout="NCDHW").to_numpy()[0]
ortho = heatmap(cam, grey, pipe | OrthoViews("peak", spacing=(2, 1, 1)),
                layout="NCDHW").to_numpy()[0]
coronal = heatmap(cam, grey, pipe | Slices("H", 44, spacing=(2, 1, 1)),
                  layout="NCDHW").to_numpy()[0]
mip = heatmap(cam, grey, SumReduction() | ResizeToImage("bilinear") | MaxProjection("D")
              | ExtremaColormap("inferno") | AlphaOverlay(0.45), layout="NCDHW").to_numpy()[0]

fig, axes = plt.subplots(1, 4, figsize=(14, 4), width_ratios=[2.4, 2.6, 1, 1])
for ax, picture, title in zip(axes, [montage, ortho, coronal, mip],
                              ["Montage(every=4)", "OrthoViews('peak')", "Slices('H', 44)",
                               "MaxProjection('D')"]):
    ax.imshow(picture, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
fig.tight_layout()

# %%
# One range per volume, or per slice
# ----------------------------------
# The colour range spans the whole volume: the faint edge slices stay faint. With
# ``scope="slice"`` each slice gets its own range (recorded as one per picture).
per_volume = heatmap(cam, SumReduction() | ExtremaColormap("inferno"), layout="NCDHW")
per_slice = heatmap(cam, SumReduction() | ExtremaColormap("inferno", scope="slice"),
                    layout="NCDHW")
fig2, axes2 = plt.subplots(2, 8, figsize=(12, 3.4))
for row, (h, name) in enumerate([(per_volume, "volume"), (per_slice, "slice")]):
    for k in range(8):
        axes2[row, k].imshow(h.to_numpy()[0, k], interpolation="nearest")
        axes2[row, k].set_title(f"{name} range, D={k}", fontsize=7)
        axes2[row, k].axis("off")
fig2.tight_layout()

# %%
# A figure of the slices, with the volume's colour bar
# ----------------------------------------------------
# ``figure`` draws a volume as a montage of its slices, each titled with its index, and
# one colour bar: the range of that volume (with ``scope="slice"``, a bar per slice).
# ``every=`` or ``frames=`` choose the slices, ``ncols=`` the panels per row; ``h[a:b]``
# keeps whole volumes.
fig3 = figure(per_volume, ncols=4, panel_size=1.4)  # all 8 slices of the CAM, 4 a row
