"""Batch-wide steps in two passes: the per-sample equivalent gives the one-pass pictures."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import (
    CenteredColormap,
    ExtremaColormap,
    HeatAlphaOverlay,
    NormReduction,
    PercentileClip,
    SumReduction,
    heatmap,
    heatmap_batches,
)
from visheat.core.pipeline import Transform
from visheat.render.twopass import batch_wide_steps, pipeline_stats, resolve
from visheat.testing import maps, values


def two_pass(x, pipe, layout, bounds, dtype=np.uint8, images=None):
    """Pictures rendered slice by slice with the statistics of a first pass."""
    def read(a, b):
        return x[a:b], None if images is None else images[a:b]

    per_sample = resolve(pipe, pipeline_stats(read, bounds, layout, dtype))
    assert per_sample.is_per_sample()
    parts = [heatmap(x[a:b], *(() if images is None else (images[a:b],)), per_sample,
                     layout=layout, dtype=dtype).to_numpy() for a, b in bounds]
    return np.concatenate(parts) if parts else np.zeros((0,))


def splits(n):
    """Slice bounds covering range(n) (some may be empty)."""
    return st.lists(st.integers(0, n), max_size=4).map(
        lambda cuts: list(zip([0] + sorted(cuts), sorted(cuts) + [n])))


limits = st.one_of(st.none(), st.floats(-2, 2, allow_nan=False))

colormaps = st.one_of(
    st.builds(lambda lo: ExtremaColormap("jet", vmin=lo, scope="batch"), limits),
    st.builds(lambda hi: ExtremaColormap("batlow", vmax=hi, scope="batch"), limits),
    st.builds(lambda hi: CenteredColormap("bwr", vmax=None if hi is None else abs(hi) + 0.5,
                                          scope="batch"), limits),
    st.just(HeatAlphaOverlay("gray", alpha=0.7, scope="batch")),
)


@given(maps(max_n=6), colormaps, st.sampled_from([np.uint8, np.float64]), st.data())
def test_two_passes_over_any_split_give_the_one_pass_pictures(m, colormap, dtype, data):
    bounds = data.draw(splits(m.shape[0]))
    if m.shape[0] == 0:
        bounds = [(0, 0)]
    expected = heatmap(m, colormap, layout="NHW", dtype=dtype).to_numpy()
    np.testing.assert_array_equal(two_pass(m, colormap, "NHW", bounds, dtype), expected)


@given(values(max_n=5, max_side=6), st.data())
def test_steps_before_the_batch_wide_one_run_in_the_first_pass(x, data):
    pipe = SumReduction() | PercentileClip() | CenteredColormap(scope="batch")
    bounds = data.draw(splits(x.shape[0])) if x.shape[0] else [(0, 0)]
    np.testing.assert_array_equal(two_pass(x, pipe, "NCHW", bounds),
                                  heatmap(x, pipe).to_numpy())


def test_constant_batches_keep_their_degenerate_answer():
    x = np.full((4, 3, 3), 2.5, np.float32)
    pipe = ExtremaColormap("jet", scope="batch")
    out = two_pass(x, pipe, "NHW", [(0, 1), (1, 4)], np.float64)
    np.testing.assert_array_equal(out, heatmap(x, pipe, layout="NHW", dtype=np.float64).to_numpy())
    zero = np.zeros((3, 2, 2))
    centred = two_pass(zero, CenteredColormap("bwr", scope="batch"), "NHW", [(0, 2), (2, 3)])
    np.testing.assert_array_equal(centred, heatmap(zero, CenteredColormap("bwr"), layout="NHW")
                                  .to_numpy())


def test_the_equivalent_step_fixes_the_batch_range():
    m = np.array([[[0.0, 1.0]], [[3.0, -2.0]]])
    fixed = ExtremaColormap("gray", scope="batch").with_stats(
        ExtremaColormap.combine_stats([ExtremaColormap("gray").partial_stats(
            heatmap_batch(m[i:i + 1])) for i in range(2)]))
    assert fixed == ExtremaColormap("gray", vmin=-2.0, vmax=3.0)
    assert ExtremaColormap(scope="sample").with_stats((0.0, 1.0)) == ExtremaColormap()
    assert ExtremaColormap(scope="batch").with_stats(None) == ExtremaColormap()


def heatmap_batch(m):
    from visheat.core.batch import Batch, Stage

    return Batch(m, Stage.MAP)


def test_non_finite_maps_are_refused_in_the_first_pass():
    m = np.array([[[0.0, np.inf]]])
    with pytest.raises(ValueError, match="finite values in the map"):
        two_pass(m, NormReduction() | ExtremaColormap(scope="batch"), "NHW", [(0, 1)])


def test_a_batch_wide_step_without_the_protocol_is_refused_with_a_hint():
    class Whole(Transform):
        per_sample = False
        takes = ExtremaColormap.takes
        gives = ExtremaColormap.gives

        def apply(self, batch):  # pragma: no cover - never run
            return batch

    with pytest.raises(ValueError, match=r"pipe: expected batch-wide steps that can run in "
                                         r"two passes.*step 2.*Use heatmap\(\)"):
        batch_wide_steps(NormReduction() | Whole())


def extremes_in(sample_low, sample_high, n=10):
    """Maps whose lowest and highest values are in the samples given, nowhere else."""
    m = np.random.default_rng(3).random((n, 5, 6))
    m[sample_low, 2, 3], m[sample_high, 4, 1] = -7.0, 9.0
    return m


@pytest.mark.parametrize("low, high", [(9, 9), (0, 9), (5, 9), (9, 5), (5, 5)])
def test_the_batch_range_comes_from_every_slice_not_the_first(low, high):
    # slices of 4: samples 0-3, 4-7 and 8-9; the extremes in the middle or last one
    m = extremes_in(low, high)
    pipe = ExtremaColormap("jet", scope="batch")
    bounds = [(0, 4), (4, 8), (8, 10)]
    stats_of = pipeline_stats(lambda a, b: (m[a:b], None), bounds, "NHW")
    assert resolve(pipe, stats_of)[0] == ExtremaColormap("jet", vmin=-7.0, vmax=9.0)
    expected = heatmap(m, pipe, layout="NHW").to_numpy()
    np.testing.assert_array_equal(two_pass(m, pipe, "NHW", bounds), expected)
    streamed = [h.to_numpy() for h in heatmap_batches(m, pipe, batch_size=4, layout="NHW")]
    np.testing.assert_array_equal(np.concatenate(streamed), expected)
