"""Write tests/data/golden_pictures.json: a SHA-256 of every picture the golden cases draw.

The cases are the demo's (every preset on the built-in sample data), the benchmark's three
workloads, the peers' pictures (``visheat.compat``) and one case per transform family. They
use only names exported at the package root or documented subpackages, so that moving code
between modules cannot change what a case means; ``tests/suites/test_golden_pictures.py``
draws them again and compares the hashes.

This file is written only by running this script by hand, after a change that is *meant*
to change pictures (then review the pictures, and say why in the commit)::

    python tools/make_golden_pictures.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden_pictures.json"


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261206)
    return {
        "x": rng.standard_t(3, size=(3, 3, 40, 48)).astype(np.float32),
        "images": rng.integers(0, 256, size=(3, 40, 48, 3), dtype=np.uint8),
        "cams": rng.random((3, 7, 7), dtype=np.float32),
        "raw_cams": (rng.random((3, 7, 7)) * 1e-4).astype(np.float32),
    }


def cases() -> dict[str, Callable[[], np.ndarray]]:
    """Name -> a function that draws the case's pictures as one uint8 array."""
    import visheat as vh
    from visheat import compat

    d = _inputs()
    sample = vh.load_sample()
    found: dict[str, Callable[[], np.ndarray]] = {}

    def pictures(h: object) -> np.ndarray:
        return np.asarray(h.to_numpy())  # type: ignore[attr-defined]

    for preset in vh.PRESETS:
        overlay = preset in ("cam", "gradcam")
        if overlay:
            found[f"demo/{preset}"] = lambda p=preset: pictures(
                vh.heatmap(sample.cams, sample.images, p, layout="NHW"))
        else:
            found[f"demo/{preset}"] = lambda p=preset: pictures(
                vh.heatmap(sample.attributions, p))
    found["bench/a"] = lambda: pictures(vh.heatmap(
        d["x"], vh.NormReduction() | vh.ExtremaColormap("batlow")))
    found["bench/b"] = lambda: pictures(vh.heatmap(
        d["x"], vh.SumReduction() | vh.PercentileClip(0.01, 0.99) | vh.CenteredColormap("bwr")))
    found["bench/c"] = lambda: pictures(vh.heatmap(
        d["cams"], d["images"], vh.SumReduction() | vh.ResizeToImage("bilinear")
        | vh.ExtremaColormap("jet") | vh.AlphaOverlay(0.5), layout="NHW"))
    found["compat/show_cam_on_image"] = lambda: pictures(vh.heatmap(
        d["cams"], d["images"], vh.SumReduction() | vh.ResizeToImage("bilinear")
        | compat.show_cam_on_image(), layout="NHW"))
    for sign in ("all", "positive", "negative", "absolute_value"):
        found[f"compat/visualize_image_attr/{sign}"] = lambda s=sign: pictures(
            vh.heatmap(d["x"], compat.visualize_image_attr("heat_map", sign=s)))
    found["compat/imgify"] = lambda: pictures(vh.heatmap(
        d["x"], vh.SumReduction() | compat.imgify("coldnhot", symmetric=True)))
    found["compat/draw_on_image"] = lambda: pictures(vh.heatmap(
        d["cams"], d["images"], vh.SumReduction() | compat.draw_on_image(), layout="NHW"))
    families = {
        "clip/cumsum": vh.SumReduction() | vh.CumulativeSumClip() | vh.ExtremaColormap(),
        "clip/sign": vh.SumReduction() | vh.SignSelect("positive") | vh.ExtremaColormap(),
        "ranges": vh.NormReduction() | vh.ToUnitRange() | vh.Invert() | vh.ExtremaColormap(),
        "minmax": vh.NormReduction() | vh.MinMaxScale() | vh.ExtremaColormap("viridis"),
        "pad": vh.NormReduction() | vh.PadToAspectRatio(1.0) | vh.ExtremaColormap(),
        "crop": vh.NormReduction() | vh.Crop(top=2, right=3, bottom=4, left=5)
        | vh.ExtremaColormap(),
        "pool": vh.NormReduction() | vh.AvgPool(2) | vh.MaxPool(2) | vh.ExtremaColormap(),
        "resize": vh.NormReduction() | vh.Resize((17, 23), "lanczos3") | vh.ExtremaColormap(),
        "smooth": vh.SumReduction() | vh.GaussianSmooth(1.5) | vh.CenteredColormap(),
        "flip": vh.MaxAbsReduction() | vh.FlipImage() | vh.ExtremaColormap("inferno"),
        "sumabs": vh.SumAbsReduction() | vh.ExtremaColormap("magma"),
        "abssum": vh.AbsSumReduction() | vh.ExtremaColormap("plasma"),
        "float": vh.SumReduction() | vh.CenteredColormap("berlin"),
    }
    for name, pipe in families.items():
        found[f"family/{name}"] = lambda p=pipe: pictures(vh.heatmap(d["x"], p))
    overlays = {
        "alpha": vh.SumReduction() | vh.ExtremaColormap() | vh.ResizeToImage()
        | vh.AlphaOverlay(0.4),
        "gray": vh.SumReduction() | vh.ExtremaColormap() | vh.ResizeToImage()
        | vh.GrayOverlay(0.5),
        "heatalpha": vh.SumReduction() | vh.ResizeToImage() | vh.HeatAlphaOverlay(),
        "gradcam": vh.PRESETS["gradcam"],
    }
    for name, pipe in overlays.items():
        found[f"overlay/{name}"] = lambda p=pipe: pictures(
            vh.heatmap(d["cams"], d["images"], p, layout="NHW"))
    found["float64"] = lambda: np.asarray(vh.heatmap(
        d["x"], "sensitivity", dtype=np.float64).to_numpy()).round(12)
    found["keypoints/targets"] = lambda: np.asarray(vh.keypoints.gaussian_heatmaps(
        np.array([[[20.3, 11.8], [7.0, 30.2]]]), size=(16, 16), sigma=2.0, stride=4)[0])
    return found


def digest(array: np.ndarray) -> str:
    array = np.ascontiguousarray(array)
    head = f"{array.dtype.str}{array.shape}".encode()
    return hashlib.sha256(head + array.tobytes()).hexdigest()


def main() -> int:
    hashes = {name: digest(draw()) for name, draw in cases().items()}
    OUT.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(hashes)} cases -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
