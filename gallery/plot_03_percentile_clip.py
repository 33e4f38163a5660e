"""
Percentile clipping: readable pictures despite outliers
=======================================================

A few very large attributions stretch the colour range so far that the rest of the
picture is one colour. ``PercentileClip`` clips each sample to its own quantiles
before the colormap. The colour bar then shows the clipped range: the end colours
stand for "this much or more".
"""

import numpy as np

from visheat import ExtremaColormap, NormReduction, PercentileClip, figure, heatmap
from visheat.sample_data import load_sample

sample = load_sample()
x = sample.attributions[:2]

# %%
# Without clipping, the brightest pixels decide the scale:
plain = heatmap(x, NormReduction() | ExtremaColormap("inferno"))
fig_plain = figure(plain, titles=["astronaut, full range", "coffee, full range"])

# %%
# Clipped to the 1st and 99th percentiles, the structure shows; the colour bars say
# "(clipped)" and span the clipped range, read from the pipeline's record:
clipped = heatmap(x, NormReduction() | PercentileClip(0.01, 0.99) | ExtremaColormap("inferno"))
fig_clipped = figure(clipped, titles=["astronaut, clipped", "coffee, clipped"])

for i in range(2):
    info = clipped.colorbar_info(i)
    print(f"sample {i}: full {plain.colorbar_info(i)[:2]}, clipped ({info.lo:.3g}, {info.hi:.3g})")

# %%
# The bounds are the samples' own quantiles (Julia's and numpy's linear definition):
norms = np.sqrt((np.asarray(x, np.float64) ** 2).sum(axis=1)).reshape(2, -1)
print(np.quantile(norms, [0.01, 0.99], axis=1).T)
