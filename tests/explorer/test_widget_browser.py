"""The widget's front end in headless Chromium, against the kernel side's own code.

``widget_host`` stands in for the notebook (anywidget's model, messages over HTTP to
:meth:`Explorer.handle`); every picture the widget draws is compared with
:func:`visheat.heatmap` of the same pipeline text, for early rows and for late rows
reached with ``reveal``, on one scale across the batch too, with the view synced both
ways and a failing store shown in the widget.
"""

import time

import numpy as np
import pytest
from browser import launched
from widget_host import widget_host

from visheat import Explorer, Pipeline, heatmap

RNG = np.random.default_rng(11)
N = 300
X = (RNG.normal(size=(N, 3, 24, 24)) * 1e-4).astype(np.float32)
CAMS = RNG.random((N, 8, 8)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (N, 24, 24, 3), dtype=np.uint8)
SCORES = RNG.random(N)
LABELS = [f"{'cat' if i % 4 else 'dog'} {i}" for i in range(N)]
INPUTS = {"IG": (X, "NCHW"), "CAM": (CAMS, "NHW")}


class Failing:
    """An array whose samples from 250 on are gone (a store that vanished)."""

    shape, dtype, ndim = X.shape, X.dtype, X.ndim

    def __getitem__(self, index):
        if index[0].stop > 250:
            raise OSError("the store at s3://bucket/ig.zarr is gone")
        return X[index]


@pytest.fixture(scope="module")
def browser():
    with launched() as found:
        yield found


@pytest.fixture(scope="module")
def explorer():
    return Explorer({name: x for name, (x, _) in INPUTS.items()}, IMAGES,
                    layout={name: lay for name, (_, lay) in INPUTS.items()}, labels=LABELS,
                    scores=SCORES)


@pytest.fixture()
def page(browser, explorer):
    explorer.view = {"scope": "sample", "colormap": "auto", "reduction": "sum"}
    with widget_host(explorer) as url:
        browser.open(url)
        browser.evaluate("""new Promise((done) => { const wait = () => window.visheat
            && window.visheat.timing.firstPicture ? done(true) : setTimeout(wait, 10); wait(); })""")
        yield browser


def assert_same_pictures(page, rows, batch=False):
    for name, (x, layout) in INPUTS.items():
        pipe = Pipeline.parse(page.evaluate(f"window.visheat.pipeline({name!r})"))
        whole = heatmap(x, IMAGES, pipe, layout=layout).to_numpy() if batch else None
        for i in rows:
            drawn = np.array(page.evaluate(f"window.visheat.pixels({i}, {name!r})"), np.uint8)
            drawn = drawn.reshape(24, 24, 4)
            assert (drawn[..., 3] == 255).all()
            expected = whole[i] if batch else heatmap(x[i:i + 1], IMAGES[i:i + 1], pipe,
                                                      layout=layout).to_numpy()[0]
            close = np.abs(drawn[..., :3].astype(int) - expected).max(axis=-1) <= 1
            assert close.mean() >= 0.99, (name, i, close.mean())


def test_early_and_late_rows_are_heatmap_pictures(page):
    assert_same_pictures(page, [0, 1, 2])
    assert page.evaluate("window.visheat.reveal(297)") is True
    shown = page.evaluate("Array.from(document.querySelectorAll('.row'), r => +r.dataset.i)")
    assert 297 in shown and len(shown) < 12  # a window of rows, never one per sample
    canvas = page.evaluate("""(() => { const c = document.querySelector('.row[data-i="297"] canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, 24, 24).data); })()""")
    assert canvas == page.evaluate("window.visheat.pixels(297, 'IG')")
    assert_same_pictures(page, [297, 299])
    assert page.errors() == []


def test_one_scale_across_the_batch_from_the_kernel(page):
    page.evaluate("window.visheat.set({scope: 'batch', reduction: 'norm', colormap: 'jet'})")
    assert "scope='batch'" in page.evaluate("window.visheat.pipeline('IG')")
    assert_same_pictures(page, [0, 150, 299], batch=True)
    assert page.errors() == []


def test_the_view_syncs_both_ways(page, explorer):
    page.evaluate("window.visheat.set({colormap: 'magma', alpha: 0.25})")
    deadline = time.monotonic() + 10
    while explorer.view["colormap"] != "magma" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert explorer.view["colormap"] == "magma" and explorer.view["alpha"] == 0.25
    assert explorer.pipeline("CAM") == page.evaluate("window.visheat.pipeline('CAM')")
    page.evaluate("hostModel.set('view', {...hostModel.get('view'), reduction: 'maxabs'})")
    assert page.evaluate("window.visheat.get().reduction") == "maxabs"
    assert page.evaluate("document.getElementById('reduction').value") == "maxabs"


def test_sorting_and_filtering_run_in_the_kernel(page):
    page.evaluate("""(() => { const s = document.getElementById('sort');
        s.value = 'score-desc'; s.dispatchEvent(new Event('input')); })()""")
    expected = list(np.argsort(-SCORES, kind="stable"))
    deadline = time.monotonic() + 10
    while page.evaluate("window.visheat.order()")[:3] != expected[:3] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page.evaluate("window.visheat.order()") == expected
    page.evaluate("new Promise((done) => setTimeout(done, 300))")
    first = page.evaluate("+document.querySelector('.row').dataset.i")
    assert first == expected[0]
    assert page.evaluate(f"window.visheat.reveal({expected[-1]})") is True
    page.evaluate("""(() => { const s = document.getElementById('sort'); s.value = 'index';
        s.dispatchEvent(new Event('input')); })()""")


def test_a_vanished_store_shows_in_the_widget_and_rejects(browser):
    explorer = Explorer({"IG": Failing()})
    with widget_host(explorer) as url:
        browser.open(url)
        browser.evaluate("""new Promise((done) => { const wait = () => window.visheat
            ? done(true) : setTimeout(wait, 10); wait(); })""")
        message = browser.evaluate("""window.visheat.reveal(260).then(() => 'drawn',
            (e) => e.message)""")
        assert "OSError: the store at s3://bucket/ig.zarr is gone" in message
        banner = browser.evaluate("document.querySelector('.error').textContent")
        assert "the store at s3://bucket/ig.zarr is gone" in banner
        assert browser.evaluate("getComputedStyle(document.querySelector('.error')).display") != "none"
        assert browser.evaluate("window.visheat.reveal(10)") is True  # the rest still works
