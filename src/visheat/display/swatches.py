"""Colour swatches: every colormap of a kind as a labelled strip in one PNG."""


from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: Where a swatch row's name starts, and the white gap it keeps before the colour bar.
SWATCH_TEXT_X, SWATCH_GAP = 16, 8


def swatch_label(name: str, draw: Any, font: Any, width: int) -> str:
    """``name``, shortened in the middle with ``...`` until it is at most ``width`` px wide.

    colorcet's long names (``diverging_linear_protanopic_deuteranopic_bjy_57_89_c34``)
    differ at both ends, so both ends are kept. Measured with Pillow's ``textbbox``.
    """
    def fits(text: str) -> bool:
        return draw.textbbox((0, 0), text, font=font)[2] <= width

    if fits(name):
        return name
    keep = len(name) - 1
    while keep > 1:
        head = (keep + 1) // 2
        label = name[:head] + "..." + name[len(name) - (keep - head):]
        if fits(label):
            return label
        keep -= 1
    return "..."


def write_swatches(path: Path, found: dict[str, list[str]], source: str | None,
                    overwrite: bool = False) -> Path:
    """A PNG sheet: one row per colormap, its name beside its colours."""
    from PIL import Image, ImageDraw, ImageFont

    from ..io.files import prepare_folder, write_atomic
    from ..io.png import png_bytes, to_uint8
    from ..transforms.schemes import get_table
    from .plotting import ramp

    if path.suffix.lower() != ".png":
        raise ValueError(f"--swatches: expected a .png file name; got {str(path)!r}.")
    if path.exists() and not overwrite:
        raise ValueError(f"--swatches: expected a new file; got {str(path)!r}, which exists "
                         "already. Pass --overwrite (--existing overwrite) to replace it.")
    prefix = {"matplotlib": "mpl:", "colorcet": "cet:", "crameri": "crameri:",
              "colorschemes": "colorschemes:"}.get(source or "", "")
    rows = [row for kind in found if found[kind]
            for row in [(kind, None)] + [(kind, name) for name in found[kind]]]
    row_h, name_w, ramp_w = 18, 240, 320
    sheet = Image.new("RGB", (name_w + ramp_w + 16, row_h * len(rows) + 8), "white")
    draw, font = ImageDraw.Draw(sheet), ImageFont.load_default()
    for r, (kind, name) in enumerate(rows):
        y = 4 + r * row_h
        if name is None:
            draw.text((8, y + 3), f"{kind}:", fill="black", font=font)
            continue
        colours = to_uint8(ramp(get_table(prefix + name).colors, ramp_w))
        sheet.paste(Image.fromarray(np.repeat(colours[None], row_h - 4, axis=0)), (name_w, y))
        label = swatch_label(name, draw, font, name_w - SWATCH_TEXT_X - SWATCH_GAP)
        draw.text((SWATCH_TEXT_X, y + 3), label, fill="black", font=font)
    prepare_folder(path.parent, "--swatches")
    write_atomic(path, png_bytes(np.asarray(sheet)))
    return path

