"""ResizeToImage on volumes: depth is resampled too, trilinear as PyTorch's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from visheat import ExtremaColormap, GaussianSmooth, ResizeToImage, SumReduction, heatmap
from visheat.core.batch import Batch, Stage
from visheat.transforms.resampling import axis_weights, resize_volume

VECTORS = np.load(Path(__file__).parents[1] / "data" / "volume_vectors.npz")
CASES = sorted(int(k[3:]) for k in VECTORS.files if k.startswith("in_"))


@pytest.mark.parametrize("k", CASES)
def test_trilinear_equals_torch(k):
    x, size, expected = VECTORS[f"in_{k}"], tuple(VECTORS[f"size_{k}"]), VECTORS[f"out_{k}"]
    got = resize_volume(x, size, "bilinear", 2)
    np.testing.assert_allclose(got, expected, atol=1e-10)
    # and through a folded batch, as heatmap() runs it
    n, _, d, h, w = x.shape
    images = np.zeros((n, size[0] * size[1], size[2], 3), np.uint8)
    batch = Batch(x[:, 0].reshape(n, d * h, w), Stage.MAP, images=images, depth=d,
                  image_depth=size[0])
    out = ResizeToImage("bilinear").apply(batch)
    assert out.depth == size[0]
    np.testing.assert_allclose(out.data.reshape((n,) + size), expected[:, 0], atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", CASES[:3])
def test_heatmap_float_path_equals_torch_within_1e5(k, dtype):
    x, size, expected = VECTORS[f"in_{k}"], tuple(VECTORS[f"size_{k}"]), VECTORS[f"out_{k}"]
    vol = np.zeros((1,) + size, np.uint8)
    pipe = ExtremaColormap("gray") | ResizeToImage("bilinear")
    h = heatmap(x[:, 0], vol, pipe, layout="NDHW", dtype=dtype)
    lo, hi = h.value_ranges()[:: size[0]].T  # one range per volume
    grey = h.to_numpy()[..., 0].astype(np.float64)
    values = grey * (hi - lo)[:, None, None, None] + lo[:, None, None, None]
    assert values.shape == expected[:, 0].shape
    assert np.abs(values - expected[:, 0]).max() < 1e-5


def test_lanczos_and_nearest_resample_depth_separably():
    x = np.random.default_rng(0).normal(size=(1, 3, 4, 5))
    for method in ("nearest", "lanczos1", "lanczos3"):
        got = resize_volume(x, (6, 4, 5), method, 1)
        wd = axis_weights(3, 6, method, True)
        np.testing.assert_allclose(got[0], np.einsum("od,dhw->ohw", wd, x[0]), atol=1e-12)


def test_numpy_engine_equals_compiled_engine_on_volumes(monkeypatch):
    from visheat import engine

    engine.wait_for_kernels()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 2, 5, 7, 6)).astype(np.float32)
    vol = (rng.random((3, 10, 14, 12)) * 255).astype(np.uint8)
    pipes = [SumReduction() | ResizeToImage() | ExtremaColormap(),
             SumReduction() | ExtremaColormap() | ResizeToImage("bilinear"),
             SumReduction() | GaussianSmooth(1.0) | ExtremaColormap(scope="slice")
             | ResizeToImage()]
    for pipe in pipes:
        fast = heatmap(x, vol, pipe, layout="NCDHW", threads=2)
        from visheat.core import pipeline

        slow = pipeline.Pipeline(*pipe.steps) if hasattr(pipe, "steps") else pipe
        from visheat.core.inputs import read_inputs

        batch = read_inputs(x, vol, "NCDHW", np.dtype(np.uint8))
        expected = slow.apply(batch).data
        np.testing.assert_array_equal(fast.to_numpy().reshape(expected.shape), expected)


def test_smoothing_runs_per_slice():
    m = np.zeros((1, 3, 9, 9))
    m[0, 1, 0, 4] = 1.0  # one voxel at the edge of the middle slice
    batch = Batch(m.reshape(1, 27, 9), Stage.MAP, depth=3)
    out = GaussianSmooth(1.0).apply(Batch(m[0, 1][None], Stage.MAP))
    from visheat.core.pipeline import apply_on_volume

    folded = apply_on_volume(GaussianSmooth(1.0), batch)
    np.testing.assert_array_equal(folded.data.reshape(1, 3, 9, 9)[:, 1], out.data)
    assert (folded.data.reshape(1, 3, 9, 9)[:, [0, 2]] == 0).all()  # nothing leaks


@pytest.mark.parametrize("step", [
    "Pad(1, 2, 3, 4, mode='edge')", "Crop(1, 0, 2, 1)", "AvgPool(2)", "MaxPool(3)",
    "FlipImage()", "Resize((4, 9), 'bilinear')", "PadToAspectRatio(2.0)",
    "GaussianSmooth(0.8)"])
def test_spatial_steps_run_on_each_slice_as_on_an_image(step):
    import visheat

    volume = np.random.default_rng(4).random((2, 3, 7, 8))
    pipe = visheat.Pipeline.parse(step) | ExtremaColormap("gray", vmin=0, vmax=1)
    got = heatmap(volume, pipe, layout="NDHW", dtype=np.float64).to_numpy()
    for k in range(3):
        alone = heatmap(volume[:, k], pipe, layout="NHW", dtype=np.float64).to_numpy()
        np.testing.assert_array_equal(got[:, k], alone)
