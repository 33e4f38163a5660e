"""Resizing: ImageTransformations.jl's Lanczos(1) positions and weights, and friends."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import lanczos1_weights

import visheat
from visheat import ResizeToImage
from visheat.testing import check_transform, maps
from visheat.transforms.resampling import METHODS, axis_weights, resize_array

SIZES = st.integers(1, 40)


def test_upsampling_two_to_six_gives_the_documented_weights():
    assert np.allclose(axis_weights(2, 6, "lanczos1", True)[:, 0], [1, 1, 0.8, 0.2, 0, 0])
    assert np.allclose(axis_weights(2, 6, "bilinear", True)[:, 0], [1, 1, 2 / 3, 1 / 3, 0, 0])


@given(SIZES, SIZES, st.booleans())
def test_lanczos1_matches_the_sinc_squared_reference(n_in, n_out, clamp):
    clamp = clamp or n_out > n_in  # pure downsampling never needs clamping
    assert np.allclose(axis_weights(n_in, n_out, "lanczos1", clamp),
                       lanczos1_weights(n_in, n_out, clamp))


@pytest.mark.parametrize("method", METHODS)
@given(n_in=SIZES, n_out=SIZES)
def test_weights_are_convex_rows(method, n_in, n_out):
    w = axis_weights(n_in, n_out, method, True)
    assert w.shape == (n_out, n_in) and np.allclose(w.sum(axis=1), 1)
    if method not in ("lanczos3", "cubic"):  # windowed sinc and Keys' cubic have negative lobes
        assert (w >= 0).all()


@pytest.mark.parametrize("method", METHODS)
@given(c=st.floats(-1e3, 1e3), h=SIZES, w=SIZES, oh=SIZES, ow=SIZES)
def test_a_constant_stays_constant(method, c, h, w, oh, ow):
    out = resize_array(np.full((1, h, w), c), (oh, ow), method, 1)
    assert out.shape == (1, oh, ow) and np.allclose(out, c, atol=1e-9 * (1 + abs(c)))


def test_same_size_is_the_identity_and_pure_downsampling_samples_points():
    a = np.random.default_rng(0).normal(size=(1, 6, 6))
    assert resize_array(a, (6, 6), "lanczos1", 1) is a
    # 6 -> 3: positions 1.5, 3.5, 5.5 (1-based) -> equal mix of neighbours
    assert np.allclose(resize_array(a, (3, 6), "lanczos1", 1)[0, 0], (a[0, 0] + a[0, 1]) / 2)


def test_mixed_resize_clamps_both_axes_like_julia():
    a = np.arange(12.0).reshape(1, 3, 4)
    out = resize_array(a, (6, 2), "lanczos1", 1)  # H up, W down
    wy = lanczos1_weights(3, 6, True)
    wx = lanczos1_weights(4, 2, True)
    assert np.allclose(out[0], wy @ a[0] @ wx.T)


@pytest.mark.parametrize("method", METHODS)
@given(m=maps(max_n=2, max_side=6), size=st.tuples(SIZES, SIZES))
def test_resize_to_image_contract(method, m, size):
    image = np.zeros(size + (3,), np.uint8)
    out = check_transform(ResizeToImage(method), m, image=image)
    assert out.shape == (m.shape[0],) + size


def test_uint8_pictures_resize_to_uint8():
    rgb = np.random.default_rng(1).integers(0, 256, (2, 4, 5, 3)).astype(np.uint8)
    out = ResizeToImage("bilinear")(rgb, image=np.zeros((8, 10, 3)), stage="rgb", dtype=np.uint8)
    assert out.dtype == np.uint8 and out.shape == (2, 8, 10, 3)


def test_without_images_resize_passes_through():
    m = np.ones((1, 3, 3))
    with pytest.warns(UserWarning, match="keep their own size, 3 x 3"):  # issue 25
        assert np.array_equal(ResizeToImage()(m), m)


def test_unknown_method_suggests_a_real_one():
    with pytest.raises(ValueError, match="method: expected a known resize method name; got "
                                         "'lanczos'. Did you mean 'lanczos3' or 'lanczos1'"):
        ResizeToImage("lanczos")


# -- one resize vocabulary ------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_every_resize_method_is_accepted_wherever_visheat_resizes(method):
    cams = np.random.default_rng(0).random((2, 3, 4, 5)).astype(np.float32)
    images = np.zeros((2, 9, 11, 3), np.uint8)
    steps = [visheat.ResizeToImage(method), visheat.Resize((6, 7), method),
             visheat.ResizeImageToHeatmap(method)]
    assert [s.method for s in steps] == [method] * 3
    h = visheat.heatmap(cams, images, visheat.SumReduction() | visheat.ResizeToImage(method)
                        | visheat.ExtremaColormap())
    assert h.to_numpy().shape == (2, 9, 11, 3)
    combined = visheat.combine_cams([cams[0]], (9, 11), method=method)
    assert combined.shape[-2:] == (9, 11)


def test_an_unknown_resize_method_names_every_known_one():
    with pytest.raises(ValueError, match="method") as err:
        visheat.ResizeToImage("bicubic")
    assert "cubic" in str(err.value)
