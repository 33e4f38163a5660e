"""The explorer page in a real browser: Debian's Chromium, headless, from file://.

For several views set through ``window.visheat.set``, every picture the page draws
(``pixels(i, method)``) is compared with ``heatmap(x, images,
Pipeline.parse(pipeline(method)))``; ``valueAt`` with the reduced map computed by
visheat in numpy; and the controls, the keyboard, sorting, filtering and escaping
are driven as a person would.
"""

import base64
import json

import numpy as np
import pytest
from browser import launched

from visheat import Explorer, Pipeline, heatmap, write_explorer
from visheat.sample_data import load_sample
from visheat.transforms.colour import lut_u8
from visheat.transforms.reductions import reduce_channels
from visheat.transforms.resampling import resize_array

EVIL = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'
SAMPLE = load_sample()
SALIENCY = np.abs(np.random.default_rng(7).normal(size=(4, 1, 224, 224))).astype(np.float32) * 1e-7
# constant maps: all zero, a positive and a negative constant, and zero but one pixel
FLAT = np.zeros((4, 224, 224), np.float32)
FLAT[1], FLAT[2], FLAT[3, 5, 7] = 3.0, -2.5, 1e-3
METHODS = {"Integrated Gradients": (SAMPLE.attributions, "NCHW"), "Saliency": (SALIENCY, "NCHW"),
           "Grad-CAM": (SAMPLE.cams, "NHW"), "Flat": (FLAT, "NHW")}
LABELS = [EVIL if i == 2 else label for i, label in enumerate(SAMPLE.labels)]
SCORES = [0.3, 0.9, 0.1, 0.6]
VIEWS = [
    {},  # the first view: sum, 0.1 % clip, berlin centred or batlow per method, alpha 0.5
    {"reduction": "norm", "colormap": "jet", "clip": None, "alpha": 0.8},
    {"reduction": "maxabs", "colormap": "batlow", "clip": [0.02, 0.98], "scope": "batch",
     "alpha": 0.35},
    {"reduction": "sumabs", "colormap": "bwr", "clip": [0.005, 0.995], "scope": "batch",
     "alpha": 1.0},
    {"reduction": "abssum", "colormap": "viridis", "clip": None, "scope": "sample",
     "centered": True, "alpha": 0.0},
]


@pytest.fixture(scope="module")
def browser():
    with launched() as found:
        yield found


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer") / "page.html"
    write_explorer(path, {name: x for name, (x, _) in METHODS.items()}, SAMPLE.images,
                   layout={name: lay for name, (_, lay) in METHODS.items()}, labels=LABELS,
                   scores=SCORES, title="Explorer <b>&</b> test")
    return path


@pytest.fixture()
def loaded(browser, page):
    browser.open(page.as_uri())
    settle(browser)
    return browser


def settle(browser):
    browser.evaluate("""new Promise((done) => { const wait = () =>
        window.visheat.pending() ? setTimeout(wait, 10) : done(true); wait(); })""")


def js(value):
    return json.dumps(value)


def pixels(browser, i, name):
    """``window.visheat.pixels(i, name)`` as an (H, W, 4) array (sent as base64: faster)."""
    text = browser.evaluate(f"""(() => {{ const p = window.visheat.pixels({i}, {js(name)});
        let s = ''; for (let k = 0; k < p.length; k += 8192)
        s += String.fromCharCode.apply(null, p.slice(k, k + 8192)); return btoa(s); }})()""")
    return np.frombuffer(base64.b64decode(text), np.uint8).reshape(224, 224, 4).astype(int)


@pytest.mark.parametrize("view", VIEWS, ids=[f"view{k}" for k in range(len(VIEWS))])
def test_pictures_are_the_pipelines_pictures(loaded, view):
    loaded.evaluate(f"window.visheat.set({js(view)})")
    for name, (x, layout) in METHODS.items():
        text = loaded.evaluate(f"window.visheat.pipeline({js(name)})")
        expected = heatmap(x, SAMPLE.images, Pipeline.parse(text), layout=layout).to_numpy()
        for i in range(len(SAMPLE.images)):
            rgba = pixels(loaded, i, name)
            assert (rgba[..., 3] == 255).all()
            off = np.abs(rgba[..., :3] - expected[i].astype(int)).max(axis=-1)
            assert (off <= 1).mean() >= 0.99, (text, i, (off <= 1).mean(), off.max())
    assert loaded.errors() == []


def test_first_view_chooses_the_colour_map_per_method(loaded):
    def colormaps():
        return {name: loaded.evaluate(f"window.visheat.pipeline({js(name)})").split(" | ")[-2]
                for name in METHODS}
    signed, unsigned = "CenteredColormap('berlin')", "ExtremaColormap('batlow')"
    # Flat holds -2.5 and 1e-3: signed; Saliency (|gradients|) and Grad-CAM are not
    assert colormaps() == {"Integrated Gradients": signed, "Saliency": unsigned,
                           "Grad-CAM": unsigned, "Flat": signed}
    view = loaded.evaluate("window.visheat.get()")
    assert view["colormap"] == "auto" and view["centered"] is None
    assert loaded.evaluate("document.getElementById('centered').indeterminate") is True
    loaded.evaluate("window.visheat.set({reduction: 'norm'})")  # magnitudes of 3 channels
    assert colormaps() == {"Integrated Gradients": unsigned, "Saliency": unsigned,
                           "Grad-CAM": unsigned, "Flat": signed}  # one channel: unchanged
    loaded.evaluate("window.visheat.set({colormap: 'jet'})")
    assert set(colormaps().values()) == {"ExtremaColormap('jet')"}
    assert loaded.evaluate("window.visheat.get().centered") is False
    loaded.evaluate("window.visheat.set({colormap: 'auto', reduction: 'sum', centered: true})")
    assert colormaps()["Grad-CAM"] == "CenteredColormap('batlow')"
    loaded.evaluate("window.visheat.set({centered: null})")
    assert colormaps()["Grad-CAM"] == unsigned


def test_first_view_spans_the_whole_colour_map_of_a_cam(loaded):
    # centred on zero, a CAM (never negative) would use the upper half of the colours only
    loaded.evaluate("window.visheat.set({alpha: 1})")  # the heat alone
    table = {tuple(c) for c in lut_u8("batlow")}
    for i in range(4):
        colours = {tuple(p) for p in pixels(loaded, i, "Grad-CAM")[..., :3].reshape(-1, 3)}
        assert colours <= table
        assert tuple(lut_u8("batlow")[0]) in colours and tuple(lut_u8("batlow")[-1]) in colours


def test_pipeline_text_follows_the_view(loaded):
    loaded.evaluate(f"window.visheat.set({js(VIEWS[2])})")
    text = loaded.evaluate("window.visheat.pipeline('Grad-CAM')")
    assert text == ("MaxAbsReduction() | ResizeToImage('lanczos1') | PercentileClip(0.02, 0.98) | "
                    "ExtremaColormap('batlow', scope='batch') | AlphaOverlay(0.35)")
    assert str(Pipeline.parse(text)) == text
    shown = loaded.evaluate("document.getElementById('pipeline').textContent")
    assert Pipeline.parse(shown) == Pipeline.parse(
        loaded.evaluate("window.visheat.pipeline(window.visheat.focus().method)"))


@pytest.mark.parametrize("how", ["sum", "norm", "maxabs"])
def test_value_at_is_the_reduced_map(loaded, how):
    loaded.evaluate(f"window.visheat.set({{reduction: {js(how)}}})")
    rng = np.random.default_rng(3)
    points = rng.integers(0, 224, size=(20, 2)).tolist()
    for name, (x, layout) in METHODS.items():
        values = x if layout == "NCHW" else x[:, None]
        reduced = reduce_channels(values.astype(np.float32), how)
        if reduced.shape[1:] != (224, 224):
            reduced = resize_array(reduced, (224, 224), "lanczos1", 1)
        # float16 keeps 11 significant bits of every channel value
        bound = np.abs(values).sum(axis=1).astype(np.float64) * 2.0 ** -10
        if bound.shape[1:] != (224, 224):
            bound = np.full((4, 224, 224), bound.max(axis=(1, 2))[:, None, None])
        for i in range(4):
            found = loaded.evaluate(
                f"{js(points)}.map(([x, y]) => window.visheat.valueAt({i}, {js(name)}, x, y))")
            for (px, py), value in zip(points, found):
                assert abs(value - reduced[i, py, px]) <= bound[i, py, px] + 1e-30, (name, i)


def test_value_at_refuses_points_outside(loaded):
    with pytest.raises(RuntimeError, match="x, y: expected integer pixel coordinates"):
        loaded.evaluate("window.visheat.valueAt(0, 'Saliency', 224, 0)")
    with pytest.raises(RuntimeError, match="method: expected one of"):
        loaded.evaluate("window.visheat.valueAt(0, 'SmoothGrad', 0, 0)")
    with pytest.raises(RuntimeError, match="clip: expected"):
        loaded.evaluate("window.visheat.set({clip: [0.9, 0.1]})")


def test_no_network_references_and_one_script(loaded):
    state = loaded.evaluate("""({
        html: document.documentElement.outerHTML,
        scripts: Array.from(document.scripts).filter(s => !s.type).length,
        title: document.title})""")
    assert "http://" not in state["html"] and "https://" not in state["html"]
    assert state["scripts"] == 1
    assert state["title"] == "Explorer <b>&</b> test"
    assert loaded.errors() == []


def test_labels_are_text(loaded):
    labels = loaded.evaluate("Array.from(document.querySelectorAll('.label'), e => e.textContent)")
    assert labels == LABELS
    assert loaded.evaluate("document.querySelectorAll('.label img, .label script').length") == 0
    assert loaded.evaluate("document.title") != "pwned"


def press(browser, key, code=None):
    codes = {"ArrowDown": 40, "ArrowUp": 38, "ArrowRight": 39, "ArrowLeft": 37, "Enter": 13,
             "Escape": 27}
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", type=kind, key=key, code=code or key,
                     windowsVirtualKeyCode=codes[key])


def test_keyboard_moves_focus_and_enlarges(loaded):
    assert loaded.evaluate("window.visheat.focus()") == {"i": 0, "method": "Integrated Gradients"}
    press(loaded, "ArrowDown")
    press(loaded, "ArrowRight")
    press(loaded, "ArrowRight")
    assert loaded.evaluate("window.visheat.focus()") == {"i": 1, "method": "Grad-CAM"}
    assert loaded.evaluate("window.visheat.zoomed()") is None
    press(loaded, "Enter")
    assert loaded.evaluate("window.visheat.zoomed()") == {"i": 1, "method": "Grad-CAM"}
    big = loaded.evaluate("""(() => { const c = document.querySelector('#zoom canvas.big');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); })()""")
    assert big == loaded.evaluate("window.visheat.pixels(1, 'Grad-CAM')")
    bar = loaded.evaluate("document.querySelector('#zoom .bar').textContent")
    assert any(ch.isdigit() for ch in bar)
    press(loaded, "Escape")
    assert loaded.evaluate("window.visheat.zoomed()") is None


def test_notebook_display_runs_in_its_sandboxed_iframe(browser, tmp_path):
    explorer = Explorer({"Saliency": SALIENCY[:2]}, SAMPLE.images[:2], labels=LABELS[:2])
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body><script>window.messages = [];"
                    "addEventListener('message', (e) => messages.push(e.data));</script>"
                    + explorer._repr_html_() + "</body></html>", encoding="utf-8")
    browser.open(host.as_uri())
    found = browser.evaluate("""new Promise((done) => { const wait = () =>
        messages.length ? done(messages) : setTimeout(wait, 20); wait(); })""")
    assert found == [{"visheat": "ready", "n": 2, "methods": 1}]
    assert browser.errors() == []


@pytest.mark.parametrize("embed", ["repr", "iframe"])
def test_notebook_does_not_scroll_to_the_explorer_when_it_loads(browser, tmp_path, embed):
    # a notebook: cells above the output, the explorer below the window's bottom, shown by
    # its own display (a sandboxed srcdoc) or as IPython.display.IFrame shows a written page
    explorer = Explorer({"Saliency": SALIENCY[:2]}, SAMPLE.images[:2])
    explorer.save(tmp_path / "explorer.html")
    frame = explorer._repr_html_() if embed == "repr" else (
        '<iframe width="100%" height="640" src="explorer.html" frameborder="0"></iframe>')
    host = tmp_path / "notebook.html"
    host.write_text("<!DOCTYPE html><html><body><script>window.messages = [];"
                    "addEventListener('message', (e) => messages.push(e.data));</script>"
                    "<div style='height: 3000px'>cells above</div>" + frame
                    + "<div style='height: 3000px'>cells below</div></body></html>",
                    encoding="utf-8")
    browser.open(host.as_uri())
    browser.evaluate("""new Promise((done) => { const wait = () =>
        messages.length ? done(true) : setTimeout(wait, 20); wait(); })""")
    # two frames later, for a scroll the start-up may have asked for
    browser.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert browser.evaluate("[window.scrollX, window.scrollY]") == [0, 0]
    assert browser.errors() == []


def test_keyboard_focus_scrolls_the_focused_picture_into_view(loaded):
    assert loaded.evaluate("window.scrollY") == 0
    for _ in range(3):
        press(loaded, "ArrowDown")
    assert loaded.evaluate("window.visheat.focus()")["i"] == 3
    top, bottom = loaded.evaluate("""(() => { const r = document.querySelector('.cell.focus')
        .getBoundingClientRect(); return [r.top, r.bottom]; })()""")
    assert loaded.evaluate("window.scrollY") > 0 and 0 <= top and bottom <= 900


# scores as models give them, and edges of the format (no exact ties of the 4th digit)
TRICKY_SCORES = [0.9979360103607178, 1, 0.5, 2 / 3, 12345.678, 99999.5, 1e-7, -3.14159265, 0.0,
                 -0.0, 1e21, 123456789, 0.0001234, 0.00012345678, 9.99999e-5, 9999.6, 5e-324,
                 1.7976931348623157e308, *np.random.default_rng(4).lognormal(0, 8, 14).tolist()]


def test_scores_show_four_significant_digits(browser, tmp_path):
    n = len(TRICKY_SCORES)
    path = write_explorer(tmp_path / "scores.html", {"A": SALIENCY[:1, :, :8, :8].repeat(n, 0)},
                          scores=TRICKY_SCORES)
    browser.open(path.as_uri())
    shown = browser.evaluate(
        "Array.from(document.querySelectorAll('.score'), e => [e.textContent, e.title])")
    assert [text for text, _ in shown] == [f"score {s:.4g}" for s in TRICKY_SCORES]
    assert shown[0][0] == "score 0.9979"
    assert [float(title) for _, title in shown] == TRICKY_SCORES  # the exact score on hover
    assert browser.errors() == []


def test_click_enlarges_and_focuses(loaded):
    x, y = loaded.evaluate("""(() => { const r = document.querySelectorAll('.row')[2]
        .querySelectorAll('canvas')[1].getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2]; })()""")
    for kind in ("mousePressed", "mouseReleased"):
        loaded.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    assert loaded.evaluate("window.visheat.zoomed()") == {"i": 2, "method": "Saliency"}
    assert loaded.evaluate("window.visheat.focus()") == {"i": 2, "method": "Saliency"}
    assert loaded.evaluate("document.querySelector('#zoom code').textContent") == \
        loaded.evaluate("window.visheat.pipeline('Saliency')")


def test_controls_change_the_view_and_redraw(loaded):
    loaded.evaluate("""(() => { const s = document.getElementById('colormap');
        s.value = 'jet'; s.dispatchEvent(new Event('change')); })()""")
    settle(loaded)
    view = loaded.evaluate("window.visheat.get()")
    assert view["colormap"] == "jet" and view["centered"] is False  # jet is sequential
    shown = loaded.evaluate("""(() => { const c = document.querySelector('.row .cell canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); })()""")
    first = loaded.evaluate("document.querySelector('.row').dataset.i")
    assert shown == loaded.evaluate(f"window.visheat.pixels({first}, 0)")


def test_sort_and_filter(loaded):
    loaded.evaluate("""(() => { const s = document.getElementById('sort');
        s.value = 'score-desc'; s.dispatchEvent(new Event('input')); })()""")
    assert loaded.evaluate("window.visheat.order()") == list(np.argsort(SCORES)[::-1])
    rows = loaded.evaluate("Array.from(document.querySelectorAll('.row'), r => +r.dataset.i)")
    assert rows == list(np.argsort(SCORES)[::-1])
    loaded.evaluate("""(() => { const f = document.getElementById('filter');
        f.value = 'CO'; f.dispatchEvent(new Event('input')); })()""")
    assert loaded.evaluate("window.visheat.order()") == [1]  # "coffee", case-insensitive
    loaded.evaluate("""(() => { const f = document.getElementById('filter'); f.value = '';
        f.dispatchEvent(new Event('input')); const m = document.getElementById('min-score');
        m.value = '0.5'; m.dispatchEvent(new Event('input')); })()""")
    assert loaded.evaluate("window.visheat.order()") == [1, 3]


def test_hover_shows_value_and_percentile_rank(loaded):
    box = loaded.evaluate("""(() => { const r = document.querySelector('.row .cell canvas')
        .getBoundingClientRect(); return [r.left, r.top, r.width]; })()""")
    x, y = box[0] + box[2] / 2 + 0.5, box[1] + box[2] / 2 + 0.5
    loaded.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    text = loaded.evaluate("document.getElementById('readout').textContent")
    px = int((x - box[0]) / box[2] * 224)
    value = loaded.evaluate(f"window.visheat.valueAt(0, 0, {px}, {px})")
    assert f"({px}, {px})" in text and "percentile rank" in text
    assert f"{value:.4g}"[:4] in text
    rank = loaded.evaluate(f"window.visheat.percentileRank(0, 0, {value})")
    reduced = reduce_channels(SAMPLE.attributions[:1].astype(np.float32), "sum")[0]
    assert abs(rank - 100 * (reduced <= value).mean()) < 0.5  # float16 moves a few pixels


def test_reveal_and_the_registry_on_the_page(loaded):
    assert loaded.evaluate("window.visheatExplorers.length === 1 && "
                           "window.visheatExplorers[0] === window.visheat") is True
    assert loaded.evaluate("window.visheat.reveal(3)") is True  # a promise, drawn
    top, bottom = loaded.evaluate("""(() => { const r = document.querySelector('.row[data-i="3"]')
        .getBoundingClientRect(); return [r.top, r.bottom]; })()""")
    assert 0 <= top and bottom <= 900
    pixels = loaded.evaluate("(async () => await window.visheat.pixels(3, 0))()")
    assert pixels == loaded.evaluate("window.visheat.pixels(3, 0)")  # await works on the page
    with pytest.raises(RuntimeError, match="RangeError"):
        loaded.evaluate("window.visheat.reveal(99)")
