"""
Reductions: from channels to one map
====================================

An attribution of an RGB image has three values per pixel. A *reduction* turns them
into one number per pixel before the colormap. Which one you choose decides what the
picture shows: the strength of the attribution, or its sign.
"""

import numpy as np
from matplotlib.figure import Figure

from visheat import (
    AbsSumReduction,
    CenteredColormap,
    ExtremaColormap,
    MaxAbsReduction,
    NormReduction,
    SumAbsReduction,
    SumReduction,
    figure,
    heatmap,
)
from visheat.sample_data import load_sample

sample = load_sample()
x = sample.attributions  # (4, 3, 224, 224): Integrated Gradients, NCHW
print(sample.method)

# %%
# Strength: norm, max-abs, sum of abs, abs of sum
# -----------------------------------------------
# These four give non-negative maps, drawn with a sequential colormap between each
# picture's own minimum and maximum.

reductions = {"NormReduction": NormReduction(), "MaxAbsReduction": MaxAbsReduction(),
              "SumAbsReduction": SumAbsReduction(), "AbsSumReduction": AbsSumReduction()}
rows = [0, 2]  # the astronaut and the cat
fig = Figure(figsize=(9, 4.8), layout="constrained")
axes = fig.subplots(len(rows), len(reductions))
for col, (name, reduction) in enumerate(reductions.items()):
    pictures = heatmap(x[rows], reduction | ExtremaColormap("batlow"))
    for row in range(len(rows)):
        axes[row, col].imshow(pictures[row])
        axes[row, col].set_axis_off()
    axes[0, col].set_title(name, fontsize="small")

# %%
# Sign: the plain sum
# -------------------
# ``SumReduction`` keeps the sign, so it belongs with a centred colormap: zero takes
# the middle colour and the colour bar is symmetric around it.

h = heatmap(x, SumReduction() | CenteredColormap("berlin"))
fig_sign = figure(h, titles=list(sample.labels))

# %%
# Each picture was scaled to its own ``[-m, m]``; the pipeline recorded it:
print(np.round(h.value_ranges(), 5))
