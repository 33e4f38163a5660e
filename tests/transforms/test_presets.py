"""The signed "attribution" preset reads at a glance (issue 25).

A pixel *stands out* when its largest channel difference from the centre colour (the
colour of 0) is at least 32 levels of 8 bits, as docs/attribution-preset.md defines it.
The centre colour is computed here from cmcrameri's own table, not by visheat: the
colour scheme's value at its midpoint, halfway between its 128th and 129th colour.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from cmcrameri import cm

import visheat
from visheat import PRESETS, CenteredColormap, SumReduction, heatmap, load_sample

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "attribution-preset.md"
LEVELS = 32
BAR = 0.35  # issue 25: at least 35 % of the pixels stand out, on both kinds of maps


def midpoint_colour(name: str) -> np.ndarray:
    """cmcrameri's colour scheme ``name`` at 0.5, on the 0..255 scale."""
    colours = np.asarray(getattr(cm, name).colors)  # 256 colours at positions k / 255
    assert colours.shape == (256, 3)
    return (colours[127] + colours[128]) / 2 * 255  # 0.5 is halfway between 127/255, 128/255


def standing_out(pictures: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Per picture, the share of pixels at least LEVELS from ``centre`` in some channel."""
    far = np.abs(pictures.astype(np.float64) - centre).max(axis=-1) >= LEVELS
    return far.reshape(len(pictures), -1).mean(axis=1)


def t3_maps() -> np.ndarray:
    return np.random.default_rng(0).standard_t(3, size=(8, 3, 224, 224)).astype(np.float32)


def maps_of(kind: str) -> np.ndarray:
    return load_sample().attributions if kind == "sample" else t3_maps()


def test_the_signed_preset_is_the_clipped_channel_sum_in_vik():
    assert str(PRESETS["attribution"]) == ("SumReduction() | PercentileClip(0.01, 0.99) | "
                                           "CenteredColormap('vik')")


def test_zero_takes_the_midpoint_colour_of_vik():
    """An all-zero map is drawn in the centre colour (the decided degenerate answer)."""
    picture = heatmap(np.zeros((1, 3, 4, 4), np.float32), "attribution").to_numpy()
    assert np.abs(picture - midpoint_colour("vik")).max() <= 1  # the 8-bit path's bound


@pytest.mark.parametrize("kind", ["sample", "t3"])
def test_every_signed_picture_stands_out_from_its_centre_colour(kind):
    colours = PRESETS["attribution"][-1].name  # the preset's own colour scheme (Crameri's)
    shares = standing_out(heatmap(maps_of(kind), "attribution").to_numpy(),
                          midpoint_colour(colours))
    assert shares.min() >= BAR, shares  # sample: 52 % to 76 %; t(3): 72 % each


@pytest.mark.parametrize("kind", ["sample", "t3"])
def test_the_old_signed_preset_fails_the_bar(kind):
    """The measure tells a dark picture: berlin without a clip, the preset before issue 25."""
    old = SumReduction() | CenteredColormap("berlin")
    shares = standing_out(heatmap(maps_of(kind), old).to_numpy(), midpoint_colour("berlin"))
    assert shares.mean() < 0.15  # 12 % and 0.5 %


def test_julias_presets_and_defaults_keep_berlin():
    assert str(PRESETS["attribution-julia"]) == "NormReduction() | CenteredColormap('berlin')"
    assert CenteredColormap().name == "berlin"


def test_the_page_states_the_measured_shares():
    """docs/attribution-preset.md's numbers for the preset, measured as the page says:
    against the colour the pipeline draws for 0."""
    row = next(line for line in PAGE.read_text(encoding="utf-8").splitlines()
               if line.startswith('| **new `"attribution"`'))
    documented = [float(v) / 100 for v in re.findall(r"\*\*([\d.]+) %", row)]
    centre = heatmap(np.zeros((1, 3, 1, 1), np.float32), "attribution").to_numpy()[0, 0, 0]
    measured = []
    for kind in ("sample", "t3"):
        pictures = heatmap(maps_of(kind), "attribution").to_numpy()
        measured.append(standing_out(pictures, centre.astype(np.float64)).mean())
    assert np.allclose(documented, measured, atol=0.0005), (documented, measured)


def test_the_pages_code_runs_and_heat_as_opacity_leaves_the_photograph_where_the_map_is_0():
    blocks = re.findall(r"```python\n(.*?)\n\s*```", PAGE.read_text(encoding="utf-8"), re.S)
    names = {name: getattr(visheat, name) for name in visheat.__all__}
    assert eval(blocks[0], names) == PRESETS["attribution"]
    sample = load_sample()
    x, images = sample.attributions.copy(), sample.images
    x[:, :, :50, :50] = 0  # a corner without evidence
    namespace = {"x": x, "images": images}
    exec(textwrap.dedent(blocks[1]), namespace)
    pictures = namespace["h"].to_numpy()
    assert pictures.shape == images.shape
    assert np.array_equal(pictures[:, :50, :50], images[:, :50, :50])
    assert not np.array_equal(pictures, images)
