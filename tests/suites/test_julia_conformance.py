"""VisionHeatmaps.jl's own test cases, rebuilt in numpy and checked against references.

The arrays are those of VisionHeatmaps.jl's test suite (Julia, column-major, WHCN):
``A = reshape(collect(Float32, 1:12), 2, 2, 3, 1)``, a batch ``reshape(1:24, 2, 2, 3, 2)``,
the 2x2 image ``[RGB(1,0,0) RGB(0,1,0); RGB(0,0,1) RGB(1,1,1)]`` and the 6x6 image
``[RGB(x, y, 0) for x in 0:0.2:1, y in 0:0.2:1]``. Julia pipelines end in ``FlipImage()``;
here ``layout="WHCN"`` reads the arrays upright instead. The expected pictures come from
the slow scalar references in ``tests/reference.py`` (ColorSchemes.jl's ``get`` in Float32,
VisionHeatmaps.jl's channel reductions, Interpolations.jl's Lanczos(1) weights).
"""

import numpy as np
import pytest
from reference import colour, lanczos1_weights, reduce_pixel

from visheat import (
    AbsSumReduction,
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    MaxAbsReduction,
    NormReduction,
    PercentileClip,
    ResizeToImage,
    SumAbsReduction,
    SumReduction,
    heatmap,
)
from visheat.transforms.colour import stops_of

A = np.arange(1, 13, dtype=np.float32).reshape((2, 2, 3, 1), order="F")  # Julia's WHCN
BATCH = np.arange(1, 25, dtype=np.float32).reshape((2, 2, 3, 2), order="F")
IMG = np.array([[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 1, 1]]], dtype=np.float64)
IMG2 = np.array([[[x, y, 0.0] for y in np.arange(6) * 0.2] for x in np.arange(6) * 0.2])

REDUCERS = {"sum": SumReduction(), "maxabs": MaxAbsReduction(), "norm": NormReduction(),
            "sumabs": SumAbsReduction(), "abssum": AbsSumReduction()}
SCHEMES = ["colorschemes:batlow", "colorschemes:berlin", "colorschemes:viridis",
           "colorschemes:inferno", "colorschemes:seismic", "colorschemes:jet"]


def julia_map(x_whcn: np.ndarray, n: int, how: str) -> np.ndarray:
    """Reduced map of sample n as Julia holds it after FlipImage: (H, W)."""
    w, h = x_whcn.shape[:2]
    out = np.empty((h, w), np.float32)
    for i in range(w):
        for j in range(h):
            out[j, i] = reduce_pixel(list(x_whcn[i, j, :, n]), how, np.float32)
    return out


def julia_colours(m: np.ndarray, scheme: str, centered: bool) -> np.ndarray:
    stops = stops_of(scheme)
    if centered:
        top = np.abs(m).max()
        lo, hi = (-top, top) if top > 0 else (-1, 1)
    else:
        lo, hi = m.min(), m.max()
    return np.array([[colour(v, lo, hi, stops, np.float32) for v in row] for row in m])


@pytest.mark.parametrize("how", REDUCERS)
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_single_input(how, centered, scheme):
    cmap = CenteredColormap(scheme) if centered else ExtremaColormap(scheme)
    got = heatmap(A, REDUCERS[how] | cmap, layout="WHCN", dtype=np.float64).to_numpy()[0]
    assert np.array_equal(got, julia_colours(julia_map(A, 0, how), scheme, centered))


@pytest.mark.parametrize("how", REDUCERS)
def test_batched_input_checks_every_sample(how):
    pipe = REDUCERS[how] | ExtremaColormap("colorschemes:viridis")
    got = heatmap(BATCH, pipe, layout="WHCN", dtype=np.float64).to_numpy()
    for n in range(2):
        expected = julia_colours(julia_map(BATCH, n, how), "colorschemes:viridis", False)
        assert np.array_equal(got[n], expected)


@pytest.mark.parametrize("how", REDUCERS)
@pytest.mark.parametrize("centered", [False, True])
def test_overlay_on_a_same_size_image(how, centered):
    cmap = CenteredColormap("colorschemes:seismic") if centered else ExtremaColormap(
        "colorschemes:jet")
    scheme = "colorschemes:seismic" if centered else "colorschemes:jet"
    got = heatmap(A, IMG, REDUCERS[how] | cmap | AlphaOverlay(), layout="WHCN",
                  dtype=np.float64).to_numpy()[0]
    heat = julia_colours(julia_map(A, 0, how), scheme, centered)
    assert np.allclose(got, IMG * (1 - 0.6) + heat * 0.6, rtol=0, atol=1e-15)


@pytest.mark.parametrize("how", REDUCERS)
@pytest.mark.parametrize("centered", [False, True])
def test_overlay_rescaled_to_a_larger_image_with_lanczos1(how, centered):
    cmap = CenteredColormap("colorschemes:viridis") if centered else ExtremaColormap(
        "colorschemes:viridis")
    pipe = REDUCERS[how] | cmap | ResizeToImage() | AlphaOverlay(0.5)
    got = heatmap(A, IMG2, pipe, layout="WHCN", dtype=np.float64).to_numpy()[0]
    heat = julia_colours(julia_map(A, 0, how), "colorschemes:viridis", centered)
    w = lanczos1_weights(2, 6, clamp=True)  # both axes upsampled 2 -> 6
    resized = np.einsum("ab,bcx,dc->adx", w, heat, w)
    assert np.allclose(got, IMG2 * 0.5 + resized * 0.5, rtol=0, atol=1e-12)


def test_percentile_clip_then_centered_colours():
    x = np.random.default_rng(3).standard_t(3, size=(16, 12, 3, 1)).astype(np.float32)
    got = heatmap(x, SumReduction() | PercentileClip() | CenteredColormap(), layout="WHCN",
                  dtype=np.float64).to_numpy()[0]
    m = julia_map(x, 0, "sum").astype(np.float64)
    from reference import julia_quantile

    lo, hi = julia_quantile(list(m.ravel()), 0.001), julia_quantile(list(m.ravel()), 0.999)
    clipped = np.clip(m, lo, hi)
    top = np.abs(clipped).max()
    stops = stops_of("berlin")
    expected = np.array([[colour(v, -top, top, stops, np.float64) for v in row]
                         for row in clipped])
    assert np.allclose(got, expected, rtol=0, atol=1e-9)
