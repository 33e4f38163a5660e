"""The visheat command on zarr stores and HDF5 datasets, batch-wide pipelines, --scheduler."""

import re

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


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    """A zarr group of two runs at the top and one in a subgroup."""
    store = tmp_path_factory.mktemp("group") / "runs.zarr"
    zarr.open_group(str(store), mode="w")
    zarr.open_group(str(store / "deep"), mode="w")
    arrays = {"ig": X, "saliency": -X[:5], "deep/cams": X.sum(axis=1)}
    for name, data in arrays.items():
        z = zarr.open_array(str(store / name), mode="w", shape=data.shape, dtype=data.dtype,
                            chunks=(4,) + data.shape[1:])
        z[:] = data
    return store, arrays


def test_a_zarr_group_is_refused_with_a_hint_that_works(group, tmp_path, capsys):
    store, arrays = group
    assert main(["render", str(store), "--out", str(tmp_path / "no"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("visheat render: error: INPUT: expected a zarr array, or a group "
                          "with exactly one array; got a group with arrays ['deep/cams', 'ig', "
                          "'saliency']. Point at one: ") and err.count("\n") == 1, err
    found = re.search(r"Point at one: (?P<path>\S+) \(or --key (?P<key>\S+)\)\.$",
                                    err.strip())
    jet = "SumReduction() | ExtremaColormap('jet')"  # no images here: no overlay preset
    expected = heatmap(arrays["deep/cams"], Pipeline.parse(jet), layout="NHW").to_numpy()
    for i, way in enumerate([[found["path"]], [str(store), "--key", found["key"]]]):  # both
        out = tmp_path / f"way{i}"
        assert main(["render", *way, "--layout", "NHW", "--pipe", jet, "--out", str(out),
                     "--quiet"]) == 0
        np.testing.assert_array_equal(pictures(out, len(expected)), expected)


@pytest.mark.parametrize("where", [["{store}/ig"], ["{store}", "--key", "ig"],
                                   ["{store}/deep", "--key", "cams"]])
def test_arrays_of_a_zarr_group_are_read_by_path_or_by_key(group, tmp_path, where):
    store, arrays = group
    name = "deep/cams" if "deep" in where[0] else "ig"
    layout = "NHW" if name == "deep/cams" else "NCHW"
    argv = [w.format(store=store) for w in where]
    assert main(["render", *argv, "--layout", layout, "--out", str(tmp_path), "--quiet"]) == 0
    expected = heatmap(arrays[name], layout=layout).to_numpy()
    np.testing.assert_array_equal(pictures(tmp_path, len(expected)), expected)


@pytest.mark.parametrize("args, message", [
    (["{store}/nope"], r"INPUT: expected an array of the zarr store .*runs\.zarr; got 'nope'\. "
                       r"Arrays there: deep/cams, ig, saliency; e\.g\. .*runs\.zarr/deep/cams "
                       r"\(or --key deep/cams\)\."),
    (["{store}", "--key", "nope"], r"INPUT: expected an array of the zarr store .*; got 'nope'\. Arrays there: .*"),
    (["{h5}", "--key", "maps"], r"--key: expected no key for an HDF5 file; got 'maps' \(str\)\. "
                                r"Name the dataset in the path: .*x\.h5:maps\."),
])
def test_unknown_members_and_keys_name_what_is_there(group, stores, tmp_path, capsys, args,
                                                     message):
    argv = [a.format(store=group[0], h5=stores / "x.h5") for a in args]
    assert main(["render", *argv, "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert re.search("^visheat render: error: " + message + "\n$", err), err
