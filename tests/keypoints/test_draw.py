"""DrawKeypoints (a pipeline step) and keypoint_grid (a figure)."""

import pickle

import numpy as np
import pytest
from hypothesis import given

import visheat
from visheat import DrawKeypoints, ExtremaColormap, Pipeline, heatmap
from visheat import keypoints as kp
from visheat.testing import check_transform, rgb_pictures


@given(rgb_pictures(max_n=3, max_side=12))
def test_draw_keypoints_keeps_the_transform_contract(rgb):
    step = DrawKeypoints([[1.0, 2.0], [None, None], [5.5, 3.0]], colors=["red", "c", "#00ff00"],
                         labels=["a", "b", "c"], radius=2)
    check_transform(step, rgb, stage="rgb")


def test_markers_land_on_their_pixels_in_their_colours_and_nothing_else_changes():
    rgb = np.full((1, 20, 30, 3), 0.25)
    out = DrawKeypoints([[5, 5], [20, 12]], colors=[(1, 0, 0), (0, 0, 1)], radius=3)(rgb)
    assert out[0, 5, 5].tolist() == [1.0, 0.0, 0.0] and out[0, 12, 20].tolist() == [0, 0, 1.0]
    changed = np.any(out != rgb, axis=-1)[0]
    assert changed[0:10, 0:10].any() and changed[8:17, 15:25].any()
    assert not changed[:, 27:].any() and not changed[16:, :12].any()
    assert np.array_equal(out[0, 0, 29], rgb[0, 0, 29])            # untouched stays exact


def test_per_sample_points_follow_their_samples_through_chunks():
    n = 40
    pts = np.stack([np.full(n, 3.0), np.arange(n) % 16], -1)[:, None, :]   # (N, 1, 2)
    x = np.random.default_rng(0).random((n, 16, 16))
    pipe = ExtremaColormap("gray") | DrawKeypoints(pts, colors=["red"], radius=1)
    whole = heatmap(x, pipe, layout="NHW").to_numpy()
    for i in (0, 17, 39):
        one = heatmap(x[i:i + 1], ExtremaColormap("gray") | DrawKeypoints(pts[i], colors=["red"],
                                                                          radius=1),
                      layout="NHW").to_numpy()[0]
        assert np.array_equal(whole[i], one)
        assert tuple(whole[i, int(pts[i, 0, 1]), 3]) == (255, 0, 0)


def test_uint8_pictures_stay_uint8_and_default_colours_come_from_the_palette():
    rgb = np.zeros((1, 64, 64, 3), np.uint8)
    out = DrawKeypoints([[10, 10], [40, 40]])(rgb, dtype=np.uint8, stage="rgb")
    assert out.dtype == np.uint8
    assert tuple(out[0, 10, 10]) == tuple(round(c * 255) for c in kp.palette(1)[0])


def test_text_form_round_trips_including_missing_points():
    pipe = ExtremaColormap() | DrawKeypoints([[[1.0, np.nan], [2.0, 3.0]]], labels=["l", "r"])
    assert Pipeline.parse(str(pipe)) == pipe
    assert "None" in str(pipe)
    assert pickle.loads(pickle.dumps(pipe)) == pipe
    assert "DrawKeypoints" in visheat.__all__


@pytest.mark.parametrize("kwargs, cls, match", [
    (dict(points=[1, 2, 3]), ValueError, r"points: expected a \(K, 2\) or \(N, K, 2\)"),
    (dict(points=[[1, 2]], colors=["red", "blue"]), ValueError, "colors: expected 1 colours"),
    (dict(points=[[1, 2]], colors=["nocolour"]), ValueError, "colors: expected one matplotlib"),
    (dict(points=[[1, 2]], labels=["a", "b"]), ValueError, "labels: expected 1 strings"),
    (dict(points=[[1, 2]], radius=0), ValueError, r"radius: expected a number in \(0, inf\]"),
    (dict(points=[["a", "b"]]), TypeError, "points: expected a"),
])
def test_bad_arguments(kwargs, cls, match):
    with pytest.raises(cls, match=match):
        DrawKeypoints(**kwargs)


def test_too_few_per_sample_point_sets_name_points():
    with pytest.raises(ValueError, match="points: expected"):
        DrawKeypoints(np.zeros((1, 2, 2)))(np.zeros((3, 4, 4, 3)))


def test_keypoint_grid_shows_images_points_and_maps_in_image_coordinates():
    pts = np.array([[[10.0, 6.0], [3.0, 12.0]]])
    maps, _ = kp.gaussian_heatmaps(pts, (4, 5), 1.0, stride=4)
    pred = pts + 1.0
    images = np.random.default_rng(0).random((1, 16, 20, 3))
    fig = kp.keypoint_grid(images, pts, maps, pred, stride=4, labels=["nose", "tail"])
    axes = fig.axes
    assert len(axes) == 4 and [a.get_title() for a in axes] == ["targets", "predictions",
                                                                  "nose", "tail"]
    assert np.allclose(axes[0].images[0].get_array(), images[0])
    assert np.allclose(axes[0].collections[0].get_offsets(), pts[0])
    assert np.allclose(axes[1].collections[0].get_offsets(), pred[0])
    heat = axes[2].images[0]
    assert np.allclose(heat.get_array(), maps[0, 0])
    assert np.allclose(heat.get_extent(), [-0.5, 19.5, 15.5, -0.5])   # lines up with the image
    assert np.allclose(axes[3].collections[0].get_offsets(), pts[0, 1:])
    colours = [tuple(a.collections[0].get_facecolors()[0][:3]) for a in axes[2:]]
    assert np.allclose(colours, kp.palette(2), atol=1e-3)


def test_keypoint_grid_without_predictions_and_shape_errors():
    fig = kp.keypoint_grid(np.zeros((2, 8, 8)), np.zeros((2, 1, 2)), np.zeros((2, 1, 4, 4)))
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "targets"
    with pytest.raises(ValueError, match=r"predicted_points: expected an array of shape \(2, 1, 2\)"):
        kp.keypoint_grid(np.zeros((2, 8, 8)), np.zeros((2, 1, 2)), np.zeros((2, 1, 4, 4)),
                         np.zeros((1, 1, 2)))
