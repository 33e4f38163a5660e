"""Heatmaps of volumes and clips: one item per volume, slicing keeps the (N, D) grid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import visheat
from visheat import CenteredColormap, ExtremaColormap, PercentileClip, SumReduction, heatmap

RNG = np.random.default_rng(31)
X = RNG.normal(size=(4, 2, 3, 5, 6)).astype(np.float32)  # (N, C, D, H, W)
PIPE = SumReduction() | CenteredColormap("vik")


def _volumes(layout="NCDHW", pipe=PIPE):
    x = X if layout == "NCDHW" else np.ascontiguousarray(np.moveaxis(X, 1, 2))  # NTCHW
    return heatmap(x, pipe, layout=layout)


@settings(max_examples=30, deadline=None)
@given(st.integers(-5, 5), st.integers(-5, 5), st.sampled_from([None, 1, 2, -1]),
       st.sampled_from(["NCDHW", "NTCHW"]))
def test_slices_are_whole_volumes_with_their_ranges(a, b, step, layout):
    h = _volumes(layout)
    part = h[a:b:step]
    kept = list(range(4))[a:b:step]
    assert part.to_numpy().shape == (len(kept), 3, 5, 6, 3)
    # expected from the unsliced result, picked by hand: volume k's slices are rows 3k..3k+2
    np.testing.assert_array_equal(part.to_numpy(), h.to_numpy()[kept])
    rows = [3 * k + s for k in kept for s in range(3)]
    np.testing.assert_array_equal(part.value_ranges(), h.value_ranges()[rows])
    assert part.axis == h.axis == ("D" if layout == "NCDHW" else "T")


def test_an_integer_index_is_a_volume_and_equals_rendering_it_alone():
    h = _volumes()
    for i in (0, 2, -1):
        alone = heatmap(X[i % 4:i % 4 + 1], PIPE, layout="NCDHW")
        np.testing.assert_array_equal(h.to_numpy()[i], alone.to_numpy()[0])
        assert isinstance(h[i], Image.Image)  # a volume shows as its first slice
        np.testing.assert_array_equal(np.asarray(h[i]), alone.to_numpy()[0, 0])
        assert [np.asarray(f).tolist() for f in h.frames(i)] == alone.to_numpy()[0].tolist()
        np.testing.assert_array_equal(h[i:i + 1 or None].to_numpy(), alone.to_numpy())
    assert len(h) == 4 and "4 volumes" in repr(h) and "4 clips" in repr(_volumes("NTCHW"))


def test_colorbar_info_of_a_volume_is_its_one_range():
    h = _volumes()
    summed = X.sum(axis=1)
    for i in range(4):
        m = np.abs(summed[i]).max()  # CenteredColormap: [-max|x|, max|x|] over the volume
        info = h.colorbar_info(i)
        assert np.isclose(info.lo, -m) and np.isclose(info.hi, m)
        assert h[i:i + 1].colorbar_info(0) == info
        assert h.colorbar_info(i, frame=2) == info


def test_per_slice_ranges_need_a_frame():
    h = heatmap(X, SumReduction() | ExtremaColormap(scope="slice"), layout="NCDHW")
    summed = X.sum(axis=1)
    info = h[1:3].colorbar_info(1, frame=2)  # volume 2, slice 2
    assert np.isclose(info.lo, summed[2, 2].min()) and np.isclose(info.hi, summed[2, 2].max())
    with pytest.raises(ValueError, match="Pass frame=k"):
        h.colorbar_info(0)
    with pytest.raises(IndexError, match="frame: index 3 is out of range for 3 frames"):
        h.colorbar_info(0, frame=3)
    with pytest.raises(TypeError, match="frame: expected None for pictures"):
        heatmap(X[:, :, 0], PIPE).colorbar_info(0, frame=0)


def test_save_and_save_video_write_one_file_per_volume_of_a_slice(tmp_path):
    h = _volumes()[1:3]
    pngs = h.save(tmp_path / "png")
    assert [p.name for p in pngs] == ["000.png", "001.png"]
    for k, path in zip((1, 2), pngs):  # slices one below the other, as save_heatmaps writes
        np.testing.assert_array_equal(np.asarray(Image.open(path)),
                                      _volumes().to_numpy()[k].reshape(15, 6, 3))
    assert h.save(tmp_path / "png") == pngs  # the same pictures again: no clash
    clips = h.save_video(tmp_path / "apng", "{index}.png", fps=5)
    assert len(clips) == 2
    frames = [np.asarray(f.convert("RGB")) for f in _frames(clips[1])]
    np.testing.assert_array_equal(np.stack(frames), _volumes().to_numpy()[2])


def _frames(path):
    from PIL import ImageSequence

    with Image.open(path) as im:
        return [f.copy() for f in ImageSequence.Iterator(im)]


def test_save_heatmaps_files_equal_heatmaps_save(tmp_path):
    visheat.save_heatmaps(X, PIPE, directory=tmp_path / "a", layout="NCDHW",
                          pattern="{index:03d}.png")
    paths = _volumes().save(tmp_path / "b")
    for path in paths:
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "a" / path.name)),
                                      np.asarray(Image.open(path)))


def test_plot_of_a_volume_points_to_figure():
    with pytest.raises(ValueError, match=r"visheat.figure\(h\[1:2\]\)"):
        _volumes().plot(1)


def test_channels_separate_gives_a_volume_per_channel():
    h = heatmap(X, PercentileClip(0.1, 0.9) | SumReduction() | ExtremaColormap(),
                layout="NCDHW", channels="separate")
    assert h.to_numpy().shape == (8, 3, 5, 6, 3) and h.grid_shape == (4, 2)
    grid = h.to_grid()
    assert grid.shape == (4, 2, 3, 5, 6, 3)
    for i, c in [(0, 0), (2, 1), (3, 1)]:  # each channel alone, as a one-channel volume
        alone = heatmap(X[i:i + 1, c:c + 1], PercentileClip(0.1, 0.9) | SumReduction()
                        | ExtremaColormap(), layout="NCDHW").to_numpy()[0]
        np.testing.assert_array_equal(grid[i, c], alone)
    assert np.isclose(h.colorbar_info(3).hi, np.quantile(X[1, 1], 0.9))  # volume 1, channel 1


def test_channels_separate_draws_each_channel_over_its_volume_pictures():
    grey = (RNG.random((4, 3, 5, 6)) * 255).astype(np.uint8)  # (N, D, H, W)
    pipe = SumReduction() | ExtremaColormap() | visheat.AlphaOverlay(0.5)
    h = heatmap(X, grey, pipe, layout="NCDHW", channels="separate")
    for i, c in [(0, 1), (3, 0)]:
        alone = heatmap(X[i:i + 1, c:c + 1], grey[i:i + 1], pipe, layout="NCDHW").to_numpy()
        np.testing.assert_array_equal(h.to_grid()[i, c], alone[0])
