"""``visheat cam``: a folder of images with their CAMs."""


from __future__ import annotations

import argparse

from .common import _add_existing_options, _parse_pipe, _positive_int, _preset_names, counted

# -- visheat cam: a folder of images with their CAMs ---------------------------------

def run(args: argparse.Namespace) -> int:
    from ..cam.letterboxing import Unletterbox
    from ..core.limits import parse_bytes
    from ..render.folders import render_folder

    pipe = _parse_pipe(args.pipe)
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
                          progress=not args.quiet,
                          max_bytes=parse_bytes(args.max_npz_bytes, "--max-npz-bytes"))
    if not args.quiet:
        print(f"{counted(len(paths), 'picture')} -> {args.out}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    cam = commands.add_parser("cam", help="render a folder of images with their CAMs",
                              description="Render IMAGES_DIR/<name>.<ext> with its CAM into "
                              "OUT/<name>_<method>.png.")
    cam.add_argument("images", metavar="IMAGES_DIR", help="folder of images")
    cam.add_argument("--cams", required=True, help=".npz file, or folder of <name>.npy / "
                     "<name>.npz files; keyed by image name without extension")
    cam.add_argument("--out", required=True, help="output folder (created)")
    cam.add_argument("--method", default="cam", help="CAM method name for the file names")
    cam.add_argument("--pipe", default="gradcam", help=f"a preset ({_preset_names()}) or "
                     "pipeline text (default: gradcam, which scales raw CAMs as grad-cam does)")
    cam.add_argument("--detections", help=".npz of (B, 6) x1,y1,x2,y2,score,class per image")
    cam.add_argument("--class-names", help="comma-separated class names")
    cam.add_argument("--renormalize", action="store_true",
                     help="renormalise each CAM inside its detection boxes")
    cam.add_argument("--no-boxes", action="store_true", help="do not draw the detections")
    cam.add_argument("--letterbox", type=_positive_int, metavar="SIZE",
                     help="CAMs and detections are in SIZE x SIZE letterboxed-input pixels")
    cam.add_argument("--letterbox-auto", action="store_true",
                     help="the letterbox was padded to a stride multiple only (auto=True)")
    cam.add_argument("--combine", choices=["mean", "max"], default="mean",
                     help="how several layers of one image are combined")
    _add_existing_options(cam)
    cam.add_argument("--max-npz-bytes", default="4G",
                     help="largest array read from a CAM or detection file (default 4G)")
    cam.add_argument("--quiet", action="store_true", help="no progress bar, print nothing")
    cam.set_defaults(run=run)

