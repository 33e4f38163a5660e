"""The widget's kernel side, called as the page calls it: rows, orders, one scale across
the batch, the view and its pipeline text, errors; checked against the page's own
encoding and :func:`visheat.heatmap` of the whole batch (independent paths)."""

import logging
import subprocess
import sys
import zlib

import numpy as np
import pytest

import visheat
from visheat import Explorer, Pipeline, heatmap
from visheat.explorer.page import encode_float16
from visheat.explorer.widget import css, esm, merge_view

RNG = np.random.default_rng(3)
N = 40
X = (RNG.normal(size=(N, 3, 16, 16)) * 1e-3).astype(np.float32)
CAMS = RNG.random((N, 8, 8)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (N, 16, 16, 3), dtype=np.uint8)
LABELS = [f"{'cat' if i % 3 else 'dog'} {i}" for i in range(N)]
SCORES = RNG.random(N)


def explorer(**kwargs):
    return Explorer({"IG": X, "CAM": CAMS}, IMAGES, layout={"CAM": "NHW"}, labels=LABELS,
                    scores=SCORES, **kwargs)


def decode(reply, buffers, row, j):
    found = reply["rows"][row]
    half = np.frombuffer(buffers[found["values"][j]], "<f2").astype(np.float64)
    return half * 2.0 ** -found["exps"][j]


def test_rows_travel_as_the_page_encodes_them():
    reply, buffers = explorer().handle({"op": "rows", "positions": [0, 39, 7]})
    assert [r["index"] for r in reply["rows"]] == [0, 39, 7]
    for row, i in zip(reply["rows"], [0, 39, 7]):
        text, k = encode_float16(X[i])
        assert row["exps"][0] == k
        import base64
        assert buffers[row["values"][0]] == base64.b64decode(text)
        image = np.frombuffer(zlib.decompress(buffers[row["image"]]), np.uint8)
        np.testing.assert_array_equal(image.reshape(16, 16, 3), IMAGES[i])
        assert row["label"] == LABELS[i] and row["score"] == SCORES[i]
    np.testing.assert_allclose(decode(reply, buffers, 1, 1), CAMS[39].ravel(), rtol=2**-11)


def test_order_filters_and_sorts_in_the_kernel_and_positions_map_to_samples():
    ex = explorer()
    reply, _ = ex.handle({"op": "order", "sort": "score-desc", "filter": "DOG", "min_score": 0.2})
    expected = [i for i in np.argsort(-SCORES, kind="stable") if i % 3 == 0 and SCORES[i] >= 0.2]
    assert reply == {"count": len(expected)}
    assert ex.handle({"op": "order_list"})[0] == {"indices": expected}
    rows, _ = ex.handle({"op": "rows", "positions": [0, 1]})
    assert [r["index"] for r in rows["rows"]] == expected[:2]
    assert ex.handle({"op": "locate", "index": expected[2]})[0] == {"position": 2}
    assert ex.handle({"op": "locate", "index": 1})[0] == {"position": -1}  # filtered out


@pytest.mark.parametrize("view", [
    {"scope": "batch"},
    {"scope": "batch", "reduction": "norm", "clip": None, "colormap": "jet"},
    {"scope": "batch", "reduction": "maxabs", "clip": [0.02, 0.98], "colormap": "bwr"},
])
def test_one_scale_across_the_batch_is_the_one_heatmap_uses(view):
    ex = explorer(view=view)
    for name, x, layout in (("IG", X, "NCHW"), ("CAM", CAMS, "NHW")):
        text = ex.pipeline(name)
        assert "scope='batch'" in text
        expected = heatmap(x, IMAGES, Pipeline.parse(text), layout=layout).to_numpy()
        for i in (0, 17, N - 1):
            np.testing.assert_array_equal(ex.pictures(i)[name], expected[i])


def test_batch_range_is_answered_as_two_numbers_and_kept():
    ex = explorer()
    reply, buffers = ex.handle({"op": "batch", "method": "IG", "view": {"scope": "batch"}})
    lo, hi = reply["range"]
    reduced = X.sum(axis=1)
    quantiles = [np.quantile(m, [0.001, 0.999]) for m in reduced]  # centred: max |q|
    top = max(abs(v) for q in quantiles for v in q)
    assert buffers == [] and lo == -hi and hi == pytest.approx(top, rel=1e-5)
    assert len(ex._ranges) == 1
    ex.handle({"op": "batch", "method": 0, "view": {"scope": "batch", "colormap": "vik"}})
    assert len(ex._ranges) == 1  # the same reduction, clip and centring: the same range


def test_the_view_from_python_is_the_page_set_and_its_pipeline_parses():
    ex = explorer()
    assert ex.view["centered"] is None and ex.view["colormap"] == "auto"
    ex.view = {"colormap": "jet", "alpha": 0.25}
    assert ex.view["centered"] is False and ex.view["alpha"] == 0.25
    assert ex.pipeline("IG") == ("SumReduction() | PercentileClip(0.001, 0.999) | "
                                 "ExtremaColormap('jet') | AlphaOverlay(0.25)")
    assert str(Pipeline.parse(ex.pipeline("CAM"))) == ex.pipeline("CAM")
    ex.view = {"colormap": "auto"}
    assert ex.view["centered"] is None
    with pytest.raises(ValueError, match=r"view\['reduction'\]"):
        ex.view = {"reduction": "mean"}
    with pytest.raises(ValueError, match="view: expected keys among"):
        merge_view(ex.view, {"colour": "jet"}, ex.colormaps, ex._kinds)


def test_widget_view_follows_python_and_python_follows_the_page():
    ex = explorer()
    widget = ex.widget
    ex.view = {"colormap": "magma"}
    assert widget.view["colormap"] == "magma"
    widget.view = {**ex.view, "reduction": "norm"}  # as the page's set() syncs it
    assert ex.view["reduction"] == "norm"
    assert "NormReduction()" in ex.pipeline(0)


def test_errors_reach_the_page_and_the_kernel_log(caplog):
    class Vanishing:
        shape, dtype, ndim = X.shape, X.dtype, X.ndim

        def __getitem__(self, index):
            if index[0].start and index[0].start >= 20:
                raise OSError("the store is gone")
            return X[index]

    ex = Explorer({"IG": Vanishing()})
    sent = []

    class Widget:
        def send(self, content, buffers=None):
            sent.append(content)

    with caplog.at_level(logging.ERROR, logger="visheat"):
        ex._answer(Widget(), {"id": 7, "op": "rows", "indices": [25]})
    assert sent == [{"id": 7, "error": "OSError: the store is gone"}]
    assert "the store is gone" in caplog.text
    ex._answer(Widget(), {"id": 8, "op": "rows", "indices": [3]})
    assert sent[-1]["id"] == 8 and "rows" in sent[-1]


def test_a_bad_chunk_names_its_method_and_sample():
    bad = X.copy()
    bad[30, 0, 2, 2] = np.nan
    ex = Explorer({"IG": bad})
    with pytest.raises(ValueError, match=r"methods\['IG'\]: expected finite values.*sample 30"):
        ex.handle({"op": "rows", "indices": [30]})
    assert ex.handle({"op": "rows", "indices": [20]})[0]["rows"][0]["index"] == 20


def test_dask_rows_compute_only_their_chunks(tmp_path):
    da = pytest.importorskip("dask.array")
    from sources import CountingSource

    log = tmp_path / "reads"
    source = CountingSource(X, log)
    lazy = da.from_array(source, chunks=(8, 3, 16, 16), lock=False)
    ex = Explorer({"IG": lazy})
    log.write_text("")
    reply, _ = ex.handle({"op": "rows", "positions": [36, 37]})
    assert [r["index"] for r in reply["rows"]] == [36, 37]
    assert log.read_text().count("read") == 1  # the chunk 32:40, once
    ex.handle({"op": "rows", "positions": [33, 39]})  # read beside them: in the cache
    assert log.read_text().count("read") == 1
    ex.handle({"op": "rows", "positions": [0, 15]})  # read when the explorer was made
    assert log.read_text().count("read") == 1
    ex.handle({"op": "rows", "positions": [23]})  # the last of a chunk: no neighbour chunk
    assert log.read_text().count("read") == 2


def test_the_dask_batch_range_reads_each_chunk_once_and_equals_numpy(tmp_path):
    da = pytest.importorskip("dask.array")
    from sources import CountingSource

    log = tmp_path / "reads"
    lazy = da.from_array(CountingSource(X, log), chunks=(8, 3, 16, 16), lock=False)
    ex = Explorer({"IG": lazy}, view={"scope": "batch"})
    log.write_text("")
    found = ex.handle({"op": "batch", "method": 0, "view": ex.view})[0]["range"]
    assert log.read_text().count("read") == 5
    assert found == Explorer({"IG": X}).handle({"op": "batch", "method": 0,
                                                "view": ex.view})[0]["range"]


def test_the_kernel_cache_is_bounded():
    ex = Explorer({"IG": X}, cache_bytes=4 * 2 * 3 * 16 * 16)
    ex.handle({"op": "rows", "indices": list(range(20))})
    assert len(ex.rows.cache) == 4


def test_import_and_construction_do_not_import_anywidget():
    code = ("import sys, numpy as np, visheat; "
            "e = visheat.Explorer({'A': np.ones((2, 3, 4, 4))}); e.pipeline(0); "
            "print('anywidget' in sys.modules, 'visheat.explorer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_without_anywidget_the_page_shows_with_the_install_line(monkeypatch):
    import visheat.explorer.widget as widget

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda x: shown.append(x))
    monkeypatch.setattr(widget, "widget_class", lambda: (_ for _ in ()).throw(ImportError()))
    explorer()._ipython_display_()
    assert "pip install '.[notebook]' in visheat's folder" in shown[0].data
    assert "<iframe" in shown[0].data


def test_with_anywidget_the_widget_shows():
    shown = []
    import IPython.display

    original = IPython.display.display
    IPython.display.display = lambda x: shown.append(x)
    try:
        ex = explorer()
        ex._ipython_display_()
    finally:
        IPython.display.display = original
    assert shown == [ex.widget] and ex.widget.meta["n"] == N


def test_the_widget_runs_the_page_script_and_scoped_style():
    module = esm()
    page_script = visheat.explorer.page.assets("explorer.js")
    assert module.startswith(page_script) and module.count("function quantile(") == 1
    assert module.rstrip().endswith("export default { render: visheatExplorer.render };")
    style = css()
    assert all(line.startswith(".visheat-explorer") or not line.strip() or line.startswith(" ")
               for line in style.splitlines())
    assert "body" not in style


def test_the_offline_page_is_refused_before_reading_a_large_lazy_input(tmp_path):
    da = pytest.importorskip("dask.array")
    huge = da.zeros((100_000, 3, 224, 224), dtype=np.float32, chunks=(1000, 3, 224, 224))
    ex = Explorer({"IG": huge})
    with pytest.raises(ValueError, match="live notebook widget"):
        ex.save(tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()


@pytest.mark.parametrize("store", ["zarr", "hdf5", "xarray", "memmap"])
def test_rows_from_stores_equal_rows_from_numpy(tmp_path, store):
    if store == "zarr":
        zarr = pytest.importorskip("zarr")
        source = zarr.create_array(tmp_path / "x.zarr", shape=X.shape, chunks=(8, 3, 16, 16),
                                   dtype=X.dtype)
        source[...] = X
    elif store == "hdf5":
        h5py = pytest.importorskip("h5py")
        handle = h5py.File(tmp_path / "x.h5", "w")
        source = handle.create_dataset("ig", data=X, chunks=(8, 3, 16, 16))
    elif store == "xarray":
        xarray = pytest.importorskip("xarray")
        source = xarray.DataArray(X, dims=("sample", "channel", "y", "x"))
    else:
        np.save(tmp_path / "x.npy", X)
        source = np.load(tmp_path / "x.npy", mmap_mode="r")
    ask = {"op": "rows", "positions": [0, 21, 39]}
    assert Explorer({"IG": source}).handle(ask) == Explorer({"IG": X}).handle(ask)


@pytest.mark.parametrize("layout, shape", [("NCDHW", (5, 3, 4, 6, 7)), ("NTHW", (5, 3, 6, 7))])
def test_volumes_and_clips_show_their_slices_stacked_with_one_range(layout, shape):
    """An explorer row of a volume is its slices top to bottom, the volume's pictures as
    ``heatmap`` draws them (one range per volume), and its pipeline text draws them."""
    x = np.random.default_rng(5).standard_t(3, size=shape).astype(np.float32)
    ex = Explorer({"V": x}, layout=layout)
    text = ex.pipeline("V")
    volumes = heatmap(x, Pipeline.parse(text), layout=layout).to_numpy()
    assert volumes.ndim == 5  # (N, D, H, W, 3): one picture per slice
    n, d, h, w, _ = volumes.shape
    for i in range(n):
        np.testing.assert_array_equal(ex.pictures(i)["V"], volumes[i].reshape(d * h, w, 3))
