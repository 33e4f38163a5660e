"""Warnings where a picture would be silently wrong (issue 25), and quiet normal use.

The test configuration turns warnings into errors, so the tests of normal use fail on
any warning. Each warned case also checks the picture it warns about: the picture is
drawn as asked, and it is what the warning says (a sum, one flat colour, the map's size).
"""

from __future__ import annotations

import numpy as np
import pytest

from visheat import (
    PRESETS,
    AlphaOverlay,
    ExtremaColormap,
    GradCamOverlay,
    MinMaxScale,
    ResizeToImage,
    SumReduction,
    compat,
    heatmap,
    load_sample,
)
from visheat.transforms.reductions import CamSumReduction

RNG = np.random.default_rng(25)
IMAGES = RNG.integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
OLD_CAM = SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)


# -- a. a CAM preset summing more than a handful of channels --------------------------------

DEPTH = (r"x: expected a CAM of at most 4 channels for CamSumReduction\(\) \(the 'cam' and "
         r"'gradcam' presets\), \(N, 1, H, W\), or \(N, H, W\) with layout='NHW'; got 8 "
         r"channels of 16 x 16 per sample, summed as asked\. If they are the depth of a 3-D "
         r"CAM, draw it as a volume with layout='NDHW' .*visheat\.combine_cams\(\.\.\.\); SumReduction\(\) "
         r"sums channels without this warning\.")


@pytest.mark.parametrize("preset", ["cam", "gradcam"])
def test_a_cam_preset_warns_when_the_depth_of_a_3d_cam_is_read_as_channels(preset):
    volume = RNG.random((2, 8, 16, 16))  # N, D, H, W: two 3-D CAMs, read as NCHW
    with pytest.warns(UserWarning, match=DEPTH):
        pictures = heatmap(volume, IMAGES, preset).to_numpy()
    # drawn as asked: the picture of the depth's sum, the same as the summed CAM's
    summed = heatmap(volume.sum(axis=1), IMAGES, preset, layout="NHW").to_numpy()
    assert np.array_equal(pictures, summed)


def test_the_cam_preset_draws_julias_pictures_with_or_without_the_warning():
    cams = RNG.random((2, 1, 7, 7))
    assert np.array_equal(heatmap(cams, IMAGES, "cam").to_numpy(),
                          heatmap(cams, IMAGES, OLD_CAM).to_numpy())
    volume = RNG.random((2, 5, 7, 7))  # one channel more than allowed
    with pytest.warns(UserWarning, match="got 5 channels of 7 x 7 per sample"):
        warned = heatmap(volume, IMAGES, "cam").to_numpy()
    assert np.array_equal(warned, heatmap(volume, IMAGES, OLD_CAM).to_numpy())


@pytest.mark.parametrize("preset", ["cam", "gradcam"])
@pytest.mark.parametrize("shape, layout", [((2, 7, 7), "NHW"), ((2, 1, 7, 7), "NCHW"),
                                           ((2, 3, 7, 7), "NCHW"), ((2, 4, 7, 7), "NCHW")])
def test_cam_presets_stay_quiet_on_cams_and_picture_shaped_maps(preset, shape, layout):
    heatmap(RNG.random(shape), IMAGES, preset, layout=layout)


def test_cam_presets_stay_quiet_on_the_sample_cams():
    sample = load_sample()
    for preset in ("cam", "gradcam"):
        assert heatmap(sample.cams, sample.images, preset, layout="NHW").to_numpy().shape == \
            (4, 224, 224, 3)


def test_attributions_with_many_channels_are_summed_quietly_outside_the_cam_presets():
    x = RNG.normal(size=(2, 8, 16, 16))
    heatmap(x, "attribution")
    heatmap(x, IMAGES, SumReduction() | ExtremaColormap("jet") | ResizeToImage()
            | AlphaOverlay(0.6))
    assert CamSumReduction() in PRESETS["cam"] and CamSumReduction() not in PRESETS["attribution"]


# -- b. an overlay fed CAMs that are not in [0, 1] ------------------------------------------

def _black(n: int, size: int = 7) -> np.ndarray:
    return np.zeros((n, size, size, 3), np.uint8)


def test_show_cam_on_image_warns_on_raw_cams_that_draw_one_flat_colour():
    raw = load_sample().cams * np.float32(1e-4)  # (4, 7, 7), at most 2.4e-5: not scaled
    with pytest.warns(UserWarning, match=(
            r"x: expected CAMs in \[0, 1\] for GradCamOverlay\(0\.5\), as grad-cam's "
            r"show_cam_on_image colours 255 \* cam; got values from 0 to 1\.6e-05 in CAM 0 "
            r"\(and in 3 more\), a span under 1/16 of it: a few shades of one colour\. Raw "
            r"CAMs need scaling first: use the 'gradcam' preset \(grad-cam's scale_cam_image\) "
            r"or put MinMaxScale\(\) before the overlay\.")):
        pictures = heatmap(raw, _black(4), compat.show_cam_on_image(), layout="NHW").to_numpy()
    # what the warning says: each CAM is one flat colour over black images
    assert all(len(np.unique(p.reshape(-1, 3), axis=0)) == 1 for p in pictures)


@pytest.mark.parametrize("scale, shown", [(100.0, "0 to 16"), (-10.0, "-1.6 to 0")])
def test_show_cam_on_image_warns_on_cams_far_outside_the_unit_range(scale, shown):
    cams = load_sample().cams[:1] * np.float32(scale)  # the first CAM's maximum is 0.16
    with pytest.warns(UserWarning, match=f"got values from {shown} in CAM 0, far outside it: "
                                         "values above 1 are drawn as 1, below 0 as 0"):
        heatmap(cams, _black(1), compat.show_cam_on_image(), layout="NHW")


def test_the_warning_bounds_are_half_the_range_beyond_it_and_a_sixteenth_of_it():
    cams = np.zeros((4, 2, 2))
    cams[0, 0, 0], cams[1, 0, 0], cams[2, 0, 0] = 1.5, -0.5, 1 / 16   # at the bounds: quiet
    heatmap(cams, _black(4, 2), GradCamOverlay(0.5), layout="NHW")  # and an all-zero CAM
    for value, kind in ((1.5001, "far outside"), (-0.5001, "far outside"),
                        (1 / 16 - 1e-4, "a span under 1/16")):
        with pytest.warns(UserWarning, match=kind):
            heatmap(np.array([[[0.0, value]]]), _black(1, 2)[:, :1], GradCamOverlay(0.5),
                    layout="NHW")


def test_scaled_cams_draw_quietly_over_their_images():
    sample = load_sample()
    scaled = MinMaxScale(1e-7, relu=True)(sample.cams)  # grad-cam's scale_cam_image
    small = sample.images[:, ::32, ::32]
    heatmap(scaled, small, compat.show_cam_on_image(), layout="NHW")
    heatmap(sample.cams, sample.images, "gradcam", layout="NHW")  # raw CAMs, scaled first
    heatmap(sample.cams, small, compat.show_cam_on_image(), layout="NHW")  # raw, 0 to 0.24
    overshoot = np.clip(scaled, 0, 1) * 1.2 - 0.1  # a cubic resize's over- and undershoot
    heatmap(overshoot, small, GradCamOverlay(0.5), layout="NHW")


# -- c. a resize to the image without images ------------------------------------------------

def test_the_cam_preset_without_images_warns_that_the_pictures_keep_the_maps_size():
    with pytest.warns(UserWarning, match=(
            r"images: expected images to resize to for ResizeToImage\('lanczos1'\); got none, "
            r"so the pictures keep their own size, 7 x 7\. Pass them as heatmap\(x, images, "
            r"pipe\) or heatmap\(x, pipe, images=images\); without images, leave "
            r"ResizeToImage\(\) out, or use Resize\(\(height, width\)\) for a fixed size\.")):
        pictures = heatmap(load_sample().cams, "cam", layout="NHW").to_numpy()
    assert pictures.shape == (4, 7, 7, 3)  # what it says: the CAMs' own size


def test_resize_to_image_without_images_names_the_size_of_any_stage():
    with pytest.warns(UserWarning, match=r"ResizeToImage\('bilinear'\); got none, so the "
                                         r"pictures keep their own size, 5 x 6\."):
        out = heatmap(RNG.normal(size=(2, 3, 5, 6)), ResizeToImage("bilinear") | SumReduction()
                      | ExtremaColormap(), dtype=np.float64).to_numpy()
    assert out.shape == (2, 5, 6, 3)


def test_resize_to_image_with_images_is_quiet():
    cams = RNG.random((2, 7, 7))
    assert heatmap(cams, IMAGES, "cam", layout="NHW").to_numpy().shape == (2, 32, 32, 3)
    ragged = [np.zeros((14, 21, 3), np.uint8), np.zeros((28, 7, 3), np.uint8)]
    assert [p.shape for p in heatmap(cams, ragged, "cam", layout="NHW").to_numpy()] == \
        [(14, 21, 3), (28, 7, 3)]
    assert heatmap(np.zeros((0, 8, 8)), [], "cam", layout="NHW").to_numpy().shape[0] == 0
