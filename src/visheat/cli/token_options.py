"""The options that say how a layout with L (transformer tokens) lies on the image.

``--tokens "TokenGrid(prefix=1)"`` (the text of a :class:`visheat.TokenGrid`, parsed,
never evaluated) or its parts ``--grid 14x14 --prefix 1 --merge 2``; shared by the
commands that read INPUT (``render``, ``gallery``, ``explore``).
"""


from __future__ import annotations

import argparse
import re
from typing import Any


def _add_token_options(parser: argparse.ArgumentParser) -> None:
    """``--tokens`` (a TokenGrid's text) or ``--grid``/``--prefix``/``--merge``."""
    parser.add_argument("--tokens", metavar="TEXT",
                        help="how a layout with L (transformer tokens: NLC, NL, NCL) lies on "
                             "the image, e.g. \"TokenGrid(prefix=1)\"")
    parser.add_argument("--grid", metavar="HxW", help="the grid of patches of a layout with L, "
                                                      "e.g. 14x14 (default: from the count)")
    parser.add_argument("--prefix", type=int, metavar="N",
                        help="tokens before the patches (1: a class token; 5: DINOv2 with 4 "
                             "registers); default 0")
    parser.add_argument("--merge", type=int, metavar="M",
                        help="patches merged into one token along each side (Qwen2-VL: 2)")


def _token_option(args: argparse.Namespace, letters: str) -> Any:
    """The TokenGrid of ``--tokens`` or ``--grid/--prefix/--merge`` (None without them)."""
    from ..core.tokens import TokenGrid, parse_grid

    parts = {k: getattr(args, k, None) for k in ("grid", "prefix", "merge")}
    given = [f"--{k}" for k, v in parts.items() if v is not None]
    text = getattr(args, "tokens", None)
    if text is not None and given:
        raise ValueError(f"--tokens: expected either --tokens or --grid/--prefix/--merge; got "
                         f"both (--tokens and {given[0]}).")
    if "L" not in letters and (text is not None or given):
        raise ValueError(f"{given[0] if given else '--tokens'}: expected a --layout with L "
                         f"(transformer tokens: NLC, NL or NCL); got --layout {letters}.")
    if "L" not in letters:
        return None
    if text is None and not given:
        raise ValueError(f"--tokens: expected --tokens \"TokenGrid(prefix=1)\" or --grid/--prefix "
                         f"for --layout {letters} (L is a sequence of transformer tokens); got "
                         "neither.")
    if text is not None:
        return TokenGrid.parse(text, "--tokens")
    try:
        grid = None if parts["grid"] is None else parse_grid(parts["grid"], "grid")
        return TokenGrid(grid, 0 if parts["prefix"] is None else parts["prefix"],
                         1 if parts["merge"] is None else parts["merge"])
    except (ValueError, TypeError) as err:  # "prefix: expected ..." -> "--prefix: ..."
        raise type(err)(f"--{err}") from None


def _token_layout_hint(shape: tuple[int, ...]) -> str:
    """`` For transformer tokens ... use --layout NLC --tokens "TokenGrid(prefix=1)" ...``
    when ``shape`` looks like tokens (:func:`visheat.core.tokens.token_hint`), else ``""``.

    >>> print(_token_layout_hint((4, 197, 768)))
    For transformer tokens (N, L, C) use --layout NLC --tokens "TokenGrid(prefix=1)"
    (197 = 1 + 14 × 14).
    """
    from ..core.tokens import token_hint

    hint = token_hint(tuple(shape))
    if hint is None:
        return ""
    hint = re.sub(r"layout='(\w+)'", r"--layout \1", hint)
    return " " + re.sub(r", tokens=(TokenGrid\([^)]*\))", r' --tokens "\1"', hint)
