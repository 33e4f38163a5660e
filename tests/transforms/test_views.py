"""Views of volumes and clips: Slices, MaxProjection, OrthoViews, Montage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visheat import (
    AlphaOverlay,
    ExtremaColormap,
    MaxProjection,
    Montage,
    OrthoViews,
    Slices,
    SumReduction,
    heatmap,
)

RNG = np.random.default_rng(23)
X = RNG.normal(size=(2, 6, 7, 8))  # (N, D, H, W) maps
PIPE = ExtremaColormap()


def pictures():
    return heatmap(X, PIPE, layout="NDHW").to_numpy()  # (N, D, H, W, 3)


@pytest.mark.parametrize("axis, at, expected", [
    ("D", 2, lambda p: p[:, 2]), ("H", 3, lambda p: p[:, ::-1, 3]),
    ("W", 5, lambda p: p[:, ::-1, :, 5]), ("D", -1, lambda p: p[:, 5])])
def test_slices_are_the_volume_pictures(axis, at, expected):
    got = heatmap(X, PIPE | Slices(axis, at), layout="NDHW").to_numpy()
    np.testing.assert_array_equal(got, expected(pictures()))


def test_coronal_has_slice_zero_at_the_bottom():
    m = np.zeros((1, 4, 3, 3))
    m[0, 0] = 1.0  # slice 0 bright
    got = heatmap(m, ExtremaColormap("gray") | Slices("H", 1), layout="NDHW").to_numpy()
    assert (got[0, -1] == 255).all() and (got[0, :-1] == 0).all()


def test_spacing_makes_pixels_square():
    coronal = heatmap(X, PIPE | Slices("H", 3), layout="NDHW").to_numpy()
    tall = heatmap(X, PIPE | Slices("H", 3, spacing=(3, 1, 1)), layout="NDHW").to_numpy()
    assert tall.shape[1] == 3 * coronal.shape[1] and tall.shape[2] == coronal.shape[2]
    np.testing.assert_array_equal(tall[:, ::3], coronal)  # nearest: each row three times
    axial = heatmap(X, PIPE | Slices("D", 1, spacing=(3, 1, 2)), layout="NDHW").to_numpy()
    assert axial.shape[1:3] == (7, 16)


@pytest.mark.parametrize("axis, k", [("D", 1), ("H", 2), ("W", 3)])
def test_max_projection_is_the_colouring_of_the_projection(axis, k):
    got = heatmap(X, MaxProjection(axis) | PIPE, layout="NDHW").to_numpy()
    mip = X.max(axis=k)
    if axis != "D":
        mip = mip[:, ::-1]
    np.testing.assert_array_equal(got, heatmap(mip, PIPE, layout="NHW").to_numpy())


def test_ortho_views_hold_the_three_slices():
    at = (1, 4, 2)
    got = heatmap(X, PIPE | OrthoViews(at, crosshair=False), layout="NDHW").to_numpy()
    views = [heatmap(X, PIPE | Slices(a, i), layout="NDHW").to_numpy()
             for a, i in zip("DHW", at)]
    col = 0
    for v in views:
        h, w = v.shape[1:3]
        np.testing.assert_array_equal(got[:, :h, col:col + w], v)
        col += w + 2
    assert got.shape[2] == col - 2


def test_ortho_views_peak_and_crosshair():
    m = np.zeros((1, 5, 6, 7))
    m[0, 3, 1, 4] = 1.0
    got = heatmap(m, ExtremaColormap("gray") | OrthoViews("peak", gap=0), layout="NDHW")
    pic = got.to_numpy()[0]
    assert (pic[1, :7] == 255).all() and (pic[:6, 4] == 255).all()  # axial: row y, col x
    again = heatmap(m, ExtremaColormap("gray") | OrthoViews((3, 1, 4), gap=0), layout="NDHW")
    np.testing.assert_array_equal(again.to_numpy(), got.to_numpy())


def test_montage_tiles_slices_with_their_indices():
    got = heatmap(X, PIPE | Montage(every=2, cols=3, labels=False), layout="NDHW").to_numpy()
    p = pictures()
    for j, k in enumerate((0, 2, 4)):
        np.testing.assert_array_equal(got[:, :7, j * 9:j * 9 + 8], p[:, k])
    labelled = heatmap(X, PIPE | Montage(every=2, cols=3), layout="NDHW").to_numpy()
    assert (labelled[:, 1:6, 9 + 1:9 + 4] != got[:, 1:6, 9 + 1:9 + 4]).any()  # a "2"


def test_views_over_the_volume_pictures():
    vol = (RNG.random((2, 6, 7, 8)) * 255).astype(np.uint8)
    pipe = ExtremaColormap() | AlphaOverlay(0.0) | Slices("W", 2)
    got = heatmap(X, vol, pipe, layout="NDHW").to_numpy()
    np.testing.assert_array_equal(got[..., 0], vol[:, ::-1, :, 2])
    mip = heatmap(X, vol, MaxProjection("D") | PIPE | AlphaOverlay(0.0), layout="NDHW")
    np.testing.assert_array_equal(mip.to_numpy()[..., 0], vol.max(axis=1))


def test_clips_frames_and_reductions():
    clip = RNG.random((1, 4, 3, 5, 5))
    frames = heatmap(clip, SumReduction() | PIPE, layout="NTCHW").to_numpy()
    one = heatmap(clip, SumReduction() | PIPE | Slices("D", 2), layout="NTCHW").to_numpy()
    np.testing.assert_array_equal(one, frames[:, 2])


# -- volumes of one slice (a 2.5-D model's): views work; images (no D) stay refused ------
ONE = RNG.normal(size=(3, 1, 7, 8))  # (N, 1, H, W)


def _one_slice_pictures(pipe=PIPE):
    return heatmap(ONE, pipe, layout="NDHW").to_numpy()  # (N, 1, H, W, 3)


@pytest.mark.parametrize("view, expected", [
    (Slices("D"), lambda p: p[:, 0]),
    (Slices("H", 2), lambda p: p[:, ::-1, 2]),
    (Slices("W", 5), lambda p: p[:, ::-1, :, 5]),
    (Montage(labels=False), lambda p: p[:, 0])])
def test_views_of_one_slice_volumes_are_its_slice(view, expected):
    got = heatmap(ONE, PIPE | view, layout="NDHW").to_numpy()
    np.testing.assert_array_equal(got, expected(_one_slice_pictures()))


def test_max_projection_of_one_slice_is_the_slice_and_projects_its_pictures():
    grey = (RNG.random((3, 1, 7, 8)) * 255).astype(np.uint8)
    pipe = MaxProjection("D") | ExtremaColormap() | AlphaOverlay(0.0)
    got = heatmap(ONE, grey, pipe, layout="NDHW").to_numpy()
    np.testing.assert_array_equal(got[..., 0], grey[:, 0])  # alpha 0: the slice's picture
    plain = heatmap(ONE, MaxProjection("W") | PIPE, layout="NDHW").to_numpy()
    np.testing.assert_array_equal(plain, heatmap(ONE.max(axis=3), PIPE, layout="NHW")
                                  .to_numpy())


def test_ortho_views_of_one_slice_find_the_peak():
    m = np.zeros((2, 1, 7, 8), np.float32)
    m[0, 0, 5, 2], m[1, 0, 1, 6] = 1.0, 1.0
    pipe = ExtremaColormap("gray") | OrthoViews("peak", gap=0)
    got = heatmap(m, pipe, layout="NDHW").to_numpy()
    for i, (y, x) in enumerate([(5, 2), (1, 6)]):
        axial = got[i, :, :8]  # the crosshair is white; the peak is the white voxel too
        assert (axial[y] == 255).all() and (axial[:, x] == 255).all()
        assert (np.delete(np.delete(axial, y, 0), x, 1) == 0).all()


def test_views_refuse_images_without_a_depth_letter():
    for view in (Slices(), Montage(), OrthoViews()):
        with pytest.raises(ValueError, match=r"volumes or clips \(a layout with D or T\)"):
            heatmap(ONE[:, 0], PIPE | view, layout="NHW")
    with pytest.raises(ValueError, match="leave the view out for images"):
        heatmap(ONE[:, 0], MaxProjection() | PIPE, layout="NHW")


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31),
       st.sampled_from(["D", "H", "W"]), st.data())
def test_a_one_slice_volume_views_as_its_pictures_and_its_image(n, h, w, seed, axis, data):
    m = np.random.default_rng(seed).normal(size=(n, 1, h, w))
    size = {"D": 1, "H": h, "W": w}[axis]
    at = data.draw(st.integers(-size, size - 1))
    got = heatmap(m, PIPE | Slices(axis, at), layout="NDHW").to_numpy()
    pics = heatmap(m, PIPE, layout="NDHW").to_numpy()  # (N, 1, H, W, 3)
    want = {"D": lambda: pics[:, at], "H": lambda: pics[:, :, at],
            "W": lambda: pics[:, :, :, at]}[axis]()
    np.testing.assert_array_equal(got, want)  # one slice: nothing to flip
    # the projection of one slice along D is that slice: the pictures of the 2-D maps
    np.testing.assert_array_equal(heatmap(m, MaxProjection("D") | PIPE, layout="NDHW")
                                  .to_numpy(), heatmap(m[:, 0], PIPE, layout="NHW").to_numpy())
