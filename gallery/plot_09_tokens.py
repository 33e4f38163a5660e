"""
Transformer tokens
==================

A vision transformer does not hand out pixel grids: its activations and gradients are
token sequences ``(N, L, C)``, its patch scores ``(N, L)``, the attention of its class
token ``(N, heads, L)``. The first tokens are set aside (a class token, registers, a
distillation token) and the rest are patches, row by row. ``layout="NLC"`` (or ``"NL"``,
``"NCL"``) with ``tokens=TokenGrid(prefix=...)`` reads them into the patch grid, so every
transform works as on a CNN's maps: no hand-written ``reshape_transform``, no guessed grid.

This example computes a small stand-in ViT in numpy (no torch needed) on the sample
photographs: patch embeddings of 16 x 16 patches, a class token, the attention of the
class token per head, and a Grad-CAM of a linear score over the tokens.

With a real model, take the grid from the model itself (timm is read, not imported):

.. code-block:: python

   import timm, torch
   from visheat import TokenGrid, heatmap

   model = timm.create_model("vit_small_patch14_reg4_dinov2", pretrained=True).eval()
   tokens = TokenGrid.from_timm(model)          # TokenGrid(grid=(37, 37), prefix=5)
   feats = model.forward_features(x)            # (N, 1374, 384): 5 + 37 x 37 tokens
   h = heatmap(feats, images, "sensitivity", layout="NLC", tokens=tokens)

For Hugging Face models, ``TokenGrid.from_config(model.config)``; for Qwen2-VL's merged
grids, ``TokenGrid.from_grid_thw(inputs["image_grid_thw"], merge_size=2)``.
"""

import numpy as np

from visheat import (
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    NormReduction,
    ResizeToImage,
    SumReduction,
    TokenGrid,
    figure,
    heatmap,
)
from visheat.sample_data import load_sample

sample = load_sample()
images = sample.images  # (4, 224, 224, 3) uint8
rng = np.random.default_rng(0)
PATCH, DIM, HEADS = 16, 64, 6


def patch_tokens(images: np.ndarray) -> np.ndarray:
    """A stand-in ViT's tokens: a class token, then one embedding per 16 x 16 patch."""
    n, height, width, _ = images.shape
    h, w = height // PATCH, width // PATCH
    patches = (images[:, :h * PATCH, :w * PATCH] / 255.0).reshape(n, h, PATCH, w, PATCH, 3)
    patches = patches.transpose(0, 1, 3, 2, 4, 5).reshape(n, h * w, PATCH * PATCH * 3)
    embedding = rng.normal(size=(PATCH * PATCH * 3, DIM)) / np.sqrt(PATCH * PATCH * 3)
    features = np.tanh(patches @ embedding)  # (N, h * w, DIM), row-major as in a ViT
    cls = features.mean(axis=1, keepdims=True)
    return np.concatenate([cls, features], axis=1)  # (N, 1 + h * w, DIM)


tokens = patch_tokens(images)
print(tokens.shape, "= (N, 1 + 14 x 14, C)")

# %%
# Attention of the class token, per head
# --------------------------------------
# ``(N, heads, L)``: one softmax over the tokens per head. ``"NCL"`` reads the heads as
# channels; ``NormReduction`` combines them. ``ResizeToImage("nearest")`` gives every
# token exactly its 16 x 16 patch (the image is the grid times the patch size).
queries = rng.normal(size=(HEADS, DIM, DIM)) / np.sqrt(DIM)
keys = rng.normal(size=(HEADS, DIM, DIM)) / np.sqrt(DIM)
q = np.einsum("nd,hde->nhe", tokens[:, 0], queries)
k = np.einsum("nld,hde->nhle", tokens, keys)
logits = np.einsum("nhe,nhle->nhl", q, k) * 4.0
attention = np.exp(logits - logits.max(axis=2, keepdims=True))
attention /= attention.sum(axis=2, keepdims=True)  # (N, heads, L)

grid = TokenGrid(prefix=1)  # the class token aside; 196 = 14 x 14 patches
pipe = NormReduction() | ResizeToImage("nearest") | ExtremaColormap("magma") | AlphaOverlay(0.6)
h = heatmap(attention, images, pipe, layout="NCL", tokens=grid)
fig_attention = figure(h, images, titles=list(sample.labels), ncols=4, alpha=None)

# %%
# Every head on its own: ``channels="separate"`` draws one picture per head.
heads = heatmap(attention[2:3], images[2],
                ResizeToImage("nearest") | ExtremaColormap("magma"),
                layout="NCL", tokens=grid, channels="separate")
fig_heads = figure(heads, images[2], titles=[f"head {i}" for i in range(HEADS)], ncols=6)

# %%
# A Grad-CAM over tokens, nearest or smooth
# -----------------------------------------
# The activations and gradients of a layer are ``(N, L, C)``. Here the score is linear,
# ``s = sum(tokens[:, 1:] @ v)``, so its gradient is ``v`` at every patch token; the
# CAM weights each channel by its mean gradient, as pytorch-grad-cam does, and keeps
# the positive part: one score per token, ``(N, L)``, read with ``"NL"``.
v = rng.normal(size=DIM)
grads = np.zeros_like(tokens)
grads[:, 1:] = v
weights = grads[:, 1:].mean(axis=1)  # (N, C)
cam = np.maximum((tokens * weights[:, None, :]).sum(axis=2), 0)  # (N, L); the prefix too
nearest = heatmap(cam, images, ResizeToImage("nearest") | ExtremaColormap("jet"),
                  layout="NL", tokens=grid)
smooth = heatmap(cam, images, ResizeToImage("bilinear") | ExtremaColormap("jet"),
                 layout="NL", tokens=grid)
fig_cam = figure(nearest, images, titles=[f"{label}, nearest" for label in sample.labels],
                 ncols=4)
print(np.array_equal(nearest.to_numpy()[:, :16, :16], np.broadcast_to(
    nearest.to_numpy()[:, :1, :1], (4, 16, 16, 3))), "- the first patch is one colour")

# %%
# Nearest shows what each token says, patch by patch; a smooth resize (bilinear,
# pytorch-grad-cam's ``cv2.resize``, or visheat's default ``lanczos1``) reads better
# over the photograph but spreads each token over its neighbours.
fig_compare = figure(smooth, images, titles=[f"{label}, bilinear" for label in sample.labels],
                     ncols=4)

# %%
# Rectangular images: the grid from their aspect ratio
# ----------------------------------------------------
# Without a ``grid``, ``TokenGrid`` takes the one grid that fits the token count and the
# images' aspect ratio: 160 x 224 pixels are 10 x 14 patches of 16 pixels.
wide = images[:, 32:192]  # (4, 160, 224, 3)
wide_tokens = patch_tokens(wide)
print(wide_tokens.shape, TokenGrid(prefix=1).token_grid(wide_tokens.shape[1], [(160, 224)]))
h_wide = heatmap(wide_tokens, wide, SumReduction() | ResizeToImage("nearest")
                 | CenteredColormap("berlin"), layout="NLC", tokens=grid)
fig_wide = figure(h_wide, wide, titles=list(sample.labels), ncols=4)

# %%
# A count that fits no grid is an error that says what would fit:
try:
    heatmap(tokens, images, "sensitivity", layout="NLC", tokens=TokenGrid())
except ValueError as err:
    print(err)
