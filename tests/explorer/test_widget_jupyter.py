"""The widget in a real JupyterLab 4 and Notebook 7 (tests/notebook_harness.py), in headless Chromium.

A notebook displays ``visheat.Explorer`` over lazy Dask arrays built from seeded data;
the test process builds the same data and draws the expected pictures with
:func:`visheat.heatmap` of the pipeline text the page shows (an independent path from
the page's JavaScript). Early rows, a late row reached with ``reveal``, one scale across
the batch, sorting and filtering in the kernel, the view set from Python and from the page, and an error of the kernel shown
in the widget; no console errors.
"""

import numpy as np
import pytest
from browser import launched
from notebook_harness import jupyter_server

from visheat import Pipeline, heatmap

N, SIZE = 1500, 24
DATA = f"""
import numpy as np, dask.array as da, visheat
rng = np.random.default_rng(24)
x_a = rng.normal(size=({N}, 3, {SIZE}, {SIZE})).astype(np.float32)
x_b = rng.random(({N}, 3, {SIZE}, {SIZE})).astype(np.float32)
images = rng.integers(0, 256, ({N}, {SIZE}, {SIZE}, 3), dtype=np.uint8)
scores = rng.random({N})
a = da.from_array(x_a, chunks=(100, 3, {SIZE}, {SIZE}))
b = da.from_array(x_b, chunks=(100, 3, {SIZE}, {SIZE}))
"""
SHOW = """w = visheat.Explorer({"A": a, "B": b}, images, layout="NCHW",
                     labels=[f"sample {i}" for i in range(len(images))], scores=scores)
w"""
FAILING = """import numpy as np, visheat

class Vanishing:
    shape, dtype, ndim = (400, 3, 8, 8), np.dtype(np.float32), 4

    def __getitem__(self, index):
        if index[0].stop > 300:
            raise OSError("the store ig.zarr is gone")
        return np.ones((index[0].stop - index[0].start, 3, 8, 8), np.float32)

visheat.Explorer({"IG": Vanishing()})"""


def data():
    rng = np.random.default_rng(24)
    a = rng.normal(size=(N, 3, SIZE, SIZE)).astype(np.float32)
    b = rng.random((N, 3, SIZE, SIZE)).astype(np.float32)
    images = rng.integers(0, 256, (N, SIZE, SIZE, 3), dtype=np.uint8)
    return {"A": a, "B": b}, images, rng.random(N)


METHODS, IMAGES, SCORES = data()


@pytest.fixture(scope="module", params=["lab", "notebook"])
def server(request, tmp_path_factory):
    with jupyter_server(app=request.param, root=tmp_path_factory.mktemp(request.param)) as found:
        yield found


@pytest.fixture(scope="module")
def browser(server):
    """One Chromium per server, closed before its server stops (a Jupyter page whose
    server is gone logs its websocket's failures)."""
    with launched() as found:
        yield found


@pytest.fixture(scope="module")
def nb(server, browser):
    notebook = server.open_notebook(browser, "explorer.ipynb", cells=[DATA, SHOW])
    notebook.run_all(timeout=120)
    notebook.wait_for("window.visheat && window.visheat.timing.firstPicture", timeout=60)
    yield notebook
    notebook.close()


def assert_pictures(nb, rows, batch=False):
    for name, x in METHODS.items():
        text = nb.evaluate(f"window.visheat.pipeline({name!r})")
        whole = heatmap(x, IMAGES, Pipeline.parse(text)).to_numpy() if batch else None
        for i in rows:
            drawn = np.array(nb.evaluate(f"await window.visheat.pixels({i}, {name!r})",
                                         timeout=60), np.uint8).reshape(SIZE, SIZE, 4)
            expected = whole[i] if batch else heatmap(
                x[i:i + 1], IMAGES[i:i + 1], Pipeline.parse(text)).to_numpy()[0]
            close = np.abs(drawn[..., :3].astype(int) - expected).max(axis=-1) <= 1
            assert close.mean() >= 0.99, (name, i, text, close.mean())


def test_early_and_late_rows_are_heatmap_pictures(nb):
    assert nb.evaluate("window.visheatExplorers.length") == 1
    assert_pictures(nb, [0, 1, 2])
    assert nb.evaluate(f"await window.visheat.reveal({N - 1})", timeout=60) is True
    shown = nb.evaluate("Array.from(document.querySelectorAll('.visheat-explorer .row'),"
                        " r => +r.dataset.i)")
    assert N - 1 in shown and len(shown) < 20  # a window of rows, not one per sample
    assert_pictures(nb, [N - 2, N - 1])
    assert nb.console_errors() == []


def test_the_view_goes_both_ways_and_its_pipeline_round_trips(nb):
    nb.run_cell("w.view = {'colormap': 'jet', 'alpha': 0.3}")
    assert nb.wait_for("window.visheat.get().colormap === 'jet'") is True
    assert nb.evaluate("window.visheat.get().alpha") == 0.3
    nb.evaluate("window.visheat.set({reduction: 'norm', clip: [0.02, 0.98]}); return true")
    nb.wait_for("true")
    printed = nb.run_cell("import time; time.sleep(0.5); print(w.view['reduction'], "
                          "w.view['clip'], w.pipeline('A') == w.pipeline(0))")
    assert printed == "norm [0.02, 0.98] True\n"
    assert nb.run_cell("print(w.pipeline('B'))").strip() == \
        nb.evaluate("window.visheat.pipeline('B')")
    assert_pictures(nb, [5, 700])
    assert nb.console_errors() == []


def test_one_scale_across_the_batch_is_computed_in_the_kernel(nb):
    nb.evaluate("window.visheat.set({scope: 'batch', reduction: 'sum', colormap: 'auto'});"
                " return true")
    assert "scope='batch'" in nb.evaluate("window.visheat.pipeline('A')")
    assert_pictures(nb, [0, 900, N - 1], batch=True)
    nb.evaluate("window.visheat.set({scope: 'sample'}); return true")
    assert nb.console_errors() == []


def order_by(nb, sort, text=""):
    """Choose ``sort`` and type ``text`` in the filter, as a person would; the kernel's order."""
    nb.evaluate(f"""const root = document.querySelector('.visheat-explorer');
        const sort = root.querySelector('#sort'), filter = root.querySelector('#filter');
        sort.value = {sort!r}; filter.value = {text!r};
        sort.dispatchEvent(new Event('input')); filter.dispatchEvent(new Event('input'));
        return true""")


def test_sorting_and_filtering_run_in_the_kernel(nb):
    by_score = [int(i) for i in np.argsort(-SCORES, kind="stable")]
    order_by(nb, "score-desc")
    assert nb.wait_for(f"(await window.visheat.order())[0] === {by_score[0]}",
                       timeout=30)
    assert nb.evaluate("await window.visheat.order()") == by_score
    assert nb.evaluate(f"await window.visheat.reveal({by_score[-1]})", timeout=60) is True
    # "sample 12" is in "sample 12", "sample 120".."sample 129", "sample 1200".."sample 1299"
    wanted = [i for i in range(N) if "sample 12" in f"sample {i}"]
    order_by(nb, "index", "Sample 12")  # the filter ignores case
    assert nb.wait_for(f"(await window.visheat.order()).length === {len(wanted)}",
                       timeout=30)
    assert nb.evaluate("await window.visheat.order()") == wanted
    order_by(nb, "index")
    assert nb.wait_for(f"(await window.visheat.order()).length === {N}",
                       timeout=30)
    assert nb.console_errors() == []


def test_two_views_are_listed_and_follow_one_view(nb):
    nb.run_cell("w")  # the same explorer shown again: a second view of its model
    assert nb.wait_for("window.visheatExplorers.length === 2") is True
    first, last = "window.visheatExplorers[0]", "window.visheatExplorers[1]"
    assert nb.evaluate(f"window.visheat === {last}") is True
    nb.evaluate(f"{last}.set({{colormap: 'viridis'}}); return true")
    assert nb.wait_for(f"{first}.get().colormap === 'viridis'") is True
    assert nb.evaluate(f"{first}.pipeline('A') === {last}.pipeline('A')") is True
    assert nb.console_errors() == []


def test_a_kernel_error_shows_in_the_widget(server, browser):
    failing = server.open_notebook(browser, "failing.ipynb", cells=[FAILING])
    try:
        failing.run_all(timeout=120)
        failing.wait_for("window.visheat && window.visheat.n === 400", timeout=60)
        message = failing.evaluate("await window.visheat.reveal(350).then(() => 'drawn', "
                                   "(e) => e.message)", timeout=60)
        assert "OSError: the store ig.zarr is gone" in message
        banner = failing.evaluate("document.querySelector('.visheat-explorer .error')"
                                  ".textContent")
        assert "the store ig.zarr is gone" in banner
        assert failing.evaluate("await window.visheat.reveal(5)", timeout=60) is True
        assert failing.console_errors() == []
    finally:
        failing.close()
