"""Transformer tokens as a patch grid: :class:`TokenGrid` and the layout letter ``L``.

A vision transformer hands out its activations, gradients and attention as token
sequences, not as pixel grids: ``(N, L, C)`` features, ``(N, L)`` scores, ``(N, heads,
L)`` attention of the class token. The models lay them out alike: ``prefix`` tokens
first (a class token, registers, a distillation token), then one token per patch,
row by row over an ``(h, w)`` grid. A layout with ``L`` (``"NLC"``, ``"NL"``,
``"NCL"``, in any order) names that axis, and a :class:`TokenGrid` says how to read it;
:func:`tokens_to_grid` sets the prefix aside and reads the rest row-major into the
grid, as a view of the caller's array (never a copy), so the pipeline receives an
ordinary ``(N, C, h, w)`` batch or ``(N, h, w)`` map.

Without a ``grid``, the grid that fits the token count and the images' aspect ratio
(within half a token; at most one does) is taken, a square one without images; when
none fits, the error names the count, the prefix and what would fit. Nothing here
imports a framework: :meth:`TokenGrid.from_timm`, :meth:`TokenGrid.from_config` and
:meth:`TokenGrid.from_grid_thw` read attributes.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import check_number, type_error, value_error
from .spec import _literal

__all__ = ["TokenGrid", "check_tokens", "tokens_to_grid", "token_hint", "image_sizes",
           "parse_grid"]

#: What the prefixes of well-known models hold, for messages.
PREFIXES = {0: "without a prefix", 1: "with a class token",
            2: "with class and distillation tokens (DeiT)",
            5: "with a class token and 4 registers (DINOv2)"}
#: The largest prefix a message suggests (a class token and up to 15 registers).
MAX_PREFIX = 16
#: The smallest grid side that makes a shape look like tokens in a hint (ViT-B/32: 7 x 7).
MIN_SIDE = 7
#: Hugging Face ``model_type`` -> tokens before the patches (registers are added).
HF_PREFIXES = {"vit": 1, "deit": 2, "dinov2": 1, "dinov2_with_registers": 1,
               "clip_vision_model": 1, "siglip_vision_model": 0, "beit": 1,
               "data2vec-vision": 1, "vit_msn": 1}
#: Hugging Face models whose position embeddings follow the input size: their grid too.
HF_DYNAMIC = ("dinov2", "dinov2_with_registers")


@dataclass(frozen=True, repr=False)
class TokenGrid:
    """How a token sequence lies on the image: ``prefix`` tokens, then patches row-major.

    Parameters
    ----------
    grid : (int, int), optional
        Rows and columns of patches. None (default) takes the one grid that fits the
        token count and the images' aspect ratio (a square one without images).
    prefix : int
        Tokens before the patches, set aside: 1 for a class token (ViT, CLIP), 2 for
        DeiT's class and distillation tokens, 5 for DINOv2 with 4 registers.
    merge : int
        Patches merged into one token along each side (Qwen2-VL's ``merge_size``):
        the tokens lie on a ``(rows / merge, columns / merge)`` grid.

    Examples
    --------
    >>> TokenGrid(prefix=1)
    TokenGrid(prefix=1)
    >>> TokenGrid(prefix=1).token_grid(197)
    (14, 14)
    >>> TokenGrid(grid=(28, 40), merge=2).token_grid(280)
    (14, 20)
    >>> TokenGrid().token_grid(197)
    Traceback (most recent call last):
    ...
    ValueError: tokens: expected tokens that form a square grid after prefix=0 (without images
    the grid is square); got 197 tokens. 197 tokens are not a square grid; with a class token,
    prefix=1 leaves 196 = 14 × 14: pass tokens=TokenGrid(prefix=1).
    """

    grid: tuple[int, int] | None = None
    prefix: int = 0
    merge: int = 1

    def __post_init__(self) -> None:
        prefix = int(check_number("prefix", self.prefix, low=0, integer=True))
        merge = int(check_number("merge", self.merge, low=1, integer=True))
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "merge", merge)
        if self.grid is not None:
            object.__setattr__(self, "grid", _check_grid(self.grid, merge))

    def __repr__(self) -> str:
        fields = [f"grid={self.grid!r}" if self.grid is not None else "",
                  f"prefix={self.prefix}" if self.prefix else "",
                  f"merge={self.merge}" if self.merge != 1 else ""]
        return f"TokenGrid({', '.join(f for f in fields if f)})"

    def needs(self) -> int | None:
        """The token count an explicit grid reads (None without a grid).

        >>> TokenGrid(grid=(15, 15), prefix=1).needs()
        226
        """
        if self.grid is None:
            return None
        return self.prefix + (self.grid[0] // self.merge) * (self.grid[1] // self.merge)

    def token_grid(self, count: int, sizes: Sequence[tuple[int, int]] = (),
                   argument: str = "tokens") -> tuple[int, int]:
        """Rows and columns of the ``count - prefix`` patch tokens (after merging).

        ``sizes`` are the ``(H, W)`` of the images, whose aspect ratio chooses the grid
        when there is no explicit one. Raises a `ValueError` that names the counts.
        """
        if count <= self.prefix:
            raise value_error(argument, f"more tokens than prefix={self.prefix}",
                              f"{count} tokens", "The prefix tokens (class, registers) come "
                              "before the patches; the rest must hold at least one patch.",
                              described=True)
        if self.grid is not None:
            return self._explicit(count, argument)
        return _inferred(count, self.prefix, self.merge, sizes, argument)

    def _explicit(self, count: int, argument: str) -> tuple[int, int]:
        rows, cols = (side // self.merge for side in self.grid or (0, 0))
        needed = self.prefix + rows * cols
        if count != needed:
            merged = f" merged by {self.merge}" if self.merge != 1 else ""
            hint = _explicit_hint(count, self, rows * cols)
            raise value_error(argument, f"{needed} tokens for {self!r}",
                              f"{count} tokens; grid {self.grid}{merged} with prefix "
                              f"{self.prefix} needs {needed}", hint, described=True)
        return rows, cols

    # -- from the models' own metadata ----------------------------------------------------

    @classmethod
    def from_timm(cls, model: Any, image_size: Any = None) -> TokenGrid:
        """The grid of a timm vision transformer, from its attributes (timm is not imported).

        Reads ``model.num_prefix_tokens`` (class token, registers, distillation token)
        and ``model.patch_embed.grid_size``. A model built with ``dynamic_img_size=True``
        takes any input size: give ``image_size=(H, W)`` of its input, or leave it out
        and the grid follows the images' aspect ratio.

        Examples
        --------
        >>> from types import SimpleNamespace as Obj
        >>> vit = Obj(num_prefix_tokens=5, dynamic_img_size=False,
        ...           patch_embed=Obj(grid_size=(37, 37), patch_size=(14, 14)))
        >>> TokenGrid.from_timm(vit)
        TokenGrid(grid=(37, 37), prefix=5)
        """
        prefix = _read(model, "num_prefix_tokens", "model", "a timm vision transformer "
                       "(with num_prefix_tokens and patch_embed.grid_size)")
        embed = _read(model, "patch_embed", "model", "a timm vision transformer (with "
                      "num_prefix_tokens and patch_embed.grid_size)")
        if image_size is not None:
            patch = _pair(_read(embed, "patch_size", "model.patch_embed", "patch_size"),
                          "model.patch_embed.patch_size")
            size = _pair(image_size, "image_size")
            pad = bool(getattr(embed, "dynamic_img_pad", False))
            rows, cols = ((-(-s // p) if pad else s // p) for s, p in zip(size, patch))
            return cls(grid=(rows, cols), prefix=prefix)
        if getattr(model, "dynamic_img_size", False):
            return cls(prefix=prefix)
        grid = _read(embed, "grid_size", "model.patch_embed", "grid_size")
        return cls(grid=_pair(grid, "model.patch_embed.grid_size"), prefix=prefix)

    @classmethod
    def from_config(cls, config: Any, image_size: Any = None) -> TokenGrid:
        """The grid of a Hugging Face transformers vision model, from its config.

        ViT, DeiT (class and distillation tokens), DINOv2 (also with registers,
        ``num_register_tokens``), CLIP and SigLIP (their ``vision_config``): the grid is
        ``image_size // patch_size``. DINOv2 resizes its position embeddings to any input,
        so its grid follows the images (or ``image_size=``) rather than the config.
        ``config`` may be a config object or its ``to_dict()``; nothing is imported.

        Examples
        --------
        >>> TokenGrid.from_config({"model_type": "vit", "image_size": 224, "patch_size": 16})
        TokenGrid(grid=(14, 14), prefix=1)
        >>> TokenGrid.from_config({"model_type": "clip", "vision_config": {
        ...     "model_type": "clip_vision_model", "image_size": 336, "patch_size": 14}})
        TokenGrid(grid=(24, 24), prefix=1)
        """
        vision = _get(config, "vision_config") or config
        kind = str(_get(vision, "model_type") or "")
        if kind not in HF_PREFIXES:
            raise value_error("config", f"the config of a model_type among {sorted(HF_PREFIXES)}",
                              repr(kind), "For another model give the grid yourself: "
                              "TokenGrid(grid=(h, w), prefix=...).", described=True)
        prefix = HF_PREFIXES[kind] + int(_get(vision, "num_register_tokens") or 0)
        if image_size is None and kind in HF_DYNAMIC:
            return cls(prefix=prefix)
        size = _pair(_get(vision, "image_size") if image_size is None else image_size,
                     "image_size")
        patch = _pair(_get(vision, "patch_size"), "config.patch_size")
        return cls(grid=(size[0] // patch[0], size[1] // patch[1]), prefix=prefix)

    @classmethod
    def from_grid_thw(cls, grid_thw: Any, merge_size: int = 2) -> TokenGrid:
        """The grid of a Qwen2-VL-style image: ``image_grid_thw`` rows ``(t, h, w)`` of
        patches, whose ``merge_size x merge_size`` blocks became one token each.

        >>> TokenGrid.from_grid_thw([[1, 28, 40]], 2)
        TokenGrid(grid=(28, 40), merge=2)
        >>> _.token_grid(280)
        (14, 20)
        """
        rows = _thw_rows(grid_thw)
        if len(rows) > 1:
            raise value_error("grid_thw", "one grid for the batch (every row the same)",
                              ", ".join(str(r) for r in rows), "Images of different grids "
                              "cannot share a batch: render each image on its own, with its "
                              "tokens (the sequence split at the counts h * w / merge_size**2) "
                              "and tokens=TokenGrid.from_grid_thw(grid_thw[i], merge_size).",
                              described=True)
        t, h, w = rows[0]
        if t != 1:
            raise value_error("grid_thw", "t = 1 (one image)", f"t = {t} in {rows[0]}",
                              "A video's tokens are t grids one after another: reshape them to "
                              "(t, L // t, C) and render the frames as a batch.", described=True)
        merge = int(check_number("merge_size", merge_size, low=1, integer=True))
        return cls(grid=_check_grid((h, w), merge, "grid_thw"), merge=merge)

    @classmethod
    def parse(cls, text: Any, argument: str = "tokens") -> TokenGrid:
        """Read the text form (``repr``) of a TokenGrid, never evaluating it.

        >>> TokenGrid.parse("TokenGrid(grid=(14, 14), prefix=1)")
        TokenGrid(grid=(14, 14), prefix=1)
        """
        if not isinstance(text, str):
            raise type_error(argument, "text such as 'TokenGrid(prefix=1)'", text)
        try:
            node = ast.parse(text.strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            node = None
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == cls.__name__):
            raise value_error(argument, "text such as 'TokenGrid(prefix=1)' or "
                              "'TokenGrid(grid=(14, 14), prefix=1)'", text)
        try:
            args = [_literal(a, 0) for a in node.args]
            kwargs = {kw.arg: _literal(kw.value, 0) for kw in node.keywords if kw.arg}
            return cls(*args, **kwargs)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{argument}: {err}") from None


# -- reading a token axis ---------------------------------------------------------------------

def check_tokens(letters: str, tokens: Any, layout: Any) -> None:
    """Refuse an ``L`` layout without ``tokens=`` and ``tokens=`` without an ``L`` layout."""
    if tokens is not None and not isinstance(tokens, TokenGrid):
        raise type_error("tokens", "a TokenGrid such as TokenGrid(prefix=1), or None", tokens)
    if "L" in letters and tokens is None:
        raise value_error("tokens", f"a TokenGrid for layout {layout!r} (L is a sequence of "
                          "transformer tokens)", "None", "Pass tokens=TokenGrid(prefix=1) for "
                          "a class token and a square grid, TokenGrid.from_timm(model), or "
                          "TokenGrid(grid=(h, w), prefix=...).", described=True)
    if "L" not in letters and tokens is not None:
        raise value_error("tokens", "a layout with L (a token sequence) to read with "
                          f"tokens={tokens!r}", f"layout {layout!r}", "Pass layout='NLC' "
                          "(tokens x features), 'NL' (a score per token) or 'NCL' (e.g. "
                          "heads x tokens), or leave tokens out.", described=True)


def tokens_to_grid(arr: np.ndarray, tokens: TokenGrid, images: Any = None,
                   argument: str = "tokens") -> np.ndarray:
    """``(N, C, L)`` or ``(N, L)`` tokens as ``(N, C, h, w)`` or ``(N, h, w)``: a view.

    The first ``tokens.prefix`` tokens are set aside, the rest read row-major.
    ``images`` (as given, channels last) choose the grid when ``tokens.grid`` is None.

    >>> x = np.arange(2 * 3 * 5.0).reshape(2, 3, 5)           # (N, C, 1 + 2 * 2)
    >>> grid = tokens_to_grid(x, TokenGrid(prefix=1))
    >>> grid.shape, np.shares_memory(grid, x), grid[0, 0].tolist()
    ((2, 3, 2, 2), True, [[1.0, 2.0], [3.0, 4.0]])
    """
    sizes = image_sizes(images) if tokens.grid is None else []
    rows, cols = tokens.token_grid(int(arr.shape[-1]), sizes, argument)
    return arr[..., tokens.prefix:].reshape(arr.shape[:-1] + (rows, cols))


def image_sizes(images: Any) -> list[tuple[int, int]]:
    """``(H, W)`` of each image, read from shapes (no pixel is converted).

    Images come as :func:`visheat.heatmap` takes them, channels last: one image, an
    ``(N, H, W, 3)`` batch or a list (of arrays or PIL images).

    >>> image_sizes(np.zeros((2, 384, 512, 3), np.uint8))
    [(384, 512)]
    """
    if images is None:
        return []
    if isinstance(images, (list, tuple)):
        return [size for img in images for size in _size(img, batch=False)]
    return _size(images, batch=True)


def _size(img: Any, batch: bool) -> list[tuple[int, int]]:
    """``[(H, W)]`` of one image (or of a batch's images), ``[]`` for what is no image."""
    if hasattr(img, "convert") and hasattr(img, "size"):  # a PIL image: (W, H)
        return [(int(img.size[1]), int(img.size[0]))]
    try:
        shape = tuple(getattr(img, "shape", None) or np.shape(img))
    except (TypeError, ValueError):  # ragged lists: reading the images says what is wrong
        return []
    side = shape[1:3] if batch and len(shape) == 4 else shape[:2]
    return [(int(side[0]), int(side[1]))] if len(side) == 2 else []


def _inferred(count: int, prefix: int, merge: int, sizes: Sequence[tuple[int, int]],
              argument: str) -> tuple[int, int]:
    """The grid of ``count - prefix`` tokens that fits every image's aspect ratio."""
    left = count - prefix
    keys: list[tuple[int, int] | None] = list(dict.fromkeys(sizes)) or [None]
    found = {size: _fits(left, size) for size in keys}
    for size, fits in found.items():
        if not fits:
            raise value_error(argument, _expected(prefix, size), f"{count} tokens",
                              _suggestion(count, prefix, merge, size), described=True)
    grids = {fits[0] for fits in found.values()}
    if len(grids) > 1:
        listed = "; ".join(f"{fits[0][0]} × {fits[0][1]} for images of {size[0]} × {size[1]}"
                           for size, fits in found.items() if size is not None)
        raise value_error("images", "images of one aspect ratio (one token grid for the batch)",
                          listed, "Render them separately, one heatmap() call per aspect ratio "
                          "(e.g. heatmap(x[i:i + 1], images[i], pipe, layout=..., tokens=...)), "
                          "or give the grid: TokenGrid(grid=(h, w), ...).", described=True)
    return grids.pop()


def _expected(prefix: int, size: tuple[int, int] | None) -> str:
    if size is None:
        return (f"tokens that form a square grid after prefix={prefix} (without images the "
                "grid is square)")
    return (f"tokens that form a grid of the images' aspect ratio ({size[0]} × {size[1]}) "
            f"after prefix={prefix}")


def _fits(left: int, size: tuple[int, int] | None) -> list[tuple[int, int]]:
    """The grid ``[(a, b)]`` of ``left`` tokens, or ``[]``: a square one without a size;
    else the one within half a token of the image's aspect ratio along the longer side
    (``2 |a W - b H| <= max(H, W)``). At most one fits: for two grids ``a1 < a2`` (so
    ``b1 > b2``) of one count, ``a2 - a1 >= 1`` while the rule keeps both within half a
    token of ``b H / W`` (or ``a W / H``), which moves the other way."""
    if size is None:
        side = math.isqrt(left)
        return [(side, side)] if side * side == left else []
    h, w = size
    pairs = sorted({p for a in range(1, math.isqrt(left) + 1) if left % a == 0
                    for p in ((a, left // a), (left // a, a))})
    return [(a, b) for a, b in pairs if 2 * abs(a * w - b * h) <= max(h, w)]


def _suggestion(count: int, prefix: int, merge: int, size: tuple[int, int] | None) -> str:
    """What would fit ``count`` tokens: a square grid (with images of another aspect ratio),
    another prefix, or a grid to give; the usual prefixes first."""
    left = count - prefix
    what = f"{count} tokens" if prefix == 0 else f"{left} tokens after prefix={prefix}"
    shape = "a square grid" if size is None else "a grid of the images' aspect ratio"
    text = f"{what} are not {shape}"
    for p, fit in _candidates(count, prefix, size):
        fits = _fits(count - p, fit)
        if len(fits) != 1:
            continue
        a, b = fits[0]
        if fit is None and size is not None:  # a square, with images of another aspect ratio
            grid = TokenGrid((a * merge, b * merge), p, merge)
            return (f"{text}; a square grid fits, prefix={p} leaves {count - p} = {a} × {b}, "
                    f"as when the model saw the images resized to a square: pass "
                    f"tokens={grid!r}.")
        grid = TokenGrid((a * merge, b * merge) if merge != 1 else None, p, merge)
        name = f"{PREFIXES[p]}, " if p in PREFIXES else ""
        return f"{text}; {name}prefix={p} leaves {count - p} = {a} × {b}: pass tokens={grid!r}."
    hint = " Pass images= (the grid follows their aspect ratio) or" if size is None else " Pass"
    return f"{text}.{hint} the grid: TokenGrid(grid=(h, w), prefix=...)."


def _candidates(count: int, prefix: int, size: tuple[int, int] | None
                ) -> list[tuple[int, tuple[int, int] | None]]:
    """``(prefix, size to fit)`` to try, likeliest first: with images, a square grid with the
    usual prefixes (a model that resized them to a square); then the images' aspect ratio
    (or a square without images), the usual prefixes before the rest."""
    usual = [p for p in PREFIXES if p < count]
    rest = [p for p in range(min(MAX_PREFIX, count - 1) + 1) if p not in PREFIXES]
    oblong = size is not None and size[0] != size[1]
    squares: list[tuple[int, tuple[int, int] | None]] = [(p, None) for p in [prefix] + usual
                                                         if oblong and p < count]
    return squares + [(p, size) for p in usual + rest if p != prefix]


def _explicit_hint(count: int, tokens: TokenGrid, patches: int) -> str:
    """What would fit ``count`` tokens, near an explicit grid that does not."""
    for p in range(min(MAX_PREFIX, count - 1) + 1):
        if count - p == patches:
            fixed = TokenGrid(tokens.grid, p, tokens.merge)
            return f"{count} = {p} + {patches} tokens: {fixed!r} fits."
    side = math.isqrt(count - tokens.prefix)
    if side * side == count - tokens.prefix:
        m = tokens.merge
        fixed = TokenGrid((side * m, side * m), tokens.prefix, m)
        return f"{count} = {tokens.prefix} + {side} × {side}: {fixed!r} fits."
    return _suggestion(count, tokens.prefix, tokens.merge, None)


def token_hint(shape: tuple[int, ...]) -> str | None:
    """A hint for a token-shaped array read with the default pixel layout.

    ``(N, L, C)`` features, ``(N, heads, L)`` attention and ``(N, L)`` scores are told
    their token layout when ``L`` is a square grid of at least :data:`MIN_SIDE` after a
    usual prefix (none, a class token, DeiT's two, DINOv2's five).

    >>> print(token_hint((4, 197, 768)))
    For transformer tokens (N, L, C) use layout='NLC', tokens=TokenGrid(prefix=1)
    (197 = 1 + 14 × 14).
    >>> token_hint((3, 8, 8)) is None
    True
    """
    candidates = {3: [(1, "NLC", "(N, L, C)"), (2, "NCL", "(N, heads, L)")],
                  2: [(1, "NL", "(N, L)"), (0, "LC", "(L, C)")]}.get(len(shape), [])
    for axis, layout, what in candidates:
        others = [s for i, s in enumerate(shape) if i != axis and s > 1]
        if shape[axis] in others:
            continue  # (N, L, L) attention matrices, square maps: nothing to tell
        for p in PREFIXES:
            side = math.isqrt(max(shape[axis] - p, 0))
            if side >= MIN_SIDE and side * side == shape[axis] - p:
                grid = f"TokenGrid(prefix={p})" if p else "TokenGrid()"
                count = f"{p} + {side} × {side}" if p else f"{side} × {side}"
                return (f"For transformer tokens {what} use layout={layout!r}, tokens={grid} "
                        f"({shape[axis]} = {count}).")
    return None


def parse_grid(text: Any, argument: str = "grid") -> tuple[int, int]:
    """A grid written as ``"14x14"`` (or ``"14"`` for a square) on a command line.

    >>> parse_grid("24x32")
    (24, 32)
    """
    parts = str(text).lower().replace("×", "x").split("x")
    if len(parts) > 2 or not all(p.strip().isdigit() for p in parts):
        raise value_error(argument, "rows x columns such as 14x14", text)
    numbers = [int(p) for p in parts]
    return _pair(numbers if len(numbers) == 2 else numbers[0], argument)


# -- small readers ----------------------------------------------------------------------------

def _check_grid(grid: Any, merge: int, argument: str = "grid") -> tuple[int, int]:
    pair = _pair(grid, argument)
    if pair[0] % merge or pair[1] % merge:
        raise value_error(argument, f"rows and columns that merge={merge} divides",
                          f"{pair} (tuple)", f"Merged tokens cover {merge} × {merge} patches: "
                          "give the grid of patches before merging, e.g. Qwen2-VL's "
                          "image_grid_thw (h, w).", described=True)
    return pair


def _pair(value: Any, argument: str) -> tuple[int, int]:
    """An ``(H, W)`` pair of positive integers (one integer means a square)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    try:
        items = [v.item() if hasattr(v, "item") else v for v in value]
    except TypeError:
        raise type_error(argument, "a pair (h, w) of positive integers", value) from None
    if len(items) != 2:
        raise value_error(argument, "a pair (h, w) of positive integers", value)
    a, b = (int(check_number(argument, v, low=1, integer=True)) for v in items)
    return a, b


def _thw_rows(grid_thw: Any) -> list[tuple[int, int, int]]:
    try:
        arr = np.asarray(grid_thw)
    except (TypeError, ValueError):
        arr = np.zeros(0)
    if arr.dtype.kind not in "iu" or arr.ndim not in (1, 2) or arr.shape[-1] != 3 or not arr.size:
        raise value_error("grid_thw", "rows (t, h, w) of integers, e.g. Qwen2-VL's "
                          "image_grid_thw", arr if arr.size else grid_thw)
    rows = [tuple(int(v) for v in row) for row in arr.reshape(-1, 3)]
    return list(dict.fromkeys(rows))  # type: ignore[arg-type]


def _read(obj: Any, name: str, argument: str, expected: str) -> Any:
    if not hasattr(obj, name):
        raise type_error(argument, expected, obj, f"It has no attribute {name!r}.")
    return getattr(obj, name)


def _get(obj: Any, name: str) -> Any:
    """A config field, from a config object or its ``to_dict()``."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)
