"""
Your own transform
==================

A transform is a subclass of ``Transform`` (a frozen dataclass by itself, no decorator)
with one method, ``apply(batch)``. This one
smooths a map with a box filter; it declares that it takes maps, so a pipeline that
puts it after the colormap fails when it is built. A step that chooses a value range
records it, so colour bars stay truthful.
"""

import numpy as np

from visheat import CenteredColormap, Pipeline, Stage, SumReduction, Transform, figure, heatmap
from visheat.sample_data import load_sample


class BoxSmooth(Transform):
    """Average each map over a ``size`` x ``size`` window (edges repeat)."""

    size: int = 9
    takes = frozenset({Stage.MAP})

    def __post_init__(self):
        if not (isinstance(self.size, int) and self.size >= 1 and self.size % 2):
            raise ValueError(f"size: expected an odd positive int; got {self.size!r}.")

    def apply(self, batch):
        m, r = batch.data, self.size // 2
        padded = np.pad(m, ((0, 0), (r, r), (r, r)), mode="edge")
        total = padded.cumsum(axis=1).cumsum(axis=2)
        total = np.pad(total, ((0, 0), (1, 0), (1, 0)))
        s = self.size
        window = total[:, s:, s:] - total[:, :-s, s:] - total[:, s:, :-s] + total[:, :-s, :-s]
        return batch.replace(data=(window / s**2).astype(m.dtype))


sample = load_sample()
pipe = SumReduction() | BoxSmooth(15) | CenteredColormap("vik")
print(pipe)

# %%
# It works in a pipeline, and on plain arrays:
h = heatmap(sample.attributions, pipe)
fig = figure(h, titles=list(sample.labels))
print(BoxSmooth(3)(np.ones((1, 4, 4))).shape)

# %%
# The text form reads it when the class is on the allow-list:
print(Pipeline.parse("SumReduction() | BoxSmooth(15) | CenteredColormap('vik')",
                     transforms=[BoxSmooth]) == pipe)
try:
    CenteredColormap() | BoxSmooth()
except TypeError as err:
    print(err)
