"""The detector CAM workflow: combining layers, box renormalisation, letterbox, drawing.

Two kinds of references: vectors from pytorch-grad-cam's own code
(``tests/data/imgaug_vectors.npz``, see ``tools/make_imgaug_vectors.py``), and
independent numpy models, written here from the YOLOv8 Grad-CAM post's code, of
its ``renormalize_cam_in_bounding_boxes`` and ``letterbox``.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from visheat import (
    BoxRenormalize,
    CombineMaps,
    DrawDetections,
    ExtremaColormap,
    GradCamOverlay,
    HeatAlphaOverlay,
    Letterbox,
    Pipeline,
    ResizeToImage,
    SumReduction,
    Unletterbox,
    combine_cams,
    heatmap,
    letterbox,
    letterbox_geometry,
    unletterbox_boxes,
)
from visheat.cam.combine import unit_scale
from visheat.cam.detections import class_color
from visheat.testing import check_transform
from visheat.transforms.cam_overlays import opencv_jet
from visheat.transforms.resampling import resize_array

VECTORS = Path(__file__).parents[1] / "data" / "imgaug_vectors.npz"
COMPAT = Path(__file__).parents[1] / "data" / "compat_vectors.npz"


@pytest.fixture(scope="module")
def ref():
    with np.load(VECTORS, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


# -- independent models of the YOLOv8 Grad-CAM post --------------------------------

def model_scale_cam_image(cam):
    """pytorch-grad-cam's scale_cam_image given a 2-D map, without resizing.

    It loops over the first axis, so a 2-D slice is scaled row by row (this is what
    the tutorials' helper passes it); for an (N, H, W) batch each map is scaled whole.
    """
    rows = []
    for row in cam:
        row = row - np.min(row)
        rows.append(row / (1e-7 + np.max(row)))
    return np.float32(rows)


def model_renormalize(boxes, cam):
    """The post's renormalize_cam_in_bounding_boxes, minus drawing (int32 boxes)."""
    out = np.zeros(cam.shape, dtype=np.float32)
    for x1, y1, x2, y2 in boxes.astype(np.int32):
        x1, y1 = max(x1, 0), max(y1, 0)
        x2, y2 = min(cam.shape[1] - 1, x2), min(cam.shape[0] - 1, y2)
        if y2 > y1 and x2 > x1:  # numpy's empty slices are skipped by scale_cam_image's min()
            out[y1:y2, x1:x2] = model_scale_cam_image(cam[y1:y2, x1:x2].copy())
    return model_scale_cam_image(out)


def model_letterbox(shape, new_shape, auto, scaleup, stride=32, keep_one=False, center=True):
    """The post's letterbox() arithmetic: (new_unpad (w, h), top, bottom, left, right).

    ``keep_one=True, center=...`` is ultralytics 8.4's LetterBox.get_params (read from
    the ultralytics-8.4.190 wheel): thin sides keep one pixel, ``center=False`` pads
    only right and below.
    """
    r = min(new_shape[0] / shape[0], new_shape[1] / shape[1])
    if not scaleup:
        r = min(r, 1.0)
    new_unpad = int(round(shape[1] * r)), int(round(shape[0] * r))
    if keep_one:
        new_unpad = max(new_unpad[0], 1), max(new_unpad[1], 1)
    dw, dh = new_shape[1] - new_unpad[0], new_shape[0] - new_unpad[1]
    if auto:
        dw, dh = np.mod(dw, stride), np.mod(dh, stride)
    if center:
        dw /= 2
        dh /= 2
    top, bottom = int(round(dh - 0.1)) if center else 0, int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)) if center else 0, int(round(dw + 0.1))
    return new_unpad, top, bottom, left, right


# -- grad-cam's show_cam_on_image and multi-layer CAMs -------------------------------

@pytest.mark.parametrize("weight", [0.0, 0.3, 0.5, 1.0])
def test_gradcam_overlay_equals_show_cam_on_image(ref, weight):
    mask, img = ref["gradcam_mask"][None], ref["gradcam_img"]
    out = heatmap(mask, img, GradCamOverlay(weight), layout="NHW").to_numpy()[0]
    np.testing.assert_array_equal(out, ref[f"gradcam_show_{weight}"])


def test_gradcam_pipeline_equals_show_cam_on_image(ref):
    mask = ref["gradcam_mask"][None]
    twin = SumReduction() | ResizeToImage("bilinear") | GradCamOverlay(0.5)
    for image, key in ((ref["gradcam_img"], "gradcam_show_0.5"),
                       (ref["gradcam_dark_img"], "gradcam_show_dark")):
        np.testing.assert_array_equal(heatmap(mask, image, twin, layout="NHW").to_numpy()[0],
                                      ref[key])
        # the preset scales the CAM first (grad-cam's 1e-7): at most one jet level apart
        preset = heatmap(mask, image, "gradcam", layout="NHW").to_numpy()[0]
        diff = np.abs(preset.astype(int) - ref[key])
        assert diff.max() <= 4 and (diff > 0).mean() < 0.002
    # a smaller CAM is resized to the image first, as grad-cam's scale_cam_image does
    small = heatmap(mask[:, ::2, ::2], ref["gradcam_img"], twin, layout="NHW")
    assert small.to_numpy().shape == (1, 24, 31, 3)


def test_gradcam_overlay_float_pictures_are_before_the_last_truncation(ref):
    mask, img = ref["gradcam_mask"][None], ref["gradcam_img"]
    exact = heatmap(mask, img, GradCamOverlay(), layout="NHW", dtype=np.float32).to_numpy()[0]
    np.testing.assert_array_equal((np.float32(255) * exact).astype(np.uint8),
                                  ref["gradcam_show_0.5"])


def test_gradcam_overlay_divides_each_picture_by_its_own_maximum():
    cam = np.zeros((2, 4, 4), np.float32)
    images = np.stack([np.full((4, 4, 3), 0.2), np.full((4, 4, 3), 0.8)])
    out = GradCamOverlay(0.5)(cam, image=images, dtype=np.uint8)
    assert out.reshape(2, -1).max(axis=1).tolist() == [255, 255]  # the quirk, documented
    black = GradCamOverlay(1.0)(cam, image=np.zeros((4, 4, 3)), dtype=np.uint8)
    assert not black.any()  # grad-cam divides 0 by 0 here; visheat keeps black


def test_opencv_jet_is_opencvs_table_in_rgb_order():
    table = opencv_jet()
    assert table.shape == (256, 3) and table.dtype == np.uint8
    assert table[0].tolist() == [0, 0, 128] and table[-1].tolist() == [128, 0, 0]  # blue -> red
    with pytest.raises(ValueError):
        table[0, 0] = 1


def test_combine_cams_is_grad_cams_multi_layer_cam(ref):
    layers = [ref[f"gradcam_layer{i}"] for i in range(3)]
    out = combine_cams(layers, size=(30, 40))
    assert out.dtype == np.float32 and out.shape == (2, 30, 40)
    np.testing.assert_allclose(out, ref["gradcam_combined"], atol=1e-6)
    scaled = resize_array(unit_scale(layers[0]), (30, 40), "bilinear", 1)  # scale_cam_image
    np.testing.assert_allclose(scaled, ref["gradcam_scaled_layer0"], atol=1e-6)
    assert combine_cams([layers[0][0], layers[1][0]]).shape == (1, 10, 14)  # one image, 2-D


def test_combine_maps_on_a_stack_equals_combine_cams_of_equal_sizes():
    rng = np.random.default_rng(3)
    stack = rng.normal(size=(3, 4, 6, 5))
    for how in ("mean", "max"):
        out = check_transform(CombineMaps(how), stack, stage="values")
        np.testing.assert_allclose(out, combine_cams(list(stack.transpose(1, 0, 2, 3)), how=how),
                                   atol=1e-12)
        assert out.min() == 0 and out.max() == 1


# -- BoxRenormalize -------------------------------------------------------------------

@st.composite
def maps_with_boxes(draw, inside_edges=False):
    h, w = draw(st.integers(2, 30)), draw(st.integers(2, 30))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(h, w)).astype(np.float32)
    count = draw(st.integers(0, 5))
    limit_x, limit_y = (w - 1, h - 1) if inside_edges else (w + 5, h + 5)
    x = np.sort(rng.integers(-3, limit_x + 1, size=(count, 2)), axis=1)
    y = np.sort(rng.integers(-3, limit_y + 1, size=(count, 2)), axis=1)
    boxes = np.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], axis=1).astype(np.float64)
    return m, boxes


@given(maps_with_boxes(inside_edges=True))
def test_box_renormalize_rows_matches_the_posts_helper(case):
    m, boxes = case
    ours = BoxRenormalize([boxes], overlap="last", scale="rows")(m[None])[0]
    # the helper divides by max - min + 1e-7: a box row whose values span s differs by
    # ~1e-7 / s
    spans = []
    for x1, y1, x2, y2 in boxes.astype(np.int32):  # the regions the helper scales
        x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(m.shape[1] - 1, x2), min(m.shape[0] - 1, y2)
        if y2 > y1 and x2 > x1:
            spans += [float(np.ptp(row)) for row in m[y1:y2, x1:x2]]
    slack = max([1e-7 / s for s in spans if s > 0], default=0.0)
    np.testing.assert_allclose(ours, model_renormalize(boxes, m), atol=1e-5 + 4 * slack)


def test_box_renormalize_rows_equals_grad_cams_own_helper():
    with np.load(COMPAT, allow_pickle=False) as archive:
        cam, boxes = archive["attr_cam"][0], archive["gradcam_boxes"]
        expected = archive["gradcam_renormalized"]
    ours = BoxRenormalize([boxes], overlap="last", scale="rows")(cam[None])[0]
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    whole = BoxRenormalize([boxes], overlap="last")(cam[None])[0]
    assert np.abs(whole - expected).max() > 0.1  # the documented whole-box meaning differs


@given(maps_with_boxes())
def test_renormalised_maps_are_zero_outside_and_reach_one_in_every_box(case):
    m, boxes = case
    out = check_transform(BoxRenormalize([boxes]), m[None])[0]
    h, w = m.shape
    inside = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in boxes.astype(int):
        region = (slice(max(y1, 0), max(min(y2, h), 0)), slice(max(x1, 0), max(min(x2, w), 0)))
        inside[region] = True
        if m[region].size and m[region].max() > m[region].min():
            assert out[region].max() == 1.0
    assert not out[~inside].any()
    assert out.min() >= 0 and out.max() <= 1


def test_box_renormalize_keeps_the_far_edges_the_post_drops():
    m = np.arange(12.0).reshape(1, 3, 4)
    whole = BoxRenormalize([[[0, 0, 4, 3]]], scale="rows")(m)[0]
    assert whole[-1, -1] == 1.0  # the post clips x2 to W - 1 and never reaches this pixel
    assert model_renormalize(np.array([[0, 0, 4, 3]]), m[0])[-1, -1] == 0.0


def test_box_renormalize_without_boxes_gives_zeros_and_flat_boxes_give_zeros():
    m = np.random.default_rng(0).random((2, 5, 5))
    out = BoxRenormalize([[], [[1, 1, 3, 3]]])(m)
    assert not out[0].any() and out[1].max() == 1
    flat = BoxRenormalize([[[0, 0, 5, 5]]])(np.ones((1, 5, 5)))
    assert not flat.any()


def test_overlapping_boxes_keep_the_larger_value_by_default():
    m = np.array([[[0.0, 1.0, 2.0, 3.0]]])
    boxes = [[[0, 0, 4, 1], [2, 0, 4, 1]]]  # the second box rescales pixels 2..3 to 0..1
    assert BoxRenormalize(boxes)(m)[0, 0].tolist() == [0.0, 1 / 3, 2 / 3, 1.0]
    assert BoxRenormalize(boxes, overlap="last")(m)[0, 0].tolist() == [0.0, 1 / 3, 0.0, 1.0]


def test_boxes_in_image_pixels_are_scaled_to_the_map():
    m = np.zeros((1, 4, 4))
    m[0, 0, 0], m[0, 0, 1] = 1.0, 2.0
    image = np.zeros((40, 40, 3), np.uint8)  # boxes are in these pixels
    out = BoxRenormalize([[[0, 0, 30, 10]]])(m, image=image)
    assert out[0].tolist() == [[0.5, 1.0, 0, 0], [0] * 4, [0] * 4, [0] * 4]


def test_per_sample_boxes_follow_their_samples_through_chunks():
    rng = np.random.default_rng(4)
    x = rng.random((40, 64, 64))
    boxes = [rng.integers(0, 32, size=(2, 2)).repeat(2, axis=1) + [0, 0, 32, 32]
             for _ in range(40)]
    pipe = BoxRenormalize(boxes) | ExtremaColormap("gray")
    whole = heatmap(x, pipe, layout="NHW", dtype=np.float64).to_numpy()
    for i in (0, 17, 39):
        one = heatmap(x[i:i + 1], BoxRenormalize([boxes[i]]) | ExtremaColormap("gray"),
                      layout="NHW", dtype=np.float64).to_numpy()[0]
        np.testing.assert_array_equal(whole[i], one)
    with pytest.raises(ValueError, match=r"boxes: expected one entry per sample \(at least 40\)"):
        heatmap(x, BoxRenormalize(boxes[:39]) | ExtremaColormap(), layout="NHW")


# -- letterbox ----------------------------------------------------------------------

@given(st.integers(1, 900), st.integers(1, 900), st.sampled_from([(640, 640), (384, 640), 320]),
       st.booleans(), st.booleans())
def test_letterbox_geometry_is_the_posts_arithmetic(h, w, new_shape, auto, scaleup):
    pair = (new_shape, new_shape) if isinstance(new_shape, int) else new_shape
    new_unpad, top, bottom, left, right = model_letterbox((h, w), pair, auto, scaleup)
    assume(min(new_unpad) >= 1)  # the post's older rule lets a thin side vanish
    g = letterbox_geometry((h, w), new_shape, auto=auto, scaleup=scaleup)
    assert g.resized == (new_unpad[1], new_unpad[0])
    assert g.pad == (top, right, bottom, left)
    assert g.shape == (new_unpad[1] + top + bottom, new_unpad[0] + left + right)
    if not auto:
        assert g.shape == pair


@given(st.integers(1, 3000), st.integers(1, 3000), st.sampled_from([(640, 640), (384, 640), 320]),
       st.booleans(), st.booleans(), st.booleans())
def test_letterbox_geometry_is_current_ultralytics(h, w, new_shape, auto, scaleup, center):
    pair = (new_shape, new_shape) if isinstance(new_shape, int) else new_shape
    new_unpad, top, bottom, left, right = model_letterbox((h, w), pair, auto, scaleup,
                                                          keep_one=True, center=center)
    g = letterbox_geometry((h, w), new_shape, auto=auto, scaleup=scaleup, center=center)
    assert g.resized == (new_unpad[1], new_unpad[0]) and min(g.resized) >= 1
    assert g.pad == (top, right, bottom, left)
    assert not center or abs(top - bottom) <= 1


def test_thin_images_keep_one_pixel_and_top_left_placement():
    assert letterbox_geometry((1, 2000), 640).pad == (319, 0, 320, 0)  # the example
    assert letterbox_geometry((1, 2000), 640).resized == (1, 640)
    picture, g = letterbox(np.full((1, 2000, 3), 200, np.uint8), 640, center=False)
    assert g.pad == (0, 0, 639, 0) and picture[0, 0, 0] == 200 and picture[1, 0, 0] == 114
    m = np.ones((1, 3, 6))
    out = Letterbox(12, center=False)(m)
    assert out[0, :6].all() and not out[0, 6:].any()  # the map on top, padding below
    back = (Letterbox(12, center=False) | Unletterbox(center=False))(m, image=np.zeros((3, 6, 3)))
    np.testing.assert_allclose(back, m)


@given(st.integers(2, 120), st.integers(2, 120), st.sampled_from([64, (48, 80), 96]),
       st.booleans())
def test_unletterbox_recovers_the_content(h, w, new_shape, auto):
    g = letterbox_geometry((h, w), new_shape, auto=auto)
    content = np.random.default_rng(h * 1000 + w).random((1,) + g.resized)
    top, right, bottom, left = g.pad
    boxed = np.pad(content, ((0, 0), (top, bottom), (left, right)), constant_values=1e6)
    image = np.zeros((h, w, 3), np.uint8)
    expected = resize_array(content, (h, w), "bilinear", 1)  # no 1e6 from the padding
    out = Unletterbox(new_shape=new_shape, auto=auto)(boxed, image=image)
    np.testing.assert_array_equal(out, expected)
    if not auto:  # a full letterbox: the two shapes are enough
        np.testing.assert_array_equal(Unletterbox()(boxed, image=image), expected)
    np.testing.assert_array_equal(Unletterbox(g.pad)(boxed, image=image), expected)
    np.testing.assert_array_equal(Unletterbox(g.pad)(boxed), content)  # no images: crop only


@given(st.integers(2, 80), st.integers(2, 80), st.booleans())
def test_letterbox_round_trip(h, w, auto):
    yy, xx = np.mgrid[0:h, 0:w]
    m = np.exp(-((yy - h / 2) ** 2 + (xx - w / 3) ** 2) / (0.1 * h * w))[None]
    image = np.zeros((h, w, 3), np.uint8)
    step = Letterbox(64, auto=auto, cval=-5.0)
    boxed = check_transform(step, m)
    back = (step | Unletterbox(new_shape=64, auto=auto))(m, image=image)
    g = step.geometry((h, w))
    if g.resized == (h, w):
        np.testing.assert_array_equal(back, m)
    else:
        assert back.shape == m.shape and np.abs(back - m).max() < 0.2
    assert boxed.min() == -5.0 or g.pad == (0, 0, 0, 0)


def test_letterbox_an_image_and_map_boxes_back():
    image = np.random.default_rng(5).integers(0, 256, (100, 200, 3), dtype=np.uint8)
    picture, g = letterbox(image, 64)
    assert picture.shape == (64, 64, 3) and g.pad == (16, 0, 16, 0)
    assert (picture[:16] == 114).all() and (picture[-16:] == 114).all()
    np.testing.assert_array_equal(picture[16:48], resize_array(image, (32, 64), "bilinear", 0))
    boxes = np.array([[10.0, 20.0, 150.0, 90.0]])
    in_letterbox = boxes * 0.32 + [0, 16, 0, 16]
    np.testing.assert_allclose(unletterbox_boxes(in_letterbox, g), boxes)
    assert letterbox(np.zeros((30, 40, 3)), (32, 48), color=(0.5, 0.5, 0.5))[0][0, 0, 0] == 0.5


# -- drawing -------------------------------------------------------------------------

def test_draw_detections_outlines_in_class_colours_and_leaves_the_rest():
    pictures = np.full((1, 60, 80, 3), 0.5)
    step = DrawDetections([[[10, 20, 50, 50], [60, 5, 75, 30]]], labels=[[3, 7]],
                          scores=[[0.5, 0.25]], class_names=[str(i) for i in range(8)])
    out = check_transform(step, pictures, stage="rgb")
    assert np.allclose(out[0, 49, 30], np.array(class_color(3)) / 255)  # bottom edge
    assert np.allclose(out[0, 25, 74], np.array(class_color(7)) / 255)  # right edge
    assert (out[0, 35, 30] == 0.5).all()  # inside the box: untouched, exactly
    assert (out[0, 55:, :] == 0.5).all()  # below every box: untouched
    label_area = out[0, 8:20, 10:40]  # above the first box: the label with its text
    assert (np.abs(label_area - np.array(class_color(3)) / 255).sum(axis=-1) > 0.3).any()
    fast = step(np.full((1, 60, 80, 3), 128, np.uint8), dtype=np.uint8)
    assert fast.dtype == np.uint8 and tuple(fast[0, 49, 30]) == class_color(3)


def test_draw_detections_scales_with_the_picture_and_with_image_pixels():
    big = np.zeros((1, 800, 800, 3))
    out = DrawDetections([[[100, 100, 700, 700]]])(big)
    assert (out[0, 100:104, 400] > 0).all() and not out[0, 105, 400].any()  # 4 px lines
    small = np.zeros((1, 20, 20, 3))  # pictures of a 200 x 200 image: boxes shrink by 10
    out = DrawDetections([[[50, 50, 150, 150]]], colors=[[0, 1, 0]])(
        small, image=np.zeros((200, 200, 3), np.uint8), stage="rgb")
    assert out[0, 5, 10].tolist() == [0, 1, 0] and out[0, 14, 10].tolist() == [0, 1, 0]


def test_detections_in_the_posts_format_draw_over_a_gradcam_picture():
    rng = np.random.default_rng(6)
    cam = rng.random((1, 20, 20)).astype(np.float32)
    image = rng.integers(0, 256, (80, 80, 3), dtype=np.uint8)
    dets = np.array([[5.0, 5.0, 40.0, 60.0, 0.87, 2.0], [30.0, 10.0, 75.0, 30.0, 0.4, 0.0]])
    pipe = (ResizeToImage("bilinear") | BoxRenormalize([dets[:, :4]]) | GradCamOverlay()
            | DrawDetections([dets[:, :4]], labels=[dets[:, 5]], scores=[dets[:, 4]],
                             class_names=["person", "bicycle", "car"]))
    out = heatmap(cam, image, pipe, layout="NHW").to_numpy()
    assert out.shape == (1, 80, 80, 3) and out.dtype == np.uint8
    assert Pipeline.parse(str(pipe)) == pipe


def test_heat_alpha_overlay_shows_the_image_where_the_map_is_cold():
    m = np.array([[[0.0, 0.25, 1.0]]])
    images = np.random.default_rng(7).random((1, 1, 3, 3))
    out = check_transform(HeatAlphaOverlay("jet", 0.8), m, image=images)
    np.testing.assert_array_equal(out[0, 0, 0], images[0, 0, 0])  # coldest: the image, exactly
    colours = ExtremaColormap("jet")(m)
    np.testing.assert_allclose(out[0, 0, 2], images[0, 0, 2] * 0.2 + colours[0, 0, 2] * 0.8)
    np.testing.assert_allclose(out[0, 0, 1], images[0, 0, 1] * 0.8 + colours[0, 0, 1] * 0.2)
    fast = HeatAlphaOverlay("jet", 0.8)(m, image=(images * 255).round().astype(np.uint8),
                                        dtype=np.uint8)
    assert np.abs(fast.astype(int) - np.rint(out * 255)).max() <= 1
    np.testing.assert_array_equal(HeatAlphaOverlay("jet")(m), colours)  # no images
    h = heatmap(m, images, HeatAlphaOverlay(vmin=0, vmax=2), layout="NHW")
    assert h.value_ranges().tolist() == [[0.0, 2.0]]


@pytest.mark.parametrize("make, cls, match", [
    (lambda: GradCamOverlay(1.5), ValueError, r"image_weight: expected a number in \[0, 1\]"),
    (lambda: HeatAlphaOverlay(alpha=2), ValueError, r"alpha: expected a number in \[0, 1\]"),
    (lambda: HeatAlphaOverlay("jte"), ValueError, "Did you mean 'jet'"),
    (lambda: CombineMaps("sum"), ValueError, "how: expected 'mean' or 'max'"),
    (lambda: BoxRenormalize([[[0, 0, 1]]]), ValueError, r"boxes\[0\]: expected a \(B, 4\) array"),
    (lambda: BoxRenormalize([[[4, 0, 1, 1]]]), ValueError, "not a width and height"),
    (lambda: BoxRenormalize([[[0, 0, np.inf, 1]]]), ValueError, "finite numbers"),
    (lambda: BoxRenormalize("boxes"), TypeError, "boxes: expected one entry per sample"),
    (lambda: BoxRenormalize([], overlap="first"), ValueError, "overlap: expected 'max' or 'last'"),
    (lambda: DrawDetections([[[0, 0, 1, 1]]], labels=[[0, 1]]), ValueError,
     r"labels\[0\]: expected 1 values, one per box"),
    (lambda: DrawDetections([[[0, 0, 1, 1]]], labels=[[-1]]), ValueError, "class indices"),
    (lambda: DrawDetections([[]], scores=[[], []]), ValueError, "scores: expected one entry"),
    (lambda: DrawDetections([], class_names="cat"), TypeError, "class_names: expected"),
    (lambda: DrawDetections([], colors=[[0, 0, 255]]), ValueError, "Divide 0..255"),
    (lambda: DrawDetections([], width=0), ValueError, r"width: expected an integer in \[1"),
    (lambda: Unletterbox((1, 2, 3)), TypeError, r"pad: expected \(top, right, bottom, left\)"),
    (lambda: Letterbox(0), ValueError, r"new_shape: expected an integer in \[1, inf\]"),
    (lambda: Letterbox(64, auto=1), TypeError, "auto: expected True or False"),
    (lambda: Unletterbox(new_shape=(64, 64, 3)), TypeError, "new_shape: expected an int or"),
    (lambda: combine_cams(np.zeros((2, 3, 3))), TypeError, "For layers stacked as channels"),
    (lambda: combine_cams([np.zeros((2, 3, 3)), np.zeros((1, 3, 3))]), ValueError,
     "the same number of images in every layer"),
])
def test_bad_parameters_are_refused(make, cls, match):
    with pytest.raises(cls, match=match):
        make()


def test_overlays_need_images_of_the_maps_size():
    m = np.zeros((1, 4, 4))
    with pytest.raises(ValueError, match=r"images: expected images to draw over"):
        GradCamOverlay()(m)
    with pytest.raises(ValueError, match=r"Add ResizeToImage\(\) before GradCamOverlay\(\)"):
        GradCamOverlay()(m, image=np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match=r"Add ResizeToImage\(\) before HeatAlphaOverlay\(\)"):
        HeatAlphaOverlay()(m, image=np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="images: expected the original images"):
        Unletterbox()(m)
    with pytest.raises(ValueError, match=r"x: expected maps of the letterboxed size \(64, 64\)"):
        Unletterbox(new_shape=64)(m, image=np.zeros((8, 8, 3)))


def test_cam_transforms_print_and_parse_back():
    pipe = (Letterbox((48, 64), auto=True) | Unletterbox((0, 0, 16, 0), method="cubic")
            | Unletterbox(new_shape=(48, 64), auto=True, stride=16)
            | BoxRenormalize([[[0.0, 1.0, 2.0, 3.0]], []], overlap="last")
            | HeatAlphaOverlay("magma", 0.5, vmax=3.0)
            | DrawDetections([[[0.0, 1.0, 2.0, 3.0]], []], labels=[[1], []], colors=[[0.0, 0.5, 1.0]]))
    assert Pipeline.parse(str(pipe)) == pipe
    assert eval(repr(CombineMaps("max", relu=False)), {"CombineMaps": CombineMaps}) == \
        CombineMaps("max", relu=False)


def test_the_cam_page_runs(tmp_path, monkeypatch):
    text = (Path(__file__).parents[2] / "docs" / "cam.md").read_text(encoding="utf-8")
    blocks = [b.split("\n", 1)[1] for b in text.split("```")[1::2] if b.startswith("python\n")]
    assert len(blocks) == 3
    # the files the folder example reads
    from PIL import Image

    (tmp_path / "images").mkdir()
    Image.fromarray(np.zeros((427, 640, 3), np.uint8)).save(tmp_path / "images" / "street.jpg")
    np.savez(tmp_path / "cams.npz", street=np.random.default_rng(0).random((448, 640)))
    np.savez(tmp_path / "detections.npz", street=np.array([[10.0, 30, 200, 300, 0.8, 2]]))
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(block, namespace)  # noqa: S102 - our own documentation
    assert namespace["picture"].size == (640, 427)
    assert namespace["soft"].to_numpy().shape == (1, 427, 640, 3)
    assert (tmp_path / "result" / "street_GradCAM.png").exists()


@given(st.integers(0, 3), st.integers(1, 9), st.integers(1, 9), st.floats(0, 1))
def test_overlays_and_unletterbox_pass_the_transform_kit(n, h, w, weight):
    rng = np.random.default_rng(n * 100 + h * 10 + w)
    m = rng.random((n, h, w)).astype(np.float32)
    images = rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    for dtype in (np.uint8, np.float64):
        check_transform(GradCamOverlay(weight), m, image=images, dtype=dtype)
        check_transform(HeatAlphaOverlay("viridis", weight), m, image=images, dtype=dtype)
    boxed = np.pad(m, ((0, 0), (2, 3), (0, 0)))
    check_transform(Unletterbox((2, 0, 3, 0)), boxed, image=images)
    check_transform(Unletterbox((2, 0, 3, 0), method="area"), boxed)
