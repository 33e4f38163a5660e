"""The explorer page at extreme magnitudes, in a real browser (headless Chromium).

The page receives float16 values and a power-of-two exponent per sample, so it can
hold any float64 magnitude; its pictures must be ``heatmap()``'s whatever that
magnitude is: float64 maps near 1e-300 and 1e300, float32 maps among the
subnormals (about 1e-38) and near float32's largest value (3.4e38), and a batch
whose samples span the whole float64 range (one scale across it). Every picture of
every method is compared with ``heatmap(x, images, Pipeline.parse(pipeline(method)))``.

A map of another size than its images is the exception: ``heatmap()``'s 8-bit resize
computes in float32, so it flattens a float64 map near 1e-60 and overflows near 1e60.
Such maps are compared, sample by sample, with ``heatmap()`` of the sample scaled by
a power of two to about 1 (which changes no picture).
"""

import base64
import json

import numpy as np
import pytest
from browser import launched

from visheat import Pipeline, heatmap, write_explorer
from visheat.transforms.reductions import reduce_channels

RNG = np.random.default_rng(11)
N, H, W = 3, 24, 20
SIGNED = RNG.normal(size=(N, 3, H, W))                       # three channels, signed
POSITIVE = RNG.random((N, H, W)) ** 2                         # a CAM: non-negative
SMALL = RNG.random((N, 6, 5)) - 0.2                           # a map resized to the images
IMAGES = RNG.integers(0, 256, size=(N, H, W, 3), dtype=np.uint8)

TINY32 = float(np.finfo(np.float32).tiny)                     # 1.18e-38: below it, subnormals
MAX32 = float(np.finfo(np.float32).max)                       # 3.4e38
CASES = {
    "f64 1e-300": (np.float64, [1e-300] * N),
    "f64 1e300": (np.float64, [1e300] * N),
    "f64 1e-60": (np.float64, [1e-60] * N),
    "f64 1e60": (np.float64, [1e60] * N),
    "f64 spanning": (np.float64, [1e-300, 1.0, 1e300]),        # one scale across: 600 decades
    "f32 1e-36": (np.float32, [1e-36] * N),
    "f32 subnormal": (np.float32, [TINY32 / 4] * N),           # maxima ~1e-38, most values subnormal
    "f32 max": (np.float32, [MAX32] * N),                      # float16 rounds it up to 2**128
}
VIEWS = [
    {"reduction": "sum", "clip": None, "scope": "sample", "colormap": "berlin", "alpha": 0.5},
    {"reduction": "sumabs", "clip": [0.01, 0.99], "scope": "batch", "colormap": "jet",
     "alpha": 0.0},
    {"reduction": "maxabs", "clip": [0.001, 0.999], "scope": "sample", "colormap": "batlow",
     "centered": True, "alpha": 1.0},
]


def scaled(dtype, factors):
    """The methods, sample i of each at most factors[i] in magnitude, in ``dtype``; the
    signed one's three channels a third of it, so that their sums stay finite."""
    f = np.array(factors)
    signed = SIGNED / np.abs(SIGNED).max(axis=(1, 2, 3), keepdims=True) * (f / 3)[:, None, None, None]
    positive = POSITIVE / POSITIVE.max(axis=(1, 2), keepdims=True) * f[:, None, None]
    small = SMALL / np.abs(SMALL).max(axis=(1, 2), keepdims=True) * f[:, None, None]
    with np.errstate(under="ignore"):
        return {"signed": signed.astype(dtype), "cam": positive.astype(dtype),
                "small": small.astype(dtype)}


LAYOUTS = {"signed": "NCHW", "cam": "NHW", "small": "NHW"}


@pytest.fixture(scope="module")
def browser():
    with launched() as found:
        yield found


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("magnitudes")
    found = {}
    for k, (case, (dtype, factors)) in enumerate(CASES.items()):
        methods = scaled(dtype, factors)
        found[case] = (write_explorer(folder / f"page{k}.html", methods, IMAGES,
                                      layout=LAYOUTS), methods)
    return found


def pixels(browser, i, name):
    text = browser.evaluate(f"""(() => {{ const p = window.visheat.pixels({i}, {json.dumps(name)});
        let s = ''; for (let k = 0; k < p.length; k += 8192)
        s += String.fromCharCode.apply(null, p.slice(k, k + 8192)); return btoa(s); }})()""")
    return np.frombuffer(base64.b64decode(text), np.uint8).reshape(H, W, 4).astype(int)


def same_picture(rgba, expected, where):
    off = np.abs(rgba[..., :3] - expected.astype(int)).max(axis=-1)
    # the page starts from float16 values: a level where a value sits on an edge
    assert (off <= 1).mean() >= 0.99 and off.max() <= 2, (where, (off <= 1).mean(), off.max())


def open_page(browser, path):
    browser.open(path.as_uri())
    browser.evaluate("""new Promise((done) => { const wait = () =>
        window.visheat.pending() ? setTimeout(wait, 10) : done(true); wait(); })""")


@pytest.mark.parametrize("case", list(CASES))
def test_pictures_are_heatmaps_at_any_magnitude(browser, pages, case):
    path, methods = pages[case]
    open_page(browser, path)
    for view in VIEWS:
        browser.evaluate(f"window.visheat.set({json.dumps(view)})")
        for name in ("signed", "cam"):
            x = methods[name]
            text = browser.evaluate(f"window.visheat.pipeline({json.dumps(name)})")
            with np.errstate(under="ignore"):
                expected = heatmap(x, IMAGES, Pipeline.parse(text), layout=LAYOUTS[name])
            for i in range(N):
                same_picture(pixels(browser, i, name), expected.to_numpy()[i], (case, text, i))
    assert browser.errors() == []


@pytest.mark.parametrize("case", [c for c in CASES if c != "f64 spanning"])
def test_resized_pictures_at_any_magnitude(browser, pages, case):
    path, methods = pages[case]
    open_page(browser, path)
    x = methods["small"]
    for view in VIEWS:
        browser.evaluate(f"window.visheat.set({json.dumps({**view, 'scope': 'sample'})})")
        text = browser.evaluate("window.visheat.pipeline('small')")
        assert "ResizeToImage" in text
        for i in range(N):
            k = -int(np.frexp(np.abs(x[i]).max())[1])
            expected = heatmap(np.ldexp(x[i:i + 1], k), IMAGES[i:i + 1], Pipeline.parse(text),
                               layout="NHW").to_numpy()[0]
            same_picture(pixels(browser, i, "small"), expected, (case, text, i))


@pytest.mark.parametrize("case", ["f64 1e-300", "f64 1e300", "f64 spanning", "f32 subnormal",
                                  "f32 max"])
def test_value_at_keeps_the_magnitude(browser, pages, case):
    path, methods = pages[case]
    open_page(browser, path)
    browser.evaluate("window.visheat.set({reduction: 'sum'})")
    x = methods["signed"]
    reduced = reduce_channels(x, "sum")
    points = RNG.integers(0, [W, H], size=(12, 2)).tolist()
    for i in range(N):
        found = browser.evaluate(
            f"{json.dumps(points)}.map(([x, y]) => window.visheat.valueAt({i}, 'signed', x, y))")
        # float16 keeps 11 significant bits of each channel value, and steps of 2**-39 of
        # the sample's largest value below that; float32 rounds to its own subnormal step
        top = float(np.abs(x[i]).max())
        floor = top * 2.0**-30 + (2.0**-149 if x.dtype == np.float32 else 0.0)
        bound = np.abs(x[i]).sum(axis=0).astype(np.float64) * 2.0**-10 + floor
        for (px, py), value in zip(points, found):
            assert abs(value - float(reduced[i, py, px])) <= bound[py, px], (case, i, value)
