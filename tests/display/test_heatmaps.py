"""Heatmaps: indexing, arrays, saving, notebook display."""

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from visheat import (
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    PercentileClip,
    SumReduction,
    heatmap,
)
from visheat.display.heatmaps import Heatmaps
from visheat.io.files import safe_name
from visheat.transforms.reductions import reduce_channels

X = np.random.default_rng(7).normal(size=(5, 3, 12, 10)).astype(np.float32)


def test_indexing_gives_pil_images_and_slicing_gives_heatmaps():
    h = heatmap(X)
    assert isinstance(h[0], Image.Image) and h[0].size == (10, 12) and h[-1].mode == "RGB"
    assert np.array_equal(np.asarray(h[2]), h.to_numpy()[2])
    part = h[1:3]
    assert isinstance(part, Heatmaps) and len(part) == 2
    assert np.array_equal(part.value_ranges(), h.value_ranges()[1:3])
    with pytest.raises(IndexError):
        h[5]
    with pytest.raises(TypeError, match="index: expected an int or a slice"):
        h["a"]


def test_value_ranges_come_from_the_record_of_the_colormap():
    h = heatmap(X, "attribution-julia")
    from visheat.transforms.reductions import reduce_channels

    top = np.abs(reduce_channels(X, "norm")).reshape(5, -1).max(axis=1)
    assert np.allclose(h.value_ranges(), np.stack([-top, top], axis=1))


def test_save_writes_real_png_files(tmp_path):
    h = heatmap(X, dtype=np.float64)
    paths = h.save(tmp_path / "out", "{index:02d}_{label}.png",
                   labels=["cat", "../evil", "a b", "<script>", "ok"])
    assert [p.name for p in paths] == ["00_cat.png", "01_evil.png", "02_a_b.png", "03_script.png",
                                       "04_ok.png"]
    for i, p in enumerate(paths):
        with Image.open(p) as img:
            assert np.array_equal(np.asarray(img), np.rint(h.to_numpy()[i] * 255))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [p.name for p in paths]


def test_save_refuses_patterns_that_leave_the_folder(tmp_path):
    with pytest.raises(ValueError, match="pattern: expected a plain file name"):
        heatmap(X).save(tmp_path, "../{index}.png")


def test_notebook_grid_shows_every_picture_with_captions():
    html = heatmap(X)._repr_html_()
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 5
    assert "#4" in html and heatmap(X)._repr_png_() is None
    assert heatmap(X[:1])._repr_png_().startswith(b"\x89PNG")


def test_safe_names_cannot_escape():
    for label in ["..", "../../x", "/etc/passwd", "a/b\\c", "", "\x00"]:
        name = safe_name(label)
        assert "/" not in name and "\\" not in name and name not in ("", ".", "..")


def _grid_pictures(html):
    import base64
    import io

    found = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(data)))) for data in found]


def test_notebook_grid_holds_the_pictures_as_thumbnails_with_their_ranges():
    x = np.zeros((3, 1, 400, 200), np.float32)
    x[:, :, :200] = 1.0  # top half high, bottom half low
    x[1] *= 5.0
    h = heatmap(x, NormReduction() | ExtremaColormap("gray"))
    html = h._repr_html_()
    pictures = _grid_pictures(html)
    assert [p.shape for p in pictures] == [(160, 80, 3)] * 3  # bounded, aspect kept
    for p in pictures:
        assert p[:70].min() == 255 and p[90:].max() == 0  # white top, black bottom
    assert "#1 · 0 … 5" in html and "gray on [0 … 5]" in html


def test_notebook_grid_of_a_large_batch_is_bounded_and_says_how_many_are_left():
    from visheat.display.heatmaps import MAX_INLINE

    h = heatmap(np.random.default_rng(0).normal(size=(MAX_INLINE + 7, 3, 4, 4)))
    html = h._repr_html_()
    assert len(_grid_pictures(html)) == MAX_INLINE and "… and 7 more" in html


def test_one_picture_shows_as_itself_and_captions_are_escaped():
    import io

    h = heatmap(X[:1])
    assert h._repr_html_() is None
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(h._repr_png_()))), h.to_numpy()[0])
    cmap = ExtremaColormap([[0, 0, 0], [1, 1, 1]])
    html = heatmap(X[:2], NormReduction() | cmap)._repr_html_()
    assert "colour table (2 stops)" in html and "<script" not in html


def test_colorbar_info_reads_the_clipped_and_the_symmetric_range():
    x = np.random.default_rng(1).standard_t(2, size=(4, 3, 20, 20))
    m = reduce_channels(x, "sum")
    clipped = heatmap(x, SumReduction() | PercentileClip(0.05, 0.95) | ExtremaColormap("jet"))
    for i in range(4):
        info = clipped.colorbar_info(i)
        assert np.isclose(info.lo, np.quantile(m[i], 0.05)) and info.clipped
        assert np.isclose(info.hi, np.quantile(m[i], 0.95)) and info.name == "jet"
        assert info.stops.shape == (256, 3)
    centred = heatmap(x, SumReduction() | CenteredColormap("bwr"))
    top = np.abs(m).reshape(4, -1).max(axis=1)
    assert [centred.colorbar_info(i)[:2] for i in range(4)] == [(-t, t) for t in top]
    assert not centred.colorbar_info(-1).clipped
    with pytest.raises(IndexError):
        centred.colorbar_info(4)
    with pytest.raises(ValueError, match="heatmaps: expected pictures made by a colormap step"):
        Heatmaps(np.zeros((1, 2, 2, 3), np.uint8)).colorbar_info(0)


def test_atomic_writes_leave_nothing_behind_and_use_normal_permissions(tmp_path, monkeypatch):
    import os

    from visheat.io.files import write_atomic

    write_atomic(tmp_path / "a.png", b"complete")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.png").stat().st_mode & 0o777 == 0o666 & ~umask

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.png", b"half")
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]
    assert (tmp_path / "a.png").read_bytes() == b"complete"


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
               min_size=1, max_size=255))
def test_temporary_names_fit_the_name_limit_and_stay_recognisable(name):
    import os
    from pathlib import Path

    from visheat.io.files import _TEMPORARY, temporary_path

    assume(len(os.fsencode(name)) <= 255 and name not in (".", ".."))
    path = Path("/no/such/folder") / name  # no folder: the limit falls back to 255 bytes
    tmp = temporary_path(path)
    assert tmp.parent == path.parent and len(os.fsencode(tmp.name)) <= 255
    assert _TEMPORARY.fullmatch(tmp.name) and tmp.name.endswith(".tmp")
    kept = tmp.name[1:-len(".123456abcdef.tmp")]
    assert name.startswith(kept) and (kept == name or len(os.fsencode(name)) > 255 - 18)
    assert int(tmp.name[-16:-10], 16) == os.getpid() & 0xFFFFFF  # whose file it is


def test_heatmaps_keep_the_images_they_were_drawn_for_read_only_without_a_copy():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (5, 12, 10, 3), dtype=np.uint8)
    before = images.copy()
    h = heatmap(X, images, "attribution")
    assert h.images.shape == images.shape and np.shares_memory(h.images, images)
    assert np.array_equal(h.images, images) and not h.images.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        h.images[0, 0, 0] = 1
    assert np.array_equal(images, before)
    assert np.array_equal(h[1:4].images, images[1:4])  # a slice keeps its own images
    assert heatmap(X, "attribution").images is None and heatmap(X).images is None
    one = heatmap(X, images[2], "attribution").images  # one image for all: a view
    assert one.shape == images.shape and np.shares_memory(one, images)
    floats = heatmap(X, images / 255.0, "attribution").images  # as read: floats in [0, 1]
    assert floats.dtype == np.float64 and np.array_equal(floats, images / 255.0)


def test_heatmaps_keep_images_of_different_sizes_and_one_per_channel_picture():
    sizes = [np.zeros((4 + i, 6, 3), np.uint8) + i for i in range(5)]
    h = heatmap(X, sizes, "cam")
    assert isinstance(h.images, tuple) and [im.shape for im in h.images] == [s.shape for s in sizes]
    assert all(not im.flags.writeable and np.array_equal(im, s) for im, s in zip(h.images, sizes))
    assert [im.shape for im in h[3:].images] == [s.shape for s in sizes[3:]]
    images = np.arange(5 * 12 * 10 * 3, dtype=np.uint8).reshape(5, 12, 10, 3)
    split = heatmap(X, images, SumReduction() | ExtremaColormap(), channels="separate")
    assert len(split.images) == len(split) == 15  # sample-major: picture i * 3 + c
    assert not split.images.flags.writeable  # repeated per channel, and read-only too
    assert all(np.array_equal(split.images[i], images[i // 3]) for i in range(15))
