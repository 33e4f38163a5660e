"""visheat.dask over arrays chunked along any axis, and batch ranges found in any chunk.

Batch-wide steps take two passes (visheat.render.twopass); both must see whole samples
however the input is chunked (stores chunked along H and W, as ``xr.open_zarr`` gives
them), and the range must come from every chunk, not only the first. The pictures are
compared with one in-process ``heatmap()`` call on the whole batch.
"""

import numpy as np
import pytest
from PIL import Image
from sources import CountingSource  # tests/sources.py

da = pytest.importorskip("dask.array")

import visheat.dask as vd  # noqa: E402
from visheat import (  # noqa: E402
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    HeatAlphaOverlay,
    PercentileClip,
    ResizeToImage,
    SumReduction,
    heatmap,
)

RNG = np.random.default_rng(25)
N = 11
X = RNG.normal(size=(N, 3, 12, 10)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (N, 12, 10, 3), dtype=np.uint8)
PIPES = {
    "extrema": SumReduction() | ExtremaColormap("jet", scope="batch"),
    "clipped": SumReduction() | PercentileClip() | ExtremaColormap("batlow", scope="batch"),
    "overlay": SumReduction() | CenteredColormap("bwr", scope="batch") | ResizeToImage()
    | AlphaOverlay(0.5),
    "heat-alpha": SumReduction() | HeatAlphaOverlay("gray", alpha=0.7, scope="batch"),
}
WITH_IMAGES = ("overlay", "heat-alpha")
CHUNKINGS = {  # chunks of (N, C, H, W)
    "N": ((4, 4, 3), 3, 12, 10),
    "C": (N, 1, 12, 10),
    "H": (N, 3, 5, 10),
    "W": (N, 3, 12, 4),
    "every axis": (4, 2, 5, 4),  # the chunking of a store chunked like (4, 3, 16, 16)
    "ragged": ((1, 6, 4), (2, 1), (7, 5), (3, 3, 4)),
    "ragged with empty chunks": ((1, 0, 6, 0, 4), 3, (7, 5), 10),
}


def args_of(name, images):
    return (images, PIPES[name]) if name in WITH_IMAGES else (PIPES[name],)


@pytest.mark.parametrize("chunking", list(CHUNKINGS))
@pytest.mark.parametrize("name", list(PIPES))
def test_batch_wide_pictures_over_any_chunking_equal_heatmap(name, chunking):
    x = da.from_array(X, chunks=CHUNKINGS[chunking])
    images = da.from_array(IMAGES, chunks=(3, 5, 4, 3))  # chunked along H and W too
    lazy = vd.render(x, *args_of(name, images))
    want = heatmap(X, *args_of(name, IMAGES)).to_numpy()
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), want)


def test_sliced_dask_arrays_render_with_a_batch_wide_step():
    x = da.from_array(X, chunks=(4, 3, 12, 10))[:, :, 2:, ::2]  # slicing layers
    lazy = vd.render(x, PIPES["extrema"])
    np.testing.assert_array_equal(lazy.compute(scheduler="sync"),
                                  heatmap(X[:, :, 2:, ::2], PIPES["extrema"]).to_numpy())


@pytest.mark.parametrize("chunks", [(4, 3, 12, 10), (4, 3, 6, 5)])
@pytest.mark.parametrize("sliced", [False, True])
def test_the_first_pass_reads_its_own_copy_of_every_block(tmp_path, chunks, sliced):
    # sharing the rendering pass's blocks would hold every chunk in memory until the
    # batch range is known: the statistics pass reads the input once more instead
    log = tmp_path / "reads.txt"
    meta = np.empty((0, 0, 0, 0), np.float32)
    x = da.from_array(CountingSource(X, log), chunks=chunks, asarray=True, meta=meta)
    if sliced:
        x = x[:, :, 1:]
    blocks = int(np.prod(x.numblocks))
    out = vd.render(x, PIPES["extrema"]).compute(scheduler="sync")
    assert log.read_text().count("read") == 2 * blocks
    np.testing.assert_array_equal(out, heatmap(X[:, :, 1:] if sliced else X,
                                               PIPES["extrema"]).to_numpy())


def test_the_first_pass_reads_its_own_copy_of_dask_images_in_a_data_array(tmp_path):
    xr = pytest.importorskip("xarray")
    log = tmp_path / "reads.txt"
    meta = np.empty((0, 0, 0, 0), np.uint8)
    images = da.from_array(CountingSource(IMAGES, log), chunks=(3, 12, 10, 3), asarray=True,
                           meta=meta)
    wrapped = xr.DataArray(images, dims=("sample", "y", "x", "rgb"))
    out = vd.render(X, wrapped, PIPES["overlay"], chunks=4).compute(scheduler="sync")
    assert log.read_text().count("read") == 2 * images.numblocks[0]
    np.testing.assert_array_equal(out, heatmap(X, IMAGES, PIPES["overlay"]).to_numpy())


# -- the batch range, wherever the extremes are --------------------------------------

CHUNKS_ALONG_N = (4, 4, 3)
WHERE = {"first": 1, "middle": 6, "last": 9}  # a sample in each chunk of CHUNKS_ALONG_N


def planted(low_at, high_at):
    """X with the batch's lowest and highest summed values in the samples given."""
    x = X.copy()
    x[WHERE[low_at], :, 3, 4] = -40.0
    x[WHERE[high_at], :, 7, 2] = 30.0
    summed = x.sum(axis=1)
    assert np.unravel_index(summed.argmin(), summed.shape)[0] == WHERE[low_at]
    assert np.unravel_index(summed.argmax(), summed.shape)[0] == WHERE[high_at]
    return x


EXTREMES = [("last", "last"), ("first", "last"), ("middle", "last"), ("last", "middle"),
            ("middle", "middle")]


@pytest.mark.parametrize("low_at, high_at", EXTREMES)
@pytest.mark.parametrize("name", ["extrema", "heat-alpha"])
def test_the_batch_range_comes_from_every_chunk_not_the_first(low_at, high_at, name):
    x = planted(low_at, high_at)
    want = heatmap(x, *args_of(name, IMAGES)).to_numpy()
    for chunks in ((CHUNKS_ALONG_N, 3, 12, 10), (CHUNKS_ALONG_N, 3, 5, 4)):
        lazy = vd.render(da.from_array(x, chunks=chunks), *args_of(name, IMAGES))
        np.testing.assert_array_equal(lazy.compute(scheduler="threads"), want)


@pytest.mark.parametrize("low_at, high_at", [("last", "last"), ("middle", "last")])
def test_files_from_the_workers_use_the_range_of_every_chunk(tmp_path, low_at, high_at):
    x = planted(low_at, high_at)
    paths = vd.save_heatmaps(da.from_array(x, chunks=(CHUNKS_ALONG_N, 3, 6, 5)),
                             PIPES["extrema"], directory=tmp_path, scheduler="threads")
    want = heatmap(x, PIPES["extrema"]).to_numpy()
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]
    for path, picture in zip(paths, want):
        with Image.open(path) as img:
            np.testing.assert_array_equal(np.asarray(img.convert("RGB")), picture)
