"""visheat.dask over arrays chunked along any axis, and batch ranges found in any chunk.

Batch-wide steps take two passes (visheat.render.twopass); both must see whole samples
however the input is chunked (stores chunked along H and W, as ``xr.open_zarr`` gives
them), and the range must come from every chunk, not only the first. The pictures are
compared with one in-process ``heatmap()`` call on the whole batch.
"""

import numpy as np
import pytest

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


class CountingSource:
    """A sliceable array that appends a line to a real file each time it is read."""

    def __init__(self, data, log):
        self.data, self.log = data, log
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim

    def __getitem__(self, index):
        with open(self.log, "a") as handle:
            handle.write("read\n")
        return self.data[index]


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
