"""The visheat command on zarr stores and HDF5 datasets, batch-wide pipelines, --scheduler."""

import numpy as np
import pytest
from PIL import Image

zarr = pytest.importorskip("zarr")
h5py = pytest.importorskip("h5py")
pytest.importorskip("distributed")

from visheat import heatmap  # noqa: E402
from visheat.cli import main  # noqa: E402
from visheat.core.pipeline import Pipeline  # noqa: E402

X = np.random.default_rng(7).standard_t(3, size=(13, 3, 10, 12)).astype(np.float32)
BATCH_WIDE = "SumReduction() | ExtremaColormap('jet', scope='batch')"


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stores")
    z = zarr.open(str(folder / "x.zarr"), mode="w", shape=X.shape, chunks=(4, 3, 10, 12),
                  dtype="f4")
    z[:] = X
    with h5py.File(folder / "x.h5", "w") as handle:
        handle["maps"] = X.sum(axis=1)
        handle["other"] = np.zeros(3)
    return folder


def pictures(folder, n):
    out = []
    for i in range(n):
        with Image.open(folder / f"{i:05d}.png") as img:
            out.append(np.asarray(img.convert("RGB")))
    return np.stack(out)


@pytest.mark.parametrize("extra", [[], ["--scheduler", "threads"], ["--scheduler", "sync"]])
def test_render_a_zarr_store_with_a_batch_wide_pipe_in_slices(stores, tmp_path, extra):
    code = main(["render", str(stores / "x.zarr"), "--pipe", BATCH_WIDE, "--batch-size", "3",
                 "--out", str(tmp_path / "out"), "--quiet", *extra])
    assert code == 0
    expected = heatmap(X, Pipeline.parse(BATCH_WIDE)).to_numpy()
    np.testing.assert_array_equal(pictures(tmp_path / "out", 13), expected)


@pytest.mark.parametrize("extra", [[], ["--scheduler", "threads"]])
@pytest.mark.parametrize("low, high", [(12, 12), (5, 12), (12, 5)])
def test_the_batch_range_comes_from_every_slice(tmp_path, extra, low, high):
    # slices of 4 (samples 0-3, ..., 12); the extremes in a middle slice or the last one,
    # in a store chunked along H and W too
    x = X.copy()
    x[low, :, 1, 2], x[high, :, 8, 9] = -50.0, 60.0
    z = zarr.open(str(tmp_path / "x.zarr"), mode="w", shape=x.shape, chunks=(4, 3, 5, 6),
                  dtype="f4")
    z[:] = x
    code = main(["render", str(tmp_path / "x.zarr"), "--pipe", BATCH_WIDE, "--batch-size", "4",
                 "--out", str(tmp_path / "out"), "--quiet", *extra])
    assert code == 0
    expected = heatmap(x, Pipeline.parse(BATCH_WIDE)).to_numpy()
    np.testing.assert_array_equal(pictures(tmp_path / "out", 13), expected)


def test_render_an_hdf5_dataset_by_name(stores, tmp_path):
    # "cam" without --images keeps the maps' size, and says so (issue 25)
    with pytest.warns(UserWarning, match="keep their own size, 10 x 12"):
        code = main(["render", f"{stores / 'x.h5'}:maps", "--layout", "NHW", "--pipe", "cam",
                     "--out", str(tmp_path), "--quiet"])
        expected = heatmap(X.sum(axis=1), "cam", layout="NHW").to_numpy()
    assert code == 0
    np.testing.assert_array_equal(pictures(tmp_path, 13), expected)


@pytest.mark.parametrize("args, message", [
    (["{stores}/missing.zarr"], "INPUT: expected an existing zarr store or HDF5 file; got "
                                ".*missing.zarr. No such file or folder."),
    (["{stores}/x.zarr", "--layout", "NHW"], "--layout: expected an array with 3 axes for "
                                             "layout 'NHW'; got shape \\(13, 3, 10, 12\\)"),
    (["{stores}/x.h5"], "INPUT: expected file.h5:dataset \\(the file holds 2 datasets\\)"),
    (["{stores}/x.h5:nope"], "dataset: expected the name of a dataset in .*x.h5; got 'nope'"),
    (["{stores}/x.zarr", "--scheduler", "tcp://127.0.0.1:9"],
     "--scheduler: expected the address of a running distributed scheduler; got "
     "tcp://127.0.0.1:9. Could not connect"),
    (["{stores}/x.zarr", "--scheduler", "many-threads"],
     "--scheduler: expected None, 'threads', 'processes', 'sync', a distributed.Client or a "
     "scheduler address tcp://host:port; got 'many-threads'"),
])
def test_bad_inputs_end_with_one_clear_line(stores, tmp_path, capsys, monkeypatch, args,
                                            message):
    import visheat.render.dask as vd

    monkeypatch.setattr(vd, "CONNECT_TIMEOUT", 0.5)  # nothing listens there: fail fast
    args = [a.format(stores=stores) for a in args]
    code = main(["render", *args, "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("visheat render: error: ") and err.count("\n") == 1
    assert __import__("re").search(message, err), err
