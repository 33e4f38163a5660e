"""The explorer reads transformer tokens as heatmap() does: the page of the patch grids."""

from __future__ import annotations

import numpy as np
import pytest

from visheat import Explorer, TokenGrid
from visheat.explorer.page import Page

RNG = np.random.default_rng(5)
TOKENS = RNG.normal(size=(2, 1 + 24 * 32, 6)).astype(np.float32)  # (N, L, C)
GRID = TOKENS[:, 1:].reshape(2, 24, 32, 6).transpose(0, 3, 1, 2)
IMAGES = RNG.integers(0, 256, (2, 96, 128, 3), dtype=np.uint8)


def test_a_token_method_makes_the_page_of_its_grid():
    scores = TOKENS.sum(axis=2)
    with_tokens = Explorer({"ViT": TOKENS, "scores": scores}, IMAGES,
                           layout={"ViT": "NLC", "scores": "NL"}, tokens=TokenGrid(prefix=1))
    with_grids = Explorer({"ViT": GRID, "scores": scores[:, 1:].reshape(2, 24, 32)}, IMAGES,
                          layout={"scores": "NHW"})
    assert with_tokens.to_html() == with_grids.to_html()


def test_tokens_per_method_and_the_grid_from_the_images():
    dinov2 = np.concatenate([RNG.normal(size=(2, 4, 6)), TOKENS], axis=1)  # 4 registers more
    methods = {"ViT": TOKENS, "DINOv2": dinov2, "IG": GRID}
    options = {"layout": {"ViT": "NLC", "DINOv2": "NLC"},
               "tokens": {"ViT": TokenGrid(prefix=1), "DINOv2": TokenGrid(prefix=5)}}
    page = Page(methods, IMAGES, **options)
    assert all(np.array_equal(data, page.methods["IG"]) for data in page.methods.values())
    reply, buffers = Explorer(methods, IMAGES, **options).handle({"op": "rows", "indices": [1]})
    values = [buffers[b] for b in reply["rows"][0]["values"]]  # the widget's rows alike
    assert values[0] == values[1] == values[2]


def test_tokens_without_a_token_layout_are_refused():
    with pytest.raises(ValueError, match=r"^tokens: expected a method whose layout has L "
                                         r"\(transformer tokens\); got tokens=TokenGrid\(prefix=1\)"):
        Explorer({"IG": GRID}, IMAGES, tokens=TokenGrid(prefix=1))
    with pytest.raises(ValueError, match=r"^tokens: expected a TokenGrid for layout 'NLC'"):
        Explorer({"ViT": TOKENS}, IMAGES, layout="NLC", tokens={"other": TokenGrid(prefix=1)})
    with pytest.raises(ValueError, match=r"^tokens: expected tokens that form a grid of the "
                                         r"images' aspect ratio"):
        Explorer({"ViT": TOKENS}, IMAGES[:, :96, :96], layout="NLC", tokens=TokenGrid(prefix=1))
