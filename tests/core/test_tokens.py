"""TokenGrid and the layout letter L: reading token sequences into a patch grid.

The models' own metadata comes from ``tests/data/token_models.json``, written from real
timm models by ``tools/make_token_vectors.py``; here a plain object with the same
attributes stands in for each model (no torch, no timm).
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visheat import TokenGrid
from visheat.core.layout import parse_layout, read_batch
from visheat.core.tokens import image_sizes, parse_grid, token_hint, tokens_to_grid

DATA = Path(__file__).resolve().parents[1] / "data"
MODELS = {k: v for k, v in json.loads((DATA / "token_models.json").read_text()).items()
          if k != "meta"}
RNG = np.random.default_rng(22)


def timm_stand_in(attributes: dict) -> SimpleNamespace:
    """An object with the attributes a timm model has (as recorded), and nothing else."""
    embed = SimpleNamespace(**attributes["patch_embed"])
    return SimpleNamespace(num_prefix_tokens=attributes["num_prefix_tokens"],
                           dynamic_img_size=attributes["dynamic_img_size"], patch_embed=embed)


def hand_reshape(tokens: np.ndarray, prefix: int, h: int, w: int) -> np.ndarray:
    """pytorch-grad-cam's reshape_transform, in numpy: (N, L, C) -> (N, C, h, w)."""
    return tokens[:, prefix:, :].reshape(tokens.shape[0], h, w, tokens.shape[2]) \
        .transpose(0, 3, 1, 2)


# -- the value -----------------------------------------------------------------------------

@pytest.mark.parametrize("grid", [TokenGrid(), TokenGrid(prefix=1),
                                  TokenGrid(grid=(24, 32), prefix=5),
                                  TokenGrid(grid=(28, 40), merge=2),
                                  TokenGrid(grid=(14, 14), prefix=1, merge=7)])
def test_repr_reads_back_and_pickles(grid):
    assert eval(repr(grid)) == grid
    assert TokenGrid.parse(repr(grid)) == grid
    assert pickle.loads(pickle.dumps(grid)) == grid
    assert hash(grid) == hash(eval(repr(grid)))


def test_arguments_are_normalised():
    assert TokenGrid(grid=[14, np.int64(14)], prefix=np.int32(1)) == TokenGrid((14, 14), 1)
    assert repr(TokenGrid(grid=14)) == "TokenGrid(grid=(14, 14))"
    assert TokenGrid(grid=(14, 14), prefix=1).needs() == 197
    assert TokenGrid(prefix=1).needs() is None


@pytest.mark.parametrize("kwargs, error, match", [
    ({"prefix": -1}, ValueError, r"^prefix: expected an integer in \[0, inf\]; got -1"),
    ({"prefix": 1.5}, ValueError, r"^prefix: expected an integer"),
    ({"prefix": True}, TypeError, r"^prefix: expected an integer; got True"),
    ({"merge": 0}, ValueError, r"^merge: expected an integer in \[1, inf\]"),
    ({"grid": (14,)}, ValueError, r"^grid: expected a pair \(h, w\) of positive integers"),
    ({"grid": (0, 14)}, ValueError, r"^grid: expected an integer in \[1, inf\]; got 0"),
    ({"grid": "14x14"}, ValueError, r"^grid: expected a pair"),
    ({"grid": None, "merge": "2"}, TypeError, r"^merge: expected an integer"),
    ({"grid": (27, 40), "merge": 2}, ValueError,
     r"^grid: expected rows and columns that merge=2 divides; got \(27, 40\)"),
])
def test_invalid_grids_cannot_exist(kwargs, error, match):
    with pytest.raises(error, match=match):
        TokenGrid(**kwargs)


def test_it_is_frozen():
    with pytest.raises(AttributeError):
        TokenGrid().prefix = 1  # type: ignore[misc]


@pytest.mark.parametrize("text, match", [
    ("__import__('os').system('true')", r"^tokens: expected text such as 'TokenGrid\(prefix=1\)'"),
    ("TokenGrid(prefix=print(1))", r"^tokens: text: expected a literal argument"),
    ("TokenGrid(prefix=-2)", r"^tokens: prefix: expected an integer in \[0, inf\]"),
    ("TokenGrid(size=3)", r"^tokens: .*unexpected keyword argument 'size'"),
    ("NormReduction()", r"^tokens: expected text such as"),
    ("TokenGrid(", r"^tokens: expected text such as"),
])
def test_the_text_form_is_parsed_never_evaluated(text, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TokenGrid.parse(text)


def test_grids_on_the_command_line():
    assert parse_grid("14x14") == (14, 14)
    assert parse_grid("24X32") == (24, 32)
    assert parse_grid("37") == (37, 37)
    with pytest.raises(ValueError, match=r"^grid: expected rows x columns such as 14x14"):
        parse_grid("14*14")
    with pytest.raises(ValueError, match=r"^grid: expected an integer in \[1, inf\]; got 0"):
        parse_grid("0x14")


# -- which grid ----------------------------------------------------------------------------

@pytest.mark.parametrize("count, tokens, sizes, grid", [
    (197, TokenGrid(prefix=1), [], (14, 14)),                       # ViT-B/16
    (1374, TokenGrid(prefix=5), [], (37, 37)),                      # DINOv2 + 4 registers
    (198, TokenGrid(prefix=2), [], (14, 14)),                       # DeiT distilled
    (769, TokenGrid(prefix=1), [(384, 512)], (24, 32)),             # aspect from the images
    (769, TokenGrid(prefix=1), [(768, 1024), (384, 512)], (24, 32)),  # one aspect, two sizes
    (769, TokenGrid(prefix=1), [(512, 384)], (32, 24)),
    (197, TokenGrid(prefix=1), [(230, 224)], (14, 14)),             # within half a token
    (768, TokenGrid(), [(500, 375)], (32, 24)),                     # timm's padded 500 x 375
    (280, TokenGrid(grid=(28, 40), merge=2), [], (14, 20)),         # Qwen2-VL, merged
    (280, TokenGrid(merge=2), [(392, 560)], (14, 20)),
    (769, TokenGrid(grid=(24, 32), prefix=1), [(224, 224)], (24, 32)),  # explicit: as said
])
def test_the_grid(count, tokens, sizes, grid):
    assert tokens.token_grid(count, sizes) == grid


def test_a_count_that_is_no_square_names_the_prefix_that_would_fit():
    with pytest.raises(ValueError, match=r"^tokens: expected tokens that form a square grid "
                       r"after prefix=0 .*; got 197 tokens\. 197 tokens are not a square grid; "
                       r"with a class token, prefix=1 leaves 196 = 14 × 14: pass "
                       r"tokens=TokenGrid\(prefix=1\)\.$"):
        TokenGrid().token_grid(197)
    with pytest.raises(ValueError, match=r"1373 tokens after prefix=1 are not a square grid; "
                       r"with a class token and 4 registers \(DINOv2\), prefix=5 leaves "
                       r"1369 = 37 × 37"):
        TokenGrid(prefix=1).token_grid(1374)
    with pytest.raises(ValueError, match=r"TokenGrid\(grid=\(28, 40\), prefix=1, merge=2\)"):
        TokenGrid(merge=2).token_grid(281, [(392, 560)])  # the hint keeps the merge


def test_an_explicit_grid_that_does_not_match_names_both_counts():
    with pytest.raises(ValueError, match=r"^tokens: expected 226 tokens for TokenGrid\(grid="
                       r"\(15, 15\), prefix=1\); got 197 tokens; grid \(15, 15\) with prefix 1 "
                       r"needs 226\. 197 = 1 \+ 14 × 14: TokenGrid\(grid=\(14, 14\), prefix=1\) "
                       r"fits\.$"):
        TokenGrid(grid=(15, 15), prefix=1).token_grid(197)
    with pytest.raises(ValueError, match=r"got 1374 tokens; grid \(37, 37\) with prefix 1 needs "
                       r"1370\. 1374 = 5 \+ 1369 tokens: TokenGrid\(grid=\(37, 37\), prefix=5\)"):
        TokenGrid(grid=(37, 37), prefix=1).token_grid(1374)
    with pytest.raises(ValueError, match=r"grid \(28, 40\) merged by 2 with prefix 0 needs 280"):
        TokenGrid(grid=(28, 40), merge=2).token_grid(1120)


def test_images_of_another_aspect_ratio_are_told_about_a_square_grid():
    with pytest.raises(ValueError, match=r"grid of the images' aspect ratio \(384 × 512\).*"
                       r"a square grid fits, prefix=1 leaves 196 = 14 × 14, as when the model "
                       r"saw the images resized to a square: pass tokens=TokenGrid\(grid=\(14, "
                       r"14\), prefix=1\)"):
        TokenGrid().token_grid(197, [(384, 512)])


def test_the_aspect_ratio_holds_within_half_a_token_along_the_longer_side():
    tokens = TokenGrid(prefix=1)
    assert tokens.token_grid(769, [(384, 522)]) == (24, 32)  # 384 / 522 * 32 = 23.54 rows
    with pytest.raises(ValueError, match=r"768 tokens after prefix=1 are not a grid of the "
                                         r"images' aspect ratio"):
        tokens.token_grid(769, [(384, 560)])  # 384 / 560 * 32 = 21.9 rows


def test_square_images_are_told_the_prefix_not_a_resize():
    with pytest.raises(ValueError, match=r"; with a class token, prefix=1 leaves 196 = 14 × 14: "
                                         r"pass tokens=TokenGrid\(prefix=1\)\.$"):
        TokenGrid().token_grid(197, [(224, 224)])


def test_at_most_one_grid_fits_an_aspect_ratio():
    from visheat.core.tokens import _fits

    assert max(len(_fits(n, (h, w))) for n in range(1, 200) for h in range(1, 40)
               for w in range(1, 40)) == 1


def test_images_of_different_aspect_ratios_are_refused_with_how_to_render_them():
    with pytest.raises(ValueError, match=r"^images: expected images of one aspect ratio .*; got "
                       r"24 × 32 for images of 384 × 512; 32 × 24 for images of 512 × 384\. "
                       r"Render them separately, one heatmap\(\) call per aspect ratio"):
        TokenGrid(prefix=1).token_grid(769, [(384, 512), (512, 384)])


@pytest.mark.parametrize("count, prefix", [(1, 1), (5, 5), (3, 7)])
def test_a_prefix_that_leaves_no_patch_is_refused(count, prefix):
    with pytest.raises(ValueError, match=rf"^tokens: expected more tokens than prefix={prefix}; "
                       rf"got {count} tokens\."):
        TokenGrid(prefix=prefix).token_grid(count)


# -- reading the axis: a view of the caller's array ----------------------------------------

@pytest.mark.parametrize("layout, shape, order", [
    ("NLC", (2, 197, 5), (0, 2, 1)), ("NCL", (2, 5, 197), (0, 1, 2)),
    ("LNC", (197, 2, 5), (1, 2, 0)), ("CLN", (5, 197, 2), (2, 0, 1)),
])
def test_token_layouts_in_any_order_read_as_the_hand_reshaped_grid(layout, shape, order):
    x = RNG.normal(size=shape).astype(np.float32)
    x.flags.writeable = False
    grid, stage = read_batch(x, layout, tokens=TokenGrid(prefix=1))
    nlc = x.transpose([layout.index(c) for c in "NLC"])
    assert stage.value == "values" and grid.shape == (2, 5, 14, 14)
    assert np.array_equal(grid, hand_reshape(nlc, 1, 14, 14))
    assert np.shares_memory(grid, x)  # a view, not a copy


def test_scores_and_one_sample():
    x = RNG.normal(size=(3, 1 + 24 * 32)).astype(np.float32)
    grid, stage = read_batch(x, "NL", tokens=TokenGrid(grid=(24, 32), prefix=1))
    assert stage.value == "map" and np.array_equal(grid, x[:, 1:].reshape(3, 24, 32))
    assert np.shares_memory(grid, x)
    one, _ = read_batch(x[0], "L", tokens=TokenGrid(grid=(24, 32), prefix=1))
    assert np.array_equal(one, grid[:1])
    lc, _ = read_batch(np.ones((197, 8)), "LC", tokens=TokenGrid(prefix=1))
    assert lc.shape == (1, 8, 14, 14)


def test_an_empty_batch_of_tokens():
    grid, _ = read_batch(np.zeros((0, 197, 8)), "NLC", tokens=TokenGrid(prefix=1))
    assert grid.shape == (0, 8, 14, 14)


def test_tokens_to_grid_keeps_the_dtype_and_the_memory():
    x = np.arange(2 * 3 * 10, dtype=np.float32).reshape(2, 3, 10)
    grid = tokens_to_grid(x, TokenGrid(grid=(3, 3), prefix=1))
    assert grid.dtype == np.float32 and grid.base is not None and np.shares_memory(grid, x)
    assert grid[1, 2].tolist() == x[1, 2, 1:].reshape(3, 3).tolist()


def test_image_sizes_are_read_from_shapes():
    from PIL import Image

    assert image_sizes(None) == []
    assert image_sizes(np.zeros((384, 512, 3))) == [(384, 512)]
    assert image_sizes(np.zeros((384, 512))) == [(384, 512)]
    assert image_sizes(np.zeros((2, 384, 512, 3))) == [(384, 512)]
    assert image_sizes([np.zeros((4, 5, 3)), Image.new("RGB", (7, 6))]) == [(4, 5), (6, 7)]
    assert image_sizes([[[0, 0], [0]]]) == []  # ragged: to_images says what is wrong


# -- layouts and their errors ----------------------------------------------------------------

def test_l_is_a_layout_letter_in_place_of_h_and_w():
    assert parse_layout("nlc") == "NLC"
    assert parse_layout("L") == "L"
    with pytest.raises(ValueError, match=r"L \(a token sequence\) stands in place of H and W"):
        parse_layout("NLHW")
    with pytest.raises(ValueError, match=r"Repeated letter 'L'"):
        parse_layout("NLL")


def test_l_needs_tokens_and_tokens_need_l():
    x = np.zeros((2, 197, 8))
    with pytest.raises(ValueError, match=r"^tokens: expected a TokenGrid for layout 'NLC' \(L is "
                       r"a sequence of transformer tokens\); got None\. Pass "
                       r"tokens=TokenGrid\(prefix=1\)"):
        read_batch(x, "NLC")
    with pytest.raises(ValueError, match=r"^tokens: expected a layout with L \(a token sequence\) "
                       r"to read with tokens=TokenGrid\(prefix=1\); got layout 'NCHW'\. Pass "
                       r"layout='NLC'"):
        read_batch(np.zeros((2, 3, 8, 8)), "NCHW", tokens=TokenGrid(prefix=1))
    with pytest.raises(TypeError, match=r"^tokens: expected a TokenGrid .*; got 1 \(int\)"):
        read_batch(x, "NLC", tokens=1)
    with pytest.raises(ValueError, match=r"^x: expected at least one element along L"):
        read_batch(np.zeros((2, 0, 8)), "NLC", tokens=TokenGrid())


@pytest.mark.parametrize("shape, hint", [
    ((4, 197, 768), "layout='NLC', tokens=TokenGrid(prefix=1) (197 = 1 + 14 × 14)"),
    ((4, 1374, 384), "layout='NLC', tokens=TokenGrid(prefix=5) (1374 = 5 + 37 × 37)"),
    ((4, 198, 192), "layout='NLC', tokens=TokenGrid(prefix=2) (198 = 2 + 14 × 14)"),
    ((4, 12, 197), "(N, heads, L) use layout='NCL', tokens=TokenGrid(prefix=1)"),
    ((4, 196), "(N, L) use layout='NL', tokens=TokenGrid() (196 = 14 × 14)"),
    ((197, 768), "(L, C) use layout='LC', tokens=TokenGrid(prefix=1)"),
])
def test_token_shaped_arrays_in_the_default_layout_are_told_their_token_layout(shape, hint):
    with pytest.raises(ValueError, match=r"^x: expected 4 axes \(N, C, H, W\) for layout 'NCHW'; "
                       rf"got shape {re.escape(str(shape))}\. For transformer tokens .*"
                       + re.escape(hint)):
        read_batch(np.zeros(shape, np.float32), "NCHW")


@pytest.mark.parametrize("shape", [(3, 8, 8), (2, 197, 197), (4, 7, 7), (3, 224, 224), (8, 8),
                                   (4, 30, 40)])
def test_pictures_and_attention_matrices_keep_the_picture_hints(shape):
    assert token_hint(shape) is None


# -- the models' own metadata ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(MODELS))
def test_from_timm_reads_the_grid_real_timm_models_have(name):
    recorded = MODELS[name]
    tokens = TokenGrid.from_timm(timm_stand_in(recorded))
    assert tokens.prefix == recorded["num_prefix_tokens"]
    if recorded["dynamic_img_size"]:  # the grid follows the images (or image_size=)
        assert tokens.grid is None
        size = tuple(recorded["input_size"])
        assert tokens.token_grid(recorded["tokens"], [size]) == (24, 32)
        sized = TokenGrid.from_timm(timm_stand_in(recorded), image_size=size)
        assert sized.needs() == recorded["tokens"]
    else:
        assert tokens.grid == tuple(recorded["patch_embed"]["grid_size"])
        assert tokens.needs() == recorded["tokens"]  # the count of a real forward pass


def test_the_recorded_models_are_the_ones_the_issue_names():
    assert (MODELS["vit_b16"]["tokens"], MODELS["dinov2_s14_reg4"]["tokens"]) == (197, 1374)
    assert TokenGrid.from_timm(timm_stand_in(MODELS["dinov2_s14_reg4"])) == \
        TokenGrid(grid=(37, 37), prefix=5)
    assert TokenGrid.from_timm(timm_stand_in(MODELS["vit_b16_384x512"])) == \
        TokenGrid(grid=(24, 32), prefix=1)
    assert TokenGrid.from_timm(timm_stand_in(MODELS["deit_tiny_distilled"])).prefix == 2


def test_from_timm_with_an_image_size_pads_as_the_model_does():
    model = timm_stand_in(MODELS["vit_b16_dynamic"])
    assert TokenGrid.from_timm(model, image_size=(500, 375)).grid == (31, 23)
    model.patch_embed.dynamic_img_pad = True
    assert TokenGrid.from_timm(model, image_size=(500, 375)).grid == (32, 24)


def test_from_timm_refuses_what_is_no_vision_transformer():
    with pytest.raises(TypeError, match=r"^model: expected a timm vision transformer .*It has no "
                       r"attribute 'num_prefix_tokens'"):
        TokenGrid.from_timm(SimpleNamespace(patch_embed=None))
    with pytest.raises(TypeError, match=r"^model.patch_embed: expected grid_size"):
        TokenGrid.from_timm(SimpleNamespace(num_prefix_tokens=1, patch_embed=object()))


class Config:
    """Attributes as a transformers ``PretrainedConfig`` has them."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


@pytest.mark.parametrize("config, expected", [
    (Config(model_type="vit", image_size=224, patch_size=16), TokenGrid((14, 14), 1)),
    (Config(model_type="deit", image_size=224, patch_size=16), TokenGrid((14, 14), 2)),
    (Config(model_type="dinov2", image_size=518, patch_size=14), TokenGrid(prefix=1)),
    (Config(model_type="dinov2_with_registers", image_size=518, patch_size=14,
            num_register_tokens=4), TokenGrid(prefix=5)),
    (Config(model_type="clip", vision_config=Config(model_type="clip_vision_model",
                                                    image_size=224, patch_size=32)),
     TokenGrid((7, 7), 1)),
    (Config(model_type="siglip", vision_config=Config(model_type="siglip_vision_model",
                                                      image_size=384, patch_size=14)),
     TokenGrid((27, 27), 0)),
    ({"model_type": "vit", "image_size": [384, 512], "patch_size": 16}, TokenGrid((24, 32), 1)),
])
def test_from_config_reads_hugging_face_configs(config, expected):
    assert TokenGrid.from_config(config) == expected


def test_from_config_with_an_image_size():
    dinov2 = Config(model_type="dinov2_with_registers", image_size=518, patch_size=14,
                    num_register_tokens=4)
    assert TokenGrid.from_config(dinov2, image_size=224) == TokenGrid((16, 16), 5)
    with pytest.raises(ValueError, match=r"^config: expected the config of a model_type among "
                       r".*; got 'swin'\. For another model give the grid yourself"):
        TokenGrid.from_config(Config(model_type="swin", image_size=224, patch_size=4))


def test_from_grid_thw_reads_qwen2_vl_merged_grids():
    tokens = TokenGrid.from_grid_thw(np.array([[1, 28, 40]]), merge_size=2)
    assert tokens == TokenGrid(grid=(28, 40), merge=2) and tokens.token_grid(280) == (14, 20)
    assert TokenGrid.from_grid_thw((1, 28, 40), 2) == tokens
    assert TokenGrid.from_grid_thw([[1, 28, 40], [1, 28, 40]], 2) == tokens  # the same grids
    with pytest.raises(ValueError, match=r"^grid_thw: expected rows and columns that merge=2 "
                       r"divides; got \(27, 40\)"):
        TokenGrid.from_grid_thw([1, 27, 40], 2)
    with pytest.raises(ValueError, match=r"^grid_thw: expected one grid for the batch .*; got "
                       r"\(1, 28, 40\), \(1, 30, 40\)\. Images of different grids cannot share "
                       r"a batch: render each image on its own"):
        TokenGrid.from_grid_thw([[1, 28, 40], [1, 30, 40]], 2)
    with pytest.raises(ValueError, match=r"^grid_thw: expected t = 1 \(one image\); got t = 2"):
        TokenGrid.from_grid_thw([2, 28, 40], 2)
    with pytest.raises(ValueError, match=r"^grid_thw: expected rows \(t, h, w\) of integers"):
        TokenGrid.from_grid_thw([1.0, 28.0, 40.0], 2)
    with pytest.raises(ValueError, match=r"^merge_size: expected an integer in \[1, inf\]"):
        TokenGrid.from_grid_thw([1, 28, 40], 0)


# -- properties ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(prefix=st.integers(0, 6), h=st.integers(1, 9), w=st.integers(1, 9), n=st.integers(0, 3),
       c=st.integers(1, 4), order=st.permutations("NLC"), explicit=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_any_tokens_read_as_the_hand_reshaped_grid(prefix, h, w, n, c, order, explicit, seed):
    layout = "".join(order)
    nlc = np.random.default_rng(seed).normal(size=(n, prefix + h * w, c))
    x = nlc.transpose(["NLC".index(ch) for ch in layout])
    tokens = TokenGrid((h, w) if explicit else None, prefix)
    images = np.zeros((h * 4, w * 4, 3), np.uint8)  # the aspect ratio of the grid
    grid, _ = read_batch(x, layout, tokens=tokens, images=images)
    assert np.array_equal(grid, hand_reshape(nlc, prefix, h, w))
    assert np.shares_memory(grid, x) or x.size == 0  # a view, never a copy
