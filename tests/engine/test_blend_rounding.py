"""The 8-bit blend rounds to the nearest level, halves up, on every path that blends.

Its definition (``visheat.transforms.overlay.blend_u8``): the weight ``w = alpha`` in 16-bit
fixed point (``round(alpha * 65536)``, halves to even), then the nearest level to
``(image * (65536 - w) + heat * w) / 65536``, a half going up. Written out below
in float64, where every one of these quotients is exact.

The paths: numpy (``AlphaOverlay`` and ``HeatAlphaOverlay`` themselves, and the
numpy engine with ``VISHEAT_NUMBA=0``), and the compiled ones: the fused pass per
sample, the single-step kernel with one alpha and with an alpha per pixel, and the
chunk-wide fused kernel (colours, then the blend).
"""

from __future__ import annotations

import numpy as np
import pytest

import visheat
from visheat import AlphaOverlay, ExtremaColormap, HeatAlphaOverlay, ResizeToImage, SumReduction
from visheat.core.batch import Batch, Stage
from visheat.engine import kernel_for
from visheat.transforms.colour import lut_packed

ALPHAS = [0.5, 0.25, 0.6, 0.37, 1 / 3, 0.999]


def blend_reference(heat: np.ndarray, image: np.ndarray, alpha) -> np.ndarray:
    w = np.rint(np.asarray(alpha, np.float64) * 65536)
    exact = (image.astype(np.float64) * (65536 - w) + heat.astype(np.float64) * w) / 65536
    return np.floor(exact + 0.5).astype(np.uint8)


def _inputs(seed: int = 0, n: int = 3, size: tuple[int, int] = (6, 7)):
    rng = np.random.default_rng(seed)
    x = rng.standard_t(3, size=(n, 3) + size).astype(np.float32)
    images = rng.integers(0, 256, (n,) + size + (3,), dtype=np.uint8)
    return x, images


def test_the_halves_are_there():
    """With alpha 0.5 every odd sum of the two levels is a half: these inputs test rounding."""
    heat = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1).repeat(3, axis=3)
    image = np.full_like(heat, 100)
    assert (blend_reference(heat, image, 0.5)[..., 0] == (heat[..., 0].astype(int) + 101) // 2
            ).all()


@pytest.fixture(params=["numpy", "compiled"])
def engine(request, monkeypatch, compiled_kernels):
    if request.param == "numpy":
        monkeypatch.setenv("VISHEAT_NUMBA", "0")
    return request.param


@pytest.mark.parametrize("alpha", ALPHAS)
def test_fused_overlay_rounds_halves_up(engine, alpha):
    x, images = _inputs()
    heat = visheat.heatmap(x, SumReduction() | ExtremaColormap("jet")).to_numpy()
    got = visheat.heatmap(x, images, SumReduction() | ExtremaColormap("jet")
                          | AlphaOverlay(alpha)).to_numpy()
    np.testing.assert_array_equal(got, blend_reference(heat, images, alpha))


def _step_by_step(x, images, overlay):
    """The overlay as a single step: colours resized (to their own size) stop the fusion."""
    colours = SumReduction() | ExtremaColormap("jet") | ResizeToImage()
    heat = visheat.heatmap(x, images, colours).to_numpy()
    got = visheat.heatmap(x, images, colours | overlay).to_numpy()
    return heat, got


@pytest.mark.parametrize("alpha", ALPHAS)
def test_single_step_overlay_rounds_halves_up(engine, alpha):
    x, images = _inputs(1)
    heat, got = _step_by_step(x, images, AlphaOverlay(alpha))
    if engine == "compiled":  # the compiled kernel ran, not the numpy code
        batch = Batch(heat, Stage.RGB, images=images, dtype=np.dtype(np.uint8))
        assert kernel_for(AlphaOverlay(alpha))(AlphaOverlay(alpha), batch) is not None
    np.testing.assert_array_equal(got, blend_reference(heat, images, alpha))


@pytest.mark.parametrize("per_sample", [False, True])
def test_overlay_with_an_alpha_per_pixel_rounds_halves_up(engine, per_sample):
    x, images = _inputs(2)
    rng = np.random.default_rng(3)
    planes = rng.choice(ALPHAS + [0.0, 1.0], size=images.shape[:3] if per_sample
                        else images.shape[1:3])
    overlay = AlphaOverlay(planes)
    heat, got = _step_by_step(x, images, overlay)
    if engine == "compiled":
        batch = Batch(heat, Stage.RGB, images=images, dtype=np.dtype(np.uint8))
        assert kernel_for(overlay)(overlay, batch) is not None
    alpha = np.broadcast_to(planes, images.shape[:3])[..., None]
    np.testing.assert_array_equal(got, blend_reference(heat, images, alpha))


def test_alpha_overlay_itself_rounds_halves_up():
    """The transform's own numpy code (what runs without the engine)."""
    rng = np.random.default_rng(4)
    heat = rng.integers(0, 256, (2, 5, 9, 3), dtype=np.uint8)
    images = rng.integers(0, 256, (2, 5, 9, 3), dtype=np.uint8)
    for alpha in ALPHAS:
        got = AlphaOverlay(alpha)(heat, image=images, dtype=np.uint8)
        np.testing.assert_array_equal(got, blend_reference(heat, images, alpha))


@pytest.mark.parametrize("alpha", [0.6, 0.5, 0.37])
def test_heat_alpha_overlay_rounds_halves_up(alpha):
    """Opacity ``alpha * t``, ``t`` the place in the colour range: here quarters, exact."""
    m = np.array([[[0.0, 0.25, 0.5], [0.75, 1.0, 0.5]]] * 2, np.float32)
    m[1] = m[1, ::-1]
    images = np.random.default_rng(5).integers(0, 256, m.shape + (3,), dtype=np.uint8)
    overlay = HeatAlphaOverlay("gray", alpha=alpha)
    heat = overlay(m, dtype=np.uint8)  # the colours alone, without images
    got = overlay(m, image=images, dtype=np.uint8)
    np.testing.assert_array_equal(got, blend_reference(heat, images, alpha * m[..., None]))


@pytest.mark.parametrize("alpha", ALPHAS)
def test_blend_kernels_round_halves_up(compiled_kernels, alpha):
    """Each compiled blend on its own: one weight, a weight per pixel, colours then blend."""
    k = compiled_kernels
    rng = np.random.default_rng(6)
    heat = rng.integers(0, 256, (2, 3 * 1031), dtype=np.uint8)
    image = rng.integers(0, 256, (2, 3 * 1031), dtype=np.uint8)
    w = round(alpha * 65536)
    out = np.empty_like(heat)
    k.blend_u8(heat, image, w, out)
    np.testing.assert_array_equal(out, blend_reference(heat, image, alpha))
    weights = rng.choice([0, w, 32768, 65536], size=(2, 1031)).astype(np.uint32)
    k.blend_u8_planes(heat, image, weights, out)
    per_pixel = np.repeat(weights / 65536, 3, axis=1)
    np.testing.assert_array_equal(out, blend_reference(heat, image, per_pixel))
    m = rng.random((2, 1031), dtype=np.float32)
    lo, hi = m.min(axis=1), m.max(axis=1)
    colours = np.empty_like(heat)
    k.colorize_u8(m, lo, hi, lo, hi, lut_packed("jet"), colours)
    k.colorize_blend_u8(m, lo, hi, lo, hi, lut_packed("jet"), image, w, out)
    np.testing.assert_array_equal(out, blend_reference(colours, image, alpha))
