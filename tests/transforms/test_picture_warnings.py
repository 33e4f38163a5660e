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
    ResizeToImage,
    SumReduction,
    heatmap,
    load_sample,
)
from visheat.reductions import CamSumReduction

RNG = np.random.default_rng(25)
IMAGES = RNG.integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
OLD_CAM = SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(0.6)


# -- a. a CAM preset summing more than a handful of channels --------------------------------

DEPTH = (r"x: expected a CAM of at most 4 channels for CamSumReduction\(\) \(the 'cam' and "
         r"'gradcam' presets\), \(N, 1, H, W\), or \(N, H, W\) with layout='NHW'; got 8 "
         r"channels of 16 x 16 per sample, summed as asked\. If they are the depth of a 3-D "
         r"CAM, draw it with layout='NDHW' .*visheat\.combine_cams\(\.\.\.\); SumReduction\(\) "
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
