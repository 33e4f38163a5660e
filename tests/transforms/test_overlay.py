"""AlphaOverlay: image * (1 - alpha) + heatmap * alpha."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import AlphaOverlay, ExtremaColormap, ResizeToImage, heatmap
from visheat.testing import check_transform, rgb_pictures


@given(rgb_pictures(max_n=3, max_side=5), st.floats(0, 1), st.data())
def test_overlay_is_the_documented_blend(rgb, alpha, data):
    image = data.draw(st.sampled_from([np.float64, np.uint8]))
    images = np.random.default_rng(0).integers(0, 256, rgb.shape).astype(np.uint8)
    if image is np.float64:
        images = images / 255.0
    out = check_transform(AlphaOverlay(alpha), rgb, image=images, stage="rgb")
    as_float = images if image is np.float64 else images / 255.0
    assert np.allclose(out, as_float * (1 - alpha) + rgb * alpha)


def test_alpha_planes_per_pixel_and_per_sample():
    rgb = np.ones((2, 1, 2, 3))
    images = np.zeros((2, 1, 2, 3))
    plane = np.array([[0.0, 1.0]])
    assert np.allclose(AlphaOverlay(plane)(rgb, image=images)[:, 0, :, 0], [[0, 1], [0, 1]])
    planes = np.array([[[0.25, 0.5]], [[0.75, 1.0]]])
    assert np.allclose(AlphaOverlay(planes)(rgb, image=images)[:, 0, :, 0], [[0.25, 0.5], [0.75, 1]])


def test_alpha_planes_follow_their_samples_through_chunks():
    x = np.random.default_rng(0).random((40, 16, 16))
    planes = np.random.default_rng(1).random((40, 16, 16))
    images = np.zeros((40, 16, 16, 3), np.uint8)
    pipe = ExtremaColormap("gray") | AlphaOverlay(planes)
    whole = heatmap(x, images, pipe, layout="NHW", dtype=np.float64).to_numpy()
    for i in (0, 17, 39):
        one = heatmap(x[i:i + 1], images[i:i + 1], ExtremaColormap("gray") | AlphaOverlay(planes[i]),
                      layout="NHW", dtype=np.float64).to_numpy()[0]
        assert np.allclose(whole[i], one)


def test_fast_overlay_is_within_one_level():
    x = np.random.default_rng(2).random((3, 12, 12))
    images = np.random.default_rng(3).integers(0, 256, (3, 12, 12, 3)).astype(np.uint8)
    pipe = ExtremaColormap("jet") | AlphaOverlay(0.37)
    fast = heatmap(x, images, pipe, layout="NHW").to_numpy().astype(int)
    exact = np.rint(heatmap(x, images, pipe, layout="NHW", dtype=np.float64).to_numpy() * 255)
    assert np.abs(fast - exact).max() <= 1


def test_without_images_overlay_passes_through():
    rgb = np.full((1, 2, 2, 3), 0.5)
    assert np.array_equal(AlphaOverlay()(rgb), rgb)


def test_size_mismatch_suggests_resize_to_image():
    with pytest.raises(ValueError, match=r"Add ResizeToImage\(\) before AlphaOverlay\(\)"):
        AlphaOverlay()(np.ones((1, 7, 7, 3)), image=np.zeros((14, 14, 3)))
    out = (ResizeToImage() | AlphaOverlay())(np.ones((1, 7, 7, 3)), image=np.zeros((14, 14, 3)),
                                             stage="rgb")
    assert out.shape == (1, 14, 14, 3)


@pytest.mark.parametrize("alpha, cls, match", [
    (1.5, ValueError, r"alpha: expected a number in \[0, 1\]"),
    (-0.1, ValueError, r"alpha: expected a number in \[0, 1\]"),
    ("0.5", TypeError, "alpha: expected a number in"),
    (np.full((2, 2), 2.0), ValueError, r"alpha: expected values in \[0, 1\]"),
    (np.ones(4), ValueError, r"\(H, W\) / \(N, H, W\) array"),
    (True, TypeError, "alpha"),
])
def test_bad_alphas_are_refused(alpha, cls, match):
    with pytest.raises(cls, match=match):
        AlphaOverlay(alpha)


def test_alpha_plane_of_the_wrong_size_names_alpha():
    with pytest.raises(ValueError, match="alpha: expected an \\(3, 3\\)"):
        AlphaOverlay(np.ones((2, 2)))(np.ones((1, 3, 3, 3)), image=np.zeros((3, 3, 3)))
