"""PercentileClip: exact per-sample quantiles, Julia's arithmetic."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import julia_quantile

from visheat import PercentileClip, heatmap
from visheat.core.batch import per_sample_rows
from visheat.testing import check_transform, maps, values
from visheat.transforms.clipping import sample_quantiles

PROBS = st.floats(0, 1)


@given(maps(max_n=3, max_side=6), PROBS, PROBS)
def test_quantiles_match_numpy_linear_and_the_julia_reference(m, p, q):
    if m.shape[0] == 0:
        return
    got = sample_quantiles(m, (p, q))
    flat = per_sample_rows(m).astype(np.float64)
    expected = np.quantile(flat, [p, q], axis=1, method="linear").T
    scale = 1e-6 * (1 + np.abs(flat).max())
    assert np.allclose(got, expected, rtol=1e-6, atol=scale)
    for i in range(m.shape[0]):
        assert got[i, 0] == pytest.approx(julia_quantile(list(flat[i]), p), rel=1e-6, abs=scale)


@given(maps(max_n=3, max_side=6), st.floats(0, 0.49), st.floats(0.51, 1))
def test_clipped_values_lie_within_the_recorded_bounds(m, lower, upper):
    clip = PercentileClip(lower, upper)
    out = check_transform(clip, m)
    bounds = sample_quantiles(m, (lower, upper))
    flat = per_sample_rows(out)
    assert (flat >= bounds[:, :1]).all() and (flat <= bounds[:, 1:]).all()
    inside = (per_sample_rows(m) >= bounds[:, :1]) & (per_sample_rows(m) <= bounds[:, 1:])
    assert np.array_equal(flat[inside], per_sample_rows(m)[inside])


@given(values(max_n=2, max_side=5))
def test_clip_works_on_channel_values(x):
    check_transform(PercentileClip(0.1, 0.9), x)


def test_default_bounds_clip_the_extreme_tails():
    m = np.arange(2000, dtype=np.float64).reshape(1, 40, 50)
    out = PercentileClip()(m)
    assert out.min() == pytest.approx(np.quantile(m, 0.001))
    assert out.max() == pytest.approx(np.quantile(m, 0.999))


def test_exact_path_promotes_float32_like_julia():
    m = np.arange(12, dtype=np.float32).reshape(1, 3, 4)
    assert PercentileClip()(m).dtype == np.float64


def test_bounds_are_recorded_for_colour_bars():
    m = np.arange(100, dtype=np.float64).reshape(1, 10, 10)
    h = heatmap(m, PercentileClip(0.1, 0.9) | __import__("visheat").ExtremaColormap(),
                layout="NHW")
    clip_record = h.records[0]
    assert clip_record.values["lo"][0] == pytest.approx(9.9)
    assert h.value_ranges()[0] == pytest.approx([9.9, 89.1])


@pytest.mark.parametrize("args, match", [
    ((0.5, 0.2), "lower: expected a number below upper=0.2"),
    ((0.2, 0.2), "lower: expected a number below upper=0.2"),
    ((-0.1, 0.5), r"lower: expected a number in \[0, 1\]"),
    ((0.1, 1.5), r"upper: expected a number in \[0, 1\]"),
    ((float("nan"), 0.5), "lower: expected a finite number"),
])
def test_out_of_range_probabilities_are_refused(args, match):
    with pytest.raises(ValueError, match=match):
        PercentileClip(*args)


def test_non_numbers_are_type_errors():
    with pytest.raises(TypeError, match="lower: expected a number"):
        PercentileClip("0.1", 0.9)
    with pytest.raises(TypeError, match="upper: expected a number"):
        PercentileClip(0.1, True)
