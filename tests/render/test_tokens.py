"""Tokens in every entry point: the pictures of the hand-reshaped grid, pixel for pixel.

``heatmap(tokens, images, pipe, layout=..., tokens=TokenGrid(...))`` must draw what
``heatmap(reshape_transform(tokens), images, pipe)`` draws, where ``reshape_transform``
is pytorch-grad-cam's recipe; so must the streaming functions, ``visheat.dask`` and
the explorer. ``tests/data/token_vectors.npz`` holds the recipe run in torch on real
timm models (``tools/make_token_vectors.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from visheat import (
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    ResizeToImage,
    SumReduction,
    TokenGrid,
    heatmap,
    heatmap_batches,
    save_heatmaps,
)

DATA = Path(__file__).resolve().parents[1] / "data"
MODELS = json.loads((DATA / "token_models.json").read_text())
RNG = np.random.default_rng(2022)
PIPE = SumReduction() | ResizeToImage("nearest") | ExtremaColormap("jet") | AlphaOverlay(0.5)


def timm_stand_in(name: str) -> SimpleNamespace:
    recorded = MODELS[name]
    return SimpleNamespace(num_prefix_tokens=recorded["num_prefix_tokens"],
                           dynamic_img_size=recorded["dynamic_img_size"],
                           patch_embed=SimpleNamespace(**recorded["patch_embed"]))


def hand_reshape(tokens: np.ndarray, prefix: int, h: int, w: int) -> np.ndarray:
    """pytorch-grad-cam's reshape_transform: (N, L, C) -> (N, C, h, w)."""
    n, _, c = tokens.shape
    return tokens[:, prefix:, :].reshape(n, h, w, c).transpose(0, 3, 1, 2)


def random_case(prefix: int, h: int, w: int, patch: int, n: int = 3, c: int = 16):
    tokens = RNG.standard_t(3, size=(n, prefix + h * w, c)).astype(np.float32)
    images = RNG.integers(0, 256, (n, h * patch, w * patch, 3), dtype=np.uint8)
    tokens.flags.writeable = False
    return tokens, images


CASES = {  # name -> (TokenGrid, prefix, grid, patch size)
    "vit_b16": (TokenGrid(prefix=1), 1, (14, 14), 16),
    "dinov2_reg4_from_timm": (TokenGrid.from_timm(timm_stand_in("dinov2_s14_reg4")), 5,
                              (37, 37), 14),
    "rect_from_timm": (TokenGrid.from_timm(timm_stand_in("vit_b16_384x512")), 1, (24, 32), 16),
    "rect_from_aspect": (TokenGrid(prefix=1), 1, (24, 32), 16),
    "dynamic_from_timm": (TokenGrid.from_timm(timm_stand_in("vit_b16_dynamic")), 1, (24, 32),
                          16),
    "grid_thw_merged": (TokenGrid.from_grid_thw([[1, 28, 40]], merge_size=2), 0, (14, 20), 28),
    "deit_distilled": (TokenGrid.from_timm(timm_stand_in("deit_tiny_distilled")), 2, (14, 14),
                       16),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("pipe", [PIPE, "sensitivity", "attribution"])
def test_tokens_give_the_pictures_of_the_hand_reshaped_grid(case, pipe):
    tokens, prefix, (h, w), patch = CASES[case]
    x, images = random_case(prefix, h, w, patch)
    grid = hand_reshape(x, prefix, h, w)
    expected = heatmap(grid, images, pipe).to_numpy()
    got = heatmap(x, images, pipe, layout="NLC", tokens=tokens).to_numpy()
    assert got.shape == expected.shape and np.array_equal(got, expected)


def test_a_batch_gives_the_pictures_of_its_samples_one_by_one():
    x, images = random_case(1, 24, 32, 4, n=3)
    tokens = TokenGrid(prefix=1)
    whole = heatmap(x, images, PIPE, layout="NLC", tokens=tokens).to_numpy()
    for i in range(3):
        one = heatmap(x[i:i + 1], images[i], PIPE, layout="NLC", tokens=tokens).to_numpy()
        assert np.array_equal(one[0], whole[i])


def test_the_issue_counts():
    assert CASES["vit_b16"][0].token_grid(197) == (14, 14)
    assert CASES["dinov2_reg4_from_timm"][0] == TokenGrid(grid=(37, 37), prefix=5)
    assert CASES["dinov2_reg4_from_timm"][0].needs() == 5 + 37 * 37 == 1374
    assert CASES["rect_from_timm"][0].needs() == 1 + 24 * 32
    assert CASES["grid_thw_merged"][0].token_grid(280) == (14, 20)


@pytest.mark.parametrize("layout", ["NL", "LN"])
def test_a_score_per_token(layout):
    scores = RNG.random((4, 1 + 14 * 14))
    images = RNG.integers(0, 256, (4, 224, 224, 3), dtype=np.uint8)
    expected = heatmap(scores[:, 1:].reshape(4, 14, 14), images, "cam", layout="NHW")
    x = scores if layout == "NL" else scores.T
    got = heatmap(x, images, "cam", layout=layout, tokens=TokenGrid(prefix=1))
    assert np.array_equal(got.to_numpy(), expected.to_numpy())


def test_heads_of_the_class_token_attention():
    attention = RNG.random((2, 6, 5 + 37 * 37)).astype(np.float32)  # (N, heads, L)
    grid = attention[:, :, 5:].reshape(2, 6, 37, 37)
    pipe = NormReduction() | ExtremaColormap()
    tokens = TokenGrid(grid=(37, 37), prefix=5)
    assert np.array_equal(heatmap(attention, pipe, layout="NCL", tokens=tokens).to_numpy(),
                          heatmap(grid, pipe).to_numpy())
    separate = heatmap(attention, ExtremaColormap(), layout="NCL", tokens=tokens,
                       channels="separate")
    assert np.array_equal(separate.to_numpy(),
                          heatmap(grid, ExtremaColormap(), channels="separate").to_numpy())


def test_one_sample_and_float_pictures():
    x, images = random_case(1, 14, 14, 16, n=1)
    expected = heatmap(hand_reshape(x, 1, 14, 14)[0], images[0], PIPE, layout="CHW",
                       dtype=np.float64)
    got = heatmap(x[0], images[0], PIPE, layout="LC", tokens=TokenGrid(prefix=1),
                  dtype=np.float64)
    assert np.array_equal(got.to_numpy(), expected.to_numpy())


def test_torch_style_channels_first_images_choose_the_grid_after_reading():
    x, images = random_case(1, 24, 32, 16, n=2)
    nchw = images.transpose(0, 3, 1, 2)
    got = heatmap(x, nchw, PIPE, layout="NLC", tokens=TokenGrid(prefix=1), image_layout="NCHW")
    assert np.array_equal(got.to_numpy(), heatmap(hand_reshape(x, 1, 24, 32), images,
                                                  PIPE).to_numpy())


def test_nearest_resizing_paints_every_patch_in_one_colour():
    x, images = random_case(1, 14, 14, 16, n=2)
    tokens = TokenGrid(prefix=1)
    pictures = heatmap(x, images, SumReduction() | ResizeToImage("nearest")
                       | CenteredColormap(), layout="NLC", tokens=tokens).to_numpy()
    blocks = pictures.reshape(2, 14, 16, 14, 16, 3)
    assert (blocks == blocks[:, :, :1, :, :1]).all()  # constant on each 16 x 16 patch
    one_per_token = heatmap(x, SumReduction() | CenteredColormap(), layout="NLC",
                            tokens=tokens).to_numpy()  # (2, 14, 14, 3), no resize
    assert np.array_equal(blocks[:, :, 0, :, 0], one_per_token)  # each patch its token's


def test_wrong_counts_raise_value_errors_that_name_the_counts():
    x = np.zeros((2, 197, 8), np.float32)
    with pytest.raises(ValueError, match=r"got 197 tokens; grid \(15, 15\) with prefix 1 needs "
                                         r"226"):
        heatmap(x, layout="NLC", tokens=TokenGrid(grid=(15, 15), prefix=1))
    with pytest.raises(ValueError, match=r"197 tokens are not a square grid; with a class token, "
                                         r"prefix=1 leaves 196 = 14 × 14"):
        heatmap(x, layout="NLC", tokens=TokenGrid())
    with pytest.raises(ValueError, match=r"For transformer tokens \(N, L, C\) use layout='NLC', "
                                         r"tokens=TokenGrid\(prefix=1\)"):
        heatmap(x)


def test_tokens_are_validated_before_anything_is_rendered():
    with pytest.raises(TypeError, match=r"^tokens: expected a TokenGrid"):
        heatmap(np.zeros((2, 197, 8)), layout="NLC", tokens=(14, 14))


# -- streaming, two passes, Dask ------------------------------------------------------------

def test_slices_give_the_pictures_of_one_call():
    x, images = random_case(5, 12, 12, 14, n=7)
    tokens = TokenGrid(prefix=5)
    whole = heatmap(x, images, PIPE, layout="NLC", tokens=tokens).to_numpy()
    parts = [h.to_numpy() for h in heatmap_batches(x, images, PIPE, layout="NLC", tokens=tokens,
                                                   batch_size=3)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_batch_wide_ranges_in_slices_read_tokens_in_both_passes():
    x, images = random_case(1, 24, 32, 4, n=5)
    pipe = SumReduction() | ExtremaColormap(scope="batch") | ResizeToImage("nearest")
    expected = heatmap(hand_reshape(x, 1, 24, 32), images, pipe).to_numpy()
    listed = list(images)  # a list: the first pass sees the images' aspect ratio too
    parts = [h.to_numpy() for h in heatmap_batches(x, listed, pipe, layout="NLC",
                                                   tokens=TokenGrid(prefix=1), batch_size=2)]
    assert np.array_equal(np.concatenate(parts), expected)


def test_files_hold_the_pictures(tmp_path):
    from PIL import Image

    x, images = random_case(1, 14, 14, 16, n=3)
    paths = save_heatmaps(x, images, PIPE, directory=tmp_path, layout="NLC",
                          tokens=TokenGrid(prefix=1), batch_size=2)
    expected = heatmap(hand_reshape(x, 1, 14, 14), images, PIPE).to_numpy()
    for path, picture in zip(paths, expected):
        with Image.open(path) as img:
            assert np.array_equal(np.asarray(img), picture)


def test_dask_renders_the_pictures_of_one_call(tmp_path):
    pytest.importorskip("dask")
    from visheat import dask as on_dask

    x, images = random_case(1, 24, 32, 4, n=5)
    tokens = TokenGrid(prefix=1)
    pipe = SumReduction() | ExtremaColormap(scope="batch") | ResizeToImage("nearest")
    expected = heatmap(hand_reshape(x, 1, 24, 32), images, pipe).to_numpy()
    lazy = on_dask.render(x, images, pipe, layout="NLC", tokens=tokens, chunks=2)
    assert np.array_equal(lazy.compute(scheduler="sync"), expected)
    paths = on_dask.save_heatmaps(x, images, pipe, directory=tmp_path, layout="NLC",
                                  tokens=tokens, chunks=2, scheduler="sync")
    assert len(paths) == 5 and all(p.exists() for p in paths)


# -- the recipe of pytorch-grad-cam on real timm models -------------------------------------

VECTORS = np.load(DATA / "token_vectors.npz")
RECIPES = {"vit_b16": "vit_b16", "dinov2_s14_reg4": "dinov2_s14_reg4",
           "vit_b16_384x512": "vit_b16_384x512"}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_grids_are_pytorch_grad_cams_recipe_bit_for_bit(name):
    from visheat.core.layout import read_batch

    tokens = TokenGrid.from_timm(timm_stand_in(name))
    grid, _ = read_batch(VECTORS[f"{name}_tokens"], "NLC", tokens=tokens)
    assert np.array_equal(grid, VECTORS[f"{name}_grid"])
    grads, _ = read_batch(VECTORS[f"{name}_grads"], "NLC", tokens=tokens)
    weights = grads.mean(axis=(2, 3), dtype=np.float32)  # grad-cam's GradCAM weights
    cam = np.maximum((weights[:, :, None, None] * grid).sum(axis=1), 0)
    assert np.allclose(cam, VECTORS[f"{name}_cam"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_pictures_are_those_of_pytorch_grad_cams_recipe(name):
    tokens = TokenGrid.from_timm(timm_stand_in(name))
    x = VECTORS[f"{name}_tokens"]
    patch = MODELS[name]["patch_embed"]["patch_size"][0]
    h, w = tokens.grid or (0, 0)
    images = RNG.integers(0, 256, (x.shape[0], h * patch, w * patch, 3), dtype=np.uint8)
    for pipe in (PIPE, "attribution"):
        assert np.array_equal(heatmap(x, images, pipe, layout="NLC", tokens=tokens).to_numpy(),
                              heatmap(VECTORS[f"{name}_grid"], images, pipe).to_numpy())
