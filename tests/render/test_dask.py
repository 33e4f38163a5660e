"""visheat.dask on a real 2-worker LocalCluster (processes) over zarr, HDF5 and xarray inputs."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sources import CountingSource  # tests/sources.py

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")
h5py = pytest.importorskip("h5py")
xr = pytest.importorskip("xarray")

import visheat.dask as vd  # noqa: E402
from visheat import (  # noqa: E402
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    PercentileClip,
    ResizeToImage,
    SumReduction,
    heatmap,
)
from visheat import save_heatmaps as save_in_process  # noqa: E402
from visheat.io.stores import open_store  # noqa: E402

RNG = np.random.default_rng(15)
N = 23  # not a multiple of the chunk (5)
X = RNG.standard_t(3, size=(N, 3, 16, 16)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (N, 24, 24, 3)).astype(np.uint8)
PIPES = {
    "per-sample": "attribution",
    "percentile": SumReduction() | PercentileClip(0.02, 0.98) | CenteredColormap(),
    "batch-wide": SumReduction() | PercentileClip() | ExtremaColormap("jet", scope="batch"),
    "overlay": SumReduction() | CenteredColormap(scope="batch") | ResizeToImage()
    | AlphaOverlay(0.5),
}
SRC = str(Path(vd.__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as found:
            yield found


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("stores") / "attributions.zarr"
    z = zarr.open(str(path), mode="w", shape=X.shape, chunks=(5, 3, 16, 16), dtype="f4")
    z[:] = X
    return path


def args_of(name):
    pipe = PIPES[name]
    return (da.from_array(IMAGES, chunks=(7, 24, 24, 3)), pipe) if name == "overlay" else (pipe,)


def expected(name):
    pipe = PIPES[name]
    return heatmap(X, *((IMAGES, pipe) if name == "overlay" else (pipe,))).to_numpy()


def png(path):
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


@pytest.mark.parametrize("name", list(PIPES))
def test_render_on_the_cluster_equals_heatmap(client, store, name):
    lazy = vd.render(zarr.open(str(store), mode="r"), *args_of(name))
    assert lazy.chunks[0] == (5, 5, 5, 5, 3)  # the store's chunks along N
    np.testing.assert_array_equal(lazy.compute(), expected(name))


def test_a_store_chunked_along_h_and_w_renders_on_the_cluster(client, tmp_path):
    # xr.open_zarr keeps the stored chunks: (5, 3, 8, 8) needs whole samples for both
    # passes; the batch's extremes sit in the last chunk (samples 20 to 22)
    x = X.copy()
    x[21, :, 2, 3], x[22, :, 9, 9] = -30.0, 40.0
    path = tmp_path / "spatial.zarr"
    dims = ("sample", "channel", "y", "x")
    xr.Dataset({"maps": (dims, x)}).to_zarr(path, encoding={"maps": {"chunks": (5, 3, 8, 8)}},
                                            consolidated=False)
    maps = xr.open_zarr(path, consolidated=False)["maps"]
    assert maps.data.chunks[2:] == ((8, 8), (8, 8))
    for name in ("batch-wide", "overlay"):
        pipe = PIPES[name]
        found = args_of(name)[:-1]
        lazy = vd.render(maps, *found, pipe)
        want = heatmap(x, *((IMAGES,) if found else ()), pipe).to_numpy()
        np.testing.assert_array_equal(lazy.compute(), want)


def test_save_heatmaps_on_the_cluster_writes_the_in_process_files(client, store, tmp_path):
    pipe, labels = PIPES["batch-wide"], [f"class {i % 4}/{i}" for i in range(N)]
    paths = vd.save_heatmaps(zarr.open(str(store), mode="r"), pipe, directory=tmp_path / "d",
                             pattern="{index:03d}_{label}.png", labels=labels,
                             scheduler=client)
    local = save_in_process(X, pipe, directory=tmp_path / "l", pattern="{index:03d}_{label}.png",
                            labels=labels, batch_size=4)
    assert [p.name for p in paths] == [p.name for p in local]
    for path, picture in zip(paths, expected("batch-wide")):
        np.testing.assert_array_equal(png(path), picture)


@pytest.mark.parametrize("name", ["per-sample", "batch-wide"])
def test_render_is_lazy_until_computed(tmp_path, name):
    log = tmp_path / "reads.txt"
    lazy = vd.render(CountingSource(X, log), PIPES[name], chunks=5)
    assert not log.exists()  # nothing read (or rendered) yet
    out = lazy.compute(scheduler="sync")
    # every chunk read when computed; a batch-wide step's first pass reads its own copy
    # (sharing the rendering pass's chunks would hold them all in memory until then)
    assert log.read_text().count("read") == (5 if name == "per-sample" else 10)
    np.testing.assert_array_equal(out, expected(name))


@pytest.mark.parametrize("chunks", [(1,) * 4 + (19,), (3, 0, 0, 20), (23,), (0, 23, 0)])
def test_any_chunking_along_n_gives_the_same_pictures(chunks):
    x = da.from_array(X, chunks=(chunks, 3, 16, 16))
    for name in ("per-sample", "batch-wide"):
        lazy = vd.render(x, PIPES[name])
        assert lazy.chunks[0] == chunks
        np.testing.assert_array_equal(lazy.compute(scheduler="threads"), expected(name))


def test_an_empty_batch_gives_no_pictures():
    lazy = vd.render(da.zeros((0, 3, 16, 16), chunks=(1, 3, 16, 16)), PIPES["batch-wide"])
    assert lazy.compute(scheduler="sync").shape == (0, 16, 16, 3)


def test_hdf5_and_xarray_inputs_read_in_their_layout(tmp_path):
    file = tmp_path / "maps.h5"
    with h5py.File(file, "w") as handle:
        handle.create_dataset("run/x", data=X.transpose(0, 2, 3, 1), chunks=(4, 16, 16, 3))
    want = expected("batch-wide")
    with h5py.File(file, "r") as handle:  # an open h5py dataset travels to worker processes
        lazy = vd.render(handle["run/x"], PIPES["batch-wide"], layout="NHWC")
        assert lazy.chunks[0] == (4,) * 5 + (3,)
        np.testing.assert_array_equal(lazy.compute(scheduler="processes"), want)
    by_path = vd.render(open_store(f"{file}:run/x"), PIPES["batch-wide"], layout="NHWC")
    np.testing.assert_array_equal(by_path.compute(scheduler="sync"), want)
    julia = xr.DataArray(da.from_array(X.transpose(3, 2, 1, 0), chunks=(16, 16, 3, 6)),
                         dims=("x", "y", "channel", "sample"))
    lazy = vd.render(julia, PIPES["batch-wide"])
    assert lazy.chunks[0] == (6, 6, 6, 5)
    np.testing.assert_array_equal(lazy.compute(scheduler="sync"), want)


def test_images_from_a_folder_and_from_numpy(tmp_path):
    for i, img in enumerate(IMAGES):
        Image.fromarray(img).save(tmp_path / f"img{i:02d}.png")
    for images in (tmp_path, IMAGES, IMAGES[0]):
        lazy = vd.render(X, images, PIPES["overlay"], chunks=6)
        want = heatmap(X, images if not isinstance(images, Path) else IMAGES, PIPES["overlay"])
        np.testing.assert_array_equal(lazy.compute(scheduler="sync"), want.to_numpy())


def test_float_pictures_with_dtype():
    lazy = vd.render(X, PIPES["batch-wide"], dtype=np.float32, chunks=7)
    assert lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy.compute(scheduler="sync"),
                                  heatmap(X, PIPES["batch-wide"], dtype=np.float32).to_numpy())


KILLED_RUN = """
import sys, numpy as np, dask
sys.path.insert(0, {src!r})
import visheat.dask as vd
x = np.random.default_rng(1).normal(size=(600, 3, 64, 64)).astype(np.float32)
vd.save_heatmaps(x, "attribution", directory={out!r}, chunks=4, compress_level=9,
                 existing={existing!r}, scheduler="threads")
"""


def test_a_run_killed_mid_way_leaves_whole_files_and_resumes(tmp_path):
    out = str(tmp_path / "out")
    script = KILLED_RUN.format(src=SRC, out=out, existing="error")
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ,
                                                                   "VISHEAT_NUMBA": "0"})
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if os.path.isdir(out) and len(os.listdir(out)) >= 20:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = sorted(Path(out).glob("*.png"))
    assert 0 < len(written) < 600
    for path in written:  # every file that exists decodes completely
        with Image.open(path) as img:
            img.load()
            assert img.size == (64, 64)
    vd.save_heatmaps(np.random.default_rng(1).normal(size=(600, 3, 64, 64)).astype(np.float32),
                     "attribution", directory=out, chunks=50, existing="skip",
                     scheduler="threads")
    names = sorted(os.listdir(out))
    assert names == [f"{i:05d}.png" for i in range(600)]  # and no temporary file is left
    x = np.random.default_rng(1).normal(size=(600, 3, 64, 64)).astype(np.float32)
    want = heatmap(x, "attribution").to_numpy()
    for i in (0, len(written) - 1, 599):
        np.testing.assert_array_equal(png(Path(out) / names[i]), want[i])


def test_bad_inputs_are_refused_with_clear_messages(tmp_path, store):
    with pytest.raises(ValueError, match="scheduler: expected the address of a running "
                                         "distributed scheduler; got tcp://127.0.0.1:9"):
        vd.get_scheduler("tcp://127.0.0.1:9", timeout=0.5)
    with pytest.raises(ValueError, match="scheduler: expected None, 'threads'"):
        vd.get_scheduler("thread")
    with pytest.raises(TypeError, match="scheduler: expected .*; got 3 \\(int\\)"):
        vd.save_heatmaps(X, directory=tmp_path, scheduler=3)
    with pytest.raises(ValueError, match="x: expected an existing zarr store or HDF5 file; "
                                         "got .*missing.zarr. No such file"):
        open_store(tmp_path / "missing.zarr")
    with pytest.raises(ValueError, match=r"x: expected 3 axes \(N, H, W\) for layout 'NHW'; "
                                         r"got shape \(23, 3, 16, 16\)"):
        vd.render(zarr.open(str(store), mode="r"), layout="NHW")
    with pytest.raises(ValueError, match="x: expected dimension names that give a layout"):
        vd.render(xr.DataArray(X, dims=("sample", "time", "y", "x")))
    with pytest.raises(ValueError, match="images: expected 23 images"):
        vd.render(X, IMAGES[:5], PIPES["overlay"])
    with pytest.raises(ValueError, match="existing: expected 'error', 'overwrite' or 'skip'"):
        vd.save_heatmaps(X, directory=tmp_path, existing="keep")
    vd.save_heatmaps(X[:2], directory=tmp_path / "twice", scheduler="sync")
    vd.save_heatmaps(X[:2], directory=tmp_path / "twice", scheduler="sync")  # a re-run
    with pytest.raises(ValueError, match="directory: expected no existing output files"):
        vd.save_heatmaps(X[1::-1], directory=tmp_path / "twice", scheduler="sync")
    file = tmp_path / "two.h5"
    with h5py.File(file, "w") as handle:
        handle["a"], handle["b"] = X, X
    with pytest.raises(ValueError, match=r"x: expected file.h5:dataset \(the file holds 2 "
                                         r"datasets\).*Datasets there: a, b"):
        open_store(file)
    with pytest.raises(ValueError, match="dataset: expected the name of a dataset.*got 'c'"):
        open_store(f"{file}:c")


def test_a_memmapped_npy_goes_to_worker_processes_by_file_name(tmp_path):
    np.save(tmp_path / "x.npy", X)
    x = np.load(tmp_path / "x.npy", mmap_mode="r")
    arr, _ = vd.as_dask_array(x, chunks=6)
    sources = [v for v in arr.dask.values() if type(v).__name__ == "MemmapSource"]
    assert len(sources) == 1  # the graph holds the file's name once, not the data per chunk
    lazy = vd.render(x, PIPES["batch-wide"], chunks=6)
    np.testing.assert_array_equal(lazy.compute(scheduler="processes"), expected("batch-wide"))


def test_images_of_several_sizes_are_refused_when_computed():
    images = [np.zeros((24, 24, 3), np.uint8)] * 2 + [np.zeros((20, 24, 3), np.uint8)]
    lazy = vd.render(X[:3], images, PIPES["overlay"], chunks=3)
    with pytest.raises(ValueError, match=r"images: expected images that give pictures of one "
                                         r"shape \(24, 24, 3\); got images of several sizes"):
        lazy.compute(scheduler="sync")
