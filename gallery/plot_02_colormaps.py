"""
Colormaps: sequential, diverging, and Julia's exact colours
===========================================================

A colormap turns each map into a picture. ``ExtremaColormap`` spreads a sequential
scheme over each picture's minimum to maximum; ``CenteredColormap`` spreads a
diverging scheme over ``[-m, m]`` so zero is always the middle colour. Every
matplotlib, colorcet and Crameri colormap is available by name, ``"_r"`` reverses one,
and a ``(K, 3)`` table of colours works too.
"""

from matplotlib.figure import Figure

from visheat import CenteredColormap, ExtremaColormap, NormReduction, SumReduction, heatmap
from visheat.sample_data import load_sample
from visheat.transforms.schemes import kind_of, list_names

sample = load_sample()
cat = sample.attributions[2:3]

# %%
# The registry is labelled by kind:
for kind in ("sequential", "diverging", "cyclic"):
    print(f"{kind:11s} {len(list_names(kind=kind)):4d} names, e.g. {list_names(kind=kind)[:4]}")
print(kind_of("batlow"), kind_of("berlin"), kind_of("fire"))

# %%
# One map, many schemes
# ---------------------
# Names are resolved when the transform is built, so a typo fails at once with a
# "did you mean". ``"colorschemes:jet"`` is ColorSchemes.jl's jet (9 stops), which
# differs from matplotlib's ``"jet"``.

names = ["batlow", "viridis", "fire", "batlow_r", "jet", "colorschemes:jet",
         [[0, 0, 0], [1, 0.5, 0], [1, 1, 1]]]
fig = Figure(figsize=(10, 2.2), layout="constrained")
axes = fig.subplots(1, len(names))
for ax, name in zip(axes, names):
    ax.imshow(heatmap(cat, NormReduction() | ExtremaColormap(name))[0])
    ax.set_title(name if isinstance(name, str) else "a colour table", fontsize="x-small")
    ax.set_axis_off()

# %%
# Diverging schemes for signed maps
# ---------------------------------
fig_diverging = Figure(figsize=(8, 2.4), layout="constrained")
axes = fig_diverging.subplots(1, 4)
for ax, name in zip(axes, ["berlin", "vik", "bwr", "RdBu_r"]):
    ax.imshow(heatmap(cat, SumReduction() | CenteredColormap(name))[0])
    ax.set_title(f"{name} ({kind_of(name)})", fontsize="x-small")
    ax.set_axis_off()
