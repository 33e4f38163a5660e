"""visheat.figure: the pixels drawn and the colour-bar ranges, read from the records."""

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from visheat import (
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    PercentileClip,
    SumReduction,
    figure,
    heatmap,
)
from visheat.display.cards import blend
from visheat.display.heatmaps import Heatmaps
from visheat.display.plotting import ramp
from visheat.transforms.colour import stops_of

RNG = np.random.default_rng(11)
X = RNG.standard_t(2, size=(3, 3, 24, 24))
IMAGES = RNG.integers(0, 256, (3, 48, 48, 3)).astype(np.uint8)


def axes(fig, kind):
    return [ax for ax in fig.get_axes() if ax.get_visible() and ax.get_label().startswith(kind)]


def rendered(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3]


def pixel_at(pixels, ax, fx, fy):
    """The rendered pixel at fraction (fx, fy) of ``ax`` (fy from the top)."""
    box = ax.get_window_extent()
    col = int(box.x0 + fx * box.width)
    row = pixels.shape[0] - int(box.y1 - fy * box.height)
    return pixels[row, col].astype(int)


def test_percentile_clip_colour_bars_show_the_clipped_range():
    h = heatmap(X, SumReduction() | PercentileClip(0.1, 0.9) | ExtremaColormap("jet"))
    fig = figure(h)
    assert isinstance(fig, Figure)
    bars = axes(fig, "colorbar")
    m = X.sum(axis=1)
    for i, bar in enumerate(bars):
        lo, hi = np.quantile(m[i], 0.1), np.quantile(m[i], 0.9)
        assert np.allclose(bar.get_xlim(), (lo, hi))
        assert np.allclose(bar.images[0].get_extent()[:2], (lo, hi))
        assert bar.get_xlabel() == "jet (clipped)"


def test_centred_colour_bars_are_symmetric_with_a_zero_tick():
    h = heatmap(X, SumReduction() | CenteredColormap("bwr"))
    fig = figure(h)
    top = np.abs(X.sum(axis=1)).reshape(3, -1).max(axis=1)
    for i, bar in enumerate(axes(fig, "colorbar")):
        assert np.allclose(bar.get_xlim(), (-top[i], top[i]))
        labels = [t.get_text() for t in bar.get_xticklabels()]
        assert labels == [f"{-top[i]:.3g}", "0", f"{top[i]:.3g}"] and bar.get_xlabel() == "bwr"


def test_the_rendered_pixels_are_the_heatmap_and_its_colour_bar():
    x = np.zeros((1, 1, 40, 40))
    x[0, 0, :, 20:] = 1.0  # left half the low colour, right half the high colour
    fig = figure(heatmap(x, NormReduction() | ExtremaColormap("viridis")), panel_size=3)
    pixels = rendered(fig)
    heat, = axes(fig, "heatmap")
    bar, = axes(fig, "colorbar")
    stops = np.rint(stops_of("viridis") * 255)
    assert np.abs(pixel_at(pixels, heat, 0.25, 0.5) - stops[0]).max() <= 2
    assert np.abs(pixel_at(pixels, heat, 0.75, 0.5) - stops[-1]).max() <= 2
    colours = np.rint(ramp(stops_of("viridis")) * 255)
    for f in (0.01, 0.3, 0.5, 0.99):  # the ramp, left to right, across the bar
        assert np.abs(pixel_at(pixels, bar, f, 0.5) - colours[round(f * 255)]).max() <= 6


def test_panels_are_image_heatmap_and_overlay_with_titles():
    h = heatmap(X, "attribution")
    fig = figure(h, IMAGES, titles=[{"label": "cat", "score": 0.25}, "dog", "<b>"], alpha=0.3)
    assert [ax.get_label() for ax in axes(fig, "")][:4] == ["image 0", "heatmap 0", "overlay 0",
                                                            "colorbar 0"]
    image, heat, over = (axes(fig, k)[1] for k in ("image", "heatmap", "overlay"))
    assert np.array_equal(image.images[0].get_array(), IMAGES[1])
    assert np.array_equal(heat.images[0].get_array(), h.to_numpy()[1])
    assert np.array_equal(over.images[0].get_array(), blend(h.to_numpy()[1], IMAGES[1], 0.3))
    assert over.images[0].get_array().shape == (48, 48, 3)  # resized to the image
    cells = sorted(fig.subfigs, key=lambda sf: (sf._subplotspec.rowspan.start,
                                                sf._subplotspec.colspan.start))  # row-major
    titles = [sf._suptitle.get_text() for sf in cells if sf._suptitle is not None]
    assert titles == ["cat · score 0.25", "dog", "<b>"]


def test_pictures_that_are_overlays_already_are_not_blended_twice():
    cams = RNG.random((3, 6, 6))
    h = heatmap(cams, IMAGES, "cam", layout="NHW")
    fig = figure(h, IMAGES)
    assert [ax.get_label() for ax in axes(fig, "")][:3] == ["image 0", "overlay 0", "colorbar 0"]
    assert np.array_equal(axes(fig, "overlay")[2].images[0].get_array(), h.to_numpy()[2])
    assert not axes(figure(h, IMAGES, alpha=None, colorbar=False), "colorbar")


def test_grid_shape_follows_ncols():
    h = heatmap(np.concatenate([X, X]), "attribution")
    fig = figure(h, ncols=4)
    assert len(fig.subfigs) == 8 and len(axes(fig, "heatmap")) == 6
    rendered(fig)
    def places(values):  # distinct positions, a pixel of layout rounding apart counts as one
        found = sorted(values)
        return 1 + sum(b - a > 3 for a, b in zip(found, found[1:]))

    rows = places(ax.get_window_extent().y0 for ax in axes(fig, "heatmap"))
    columns = places(ax.get_window_extent().x0 for ax in axes(fig, "heatmap"))
    assert rows == 2 and columns == 4
    assert len(figure(h[:0]).get_axes()) == 0


@pytest.mark.parametrize("call, error, match", [
    (lambda h: figure(h.to_numpy()), TypeError, "heatmaps: expected a Heatmaps"),
    (lambda h: figure(h, titles=["a"]), ValueError, "titles: expected 3 captions"),
    (lambda h: figure(h, ncols=0), ValueError, "ncols: expected an integer in"),
    (lambda h: figure(h, IMAGES[:2]), ValueError, "images: expected 3 images"),
    (lambda h: figure(h, alpha=2), ValueError, "alpha: expected a number in"),
    (lambda h: figure(Heatmaps(h.to_numpy())), ValueError, "Pass colorbar=False"),
])
def test_mistakes_are_reported(call, error, match):
    with pytest.raises(error, match=match):
        call(heatmap(X))


def test_figures_never_use_pyplot():
    code = ("import sys, numpy as np, visheat\n"
            "fig = visheat.figure(visheat.heatmap(np.ones((1, 3, 4, 4))))\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("pipe, layout, x", [("attribution", "NCHW", X),
                                             ("cam", "NHW", RNG.random((3, 6, 6)))])
def test_figures_and_galleries_draw_the_images_the_heatmaps_remember(pipe, layout, x, tmp_path):
    from visheat import write_gallery

    h = heatmap(x, IMAGES, pipe, layout=layout)
    remembered, given = figure(h), figure(h, IMAGES)
    labels = [ax.get_label() for ax in axes(given, "")]
    assert [ax.get_label() for ax in axes(remembered, "")] == labels
    assert len(axes(remembered, "image")) == 3 and "overlay 0" in labels  # the docs' recipe
    for kind in ("image", "heatmap", "overlay"):
        for a, b in zip(axes(remembered, kind), axes(given, kind)):
            assert np.array_equal(a.images[0].get_array(), b.images[0].get_array())
    alone = figure(h, False)  # told otherwise: the heatmaps alone
    assert [ax.get_label() for ax in axes(alone, "")][:2] == ["heatmap 0", "colorbar 0"]
    other = np.zeros_like(IMAGES)  # other images: those are drawn
    assert not axes(figure(h, other), "image")[0].images[0].get_array().any()
    pages = [write_gallery(tmp_path / name, h, images, captions=["a", "b", "c"])
             for name, images in (("remembered", None), ("given", IMAGES))]
    files = [{p.name: p.read_bytes() for p in (page.parent / "files").iterdir()} for page in pages]
    assert files[0] == files[1] and "00002_c_image.png" in files[0]


@pytest.mark.parametrize("kwargs, hint", [
    ({}, r"Draw fewer samples per figure, e\.g\. figure\(h\[:(\d+)\]\)"),
    ({"ncols": 20}, r"Use fewer columns, e\.g\. ncols=(\d+)\."),
    ({"panel_size": 30.0}, r"Use a smaller panel_size, e\.g\. panel_size=([\d.]+)\."),
])
def test_a_figure_too_large_names_a_value_that_fits(monkeypatch, kwargs, hint):
    import visheat.display.figures as figures

    monkeypatch.setattr(figures, "MAX_PIXELS", 2000)  # small figures, the same arithmetic
    h = heatmap(RNG.random((40, 1, 2, 2)))
    with pytest.raises(ValueError, match=hint) as info:
        figure(h, **kwargs)
    value = __import__("re").search(hint, str(info.value))[1]
    if not kwargs:
        fig, n = figure(h[:int(value)]), int(value)  # the hint, followed
        larger = lambda: figure(h[:int(value) + 6])  # noqa: E731 (one more row of six)
    else:
        (name,) = kwargs
        fig, n = figure(h, **{name: type(kwargs[name])(value)}), len(h)
        more = int(value) + 1 if name == "ncols" else float(value) * 1.1
        larger = lambda: figure(h, **{name: more})  # noqa: E731
    assert len(axes(fig, "heatmap")) == n
    width, height = fig.get_size_inches() * fig.dpi
    assert max(width, height) < 2000
    with pytest.raises(ValueError):  # and it is no smaller than it needs to be
        larger()
