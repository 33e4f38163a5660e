"""visheat.compat and its transforms against the peers' own pictures and numpy models.

The reference vectors in ``tests/data/compat_vectors.npz`` were made by captum 0.9.0,
zennit 0.5.1 and grad-cam 1.5.7 themselves (``tools/make_compat_vectors.py``), on a tiny
CNN's Integrated Gradients, Saliency and Grad-CAM of two sample photographs. The numpy
models below re-derive each peer's arithmetic from its documented steps, independently
of visheat's transforms.
"""

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visheat import (
    ChannelOrder,
    CumulativeSumClip,
    GrayOverlay,
    LookupColormap,
    MaskImage,
    SignSelect,
    compat,
    heatmap,
)
from visheat.testing import check_transform, maps, rgb_pictures
from visheat.transforms.schemes import get_table

DATA = Path(__file__).parents[1] / "data" / "compat_vectors.npz"


@pytest.fixture(scope="module")
def ref():
    with np.load(DATA, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _keys(prefix):
    with np.load(DATA, allow_pickle=False) as archive:
        return sorted(k for k in archive.files if k.startswith(prefix))


def levels_off(a, b):
    return np.abs(a.astype(int) - b.astype(int))


# -- grad-cam -------------------------------------------------------------------------

GRADCAM_KEYS = [k for k in _keys("gradcam_") if k.rsplit("_", 2)[1] in ("rgb", "bgr")]


@pytest.mark.parametrize("key", GRADCAM_KEYS)
def test_show_cam_on_image_gives_grad_cams_pixels(ref, key):
    head, order, weight = key.rsplit("_", 2)
    name = head[len("gradcam_"):]
    images = ref["images"][:1].astype(np.float32) / np.float32(255)  # as grad-cam's users pass
    pipe = compat.show_cam_on_image(name, float(weight), use_rgb=order == "rgb")
    out = heatmap(ref["attr_cam"][:1], images, pipe, layout="NHW").to_numpy()
    np.testing.assert_array_equal(out, ref[key])


def test_grad_cam_bar_covers_six_maps_both_orders_two_weights():
    for name in ("jet", "viridis", "turbo", "inferno", "hot", "bone"):
        for order in ("rgb", "bgr"):
            assert {f"gradcam_{name}_{order}_{w}" for w in (0.5, 0.3)} <= set(GRADCAM_KEYS)
    assert len({k.rsplit("_", 2)[0] for k in GRADCAM_KEYS}) == 22  # every OpenCV colormap


def test_show_cam_on_image_takes_opencvs_codes():
    assert compat.show_cam_on_image(2) == compat.show_cam_on_image("jet")  # cv2.COLORMAP_JET
    assert compat.show_cam_on_image(20) == compat.show_cam_on_image("turbo")
    with pytest.raises(ValueError, match=r"colormap: expected an OpenCV colormap code 0\.\.21"):
        compat.show_cam_on_image(22)
    with pytest.raises(ValueError, match="Did you mean 'viridis'"):
        compat.show_cam_on_image("virdis")


def test_bgr_with_bgr_images_is_the_rgb_picture_reversed(ref):
    images = ref["images"][:1]
    rgb = heatmap(ref["attr_cam"][:1], images, compat.show_cam_on_image("turbo"), layout="NHW")
    bgr = heatmap(ref["attr_cam"][:1], images[..., ::-1].copy(),
                  compat.show_cam_on_image("turbo", use_rgb=False), layout="NHW")
    np.testing.assert_array_equal(bgr.to_numpy(), rgb.to_numpy()[..., ::-1])


# -- captum ---------------------------------------------------------------------------

CAPTUM_KEYS = _keys("captum_")


def _method_sign(key):
    rest = key.split("_", 2)[2]
    for sign in ("absolute_value", "positive", "negative", "all"):
        if rest.endswith("_" + sign):
            return rest[:-len(sign) - 1], sign
    raise AssertionError(key)


@pytest.mark.parametrize("key", CAPTUM_KEYS)
def test_visualize_image_attr_is_within_two_levels_of_captum(ref, key):
    source = key.split("_")[1]
    method, sign = _method_sign(key)
    out = heatmap(ref[f"attr_{source}"], ref["images"],
                  compat.visualize_image_attr(method, sign)).to_numpy()
    off = levels_off(out, ref[key])
    assert (off <= 2).mean() >= 0.999 and off.max() <= 3, (off.max(), (off <= 2).mean())


def test_captum_vectors_cover_every_method_and_sign():
    pairs = {_method_sign(k) for k in CAPTUM_KEYS}
    assert len(pairs) == 15 and len(CAPTUM_KEYS) == 30  # IG and Saliency


def model_captum_heat_map(attr_hwc, sign, outlier_perc=2):
    """captum's heat_map arithmetic from its documented steps, drawn by matplotlib."""
    attr = attr_hwc.sum(axis=2)
    attr = {"all": attr, "positive": np.maximum(attr, 0), "negative": np.minimum(attr, 0),
            "absolute_value": np.abs(attr)}[sign]
    values = np.sort(np.abs(attr).ravel())
    sums = np.cumsum(values)
    threshold = values[np.nonzero(sums >= sums[-1] * 0.01 * (100 - outlier_perc))[0][0]]
    norm = np.clip(attr / (-threshold if sign == "negative" else threshold), -1, 1)
    if sign == "all":
        cmap = matplotlib.colors.LinearSegmentedColormap.from_list(
            "RdWhGn", ["red", "white", "green"])
        norm = (norm + 1) / 2
    else:
        cmap = matplotlib.colormaps[{"positive": "Greens", "negative": "Reds",
                                     "absolute_value": "Blues"}[sign]]
    return np.round(cmap(norm)[..., :3] * 255).astype(np.uint8)


@pytest.mark.parametrize("sign", ["all", "positive", "negative", "absolute_value"])
def test_captum_heat_map_matches_a_numpy_model(sign):
    attr = np.random.default_rng(5).standard_t(3, size=(2, 3, 12, 9)).astype(np.float32)
    out = heatmap(attr, compat.visualize_image_attr("heat_map", sign)).to_numpy()
    for i in range(2):
        expected = model_captum_heat_map(attr[i].transpose(1, 2, 0), sign)
        assert levels_off(out[i], expected).max() <= 1


def test_captum_blended_masked_and_alpha_pictures_match_numpy_models():
    rng = np.random.default_rng(6)
    attr = rng.normal(size=(1, 3, 10, 8)).astype(np.float32)
    image = rng.integers(0, 256, size=(1, 10, 8, 3), dtype=np.uint8)
    m = attr[0].sum(axis=0)
    values = np.sort(np.abs(m).ravel())
    sums = np.cumsum(values)
    norm = np.clip(np.abs(m) / values[np.nonzero(sums >= sums[-1] * 0.98)[0][0]], 0, 1)
    masked = np.clip((image[0] * norm[..., None]).astype(int), 0, 255)  # captum's truncation
    out = heatmap(attr, image, compat.visualize_image_attr("masked_image")).to_numpy()[0]
    assert levels_off(out, masked).max() <= 1
    white = image[0] * norm[..., None] + 255 * (1 - norm[..., None])
    out = heatmap(attr, image, compat.visualize_image_attr("alpha_scaling")).to_numpy()[0]
    assert levels_off(out, np.round(white)).max() <= 1
    gray = image[0].mean(axis=2)
    gray = (gray - gray.min()) / (gray.max() - gray.min())
    heat = matplotlib.colormaps["Blues"](norm)[..., :3]
    blended = np.round((heat * 0.5 + gray[..., None] * 0.5) * 255)
    out = heatmap(attr, image, compat.visualize_image_attr("blended_heat_map")).to_numpy()[0]
    assert levels_off(out, blended).max() <= 1


def test_visualize_image_attr_refuses_what_captum_refuses():
    with pytest.raises(ValueError, match="sign: expected 'positive', 'negative' or "
                                         "'absolute_value' for masked_image; got 'all'"):
        compat.visualize_image_attr("masked_image", "all")
    with pytest.raises(ValueError, match="method: expected one of 'heat_map'"):
        compat.visualize_image_attr("heatmap")
    with pytest.raises(ValueError, match=r"outlier_perc: expected a number in \[0, 100\]"):
        compat.visualize_image_attr(outlier_perc=120)


def test_rdwhgn_by_name_is_matplotlibs_red_white_green():
    expected = matplotlib.colors.to_rgba_array(["red", "white", "green"])[:, :3]
    np.testing.assert_array_equal(get_table("RdWhGn").colors, expected)


# -- zennit ---------------------------------------------------------------------------

ZENNIT_KEYS = [k for k in _keys("zennit_") if not k.startswith(("zennit_palette",
                                                                   "zennit_source"))]


@pytest.mark.parametrize("key", ZENNIT_KEYS)
def test_imgify_is_within_two_levels_of_zennit(ref, key):
    *name, symmetric, level = key.split("_")[1:]
    name = "_".join(name)
    cmap = str(ref["zennit_source"]) if name == "source" else name
    relevance = ref["attr_ig"][:1].sum(axis=1)  # as zennit's tutorials sum over channels
    pipe = compat.imgify(cmap, symmetric=symmetric == "sym", level=float(level))
    out = heatmap(relevance, pipe, layout="NHW").to_numpy()
    off = levels_off(out, ref[key])
    assert off.max() <= 2 and (off == 0).mean() >= 0.998  # measured: at most 1, 99.9 % equal


@pytest.mark.parametrize("name", ["gray", "wred", "wblue", "hot", "cold", "coldnhot", "bwr",
                                  "france", "seismic", "coolio", "coleus"])
def test_zennit_source_parser_rebuilds_zennits_own_tables(name):
    from importlib import resources

    text = resources.files("visheat").joinpath("data", "zennit_colormaps.csv").read_text("ascii")
    source = next(line.split(",")[1] for line in text.splitlines()
                  if line.startswith(name + ","))
    np.testing.assert_allclose(compat.zennit_table(source.replace(";", ",")),
                               get_table(f"zennit:{name}").colors, atol=1e-6)


def test_zennit_level_one_palette_is_zennits_palette(ref):
    for name in ("coldnhot", "france", "bwr"):
        table = LookupColormap(f"zennit:{name}", bins=256)
        ours = np.rint(np.asarray(
            __import__("visheat.transforms.colormaps", fromlist=["lookup_table"]).lookup_table(
                table.name, 256)) * 255)
        assert levels_off(ours, ref[f"zennit_palette_{name}"]).max() <= 1  # zennit truncates


def test_zennit_source_errors_name_the_argument():
    with pytest.raises(ValueError, match="cmap: expected zennit colour-map source"):
        compat.imgify("0:fff,zz")
    with pytest.raises(ValueError, match="cmap: expected colour indices in ascending order"):
        compat.imgify("80:fff,10:000")


# -- the general transforms: properties --------------------------------------------------

@given(maps(), st.floats(0, 100))
def test_cumulative_sum_clip_properties(m, percent):
    out = check_transform(CumulativeSumClip(percent), m)
    assert np.all(np.abs(out) <= 1)
    assert np.array_equal(np.sign(out), np.sign(m) * (out != 0))  # signs are kept
    if m.size:  # the largest magnitude of a non-zero sample reaches 1
        for i in range(m.shape[0]):
            if np.abs(m[i]).max() > 0:
                assert np.abs(out[i]).max() == 1


@given(maps(), st.sampled_from(["all", "positive", "negative", "absolute_value"]))
def test_sign_select_properties(m, sign):
    out = check_transform(SignSelect(sign), m)
    if sign != "all":
        assert np.all(out >= 0)
    assert np.array_equal(np.abs(out) > 0, {"all": m != 0, "positive": m > 0,
                                            "negative": m < 0, "absolute_value": m != 0}[sign])


@settings(deadline=None)
@given(maps(), st.integers(2, 300), st.sampled_from(["bins", "levels"]), st.booleans())
def test_lookup_colormap_only_uses_its_bin_colours(m, bins, quantize, centered):
    t = LookupColormap("viridis", bins=bins, quantize=quantize, centered=centered)
    out = check_transform(t, m, dtype=np.float64)
    from visheat.transforms.colormaps import lookup_table
    palette = lookup_table(t.name, bins)
    if out.size:
        assert np.isin(out.reshape(-1, 3).view([("", float)] * 3),
                       palette.view([("", float)] * 3)).all()


def test_lookup_colormap_matches_matplotlibs_cmap_of_norm():
    x = np.random.default_rng(7).random((2, 5, 7)).astype(np.float32) * 3 - 1
    out = LookupColormap("mpl:magma", vmin=-1, vmax=2)(x, dtype=np.float64)
    expected = matplotlib.colormaps["magma"]((x + 1) / 3)[..., :3]
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_lookup_colormap_per_sample_limits_and_errors():
    x = np.ones((2, 1, 1))
    out = LookupColormap("gray", vmin=[0, 0], vmax=[1, 2], bins=3, quantize="levels")(x)
    assert out[:, 0, 0, 0].tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="vmin/vmax: expected one number per sample"):
        LookupColormap("gray", vmin=[0])(x)
    with pytest.raises(ValueError, match="quantize: expected 'bins', 'levels' or 'nearest'"):
        LookupColormap("gray", quantize="round")
    with pytest.raises(ValueError, match="level: expected a positive number"):
        LookupColormap("gray", level=0)


@given(rgb_pictures(), st.floats(0, 1))
def test_gray_overlay_properties(rgb, alpha):
    images = np.random.default_rng(0).integers(0, 256, size=rgb.shape, dtype=np.uint8)
    out = check_transform(GrayOverlay(alpha), rgb, image=images, stage="rgb")
    assert out.size == 0 or (out.min() >= 0 and out.max() <= 1 + 1e-12)


@given(maps(), st.sampled_from(["black", "white"]))
def test_mask_image_properties(m, background):
    images = np.random.default_rng(1).random(m.shape + (3,))
    out = check_transform(MaskImage(background), m, image=images)
    full = np.clip(m, 0, 1)[..., None] == 1
    assert np.array_equal(np.where(full, out, 0), np.where(full, images, 0))


@given(rgb_pictures())
def test_channel_order_reverses_and_round_trips(rgb):
    out = check_transform(ChannelOrder("bgr"), rgb, stage="rgb")
    np.testing.assert_array_equal(out[..., ::-1], rgb)
    np.testing.assert_array_equal(ChannelOrder("rgb")(rgb, stage="rgb"), rgb)


# -- imgaug ---------------------------------------------------------------------------

IMGAUG = Path(__file__).parents[1] / "data" / "imgaug_draw_vectors.npz"


@pytest.fixture(scope="module")
def draws():
    with np.load(IMGAUG, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


@pytest.mark.parametrize("cmap", ["jet", "gray", "viridis"])
@pytest.mark.parametrize("alpha", [0.75, 0.4])
@pytest.mark.parametrize("resize", ["heatmaps", "image"])
def test_draw_on_image_is_within_one_level_of_imgaug(draws, cmap, alpha, resize):
    out = heatmap(draws["maps"], draws["image"], compat.draw_on_image(alpha, cmap, resize),
                  layout="NHW").to_numpy()
    assert levels_off(out, draws[f"draw_{cmap}_{alpha}_{resize}"]).max() <= 1  # imgaug truncates


def model_imgaug_draw_on_image(m, image, alpha, cmap):
    """imgaug's draw_on_image(resize="heatmaps") from its documented steps, in numpy."""
    levels = np.clip(np.round(m * 255), 0, 255).astype(np.uint8)
    h, w = image.shape[:2]
    rows = np.floor(np.arange(h) * (m.shape[0] / h)).astype(int)  # OpenCV INTER_NEAREST
    cols = np.floor(np.arange(w) * (m.shape[1] / w)).astype(int)
    big = levels[rows][:, cols].astype(np.float32) / 255
    heat = np.clip(matplotlib.colormaps[cmap](big)[..., :3] * 255, 0, 255).astype(np.uint8)
    return np.clip((1 - alpha) * image + alpha * heat, 0, 255).astype(np.uint8)


def test_draw_on_image_matches_a_numpy_model_and_not_the_old_mapping():
    rng = np.random.default_rng(8)
    m = rng.random((1, 7, 5)).astype(np.float32)
    image = rng.integers(0, 256, size=(23, 17, 3), dtype=np.uint8)
    expected = model_imgaug_draw_on_image(m[0], image, 0.6, "viridis")
    out = heatmap(m, image, compat.draw_on_image(0.6, "viridis"), layout="NHW").to_numpy()[0]
    assert levels_off(out, expected).max() <= 1
    from visheat import AlphaOverlay, ExtremaColormap, ResizeToImage
    old = heatmap(m, image, ExtremaColormap("viridis", vmin=0, vmax=1) | ResizeToImage("nearest")
                  | AlphaOverlay(0.6), layout="NHW").to_numpy()[0]
    assert levels_off(old, expected).max() > 20  # visheat's centre-nearest picks other pixels


def test_resize_to_the_image_takes_any_method():
    from visheat import Resize
    m = np.arange(6.0).reshape(1, 2, 3)
    out = Resize("image", "nearest-opencv")(m, image=np.zeros((5, 7, 3)))
    rows, cols = np.floor(np.arange(5) * 2 / 5).astype(int), np.floor(np.arange(7) * 3 / 7)
    np.testing.assert_array_equal(out[0], m[0][rows][:, cols.astype(int)])
    assert Resize("image")(m).shape == m.shape  # no images: unchanged
    with pytest.raises(ValueError, match="resize: expected 'heatmaps' or 'image'"):
        compat.draw_on_image(resize="both")


def test_imgify_matches_a_numpy_model_with_per_map_limits(ref):
    # zennit's arithmetic written out, with the palette zennit itself made (level 1)
    rng = np.random.default_rng(9)
    maps = rng.normal(size=(2, 6, 5)).astype(np.float32)
    vmin, vmax = [-1.0, -0.5], [1.0, 2.0]
    out = heatmap(maps, compat.imgify("coldnhot", vmin=vmin, vmax=vmax), layout="NHW").to_numpy()
    palette = ref["zennit_palette_coldnhot"]
    for i in range(2):
        t = (maps[i] - np.float32(vmin[i])) / (np.float32(vmax[i]) - np.float32(vmin[i]))
        levels = (t * 255).clip(0, 255).astype(np.uint8)
        np.testing.assert_array_equal(out[i], palette[levels])
