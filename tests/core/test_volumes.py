"""Volumes and clips: layouts with D and T, folded batches, their pictures, windows."""

from __future__ import annotations

import numpy as np
import pytest

import visheat
from visheat import ExtremaColormap, SumReduction, heatmap, window
from visheat.core.batch import Batch, Stage, fold_slices, unfold_slices
from visheat.core.layout import parse_layout, read_folded


@pytest.mark.parametrize("layout, shape, folded", [
    ("NCDHW", (2, 3, 4, 5, 6), (2, 3, 20, 6)), ("NDHW", (2, 4, 5, 6), (2, 20, 6)),
    ("NTCHW", (2, 4, 3, 5, 6), (2, 3, 20, 6)), ("NTHW", (2, 4, 5, 6), (2, 20, 6)),
    ("DHWCN", (4, 5, 6, 3, 2), (2, 3, 20, 6)), ("THW", (4, 5, 6), (1, 20, 6))])
def test_layouts_with_depth_fold_into_h(layout, shape, folded):
    x = np.random.default_rng(0).normal(size=shape)
    arr, _, depth = read_folded(x, layout)
    assert arr.shape == folded and depth == 4
    order = [layout.index(c) for c in "NCDTHW" if c in layout]
    moved = x.transpose(order)
    if "N" not in layout:
        moved = moved[None]
    if "C" not in layout:
        np.testing.assert_array_equal(arr[:, 5:10], moved[:, 1])  # slice 1 of each volume
    else:
        np.testing.assert_array_equal(arr[:, :, 5:10], moved[:, :, 1])


def test_d_and_t_together_refused():
    with pytest.raises(ValueError, match="D .depth of a volume. and T"):
        parse_layout("NDTHW")


def test_batch_checks_its_depth_and_slices_round_trip():
    with pytest.raises(ValueError, match="divisor of the folded height 10"):
        Batch(np.zeros((1, 10, 4)), Stage.MAP, depth=3)
    b = Batch(np.arange(2 * 3 * 12 * 5.0).reshape(2, 3, 12, 5), Stage.VALUES, depth=4)
    slices = unfold_slices(b)
    assert slices.data.shape == (8, 3, 3, 5)
    np.testing.assert_array_equal(slices.data[5], b.data[1, :, 3:6])  # sample 1, slice 1
    np.testing.assert_array_equal(fold_slices(slices, b).data, b.data)


def test_heatmap_of_a_volume_gives_a_picture_per_slice():
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5, 6)).astype(np.float32)
    h = heatmap(x, layout="NCDHW")
    assert h.to_numpy().shape == (2, 4, 5, 6, 3) and len(h) == 2  # one item per volume
    assert h.value_ranges().shape[0] == 8  # a row per slice
    np.testing.assert_array_equal(np.asarray(h[1]), h.to_numpy()[1, 0])


def test_one_range_per_volume_equal_values_equal_colours():
    m = np.zeros((1, 3, 4, 4))
    m[0, 0] = np.linspace(0, 1, 16).reshape(4, 4)  # slice 0 spans the range
    m[0, 2] = 0.5                                   # slice 2 is one mid value
    m[0, 1, 0, 0] = 0.5
    pics = heatmap(m, ExtremaColormap(), layout="NDHW").to_numpy()
    np.testing.assert_array_equal(pics[0, 2, 0, 0], pics[0, 1, 0, 0])
    assert (pics[0, 2] == pics[0, 2, 0, 0]).all()
    per_slice = heatmap(m, ExtremaColormap(scope="slice"), layout="NDHW")
    assert per_slice.value_ranges().shape == (3, 2)  # a range per slice


def test_clip_keeps_one_range_across_frames():
    clip = np.random.default_rng(2).random((1, 5, 3, 8, 8))
    clip[0, 4] *= 3  # a bright last frame
    h = heatmap(clip, SumReduction() | ExtremaColormap(), layout="NTCHW", dtype=np.float64)
    ranges = h.value_ranges()
    assert np.allclose(ranges, ranges[0])
    summed = clip.sum(axis=2)
    assert np.isclose(ranges[0, 1], summed.max())


def test_grey_volume_beside_a_cam_is_read_as_n_d_h_w():
    cam = np.random.default_rng(3).random((1, 2, 24, 64, 48)).astype(np.float32)
    vol = (np.random.default_rng(4).random((1, 24, 64, 48)) * 255).astype(np.uint8)
    pipe = SumReduction() | ExtremaColormap() | visheat.AlphaOverlay(0.0)
    out = heatmap(cam, vol, pipe, layout="NCDHW").to_numpy()
    assert out.shape == (1, 24, 64, 48, 3)
    np.testing.assert_array_equal(out[0, 7, :, :, 1], vol[0, 7])  # alpha 0: the volume
    rgb = np.moveaxis(np.stack([vol] * 3), 0, -1)
    again = heatmap(cam, np.moveaxis(rgb, -1, 1), pipe, layout="NCDHW", image_layout="NCDHW")
    np.testing.assert_array_equal(again.to_numpy(), out)


def test_float_scans_need_a_window():
    cam = np.random.default_rng(3).random((1, 4, 5, 6))
    ct = np.full((1, 4, 5, 6), 40.0)
    with pytest.raises(ValueError, match="window"):
        heatmap(cam, ct, "cam", layout="NDHW")
    pipe = ExtremaColormap() | visheat.AlphaOverlay(0.0)
    out = heatmap(cam, window(ct, "brain"), pipe, layout="NDHW").to_numpy()
    assert (out == 128).all()  # 40 HU in the brain window: mid grey


@pytest.mark.parametrize("name, level, width", [("brain", 40, 80), ("lung", -600, 1500),
                                                ("bone", 400, 1800), ("liver", 30, 150)])
def test_window_follows_the_formula(name, level, width):
    v = np.random.default_rng(5).uniform(-1200, 1500, size=(3, 16, 16))
    expected = np.clip((v - (level - width / 2)) / width, 0, 1) * 255
    for got in (window(v, name), window(v, level, width)):
        assert got.dtype == np.uint8
        assert np.abs(got - expected).max() <= 0.5 + 1e-9


def test_window_by_percentiles_and_refusals():
    v = np.arange(101.0)
    got = window(v, percentiles=(1, 99))
    assert got[1] == 0 and got[99] == 255 and got[50] == 128
    for bad in ((40, 0), (40, -5)):
        with pytest.raises(ValueError, match="positive window width"):
            window(v, *bad)
    with pytest.raises(ValueError, match="Did you mean .lung."):
        window(v, "lungs")


def test_a_volume_of_one_slice_keeps_its_depth_axis():
    x = np.random.default_rng(6).normal(size=(2, 3, 1, 5, 6))
    assert heatmap(x, layout="NCDHW").to_numpy().shape == (2, 1, 5, 6, 3)


def test_image_layout_names_the_volume_pictures_everywhere():
    x = np.random.default_rng(7).normal(size=(5, 3, 4, 5, 6)).astype(np.float32)
    vol = (np.random.default_rng(8).random((5, 4, 5, 6, 3)) * 255).astype(np.uint8)
    ref = heatmap(x, vol, "cam", layout="NCDHW").to_numpy()
    chw = np.ascontiguousarray(np.moveaxis(vol, -1, 1))  # (N, C, D, H, W)
    got = heatmap(x, chw, "cam", layout="NCDHW", image_layout="NCDHW").to_numpy()
    parts = visheat.heatmap_batches(x, chw, "cam", layout="NCDHW", image_layout="NCDHW",
                                    batch_size=2)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.concatenate([p.to_numpy() for p in parts]), ref)
