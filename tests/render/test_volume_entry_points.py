"""Volumes and clips through every entry point: streaming, Dask, files, the CLI."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import visheat

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 3, 4, 5, 6)).astype(np.float32)
GREY = (RNG.random((5, 4, 5, 6)) * 255).astype(np.uint8)
RGB = (RNG.random((5, 4, 5, 6, 3)) * 255).astype(np.uint8)


@pytest.mark.parametrize("images", [None, GREY, RGB, GREY[:1]])
def test_streaming_equals_heatmap(images):
    ref = visheat.heatmap(X, images, "cam" if images is not None else "sensitivity",
                          layout="NCDHW").to_numpy()
    parts = visheat.heatmap_batches(X, images, "cam" if images is not None else "sensitivity",
                                    layout="NCDHW", batch_size=2)
    np.testing.assert_array_equal(np.concatenate([p.to_numpy() for p in parts]), ref)


@pytest.mark.parametrize("images", [GREY, RGB])
def test_dask_equals_heatmap(images):
    da = pytest.importorskip("dask.array")
    import visheat.dask as vd

    ref = visheat.heatmap(X, images, "cam", layout="NCDHW").to_numpy()
    got = vd.render(da.from_array(X, chunks=(2, 3, 4, 5, 6)), images, "cam", layout="NCDHW")
    np.testing.assert_array_equal(np.asarray(got.compute()), ref)


def test_files_hold_each_volume_slices_one_below_the_other(tmp_path):
    visheat.save_heatmaps(X[:2], directory=tmp_path, layout="NCDHW")
    ref = visheat.heatmap(X[:2], layout="NCDHW").to_numpy()
    got = np.asarray(Image.open(tmp_path / "00001.png"))
    np.testing.assert_array_equal(got, ref[1].reshape(20, 6, 3))


def test_cli_reads_volume_layouts(tmp_path):
    from visheat.cli import main

    clips = RNG.normal(size=(2, 4, 3, 5, 6)).astype(np.float32)  # (N, T, C, H, W)
    np.save(tmp_path / "x.npy", clips)
    assert main(["render", str(tmp_path / "x.npy"), "--layout", "NTCHW", "--out",
                 str(tmp_path / "out"), "--quiet"]) == 0
    ref = visheat.heatmap(clips, layout="NTCHW").to_numpy()
    got = np.asarray(Image.open(tmp_path / "out" / "00000.png"))
    np.testing.assert_array_equal(got, ref[0].reshape(20, 6, 3))
