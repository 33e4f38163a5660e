"""Unit and property tests of visheat.keypoints (targets, decoding, peaks, smoothing)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import keypoints as kp

# -- conventions -------------------------------------------------------------------


@given(st.integers(1, 8), st.integers(1, 40), st.integers(-2, 1000), st.floats(-0.5, 1.0))
def test_flipping_the_image_flips_the_heatmap_exactly(stride, width, quarter, t):
    i = min(quarter / 4 - 0.5, width - 0.5)       # grid indices and quarter pixels: exact
    x = kp.to_image([[i, 0.0]], stride)[0, 0]
    assert kp.to_image([[width - 1 - i, 0.0]], stride)[0, 0] == stride * width - 1 - x
    j = t * (width - 0.5)                         # anywhere else: to rounding
    x = kp.to_image([[j, 0.0]], stride)[0, 0]
    assert np.isclose(kp.to_image([[width - 1 - j, 0.0]], stride)[0, 0],
                      stride * width - 1 - x, rtol=0, atol=1e-12 * stride * width)


def test_extents_line_up():
    assert kp.to_image([[-0.5, -0.5], [15.5, 7.5]], 4).tolist() == [[-0.5, -0.5], [63.5, 31.5]]


def test_unknown_convention_suggests_names():
    with pytest.raises(ValueError, match="Did you mean 'sleap'"):
        kp.decode(np.ones((1, 3, 3)), convention="sleep")


# -- targets ------------------------------------------------------------------------


def test_unbiased_target_peaks_at_one_on_the_exact_point():
    maps, w = kp.gaussian_heatmaps([[8.5, 4.5]], (4, 6), 1.0, stride=2)
    assert maps[0, 2, 4] == 1.0 and w.tolist() == [1.0]


@pytest.mark.parametrize("point, visible", [([np.nan, 2.0], None), ([2.0, 2.0], [False]),
                                            ([-0.6, 2.0], None), ([2.0, 4.6], None)])
def test_missing_invisible_and_outside_points_give_empty_channels(point, visible):
    maps, w = kp.gaussian_heatmaps([point], (5, 5), 1.0, visible=visible)
    assert w.tolist() == [0.0] and not maps.any()


def test_batch_shapes_and_weights():
    pts = np.zeros((3, 4, 2)) + 2
    maps, w = kp.gaussian_heatmaps(pts, (5, 6), 1.0, kind="udp")
    assert maps.shape == (3, 4, 5, 6) and maps.dtype == np.float32 and w.shape == (3, 4)


@pytest.mark.parametrize("kwargs, match", [
    (dict(sigma=0.0), r"sigma: expected a number in \(0, inf\]"),
    (dict(sigma=1.0, size=(0, 3)), r"size: expected a pair \(H, W\)"),
    (dict(sigma=1.0, stride=-1), "stride: expected a positive number"),
    (dict(sigma=1.0, kind="gauss"), "kind: expected one of 'unbiased'"),
    (dict(sigma=1.0, visible=[True, False, True]), "visible: expected flags of shape"),
])
def test_target_argument_errors(kwargs, match):
    kwargs = {"size": (4, 4), **kwargs}
    with pytest.raises(ValueError, match=match):
        kp.gaussian_heatmaps([[1.0, 1.0]], **kwargs)


def test_points_must_be_pairs():
    with pytest.raises(ValueError, match=r"points: expected a \(K, 2\) or \(N, K, 2\)"):
        kp.gaussian_heatmaps(np.zeros((2, 3)), (4, 4), 1.0)


def test_randomized_rounding_is_seeded_and_unbiased():
    a = kp.binary_heatmaps([[3.3, 1.8]], (4, 8), rng=np.random.default_rng(5)).heatmaps
    b = kp.binary_heatmaps([[3.3, 1.8]], (4, 8), rng=np.random.default_rng(5)).heatmaps
    assert np.array_equal(a, b) and a.sum() == 1
    rng = np.random.default_rng(0)
    hits = np.array([np.unravel_index(kp.binary_heatmaps([[3.3, 1.8]], (4, 8), rng=rng)
                                      .heatmaps[0].argmax(), (4, 8)) for _ in range(3000)])
    assert np.allclose(hits.mean(axis=0), [1.8, 3.3], atol=0.03)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        kp.binary_heatmaps([[1.0, 1.0]], (4, 4), rng=3)


# -- round trip, permutation, batch -------------------------------------------------

# Domain of the round-trip property: sigma in [1, 3] heatmap pixels on maps of at
# least 3 x 3 pixels, points anywhere on the map's extent (borders included).
points_on_map = st.tuples(st.integers(3, 24), st.integers(3, 24), st.integers(1, 8),
                          st.floats(1.0, 3.0), st.data())


@given(points_on_map)
def test_unbiased_targets_decode_back_with_dark(args):
    h, w, stride, sigma, data = args
    k = data.draw(st.integers(1, 4))
    u = np.array(data.draw(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)),
                                    min_size=k, max_size=k)))
    hm = np.stack([u[:, 0] * w - 0.5, u[:, 1] * h - 0.5], -1)
    points = kp.to_image(hm, stride)
    maps, _ = kp.gaussian_heatmaps(points, (h, w), sigma, stride=stride)
    decoded, scores = kp.decode(maps, "dark", stride=stride)
    assert np.abs(decoded - points).max() <= 0.01
    assert np.all(scores >= np.exp(-0.25) - 1e-6)   # at most half a pixel per axis away


@given(st.integers(1, 3), st.integers(1, 5), st.sampled_from(kp.METHODS), st.data())
def test_permuting_keypoints_permutes_outputs_and_batch_equals_per_sample(n, k, method, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    maps = rng.random((n, k, 7, 9))
    order = rng.permutation(k)
    points, scores = kp.decode(maps, method, stride=2)
    p2, s2 = kp.decode(maps[:, order], method, stride=2)
    assert np.array_equal(p2, points[:, order]) and np.array_equal(s2, scores[:, order])
    for i in range(n):
        one, one_scores = kp.decode(maps[i], method, stride=2)
        assert np.array_equal(one, points[i]) and np.array_equal(one_scores, scores[i])


def test_targets_batch_equals_per_sample_and_permutes():
    pts = np.random.default_rng(1).uniform(0, 30, (3, 5, 2))
    maps, w = kp.gaussian_heatmaps(pts, (8, 8), 1.5, stride=4, kind="msra")
    for i in range(3):
        one, w1 = kp.gaussian_heatmaps(pts[i], (8, 8), 1.5, stride=4, kind="msra")
        assert np.array_equal(one, maps[i]) and np.array_equal(w1, w[i])
    assert np.array_equal(kp.gaussian_heatmaps(pts[:, ::-1], (8, 8), 1.5, stride=4,
                                               kind="msra").heatmaps, maps[:, ::-1])


# -- decoder edge cases ---------------------------------------------------------------


@pytest.mark.parametrize("method", kp.METHODS)
@pytest.mark.parametrize("value", [0.0, 0.7, -2.0])
def test_flat_maps_have_no_peak(method, value):
    points, scores = kp.decode(np.full((2, 5, 6), value), method)
    assert np.isnan(points).all() and np.all(scores == value)


def test_ties_go_to_the_first_maximum_in_row_major_order():
    m = np.zeros((1, 4, 5))
    m[0, 2, 1] = m[0, 1, 3] = 1.0
    assert kp.decode(m, "argmax").points.tolist() == [[3.0, 1.0]]


@pytest.mark.parametrize("method", ["quarter", "dark", "integral"])
def test_border_peaks_are_not_refined_off_the_map(method):
    m = np.zeros((1, 5, 5))
    m[0, 0, 0], m[0, 0, 1], m[0, 1, 0] = 1.0, 0.5, 0.5
    x, y = kp.decode(m, method).points[0]
    assert -0.5 <= x <= 4.5 and -0.5 <= y <= 4.5
    if method == "quarter":
        assert (x, y) == (0.0, 0.0)


def test_quarter_steps_toward_the_larger_neighbour():
    m = np.zeros((1, 5, 5))
    m[0, 2, 2], m[0, 2, 3], m[0, 1, 2] = 1.0, 0.6, 0.2
    assert kp.decode(m, "quarter").points.tolist() == [[2.25, 1.75]]


def test_topk_is_a_softmax_weighted_mean():
    m = np.zeros((1, 3, 3))
    m[0, 1, 1], m[0, 1, 2] = 1.0, 1.0
    assert kp.decode(m, "topk", k=2).points.tolist() == [[1.5, 1.0]]


@pytest.mark.parametrize("shape", [(1, 2, 2), (2, 1, 3), (1, 2, 4), (1, 3, 3), (1, 5, 5)])
def test_topk_works_on_maps_of_fewer_pixels_than_its_default_k(shape):
    m = np.random.default_rng(sum(shape)).random(shape)
    k = min(9, shape[1] * shape[2])  # 9 by default, every pixel of a smaller map
    points = kp.decode(m, "topk").points
    for i in range(shape[0]):  # the softmax-weighted mean of the k highest, written out
        top = sorted(np.ndindex(shape[1:]), key=lambda yx: -m[i][yx])[:k]
        weights = np.array([np.exp(m[i][yx] - m[i].max()) for yx in top])
        expected = [sum(w * x for w, (_, x) in zip(weights, top)) / weights.sum(),
                    sum(w * y for w, (y, _) in zip(weights, top)) / weights.sum()]
        np.testing.assert_allclose(points[i], expected, rtol=1e-12)
    with pytest.raises(ValueError, match=rf"k: expected an integer in \[1, {shape[1] * shape[2]}\]"):
        kp.decode(m, "topk", k=shape[1] * shape[2] + 1)  # a k the caller chose is not cut


@pytest.mark.parametrize("bad, match", [
    (np.array([[[np.nan, 1.0], [0.0, 0.0]]]), "heatmaps: expected finite values; got 1 NaN"),
    (np.zeros((2, 2)), r"heatmaps: expected a \(K, H, W\) or \(N, K, H, W\)"),
])
def test_bad_heatmaps(bad, match):
    with pytest.raises(ValueError, match=match):
        kp.decode(bad)


@pytest.mark.parametrize("kwargs, match", [
    (dict(method="soft"), "method: expected one of 'argmax'"),
    (dict(method="topk", k=0), r"k: expected an integer in \[1, 9\]"),
    (dict(method="topk", k=10), r"k: expected an integer in \[1, 9\]"),
    (dict(method="integral", patch=4), "patch: expected an odd window size"),
    (dict(blur=-1.0), r"blur: expected a number in \[0, inf\]"),
])
def test_decode_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kp.decode(np.random.default_rng(0).random((1, 3, 3)), **kwargs)


def test_threshold_reports_no_peak():
    m = np.zeros((2, 4, 4))
    m[0, 1, 1], m[1, 2, 2] = 0.1, 0.9
    points, _ = kp.decode(m, "argmax", threshold=0.5)
    assert np.isnan(points[0]).all() and points[1].tolist() == [2.0, 2.0]


def test_dark_with_blur_recovers_noisy_points_better_than_argmax():
    rng = np.random.default_rng(3)
    pts = rng.uniform(30, 220, (1, 200, 2))
    maps, _ = kp.gaussian_heatmaps(pts, (64, 64), 2.0, stride=4)
    noisy = np.clip(maps + rng.normal(0, 0.03, maps.shape), 0, None)
    err = lambda p: np.hypot(*(p - pts).T).mean()  # noqa: E731
    assert err(kp.decode(noisy, "dark", stride=4, blur=2.0).points) < 0.2
    assert err(kp.decode(noisy, "argmax", stride=4).points) > 1.0


# -- peaks ------------------------------------------------------------------------------


def test_local_peaks_are_strict_and_carry_indices():
    m = np.zeros((2, 2, 6, 6))
    m[0, 1, 1, 1] = 0.9
    m[1, 0, 4, 4] = 0.8
    m[1, 0, 1, 4] = m[1, 0, 1, 5] = 0.7        # a plateau: no strict maximum
    m[1, 1, 3, 3] = 0.1                         # below threshold
    peaks = kp.find_local_peaks(m, threshold=0.2, stride=2)
    assert peaks.samples.tolist() == [0, 1] and peaks.channels.tolist() == [1, 0]
    assert peaks.points.tolist() == [[2.5, 2.5], [8.5, 8.5]]


def test_local_peak_refinements():
    m = np.zeros((1, 1, 5, 5))
    m[0, 0, 2, 2], m[0, 0, 2, 3] = 1.0, 0.5
    local = kp.find_local_peaks(m, refine="local").points
    integral = kp.find_local_peaks(m, refine="integral").points
    assert local.tolist() == [[2.25, 2.0]] and np.allclose(integral, [[2 + 0.5 / 1.5, 2.0]])
    with pytest.raises(ValueError, match="refine: expected None, 'local' or 'integral'"):
        kp.find_local_peaks(m, refine="dark")


def test_global_peaks_below_threshold_are_nan():
    m = np.zeros((1, 2, 3, 3))
    m[0, 0, 1, 1], m[0, 1, 0, 0] = 0.5, 0.1
    points, scores = kp.find_global_peaks(m, 0.2)
    assert points[0, 0].tolist() == [1.0, 1.0] and np.isnan(points[0, 1]).all()
    assert scores.tolist() == [[0.5, 0.1]]


# -- smoothing --------------------------------------------------------------------------


@given(st.floats(0.3, 3.0), st.sampled_from(["peak", "sum"]))
def test_smoothing_keeps_the_scale_it_promises(sigma, preserve):
    maps = np.random.default_rng(2).random((2, 3, 9, 11))
    out = kp.smooth(maps, sigma, preserve=preserve)
    reduce = np.max if preserve == "peak" else np.sum
    assert out.shape == maps.shape
    assert np.allclose(reduce(out, axis=(-2, -1)), reduce(maps, axis=(-2, -1)))


def test_smoothing_an_all_zero_map_stays_zero():
    assert not kp.smooth(np.zeros((1, 4, 4)), 1.0).any()
