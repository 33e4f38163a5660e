"""heatmap(): signatures, presets, layouts, batches, dtypes."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import (
    PRESETS,
    AlphaOverlay,
    DropDims,
    ExtremaColormap,
    NormReduction,
    PercentileClip,
    Pipeline,
    ResizeToImage,
    SumReduction,
    heatmap,
)
from visheat.testing import values

RNG = np.random.default_rng(42)
X = RNG.standard_t(3, size=(3, 3, 16, 16)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (3, 16, 16, 3)).astype(np.uint8)


def test_default_pipeline_is_the_sensitivity_preset():
    assert np.array_equal(heatmap(X).to_numpy(), heatmap(X, PRESETS["sensitivity"]).to_numpy())
    assert np.array_equal(heatmap(X).to_numpy(), heatmap(X, "sensitivity").to_numpy())


def test_presets_are_visheatmaps_jl_presets():
    assert str(PRESETS["sensitivity"]) == "NormReduction() | ExtremaColormap('batlow')"
    # Julia's :attribution takes the norm (never negative); visheat's "attribution" shows
    # the sign, and Julia's preset is kept by its own name
    assert str(PRESETS["attribution-julia"]) == "NormReduction() | CenteredColormap('berlin')"
    # Julia's :cam; CamSumReduction sums as SumReduction does, and warns on a 3-D CAM's depth
    assert str(PRESETS["cam"]) == ("CamSumReduction() | ExtremaColormap('jet') | "
                                  "ResizeToImage('lanczos1') | AlphaOverlay(0.6)")


def test_signatures_with_one_image_and_with_a_batch_of_images():
    pipe = NormReduction() | ExtremaColormap() | AlphaOverlay(0.5)
    one = heatmap(X, IMAGES[0], pipe).to_numpy()
    batch = heatmap(X, np.broadcast_to(IMAGES[0], IMAGES.shape), pipe).to_numpy()
    keyword = heatmap(X, pipe, images=IMAGES[0]).to_numpy()
    assert np.array_equal(one, batch) and np.array_equal(one, keyword)
    assert heatmap(X, IMAGES, pipe).to_numpy().shape == (3, 16, 16, 3)


def test_images_of_different_sizes_give_pictures_of_their_sizes():
    cams = RNG.random((2, 7, 7))
    images = [np.zeros((14, 21, 3), np.uint8), np.zeros((28, 7), np.uint8)]
    h = heatmap(cams, images, "cam", layout="NHW")
    assert [a.shape for a in h.to_numpy()] == [(14, 21, 3), (28, 7, 3)]
    assert h[1].size == (7, 28)


@given(values(max_n=4, max_side=6))
def test_batched_equals_per_sample(x):
    for pipe in ("sensitivity", "attribution"):
        whole = heatmap(x, pipe, dtype=np.float64).to_numpy()
        for i in range(x.shape[0]):
            assert np.array_equal(whole[i], heatmap(x[i:i + 1], pipe, dtype=np.float64).to_numpy()[0])


def test_chunked_runs_equal_unchunked_runs():
    x = RNG.normal(size=(70, 3, 32, 32)).astype(np.float32)  # several chunks
    pipe = SumReduction() | ExtremaColormap("jet")
    h = heatmap(x, pipe).to_numpy()
    for i in (0, 33, 69):
        assert np.array_equal(h[i], heatmap(x[i:i + 1], pipe).to_numpy()[0])
    assert np.array_equal(h, heatmap(x, pipe, threads=2).to_numpy())


def test_float_dtypes_keep_exact_colours():
    h = heatmap(X, "attribution", dtype=np.float64)
    arr = h.to_numpy()
    assert arr.dtype == np.float64 and arr.min() >= 0 and arr.max() <= 1
    assert heatmap(X, dtype=np.float32).to_numpy().dtype == np.float32
    assert np.abs(heatmap(X, "attribution").to_numpy() - np.rint(arr * 255)).max() <= 1


def test_empty_batch_gives_empty_heatmaps():
    h = heatmap(np.zeros((0, 3, 8, 8), np.float32))
    assert len(h) == 0 and h.to_numpy().shape == (0, 8, 8, 3)


def test_julia_cam_pipeline_on_a_small_map():
    cam = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    image = np.zeros((6, 6, 3))
    h = heatmap(cam, image, ExtremaColormap("gray") | ResizeToImage() | AlphaOverlay(1.0),
                layout="NHW", dtype=np.float64).to_numpy()
    # lanczos1 2 -> 6 along each axis, from the documented weights
    w = np.array([[1, 0], [1, 0], [0.8, 0.2], [0.2, 0.8], [0, 1], [0, 1]])
    assert np.allclose(h[0, :, :, 0], w @ (cam[0] / 3) @ w.T)


@pytest.mark.parametrize("bad, cls, match", [
    ({"dtype": np.int16}, ValueError, "dtype: expected np.uint8, np.float32 or np.float64"),
    ({"dtype": "banana"}, TypeError, "dtype: expected"),
    ({"layout": "NCHWX"}, ValueError, "Unknown letter 'X'"),
])
def test_bad_keywords_name_the_argument(bad, cls, match):
    with pytest.raises(cls, match=match):
        heatmap(X, **bad)


REDUCTIONS = (r"SumReduction\(\), NormReduction\(\), MaxAbsReduction\(\), SumAbsReduction\(\) "
              r"or AbsSumReduction\(\)")
SUGGESTED = re.compile(r", e\.g\. (?P<pipe>[^;]+)\.$")


@pytest.mark.parametrize("pipe, layout, says", [
    (NormReduction(), "NCHW", r"ends in RGB pictures \(with a colormap\); got NormReduction\(\) "
                              r"\(NormReduction\)\. Add a colormap \(ExtremaColormap\(\) or "
                              r"CenteredColormap\(\)\)"),
    # a colormap is there: what is missing is the reduction before it
    (ExtremaColormap(), "NCHW", r"reduces channel values \(N, C, H, W\) to a map before "
                                r"ExtremaColormap\('batlow'\); got ExtremaColormap\('batlow'\) "
                                rf"\(ExtremaColormap\)\. Start with a channel reduction \({REDUCTIONS}\)"),
    (PercentileClip() | ExtremaColormap("jet"), "NCHW",
     r"reduces channel values \(N, C, H, W\) to a map before ExtremaColormap\('jet'\)"),
    (PercentileClip(), "NCHW", rf"reduces channel values .* and ends in RGB pictures .*\. Add a "
                               rf"channel reduction \({REDUCTIONS}\) and a colormap"),
    (AlphaOverlay(), "NHW", r"ends in RGB pictures \(with a colormap\); got AlphaOverlay"),
    (DropDims() | ExtremaColormap(), "NHW", r"takes a map \(N, H, W\); got .* DropDims\(\(0,\)\) "
                                            r"needs channel values"),
])
def test_a_pipeline_that_cannot_reach_rgb_is_refused_with_one_that_can(pipe, layout, says):
    x = X if layout == "NCHW" else X[:, 0]
    with pytest.raises(ValueError, match="^pipe: expected a pipeline that " + says) as info:
        heatmap(x, pipe, layout=layout)
    suggested = Pipeline.parse(SUGGESTED.search(str(info.value))["pipe"])  # the hint, literally
    assert heatmap(x, IMAGES, suggested, layout=layout).to_numpy().shape == (3, 16, 16, 3)
    kept = [step for step in getattr(pipe, "steps", (pipe,)) if not isinstance(step, DropDims)]
    assert [step for step in suggested if step in kept] == kept  # the user's steps, in order


def test_unknown_preset_suggests_one():
    with pytest.raises(ValueError, match="pipe: expected a known preset name; got 'attributions'. "
                                         "Did you mean 'attribution'"):
        heatmap(X, "attributions")


def test_image_count_mismatch_is_an_error():
    with pytest.raises(ValueError, match="images: expected 3 images"):
        heatmap(X, IMAGES[:2], "cam")


def test_too_many_positional_arguments():
    with pytest.raises(TypeError, match="heatmap\\(\\) takes x, \\[images,\\] \\[pipe\\]"):
        heatmap(X, IMAGES, "cam", "extra")


@given(st.sampled_from(["NCHW", "NHWC", "CHW", "HWC", "WHCN"]))
def test_layouts_give_the_same_picture(layout):
    x = X[:1]
    moved = {"NCHW": x, "NHWC": x.transpose(0, 2, 3, 1), "CHW": x[0], "HWC": x[0].transpose(1, 2, 0),
             "WHCN": x.transpose(3, 2, 1, 0)}[layout]
    assert np.array_equal(heatmap(moved, layout=layout).to_numpy(), heatmap(x).to_numpy())


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_gray_images_in_layout_nhw_draw_as_their_rgb_copies(dtype):
    maps = RNG.random((3, 16, 16))
    gray = RNG.integers(0, 256, (3, 16, 16)).astype(np.uint8)
    gray = gray if dtype == np.uint8 else (gray / 255).astype(dtype)
    rgb = np.repeat(gray[..., None], 3, axis=-1)  # the same gray in R, G and B
    gray.flags.writeable = False
    for pipe in ("cam", "gradcam", ExtremaColormap() | AlphaOverlay(0.3)):
        expected = heatmap(maps, rgb, pipe, layout="NHW").to_numpy()
        got = heatmap(maps, gray, pipe, layout="NHW", image_layout="NHW").to_numpy()
        assert np.array_equal(got, expected), pipe
        listed = heatmap(maps, list(gray), pipe, layout="NHW", image_layout="NHW").to_numpy()
        assert np.array_equal(listed, expected), pipe
        one = heatmap(maps, gray[1], pipe, layout="NHW", image_layout="hw").to_numpy()
        assert np.array_equal(one, heatmap(maps, rgb[1], pipe, layout="NHW").to_numpy()), pipe
    if dtype != np.uint8:  # un-normalised as the model saw them: one mean and std for gray
        normalised = (gray - 0.5) / 0.25
        got = heatmap(maps, normalised, "cam", layout="NHW", image_layout="NHW", image_mean=0.5,
                      image_std=0.25).to_numpy()
        plain = np.clip(normalised.astype(np.float64) * 0.25 + 0.5, 0, 1)
        assert np.array_equal(got, heatmap(maps, np.stack([plain] * 3, axis=-1), "cam",
                                           layout="NHW").to_numpy())


def test_gray_image_layouts_check_the_axes():
    with pytest.raises(ValueError, match=r"^images: expected 3 axes for image_layout='NHW'; got "
                                         r"shape \(3, 16, 16, 3\)\.$"):
        heatmap(X, IMAGES, "cam", image_layout="NHW")
    with pytest.raises(ValueError, match=r"image_layout: expected one of 'HWC', 'CHW', 'NHWC', "
                                         r"'NCHW', 'HW', 'NHW'; got 'WH' \(str\)\."):
        heatmap(X, IMAGES, "cam", image_layout="WH")


def test_a_hint_names_a_long_step_without_printing_its_table():
    """A pipeline with a 256-colour table that lacks a reduction: the message stays a line a
    person reads (it was 8 673 characters, the table printed twice)."""
    from visheat import compat

    with pytest.raises(ValueError) as err:
        heatmap(np.ones((1, 3, 4, 4)), compat.imgify("0:fff,80:fff,f00"))
    message = str(err.value)
    assert message.endswith("e.g. SumReduction() | LookupColormap(...).")
    assert len(message) < 600
