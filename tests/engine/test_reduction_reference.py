"""Every channel reduction, run by the compiled engine, against the scalar reference.

The reference is ``tests/reference.py``'s ``reduce_pixel`` (VisionHeatmaps.jl's
arithmetic, one pixel at a time, written from the specification). Every
``ChannelReduction`` visheat exports runs on 1, 2, 3 (one loop for RGB), 4 and 7
channels, through the engine's entry point and through ``heatmap``: fused with
the colormap (one compiled pass per sample) and step by step (a batch-wide colour
range stops the fusion), in float32 and float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import colour, reduce_batch

import visheat
from visheat import ExtremaColormap
from visheat.core.batch import Batch, Stage
from visheat.engine import kernel_for, run
from visheat.transforms.reductions import ChannelReduction

pytestmark = [pytest.mark.usefixtures("compiled_kernels"),
              # CamSumReduction sums many channels as asked, with a warning tested in
              # tests/transforms/test_picture_warnings.py; here only the sums count
              pytest.mark.filterwarnings("ignore:x. expected a CAM of at most:UserWarning")]

REDUCTIONS = sorted((obj for obj in vars(visheat).values() if isinstance(obj, type)
                     and issubclass(obj, ChannelReduction) and obj is not ChannelReduction),
                    key=lambda cls: cls.__name__)
CHANNELS = [1, 2, 3, 4, 7]


def test_every_reduction_is_covered():
    assert {cls.__name__ for cls in REDUCTIONS} >= {
        "SumReduction", "NormReduction", "MaxAbsReduction", "SumAbsReduction",
        "AbsSumReduction"}


def _values(c: int, dtype: type, n: int = 3) -> np.ndarray:
    rng = np.random.default_rng(c)
    x = rng.standard_t(3, size=(n, c, 9, 11))
    x[:, :, 0, 0] = 0.0  # zeros, and a pixel where every channel ties in size
    x[:, :, 1, 1] = np.where(np.arange(c) % 2, -1.5, 1.5)
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", CHANNELS)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda cls: cls.__name__)
def test_the_engine_reduces_as_the_reference(reduction, c, dtype):
    x = _values(c, dtype)
    batch = Batch(x, Stage.VALUES, dtype=np.dtype(np.uint8))
    step = reduction()
    if c > 1:  # the compiled kernel takes it (it leaves a lone channel to numpy)
        assert kernel_for(step)(step, batch) is not None
    result = run(step, batch)
    expected = reduce_batch(x, step.how)
    assert result.data.dtype == expected.dtype
    np.testing.assert_array_equal(result.data, expected)


@pytest.mark.parametrize("scope", ["sample", "batch"])  # fused; step by step
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", CHANNELS)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=lambda cls: cls.__name__)
def test_heatmap_colours_the_reference_map(reduction, c, dtype, scope):
    """The colour range recorded is the reference map's, to the bit; every colour is the
    exact gray of the reference value, give or take the 8-bit table's one level."""
    x = _values(c, dtype)
    colormap = ExtremaColormap("gray", scope=scope)
    hm = visheat.heatmap(x, reduction() | colormap)
    m = reduce_batch(x, reduction.how)
    rows = m.reshape(len(m), -1)
    lo, hi = rows.min(axis=1), rows.max(axis=1)
    if scope == "batch":
        lo, hi = np.full_like(lo, lo.min()), np.full_like(hi, hi.max())
    ranges = hm.value_ranges()
    np.testing.assert_array_equal(ranges[:, 0], lo)
    np.testing.assert_array_equal(ranges[:, 1], hi)
    stops = colormap.stops
    exact = np.array([[colour(v, lo[i], hi[i], stops, dtype)[0] for v in rows[i]]
                      for i in range(len(m))]) * 255
    got = hm.to_numpy()[..., 0].reshape(len(m), -1).astype(float)
    assert np.abs(got - exact).max() <= 0.5 + 1  # rounding, and the table's one level
