"""Compatibility presets against vectors made by the reference systems' own code.

The vectors come from ``tools/make_keypoint_vectors.py`` (versions in each file's
``meta``); nothing here was computed by visheat. HRNet's are an independent
re-derivation of its published source, because HRNet does not install here.
Cases where visheat deliberately differs are checked to differ exactly as the
presets' notes say.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from visheat import keypoints as kp

DATA = Path(__file__).parent / "data"


def load(name):
    with np.load(DATA / f"{name}_vectors.npz", allow_pickle=False) as f:
        data = {key: f[key] for key in f.files}
    data["meta"] = json.loads(str(data["meta"]))
    return data


MM = load("mmpose")


@pytest.mark.parametrize("sigma", ["2_0", "1_5"])
@pytest.mark.parametrize("kind, preset, scale", [("msra", "mmpose-msra", "ratio"),
                                                 ("unbiased", "mmpose-dark", "ratio"),
                                                 ("udp", "mmpose-udp", "aligned")])
def test_mmpose_targets(kind, preset, scale, sigma):
    maps, weights = kp.gaussian_heatmaps(MM["encode_points"], (64, 48), float(sigma.replace("_", ".")),
                                         stride=MM[scale], visible=MM["encode_visible"],
                                         kind=kind, convention=preset)
    assert np.array_equal(weights, MM[f"encode_{kind}_sigma{sigma}_weights"])
    np.testing.assert_allclose(maps, MM[f"encode_{kind}_sigma{sigma}"], atol=2e-6)


def test_mmpose_stride_rule_matches_the_codecs():
    np.testing.assert_allclose(kp.CONVENTIONS["mmpose-msra"].stride((256, 192), (64, 48)), MM["ratio"])
    np.testing.assert_allclose(kp.CONVENTIONS["mmpose-udp"].stride((256, 192), (64, 48)), MM["aligned"])


def test_mmpose_argmax_and_quarter():
    points, scores = kp.decode(MM["decode_maps"], convention="mmpose-msra")
    np.testing.assert_allclose(scores, MM["decode_scores"], rtol=1e-6)
    np.testing.assert_allclose(points, MM["decode_quarter"], atol=1e-6)


def test_mmpose_dark():
    points, _ = kp.decode(MM["decode_maps"], convention="mmpose-dark")
    np.testing.assert_allclose(points, MM["decode_dark"], atol=2e-4)


def test_mmpose_dark_udp_where_a_peak_exists():
    points, scores = kp.decode(MM["decode_maps"], convention="mmpose-udp")
    has_peak = scores > 0
    np.testing.assert_allclose(points[has_peak], MM["decode_dark_udp"][has_peak], atol=2e-4)
    # mmpose refines empty maps from the padded corner; visheat reports -1 (times the stride)
    assert np.all(points[~has_peak] == -1)


@pytest.mark.parametrize("size", [11, 17])
def test_mmpose_gaussian_blur_is_peak_preserving_smoothing(size):
    sigma, radius = kp.blur_from_kernel_size(size)
    ours = kp.smooth(MM["decode_maps"][2:5], sigma, radius=radius, preserve="peak")
    np.testing.assert_allclose(ours, MM[f"blur_{size}"], atol=2e-6)


IA = load("imgaug")


def test_imgaug_keypoint_image_where_rounding_agrees():
    maps, _ = kp.binary_heatmaps(IA["encode_points"], (20, 24), convention="imgaug")
    theirs = np.moveaxis(IA["encode_images"], -1, 1) > 0
    same = IA["encode_fraction_below_half"].all(axis=-1)
    assert np.array_equal(maps.astype(bool)[same], theirs[same])
    # imgaug rounds x to the nearest integer but decodes pixel i as i + 0.5; visheat
    # uses pixel i <-> [i, i + 1) both ways, so those points land one pixel lower.
    moved = ~same
    assert moved.any() and not np.array_equal(maps.astype(bool)[moved], theirs[moved])


def test_imgaug_from_keypoint_image():
    images = np.moveaxis(IA["decode_images"], -1, 1)
    points, _ = kp.decode(images, convention="imgaug", threshold=1)
    np.testing.assert_array_equal(points, IA["decode_points"])


SL = load("sleap")


def test_sleap_confidence_maps():
    maps, weights = kp.gaussian_heatmaps(SL["encode_points"], (24, 32), SL["meta"]["sigma"],
                                         stride=SL["meta"]["stride"], convention="sleap")
    np.testing.assert_allclose(maps, SL["encode_maps"], atol=2e-6)
    assert weights[0, 1] == 0 and weights.sum() == weights.size - 1


@pytest.mark.parametrize("refine", [None, "integral"])
def test_sleap_global_peaks(refine):
    ref_points, ref_scores = SL[f"global_{refine}_points"], SL[f"global_{refine}_scores"]
    method = "argmax" if refine is None else "integral"
    points, scores = kp.decode(SL["decode_maps"], method, convention="sleap")
    np.testing.assert_allclose(points, ref_points, atol=1e-5, equal_nan=True)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-6)
    peaks = kp.find_global_peaks(SL["decode_maps"], 0.2, refine, convention="sleap")
    np.testing.assert_allclose(peaks.points, ref_points, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("refine", [None, "integral"])
def test_sleap_local_peaks(refine):
    ours = kp.find_local_peaks(SL["local_maps"], 0.2, refine, convention="sleap")
    ref = {k: SL[f"local_{refine}_{k}"] for k in ("points", "scores", "samples", "channels")}
    key = lambda s, c, p: np.lexsort((p[:, 0], p[:, 1], c, s))  # noqa: E731
    a = key(ours.samples, ours.channels, np.floor(ours.points))
    b = key(ref["samples"], ref["channels"], np.floor(ref["points"]))
    assert len(a) == len(b) > 10
    np.testing.assert_allclose(ours.points[a], ref["points"][b], atol=1e-5)
    np.testing.assert_allclose(ours.scores[a], ref["scores"][b], rtol=1e-6)
    assert np.array_equal(ours.channels[a], ref["channels"][b])


HR = load("hrnet")


def test_hrnet_targets_re_derivation():
    maps, weights = kp.gaussian_heatmaps(HR["encode_points"], (64, 48), 2.0, stride=4,
                                         visible=HR["encode_visible"], convention="hrnet")
    np.testing.assert_allclose(maps, HR["encode_maps"], atol=2e-6)
    assert np.array_equal(weights, HR["encode_weights"][..., 0] if HR["encode_weights"].ndim == 3
                          else HR["encode_weights"])


def test_hrnet_quarter_decode_re_derivation():
    points, scores = kp.decode(HR["decode_maps"], convention="hrnet")
    np.testing.assert_allclose(points, HR["decode_points"], atol=1e-6)
    np.testing.assert_allclose(scores, HR["decode_scores"], rtol=1e-6)


def test_every_vector_file_records_its_source():
    for name in ("mmpose", "imgaug", "sleap", "hrnet"):
        meta = load(name)["meta"]
        assert meta["system"] == name and meta["version"]
