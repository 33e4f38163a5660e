"""PercentileClip: exact per-sample quantiles, Julia's arithmetic."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import julia_quantile

import visheat
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


# -- scope="slice": quantiles per slice (frame) of a volume (clip) ----------------------
def _volumes(draw_shape):
    n, c, d, h, w = draw_shape
    return st.builds(lambda seed, kind: _volume(seed, kind, (n, c, d, h, w)),
                     st.integers(0, 2**31), st.sampled_from(["normal", "ties", "heavy"]))


def _volume(seed, kind, shape):
    rng = np.random.default_rng(seed)
    return {"normal": rng.normal(size=shape), "ties": rng.integers(-2, 3, shape) * 1.0,
            "heavy": rng.standard_t(1, size=shape)}[kind]


@given(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(2, 4), st.integers(1, 4),
                 st.integers(1, 4)).flatmap(lambda s: st.tuples(_volumes(s), st.just(s))),
       st.floats(0, 0.49), st.floats(0.51, 1), st.booleans())
def test_slice_scope_clips_each_slice_to_its_own_numpy_quantiles(drawn, lower, upper, mapped):
    from visheat.core.batch import Batch, Stage

    x, (n, c, d, h, w) = drawn
    x = x[:, 0] if mapped else x  # (N, D, H, W) maps or (N, C, D, H, W) values
    folded = x.reshape(x.shape[:-3] + (d * h, w))
    batch = Batch(folded, Stage.MAP if mapped else Stage.VALUES, depth=d)
    got = PercentileClip(lower, upper, scope="slice").apply(batch)
    out = got.data.reshape(x.shape)
    for i in range(n):
        for k in range(d):
            sl = x[i, k] if mapped else x[i, :, k]  # a slice: every channel of it
            lo, hi = np.quantile(sl.ravel(), [lower, upper], method="linear")
            want = np.clip(sl, lo, hi)
            assert np.allclose(out[i, k] if mapped else out[i, :, k], want, rtol=1e-12,
                               atol=1e-12 * (1 + np.abs(sl).max()))
            assert got.records[-1].values["lo"][i, k] == pytest.approx(lo, rel=1e-12, abs=1e-12)
            assert got.records[-1].values["hi"][i, k] == pytest.approx(hi, rel=1e-12, abs=1e-12)
    assert got.depth == d and got.records[-1].values["lo"].shape == (n, d)


@given(maps(max_n=3, max_side=6), st.floats(0, 0.49), st.floats(0.51, 1))
def test_slice_scope_on_images_is_the_per_sample_clip(m, lower, upper):
    per_slice = check_transform(PercentileClip(lower, upper, scope="slice"), m)
    np.testing.assert_array_equal(per_slice, PercentileClip(lower, upper)(m))


def test_slice_scope_of_a_volume_differs_from_the_whole_volume():
    v = np.zeros((1, 2, 1, 3))
    v[0, 0, 0], v[0, 1, 0] = [0.0, 1.0, 2.0], [10.0, 20.0, 30.0]
    pipe = visheat.ExtremaColormap(scope="slice")
    per_slice = heatmap(v, PercentileClip(0.5, 1.0, scope="slice") | pipe, layout="NDHW",
                        dtype=np.float64)
    whole = heatmap(v, PercentileClip(0.5, 1.0) | pipe, layout="NDHW", dtype=np.float64)
    assert per_slice.value_ranges().tolist() == [[1.0, 2.0], [20.0, 30.0]]
    assert whole.records[0].values["lo"].tolist() == [6.0, 6.0]  # the volume's median, per slice
    one = heatmap(v[:, :1], PercentileClip(0.5, 1.0, scope="slice") | pipe, layout="NDHW")
    assert one.to_numpy().shape == (1, 1, 1, 3, 3)  # one slice: the volume's own quantiles


@pytest.mark.parametrize("scope", ["frame", "batch", "Slice", 1])
def test_unknown_clip_scopes_are_refused(scope):
    with pytest.raises(ValueError, match=r"scope: expected 'sample' \(the whole volume or "
                                         r"clip\) or 'slice'"):
        PercentileClip(scope=scope)


def test_scope_prints_only_when_set():
    assert repr(PercentileClip(0.01, 0.99)) == "PercentileClip(0.01, 0.99)"
    assert repr(PercentileClip(0.01, 0.99, scope="slice")) == \
        "PercentileClip(0.01, 0.99, scope='slice')"
