"""``visheat demo``: the built-in sample data with every preset."""


from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .common import _add_existing_options, _existing_choice


def _demo_inputs(preset: str, sample: Any) -> tuple[Any, Any, str]:
    """What a preset draws in the demo: CAMs over the photographs for CAM presets
    (those that end in an overlay), the attributions otherwise."""
    from ..display.cards import is_overlay
    from ..transforms.presets import PRESETS

    if is_overlay(PRESETS[preset]):
        return sample.cams, sample.images, "NHW"
    return sample.attributions, None, "NCHW"


def run(args: argparse.Namespace) -> int:
    from ..io.files import holds_bytes, plan_outputs, safe_name, write_atomic
    from ..io.png import png_bytes
    from ..render.apply import heatmap
    from ..sample_data import load_sample
    from ..transforms.presets import PRESETS

    sample = load_sample()
    out = Path(args.out)
    names = [f"{i:02d}_{safe_name(label)}.png" for i, label in enumerate(sample.labels)]
    pictures = {}
    for preset in PRESETS:  # every preset, in the order they are listed
        x, images, layout = _demo_inputs(preset, sample)
        pictures[preset] = heatmap(x, images, preset, layout=layout)
    paths = [out / preset / name for preset in PRESETS for name in names]
    files = [png_bytes(np.asarray(picture)) for preset in PRESETS
             for picture in pictures[preset].to_numpy()]
    # Running the demo again gives the same files: those are not in the way.
    plan = plan_outputs(out, paths, _existing_choice(args), argument="--out",
                        holds=lambda i, path: holds_bytes(files[i], path), option="--existing")
    for i, path in enumerate(paths):
        if plan.todo(i):
            path.parent.mkdir(exist_ok=True)
            write_atomic(path, files[i])
    if not args.quiet:
        width = max(map(len, PRESETS))
        for preset in PRESETS:
            print(f"{preset:{width}s} {len(pictures[preset])} pictures -> {out / preset}")
        print(f"attributions: {sample.method}; CAMs: {sample.cam_method}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="render the built-in sample data with every preset")
    demo.add_argument("--out", default="visheat-demo", help="output folder (created)")
    _add_existing_options(demo)
    demo.add_argument("--quiet", action="store_true", help="print nothing")
    demo.set_defaults(run=run)
