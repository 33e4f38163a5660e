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


# -- visheat cam: a folder of images with their CAMs ---------------------------------

def _cam(args: argparse.Namespace) -> int:
    from .folders import render_folder
    from .letterbox import Unletterbox
    from .pipeline import Pipeline
    from .presets import PRESETS

    pipe = args.pipe if args.pipe in PRESETS else Pipeline.parse(args.pipe)
    names = [n.strip() for n in args.class_names.split(",")] if args.class_names else None
    letterbox = None
    if args.letterbox is not None:
        letterbox = Unletterbox(new_shape=args.letterbox, auto=args.letterbox_auto)
    elif args.letterbox_auto:
        raise ValueError("--letterbox-auto: expected --letterbox SIZE as well; got it alone.")
    paths = render_folder(args.images, args.cams, args.out, method=args.method, pipe=pipe,
                          detections=args.detections, class_names=names,
                          renormalize=args.renormalize, draw_boxes=not args.no_boxes,
                          letterbox=letterbox, how=args.combine, existing=args.existing,
                          progress=not args.quiet)
    if not args.quiet:
        print(f"{len(paths)} pictures -> {args.out}")
    return 0


def _add_cam_parser(commands: argparse._SubParsersAction) -> None:
    cam = commands.add_parser("cam", help="render a folder of images with their CAMs",
                              description="Render IMAGES_DIR/<name>.<ext> with its CAM into "
                              "OUT/<name>_<method>.png.")
    cam.add_argument("images", metavar="IMAGES_DIR", help="folder of images")
    cam.add_argument("--cams", required=True, help=".npz file, or folder of <name>.npy / "
                     "<name>.npz files; keyed by image name without extension")
    cam.add_argument("--out", required=True, help="output folder (created)")
    cam.add_argument("--method", default="cam", help="CAM method name for the file names")
    cam.add_argument("--pipe", default="gradcam", help="preset name or pipeline text "
                     "(default: gradcam)")
    cam.add_argument("--detections", help=".npz of (B, 6) x1,y1,x2,y2,score,class per image")
    cam.add_argument("--class-names", help="comma-separated class names")
    cam.add_argument("--renormalize", action="store_true",
                     help="renormalise each CAM inside its detection boxes")
    cam.add_argument("--no-boxes", action="store_true", help="do not draw the detections")
    cam.add_argument("--letterbox", type=int, metavar="SIZE",
                     help="CAMs and detections are in SIZE x SIZE letterboxed-input pixels")
    cam.add_argument("--letterbox-auto", action="store_true",
                     help="the letterbox was padded to a stride multiple only (auto=True)")
    cam.add_argument("--combine", choices=["mean", "max"], default="mean",
                     help="how several layers of one image are combined")
    cam.add_argument("--existing", choices=["error", "overwrite", "skip"], default="error",
                     help="what to do with output files already there")
    cam.add_argument("--quiet", action="store_true", help="no progress bar, print nothing")
    cam.set_defaults(run=_cam)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="visheat", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="render the built-in sample data with each preset")
    demo.add_argument("--out", default="visheat-demo", help="output folder (created)")
    demo.add_argument("--quiet", action="store_true", help="print nothing")
    demo.set_defaults(run=_demo)
    _add_cam_parser(commands)
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
