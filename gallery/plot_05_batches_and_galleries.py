"""
Batches, notebooks and HTML galleries
=====================================

``heatmap`` renders a whole batch at once and returns a ``Heatmaps`` sequence:
``h[i]`` is a PIL image, ``h.to_numpy()`` one ``(N, H, W, 3)`` array, and in a
notebook the batch shows as a grid of thumbnails captioned with their value range
(the output of the last line below). ``write_gallery`` writes the same batch as a
static page that opens from ``file://`` without a network.
"""

import tempfile
from pathlib import Path

from visheat import figure, heatmap, write_gallery
from visheat.sample_data import load_sample

sample = load_sample()
h = heatmap(sample.attributions, "attribution")
print(len(h), h.to_numpy().shape, h[0].size)
h  # noqa: B018 - the last expression of a cell: in a notebook, the grid below

# %%
# A figure with captions
# ----------------------
# Captions are strings or dicts with a label, a score and a method.
captions = [{"label": label, "score": float(sample.probabilities[i, i]),
             "method": "Integrated Gradients"} for i, label in enumerate(sample.labels)]
fig = figure(h, sample.images, titles=captions, ncols=2)

# %%
# A gallery
# ---------
# One card per sample with the image, the heatmap, the overlay, the caption and the
# colour bar. Captions are escaped, file names come from sanitised labels, and every
# file is written atomically. ``self_contained=True`` writes a single file instead.
out = Path(tempfile.mkdtemp())
page = write_gallery(out / "gallery", h, sample.images, captions)
print(page.name, sorted(p.name for p in (page.parent / "files").iterdir())[:5], "...")
single = write_gallery(out / "single", h, sample.images, captions, self_contained=True)
print(single.name, f"{single.stat().st_size / 1e6:.1f} MB, one file")

# %%
# The same from the command line (any ``.npy`` or ``.npz`` input, rendered in slices):
#
# .. code-block:: bash
#
#    visheat gallery attributions.npy --pipe attribution --images photos/ --out gallery/
