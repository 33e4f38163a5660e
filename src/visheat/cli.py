"""The ``visheat`` command.

``visheat demo --out DIR`` renders the built-in sample data with every preset.
User mistakes end with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    from .heatmap import heatmap
    from .sample_data import load_sample

    sample = load_sample()
    out = Path(args.out)
    jobs = {
        "sensitivity": (sample.attributions, None, "sensitivity"),
        "attribution": (sample.attributions, None, "attribution"),
        "cam": (sample.cams, sample.images, "cam"),
    }
    for preset, (x, images, pipe) in jobs.items():
        layout = "NHW" if x.ndim == 3 else "NCHW"
        pictures = heatmap(x, images, pipe, layout=layout)
        folder = out / preset
        pictures.save(folder, "{index:02d}_{label}.png", labels=sample.labels)
        if not args.quiet:
            print(f"{preset:12s} {len(pictures)} pictures -> {folder}")
    if not args.quiet:
        print(f"attributions: {sample.method}; CAMs: {sample.cam_method}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visheat", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="render the built-in sample data with each preset")
    demo.add_argument("--out", default="visheat-demo", help="output folder (created)")
    demo.add_argument("--quiet", action="store_true", help="print nothing")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``visheat`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as err:
        print(f"visheat {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
