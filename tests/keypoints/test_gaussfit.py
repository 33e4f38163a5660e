"""visheat's ``dark`` decoder: the Gaussian fit of visheat.keypoints.gaussfit."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import keypoints as kp
from visheat.keypoints import gaussfit, refine
from visheat.keypoints._arrays import first_argmax


def gaussians(points, size, covariance):
    """Maps ``(K, H, W)`` of Gaussians with one covariance at heatmap ``points`` ``(K, 2)``."""
    yy, xx = np.mgrid[0:size[0], 0:size[1]].astype(np.float64)
    d = np.stack([xx[None] - points[:, 0, None, None], yy[None] - points[:, 1, None, None]], -1)
    precision = np.linalg.inv(covariance)
    return np.exp(-0.5 * np.einsum("...i,ij,...j->...", d, precision, d))


def noisy_targets(seed, n=100, k=15, size=(64, 48), clip=True):
    """The accuracy benchmark's setting: stride 4, sigma 2, noise 0.03 of the peak."""
    rng = np.random.default_rng(seed)
    hm = rng.uniform(-0.5, [size[1] - 0.5, size[0] - 0.5], (n, k, 2))   # anywhere on the map
    points = kp.to_image(hm, 4)
    maps = kp.gaussian_heatmaps(points, size, 2.0, stride=4).heatmaps
    maps = maps + rng.normal(0, 0.03, maps.shape)
    return points, np.clip(maps, 0, None) if clip else maps


def errors(decoded, points):
    return np.hypot(*(decoded - points).reshape(-1, 2).T)


# -- clean maps: exact anywhere ---------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.6, 1.0, 2.0, 3.0, 5.0])
def test_clean_targets_decode_exactly_within_a_pixel_of_the_border(sigma):
    h, w = 16, 12
    edge = np.linspace(-0.5, 0.5, 7)                 # the band next to each border
    xs = np.concatenate([edge, w - 1 - edge, [3.3, 6.7]])
    ys = np.concatenate([edge, h - 1 - edge, [5.1, 9.8]])
    hm = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)   # corners, edges, interior
    points = kp.to_image(hm, 4)
    maps, _ = kp.gaussian_heatmaps(points, (h, w), sigma, stride=4)
    decoded, _ = kp.decode(maps, stride=4)           # default arguments: "dark", no blur
    assert errors(decoded, points).max() <= 0.01


@pytest.mark.parametrize("sx, sy, angle", [(2.0, 2.6, 0.4), (1.2, 3.0, -1.0), (3.0, 1.5, 0.0)])
def test_clean_elongated_and_rotated_gaussians_decode_exactly(sx, sy, angle):
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    covariance = rotation @ np.diag([sx * sx, sy * sy]) @ rotation.T
    hm = np.random.default_rng(4).uniform(-0.5, [19.5, 14.5], (200, 2))
    decoded, _ = kp.decode(gaussians(hm, (15, 20), covariance))
    assert errors(decoded, hm).max() <= 1e-6


@pytest.mark.parametrize("size", [(1, 9), (2, 9), (9, 1), (9, 2), (3, 3)])
def test_axes_shorter_than_three_pixels_are_not_refined(size):
    h, w = size
    hm = np.array([[min(w - 1, 2.3) if w >= 3 else 0.0, min(h - 1, 1.6) if h >= 3 else 0.0]])
    maps, _ = kp.gaussian_heatmaps(hm, size, 1.5)
    decoded, _ = kp.decode(maps)
    assert np.allclose(decoded, hm, rtol=0, atol=1e-6)


# -- noisy maps ------------------------------------------------------------------------------


def test_noisy_maps_anywhere_on_the_map_decode_within_the_bar():
    # 1500 points as in bench/keypoint_accuracy.py. Over 60 seeds the mean was
    # 0.136 +- 0.0025 image px (highest 0.1405), so 0.15 is not a lucky seed.
    points, noisy = noisy_targets(seed=11)
    e = errors(kp.decode(noisy, stride=4).points, points)
    assert e.mean() <= 0.15
    blurred = errors(kp.decode(noisy[:30], stride=4, blur=2.0).points, points[:30])
    assert e[:450].mean() < 0.9 * blurred.mean()         # and better than blurring first


def test_values_below_zero_are_data_not_failures():
    points, noisy = noisy_targets(seed=12, n=40, clip=False)   # about half the pixels < 0
    assert (noisy < 0).mean() > 0.3
    assert errors(kp.decode(noisy, stride=4).points, points).mean() <= 0.15


@given(st.integers(0, 2 ** 32 - 1), st.sampled_from(["noise", "signed", "spikes", "gauss"]),
       st.integers(1, 12), st.integers(1, 12))
def test_decoded_points_never_leave_the_map(seed, kind, h, w):
    rng = np.random.default_rng(seed)
    if kind == "gauss":
        hm = rng.uniform(-3, 1, (6, 2)) * [w, h]              # peaks on and off the map
        maps = gaussians(hm, (h, w), np.eye(2) * rng.uniform(0.3, 9))
        maps += rng.normal(0, 0.1, maps.shape)
    else:
        maps = {"noise": rng.random, "signed": rng.standard_normal,
                "spikes": lambda s: (rng.random(s) > 0.8) * rng.random(s)}[kind]((6, h, w))
    points, _ = kp.decode(maps)
    flat = np.ptp(maps.reshape(6, -1), axis=1) == 0
    assert np.isnan(points[flat]).all()
    x, y = points[~flat].T
    assert np.all((x >= -0.5) & (x <= w - 0.5) & (y >= -0.5) & (y <= h - 0.5))


def test_batch_equals_one_map_at_a_time_on_noisy_maps():
    _, noisy = noisy_targets(seed=13, n=4, k=5)
    points, _ = kp.decode(noisy)
    for n in range(4):
        for k in range(5):
            assert np.array_equal(kp.decode(noisy[n, k:k + 1]).points[0], points[n, k])


# -- symmetry ------------------------------------------------------------------------------------


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("flip_x, flip_y", [(False, False), (True, False), (False, True),
                                            (True, True)])
def test_flipping_and_rotating_the_map_moves_the_point_with_it(transpose, flip_x, flip_y):
    _, noisy = noisy_targets(seed=14, n=2, k=60, size=(20, 17))
    x, y = np.moveaxis(kp.decode(noisy).points, -1, 0)
    h, w = noisy.shape[-2:]
    m = noisy[..., ::-1] if flip_x else noisy
    m = m[..., ::-1, :] if flip_y else m
    x, y = (w - 1 - x if flip_x else x), (h - 1 - y if flip_y else y)
    if transpose:                       # with a flip, a quarter turn
        m, x, y = np.swapaxes(m, -1, -2), y, x
    moved = kp.decode(np.ascontiguousarray(m)).points
    np.testing.assert_allclose(moved, np.stack([x, y], -1), rtol=0, atol=1e-9)


# -- the fit itself ------------------------------------------------------------------------------


def test_peaks_too_sharp_to_fit_are_read_from_the_stencil():
    hm = np.array([[4.2, 3.4], [2.45, 2.3], [5.5, 1.1]])
    maps, _ = kp.gaussian_heatmaps(hm, (8, 8), 0.25, dtype=np.float64)   # ~1 pixel wide
    rows, cols = first_argmax(maps)
    *_, fitted = gaussfit.fit_gaussian_peaks(maps, rows, cols)
    stencil = refine._dark_stencil(np.log(np.maximum(maps, refine.LOG_FLOOR)), rows, cols)
    assert not fitted.any()
    np.testing.assert_array_equal(kp.decode(maps).points, np.stack(stencil, -1))


def test_round_maps_use_the_round_fit_and_elongated_maps_the_general_one():
    hm = np.array([[0.2, 7.3], [6.4, 5.5]])                    # one at the border
    rng = np.random.default_rng(15)
    for covariance, expected in [(np.eye(2) * 4, False), (np.diag([4.0, 6.0]), True)]:
        maps = gaussians(hm, (12, 10), covariance) + rng.normal(0, 1e-3, (2, 12, 10))
        values, inside = gaussfit._window(maps, *first_argmax(maps))
        *_, elongated = gaussfit._fit_quadratic(values, inside, np.eye(6))
        assert np.all(elongated == expected)
