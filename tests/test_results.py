"""Heatmaps: indexing, arrays, saving, notebook display."""

import re

import numpy as np
import pytest
from PIL import Image

from visheat import heatmap
from visheat.results import Heatmaps, safe_name

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
    h = heatmap(X, "attribution")
    from visheat.reductions import reduce_channels

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
