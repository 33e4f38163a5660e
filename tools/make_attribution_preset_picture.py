"""Compare signed colour schemes for the ``"attribution"`` preset, side by side with the peers.

Writes ``docs/images/attribution-preset.png`` (the maps alone) and
``docs/images/attribution-preset-overlay.png`` (over the photographs), and prints,
for every candidate, the share of pixels that stand out from the colour of 0:

    a pixel counts when its largest channel difference from the centre colour is at
    least 32 levels of 8 bits (max |picture - centre| over R, G, B; the Euclidean
    distance >= 32 is printed beside it)

on the built-in sample attributions (4 maps of Integrated Gradients) and on eight
t(3)-distributed random maps (``np.random.default_rng(0).standard_t(3, size=(8, 3,
224, 224))``). The centre colour is what each pipeline draws for a value of 0.
captum's and zennit's pictures are rebuilt with ``visheat.compat`` (the same pixels
as the peers' own code, see docs/porting-captum.md and docs/porting-zennit.md).

Run from a source checkout: ``python tools/make_attribution_preset_picture.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from visheat import (
    AlphaOverlay,
    CenteredColormap,
    GrayOverlay,
    PercentileClip,
    SumReduction,
    compat,
    heatmap,
)
from visheat.sample_data import load_sample
from visheat.transforms.presets import PRESETS

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
LEVELS = 32      # how far from the centre colour a pixel must be to count
CROP = 128       # tiles are the central CROP x CROP pixels, unscaled (noise stays noise)
GAP = 4
HEADER = 46

CLIP = PercentileClip(0.01, 0.99)
OLD = SumReduction() | CenteredColormap("berlin")   # "attribution" before issue 25


def candidates() -> dict[str, object]:
    """Label -> pipeline (or a compat builder taking the attributions' layout into account)."""
    return {
        "captum heat_map\nsign='all'": compat.visualize_image_attr("heat_map", "all"),
        "zennit imgify\n'bwr', symmetric": "zennit-bwr",
        "old: berlin,\nno clip": OLD,
        "berlin,\nclip 1 %": SumReduction() | CLIP | CenteredColormap("berlin"),
        "RdBu_r,\nclip 1 %": SumReduction() | CLIP | CenteredColormap("RdBu_r"),
        "bwr,\nclip 1 %": SumReduction() | CLIP | CenteredColormap("bwr"),
        "vik,\ncaptum's clip": (SumReduction() | compat.CumulativeSumClip(98)
                                | CenteredColormap("vik")),
        "new: vik, clip\n1 %, \"attribution\"": PRESETS["attribution"],
    }


def render(pipe: object, x: np.ndarray, images: np.ndarray | None = None) -> np.ndarray:
    """``(N, H, W, 3)`` uint8 pictures of attributions ``x`` (N, C, H, W)."""
    if pipe == "zennit-bwr":
        return heatmap(x.sum(axis=1), compat.imgify("bwr", symmetric=True),
                       layout="NHW").to_numpy()
    if images is None:
        images = np.zeros((len(x),) + x.shape[2:] + (3,), np.uint8)  # captum's pipeline wants some
    return heatmap(x, images, pipe).to_numpy()


def centre_colour(pipe: object) -> np.ndarray:
    """The colour the pipeline gives a value of 0 (beside -1 and 1 in the same map)."""
    x = np.zeros((1, 1, 1, 3))
    x[0, 0, 0] = [-1.0, 0.0, 1.0]
    return render(pipe, x)[0, 0, 1].astype(float)


def share(pictures: np.ndarray, centre: np.ndarray) -> tuple[float, float]:
    """Shares of pixels >= LEVELS from ``centre``: by the largest channel, and Euclidean."""
    d = np.abs(pictures.astype(float) - centre)
    return float((d.max(axis=-1) >= LEVELS).mean()), \
        float((np.sqrt((d ** 2).sum(axis=-1)) >= LEVELS).mean())


def signed_alpha(pipe: object, x: np.ndarray, images: np.ndarray, alpha: float = 0.8
                 ) -> np.ndarray:
    """Heat as opacity for a signed map: ``alpha * |m| / max |m|`` per pixel, m the clipped sum."""
    m = np.abs((SumReduction() | CLIP)(x, dtype=np.float64))
    top = m.reshape(len(m), -1).max(axis=1)[:, None, None]
    plane = alpha * np.divide(m, top, out=np.zeros_like(m), where=top > 0)
    return heatmap(x, images, pipe | AlphaOverlay(plane)).to_numpy()


def crop(pictures: np.ndarray) -> np.ndarray:
    h, w = pictures.shape[1:3]
    top, left = (h - CROP) // 2, (w - CROP) // 2
    return pictures[:, top:top + CROP, left:left + CROP]


def sheet(columns: list[tuple[str, np.ndarray]], path: Path) -> None:
    """Columns of tiles under their labels, one row per sample."""
    rows = len(columns[0][1])
    width = len(columns) * (CROP + GAP) - GAP
    picture = Image.new("RGB", (width, HEADER + rows * (CROP + GAP) - GAP), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(11)
    for col, (label, tiles) in enumerate(columns):
        draw.multiline_text((col * (CROP + GAP) + 2, 2), label, fill="black", font=font,
                            spacing=2)
        for row, tile in enumerate(crop(tiles)):
            picture.paste(Image.fromarray(np.ascontiguousarray(tile)),
                          (col * (CROP + GAP), HEADER + row * (CROP + GAP)))
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def main() -> None:
    sample = load_sample()
    t3 = np.random.default_rng(0).standard_t(3, size=(8, 3, 224, 224)).astype(np.float32)
    shown = [1, 2]  # coffee and cat (and a t(3) map over the coffee) shown; all maps measured
    maps = np.concatenate([sample.attributions[shown], t3[:1]])
    photos = sample.images[[1, 2, 1]]

    print(f"| pipeline | centre colour | sample: >= {LEVELS} levels (Euclidean) "
          f"| t(3): >= {LEVELS} levels (Euclidean) |\n|---|---|---|---|")
    blank = Image.new("RGB", photos.shape[1:3][::-1], "white")
    ImageDraw.Draw(blank).multiline_text((photos.shape[2] // 2, photos.shape[1] // 2),
                                         "t(3) random\nmap, no photo", fill="black",
                                         font=ImageFont.load_default(11), anchor="mm")
    blank = np.asarray(blank)[None]
    alone = [(f"share >= {LEVELS} levels\nfrom the centre:\nsample / t(3)",
              np.concatenate([photos[:2], blank]))]
    for label, pipe in candidates().items():
        centre = centre_colour(pipe)
        on_sample = share(render(pipe, sample.attributions, sample.images), centre)
        on_t3 = share(render(pipe, t3), centre)
        name = label.replace("\n", " ")
        print(f"| {name} | {tuple(int(c) for c in centre)} | {on_sample[0]:.1%} "
              f"({on_sample[1]:.1%}) | {on_t3[0]:.1%} ({on_t3[1]:.1%}) |")
        alone.append((f"{label}\n{on_sample[0]:.0%} / {on_t3[0]:.0%}", render(pipe, maps)))
    sheet(alone, OUT / "attribution-preset.png")

    new = PRESETS["attribution"]
    overlays = [
        ("photograph", photos),
        ("captum blended_\nheat_map, 'all'",
         render(compat.visualize_image_attr("blended_heat_map", "all"), maps, photos)),
        ("old: berlin |\nAlphaOverlay(0.5)", render(OLD | AlphaOverlay(0.5), maps, photos)),
        ("berlin, clip 1 %\n| AlphaOverlay(0.5)",
         render(SumReduction() | CLIP | CenteredColormap("berlin") | AlphaOverlay(0.5),
                maps, photos)),
        ("new \"attribution\"\n| AlphaOverlay(0.5)", render(new | AlphaOverlay(0.5), maps, photos)),
        ("new \"attribution\"\n| GrayOverlay(0.5)", render(new | GrayOverlay(0.5), maps, photos)),
        ("new, heat as\nalpha: AlphaOverlay\n(0.8 |m| / max |m|)", signed_alpha(new, maps, photos)),
    ]
    sheet(overlays, OUT / "attribution-preset-overlay.png")


if __name__ == "__main__":
    main()
