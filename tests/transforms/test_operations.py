"""Heatmap operations: value ranges, invert, pad, pool, resize, smoothing.

Reference vectors in ``tests/data/imgaug_vectors.npz`` come from running imgaug's
own code (``tools/make_imgaug_vectors.py``); see its docstring for the versions.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from visheat import (
    AlphaOverlay,
    AvgPool,
    CenteredColormap,
    Crop,
    ExtremaColormap,
    FromUnitRange,
    GaussianSmooth,
    Invert,
    Letterbox,
    MaxPool,
    Pad,
    PadToAspectRatio,
    Pipeline,
    Resize,
    ResizeImageToHeatmap,
    ResizeToImage,
    ToUnitRange,
    Unpad,
    heatmap,
    pad_amounts,
)
from visheat.keypoints import smooth as smooth_keypoints
from visheat.testing import check_transform, maps, values
from visheat.transforms.padding import PAD_MODES, aspect_ratio_pads
from visheat.transforms.resampling import OPENCV_METHODS
from visheat.transforms.resize import target_size

VECTORS = Path(__file__).parents[1] / "data" / "imgaug_vectors.npz"


@pytest.fixture(scope="module")
def ref():
    with np.load(VECTORS, allow_pickle=False) as archive:
        data = {key: archive[key] for key in archive.files}

    def get(key):
        arr = data[key]  # imgaug returns (H, W, 1) after most operations
        return arr[..., 0] if arr.ndim == 3 and arr.shape[-1] == 1 else arr

    get.keys = list(data)
    return get


def test_vectors_say_where_they_come_from(ref):
    assert str(ref("meta_imgaug")) == "0.4.0"
    assert str(ref("meta_gradcam")).startswith("1.")


# -- imgaug vectors ---------------------------------------------------------------

def _block(text):
    return tuple(int(v) for v in text.split("x")) if "x" in text else int(text)


def test_pooling_matches_imgaug(ref):
    keys = [k for k in ref.keys if k.startswith(("pool_avg_", "pool_max_")) and "multi" not in k]
    assert len(keys) >= 40
    for key in keys:
        _, kind, shape, block = key.split("_")
        step = AvgPool(_block(block)) if kind == "avg" else MaxPool(_block(block))
        out = step(ref(f"pool_in_{shape}")[None])[0]
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ref(key), atol=2e-7, err_msg=key)


def test_pooling_multi_channel_matches_imgaug_per_channel(ref):
    x = ref("pool_in_multi").transpose(2, 0, 1)[None]  # (1, C, H, W) channel values
    for kind, step in (("avg", AvgPool(4)), ("max", MaxPool(4))):
        out = step(x, stage="values")[0].transpose(1, 2, 0)
        np.testing.assert_allclose(out, ref(f"pool_{kind}_multi_4"), atol=2e-7)


@pytest.mark.parametrize("block", [4, 8, 16])
def test_pool_and_resize_shapes_of_the_tutorial(ref, block):
    m = np.zeros((1, 161, 240), np.float32)
    assert AvgPool(block)(m).shape[1:] == tuple(ref(f"pool_shape_161x240_{block}")[:2])
    assert MaxPool(block)(m).shape[1:] == tuple(ref(f"pool_shape_161x240_{block}")[:2])
    assert Resize(1 / block)(m).shape[1:] == tuple(ref(f"resize_shape_161x240_{block}")[:2])


def test_every_pad_mode_matches_imgaug(ref):
    x = ref("pad_in")[None]
    keys = [k for k in ref.keys if k.startswith("pad_") and k != "pad_in"]
    assert {"_".join(k.split("_")[1:-4]) for k in keys} == set(PAD_MODES)
    for key in keys:
        parts = key.split("_")
        amounts = tuple(int(v) for v in parts[-4:])
        out = Pad(*amounts, mode="_".join(parts[1:-4]), cval=0.3)(x)[0]
        np.testing.assert_allclose(out, ref(key), atol=1e-7, err_msg=key)


RATIOS = {f"{r:.4f}": r for r in (1.0, 4.0, 0.25, 1.234, 1.5, 16 / 9)}


def test_aspect_ratio_pad_amounts_match_imgaug(ref):
    keys = [k for k in ref.keys if k.startswith("aspect_amounts_")]
    assert len(keys) == 36
    for key in keys:
        h, w = map(int, key.split("_")[2].split("x"))
        ratio = RATIOS[key.split("_")[3]]
        assert aspect_ratio_pads(h, w, ratio) == tuple(ref(key)), key
        h_out = heatmap(np.zeros((2, h, w)), PadToAspectRatio(ratio) | ExtremaColormap(),
                        layout="NHW")
        assert h_out.to_numpy().shape[1:3] == tuple(ref(key.replace("amounts", "shape"))[:2])
        assert (pad_amounts(h_out.records) == ref(key)).all(), key  # return_pad_amounts
    out = PadToAspectRatio(1.0, mode="edge")(ref("aspect_in_9x4")[None])[0]
    np.testing.assert_array_equal(out, ref("aspect_edge_9x4_1.0000"))


def test_value_range_round_trip_matches_imgaug(ref):
    x = ref("range_in")[None]
    unit = ToUnitRange(-1, 20)(x)
    np.testing.assert_array_equal(unit[0], ref("range_0to1"))  # arr_0to1, bit for bit
    np.testing.assert_array_equal(FromUnitRange(-1, 20)(unit)[0], ref("range_get_arr"))
    np.testing.assert_array_equal(Invert()(unit)[0], ref("range_invert_0to1"))
    np.testing.assert_allclose(Invert(-1, 20)(x)[0], ref("range_invert_get_arr"), atol=4e-6)
    depth = ref("depth_in")[None]
    np.testing.assert_array_equal(ToUnitRange(0.5, 80)(depth)[0], ref("depth_0to1"))
    pipe = ToUnitRange(0.5, 80) | FromUnitRange(0.5, 80)
    np.testing.assert_array_equal(pipe(depth)[0], ref("depth_get_arr"))


def test_fixed_colormap_range_is_imgaugs_min_and_max_value(ref):
    x = ref("range_in")[None]
    pipe = ExtremaColormap("gray", vmin=-1, vmax=20)
    exact = heatmap(x, pipe, layout="NHW", dtype=np.float64).to_numpy()[0]
    np.testing.assert_array_equal(np.rint(exact * 255), ref("range_draw_gray"))
    # the 8-bit path's table sits within 1/8 level of the exact colour: one level at most
    gray = heatmap(x, pipe, layout="NHW").to_numpy()[0]
    assert np.abs(gray.astype(int) - ref("range_draw_gray")).max() <= 1
    # imgaug quantises to 256 levels and takes matplotlib's nearest bin; visheat
    # interpolates the same jet linearly: a few levels apart
    jet = heatmap(x, ExtremaColormap("jet", vmin=-1, vmax=20), layout="NHW").to_numpy()[0]
    assert np.abs(jet.astype(int) - ref("range_draw_jet")).max() <= 3


def test_batch_scope_is_one_fixed_range_for_every_sample():
    x = np.random.default_rng(0).normal(size=(3, 5, 6)) * [[[1.0]], [[4.0]], [[0.5]]]
    batch = heatmap(x, ExtremaColormap("jet", scope="batch"), layout="NHW", dtype=np.float64)
    fixed = heatmap(x, ExtremaColormap("jet", vmin=x.min(), vmax=x.max()), layout="NHW",
                    dtype=np.float64)
    np.testing.assert_array_equal(batch.to_numpy(), fixed.to_numpy())
    assert (batch.value_ranges() == [x.min(), x.max()]).all()
    centred = heatmap(x, CenteredColormap(scope="batch"), layout="NHW").value_ranges()
    assert (centred == [-np.abs(x).max(), np.abs(x).max()]).all()


@pytest.mark.parametrize("method", ["nearest", "linear", "cubic", "area"])
def test_resize_matches_imgaug(ref, method):
    ours = {"nearest": "nearest-opencv", "linear": "bilinear"}.get(method, method)
    keys = [k for k in ref.keys if k.startswith(f"resize_{method}_")]
    assert len(keys) == 6
    for key in keys:
        text = key.split("_")[-1]
        size = float(text[1:]) if text.startswith("f") else tuple(map(int, text.split("x")))
        out = (Resize(size, ours) | ToUnitRange(0, 1))(ref("resize_in")[None])[0]
        np.testing.assert_allclose(out, ref(key), atol=1e-5, err_msg=key)
    default = (Resize(0.25, "cubic") | ToUnitRange(0, 1))(ref("resize_in")[None])[0]
    np.testing.assert_allclose(default, ref("resize_default_f0.25"), atol=1e-5)


def test_draw_on_image_both_ways_match_imgaug(ref):
    heat, image = ref("draw_heat")[None], ref("draw_image")
    colour = ExtremaColormap("jet", vmin=0, vmax=1)
    heatmaps = heatmap(heat, image, colour | ResizeToImage("nearest") | AlphaOverlay(0.5),
                       layout="NHW").to_numpy()[0]
    assert heatmaps.shape == image.shape
    assert np.abs(heatmaps.astype(int) - ref("draw_on_heatmaps")).max() <= 3
    small = heatmap(heat, image, colour | ResizeImageToHeatmap("cubic") | AlphaOverlay(0.5),
                    layout="NHW").to_numpy()[0]
    assert small.shape == (10, 15, 3)
    assert np.abs(small.astype(int) - ref("draw_on_image")).max() <= 3


def test_resize_image_to_heatmap_uses_imgaugs_cubic(ref):
    from visheat.transforms.resize import resize_images

    out = resize_images(ref("draw_image")[None], (10, 15), "cubic")[0]
    np.testing.assert_array_equal(out, ref("draw_image_cubic"))


# -- properties ------------------------------------------------------------------

amounts = st.tuples(*[st.integers(0, 6)] * 4)


@given(maps(max_n=2, max_side=6), amounts, st.sampled_from(PAD_MODES))
def test_pad_then_crop_is_the_identity(m, pads, mode):
    np.testing.assert_array_equal((Pad(*pads, mode=mode) | Crop(*pads))(m), m)
    np.testing.assert_array_equal((Pad(*pads, mode=mode) | Unpad())(m), m)
    out = check_transform(Pad(*pads, mode=mode, cval=0.5), m)
    assert out.shape[1:] == (m.shape[1] + pads[0] + pads[2], m.shape[2] + pads[1] + pads[3])


@given(maps(max_n=2, max_side=9), st.floats(0.1, 10))
def test_pad_to_aspect_ratio_then_unpad_is_the_identity(m, ratio):
    out = check_transform(PadToAspectRatio(ratio, mode="edge"), m)
    h, w = out.shape[1:]
    assert h >= m.shape[1] and w >= m.shape[2]
    assert abs(w / h - ratio) <= max(1 / h, ratio / h, 1 / w) + 1e-9 or (h, w) == m.shape[1:]
    np.testing.assert_array_equal((PadToAspectRatio(ratio) | Unpad())(m), m)


@given(st.floats(-1e3, 1e3), st.integers(1, 9), st.integers(1, 9), st.integers(1, 5),
       st.sampled_from(["reflect", "edge", "symmetric", "wrap", "mean", "median", "maximum"]))
def test_pooling_a_constant_map_gives_the_constant(c, h, w, block, mode):
    m = np.full((2, h, w), c)
    for step in (AvgPool(block, mode=mode), MaxPool(block, mode=mode)):
        out = step(m)
        assert out.shape == (2, -(-h // block), -(-w // block))
        np.testing.assert_allclose(out, c, rtol=1e-12, atol=1e-12)


@given(maps(max_n=2, max_side=7), st.sampled_from([2, 3, (1, 2)]))
def test_pools_pass_the_transform_kit(m, block):
    check_transform(AvgPool(block), m)
    check_transform(MaxPool(block, mode="constant", cval=-1), m)


@given(values(max_n=2, max_side=6), st.integers(1, 3))
def test_channel_values_are_pooled_and_padded_per_channel(x, block):
    for step in (AvgPool(block), MaxPool(block), Pad(1, 2, 0, 1, mode="reflect"),
                 GaussianSmooth(0.7)):
        out = check_transform(step, x, stage="values")
        for c in range(x.shape[1]):
            np.testing.assert_array_equal(out[:, c], step(x[:, c]))


@given(maps(max_n=3, max_side=6))
def test_invert_twice_is_the_identity(m):
    for step in (Invert(), Invert(-5, 20)):
        twice = (step | step)(m)
        scale = np.abs(m) + abs(step.min_value + step.max_value)
        assert np.all(np.abs(twice - m) <= 4 * np.finfo(m.dtype).eps * scale)
        check_transform(step, m)


@given(maps(max_n=2, max_side=6, dtype=np.float64))
def test_unit_range_round_trip(m):
    lo, hi = float(m.min(initial=0)) - 1, float(m.max(initial=0)) + 1
    unit = check_transform(ToUnitRange(lo, hi), m)
    assert unit.min(initial=0) >= 0 and unit.max(initial=1) <= 1
    back = check_transform(FromUnitRange(lo, hi), unit)
    np.testing.assert_allclose(back, m, atol=1e-9 * (hi - lo))


def test_unit_range_clips_unless_told_not_to():
    m = np.array([[[-2.0, 0.5, 3.0]]])
    np.testing.assert_array_equal(ToUnitRange()(m), [[[0.0, 0.5, 1.0]]])
    np.testing.assert_array_equal(ToUnitRange(clip=False)(m), m)
    assert repr(ToUnitRange(0, 2, clip=False)) == "ToUnitRange(0.0, 2.0, clip=False)"


@given(maps(max_n=2, max_side=8), st.floats(0, 3), st.sampled_from(["cubic", "area", "bilinear"]))
def test_resize_and_smoothing_pass_the_transform_kit(m, sigma, method):
    check_transform(GaussianSmooth(sigma), m)
    check_transform(Resize((0.5, 1.5), method), m)
    check_transform(Resize((3, 5), method), m)


@given(st.floats(-100, 100), st.integers(1, 12), st.integers(1, 12), st.floats(0.3, 6))
def test_smoothing_keeps_a_constant_map(c, h, w, sigma):
    np.testing.assert_allclose(GaussianSmooth(sigma)(np.full((1, h, w), c)), c, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("sigma, shape", [(0.5, (9, 11)), (1.7, (20, 13)), (4.0, (5, 7))])
def test_smoothing_agrees_with_scipy(sigma, shape):
    ndimage = pytest.importorskip("scipy.ndimage")
    m = np.random.default_rng(1).normal(size=(2,) + shape)
    ours = GaussianSmooth(sigma)(m)
    for i in range(2):
        np.testing.assert_allclose(ours[i], ndimage.gaussian_filter(m[i], sigma), atol=1e-12)


def test_operations_keep_float32():
    m = np.random.default_rng(2).random((2, 9, 7)).astype(np.float32)
    for step in (ToUnitRange(), Invert(), Pad(1, 1, 1, 1, mode="mean"), AvgPool(2), MaxPool(3),
                 Resize(0.5, "cubic"), GaussianSmooth(1.0), PadToAspectRatio(2.0)):
        assert step(m).dtype == np.float32, step


def test_resize_image_to_heatmap_shapes():
    rgb = np.ones((2, 4, 6, 3))
    one = np.zeros((40, 60, 3), np.uint8)
    out = (ResizeImageToHeatmap() | AlphaOverlay(0.5))(rgb, image=one, stage="rgb")
    assert out.shape == (2, 4, 6, 3)
    ragged = heatmap(np.ones((2, 4, 6)), [np.zeros((8, 12, 3)), np.zeros((30, 20, 3))],
                     ExtremaColormap() | ResizeImageToHeatmap("area") | AlphaOverlay(1.0),
                     layout="NHW")
    assert ragged.to_numpy().shape == (2, 4, 6, 3)
    assert np.array_equal(ResizeImageToHeatmap()(rgb, stage="rgb"), rgb)  # no images


def test_target_sizes_round_half_to_even_like_imgaug():
    assert target_size(0.5, 161, 240) == (80, 120)  # 80.5 -> 80
    assert target_size(0.001, 10, 10) == (1, 1)
    assert set(OPENCV_METHODS) == {"cubic", "area", "nearest-opencv"}


def test_unpad_undoes_nested_pads_innermost_first():
    m = np.arange(6.0).reshape(1, 2, 3)
    pipe = Pad(1, 0, 0, 0) | PadToAspectRatio(1.0) | Unpad()
    assert pipe(m).shape == (1, 3, 3)
    assert (pipe | Unpad())(m).shape == (1, 2, 3)
    colour = PadToAspectRatio(1.0) | ExtremaColormap("gray") | Unpad()
    assert heatmap(m, colour, layout="NHW").to_numpy().shape == (1, 2, 3, 3)


def test_operations_parse_from_text():
    text = ("ToUnitRange(-1.0, 20.0) | Invert(0.0, 1.0) | Pad(1, 2, 3, 4, mode='wrap') | "
            "PadToAspectRatio(1.5, cval=0.5) | AvgPool((2, 3)) | MaxPool(2, mode='reflect') | "
            "Resize(0.25, 'cubic') | Resize((8, 9), 'bilinear') | "
            "GaussianSmooth(1.5, truncate=3.0) | "
            "Unpad() | Crop(0, 1, 0, 1) | FromUnitRange(-1.0, 20.0)")
    pipe = Pipeline.parse(text)
    assert str(pipe) == text
    assert Pipeline.parse(str(pipe)) == pipe


@pytest.mark.parametrize("make, cls, match", [
    (lambda: ToUnitRange(2, 1), ValueError, r"max_value: expected a number above min_value=2"),
    (lambda: ToUnitRange(clip="yes"), TypeError, r"clip: expected True or False"),
    (lambda: Invert(0, float("nan")), ValueError, "max_value: expected a finite number"),
    (lambda: Pad(-1), ValueError, r"top: expected an integer in \[0, inf\]"),
    (lambda: Pad(1.5), ValueError, "top: expected an integer"),
    (lambda: Pad(mode="symetric"), ValueError, "Did you mean 'symmetric'"),
    (lambda: Pad(cval="0"), TypeError, "cval: expected a number"),
    (lambda: PadToAspectRatio(0), ValueError, r"ratio: expected a number in \(0, inf\]"),
    (lambda: AvgPool((2, 2, 2)), TypeError, r"block: expected an int or a pair"),
    (lambda: MaxPool(0), ValueError, r"block: expected an integer in \[1, inf\]"),
    (lambda: Resize(2), TypeError, r"For a square use \(2, 2\); for a scale factor, 2.0"),
    (lambda: Resize((2, 0.5)), TypeError, "size: expected two ints"),
    (lambda: Resize((0, 4)), ValueError, r"size: expected an integer in \[1, inf\]"),
    (lambda: Resize(0.5, "bicubic"), ValueError, "Did you mean 'cubic'"),
    (lambda: ResizeImageToHeatmap("lanczos"), ValueError, "expected a known resize method"),
    (lambda: GaussianSmooth(-1), ValueError, r"sigma: expected a number in \[0, inf\]"),
    (lambda: GaussianSmooth(1, truncate=0), ValueError, "truncate"),
])
def test_bad_parameters_are_refused(make, cls, match):
    with pytest.raises(cls, match=match):
        make()


def test_crop_larger_than_the_map_is_refused():
    with pytest.raises(ValueError, match=r"amounts: expected less than the size \(2, 2\)"):
        Crop(1, 0, 2, 0)(np.zeros((1, 2, 2)))


def test_crop_of_every_row_or_column_is_refused_and_one_pixel_is_kept():
    for crop in (Crop(1, 0, 1, 0), Crop(0, 2, 0, 0), Crop(2, 0, 0, 0)):
        with pytest.raises(ValueError, match=r"so that a pixel remains; got .* shape \(1, 2, 2\)"):
            crop(np.zeros((1, 2, 2)))
    maps = np.arange(8.0).reshape(2, 2, 2)
    assert np.array_equal(Crop(1, 1, 0, 0)(maps), maps[:, 1:, :1])


def test_operations_refuse_pictures_with_a_stage_error():
    with pytest.raises(TypeError, match=r"AvgPool\(2\), takes channel values .* or a map"):
        ExtremaColormap() | AvgPool(2)


# -- multi-channel heatmaps: one picture per channel ----------------------------------

def test_one_picture_per_channel_matches_imgaugs_draw(ref):
    multi = ref("draw_multi_in").transpose(2, 0, 1)[None]  # (1, 3, H, W)
    pipe = ExtremaColormap("gray", vmin=0, vmax=1)
    h = heatmap(multi, pipe, channels="separate", dtype=np.float64)
    assert len(h) == 3 and h.grid_shape == (1, 3)
    # draw()[c] for each c; imgaug truncates 255 * colour where visheat rounds
    assert np.abs(np.rint(h.to_numpy() * 255) - ref("draw_multi")).max() <= 1
    fast = heatmap(multi, pipe, channels="separate").to_numpy().astype(int)
    assert np.abs(fast - np.rint(h.to_numpy() * 255)).max() <= 1  # and the 8-bit path


def test_separate_channels_are_sample_major_with_their_images():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    images = np.stack([np.zeros((4, 5, 3), np.uint8), np.full((4, 5, 3), 255, np.uint8)])
    pipe = ExtremaColormap("gray") | AlphaOverlay(0.5)
    h = heatmap(x, images, pipe, channels="separate", dtype=np.float64)
    assert len(h) == 6 and h.grid_shape == (2, 3)
    grid = h.to_grid()
    assert grid.shape == (2, 3, 4, 5, 3)
    for i in range(2):
        for c in range(3):
            one = heatmap(x[i, c][None], images[i], pipe, layout="NHW", dtype=np.float64)
            np.testing.assert_array_equal(grid[i, c], one.to_numpy()[0])
    shared = heatmap(x, images[1], pipe, channels="separate").to_grid()  # one image for all
    assert shared.shape == (2, 3, 4, 5, 3)
    assert heatmap(x, "sensitivity").grid_shape == (2, 1)
    assert heatmap(x, "sensitivity").to_grid().shape == (2, 1, 4, 5, 3)


def test_separate_channels_need_a_channel_axis():
    with pytest.raises(ValueError, match="channels: expected channel values"):
        heatmap(np.zeros((2, 4, 4)), "sensitivity", layout="NHW", channels="separate")
    with pytest.raises(ValueError, match="channels: expected 'together' or 'separate'"):
        heatmap(np.zeros((2, 3, 4, 4)), channels="apart")
    ragged = heatmap(np.zeros((1, 2, 4, 4)), [np.zeros((8, 8, 3))],
                     ExtremaColormap() | ResizeToImage(), channels="separate")
    assert ragged.to_grid().shape == (1, 2, 8, 8, 3)


def python_blocks(path):
    text = path.read_text(encoding="utf-8")
    return [block.split("\n", 1)[1] for block in text.split("```")[1::2]
            if block.startswith("python\n")]


def test_the_operations_page_runs():
    blocks = python_blocks(Path(__file__).parents[2] / "docs" / "operations.md")
    assert len(blocks) >= 4
    namespace = {}
    for block in blocks:
        exec(block, namespace)  # noqa: S102 - our own documentation
    assert namespace["square"].shape == (2, 240, 240)
    padded = namespace["pictures"]
    assert namespace["pad_amounts"](padded.records).tolist() == [[39, 0, 40, 0]] * 2
    assert padded.to_numpy().shape == (2, 161, 240, 3)
    assert namespace["h"].grid_shape == (2, 4) and len(namespace["h"]) == 8


@given(maps(max_n=2, max_side=7), amounts)
def test_crop_unpad_and_image_resizing_pass_the_transform_kit(m, pads):
    check_transform(Pad(*pads, mode="wrap") | Unpad(), m)
    check_transform(PadToAspectRatio(2.0) | ExtremaColormap() | Unpad(), m)
    big = Pad(*pads)(m)
    check_transform(Crop(*pads), big)
    images = np.random.default_rng(0).random((m.shape[0], 11, 13, 3))
    rgb = ExtremaColormap()(m)
    check_transform(ResizeImageToHeatmap("area") | AlphaOverlay(0.5), rgb, image=images,
                    stage="rgb")


@pytest.mark.parametrize("make, argument", [
    (lambda m: Resize(1e308)(m), "size"),
    (lambda m: Resize((1e300, 0.5))(m), "size"),
    (lambda m: Resize((10**400, 3))(m), "size"),
    (lambda m: Pad(10**400)(m), "top"),
    (lambda m: AvgPool((1, 10**400))(m), "block"),
    (lambda m: Letterbox(10**400)(m), "new_shape"),
    (lambda m: smooth_keypoints(m, 1.0, radius=10**400), "radius"),
], ids=["resize-fraction", "resize-pair", "resize-pixels", "pad", "pool", "letterbox",
        "smooth"])
def test_sizes_beyond_any_memory_are_value_errors_not_overflows(make, argument):
    # their byte counts pass 1e308: formatting them as floats raised OverflowError
    with pytest.raises(ValueError, match=rf"^{argument}: expected .* of at most 4 GiB; got a "
                                         r"shape with more than 2\*\*62 elements along an axis"):
        make(np.zeros((1, 4, 4)))
