"""``visheat explore``: an offline page comparing methods."""


from __future__ import annotations

import argparse
from pathlib import Path

from .common import (
    _add_existing_options,
    _alpha_fraction,
    _existing_choice,
    _naming_option,
    counted,
)
from .token_options import _add_token_options, _token_option

# -- visheat explore: an offline page comparing methods -------------------------------

def _split_list(option: str, text: str | None, count: int, default: list[str]) -> list[str]:
    """A comma-separated option: one entry for all inputs, or one per input."""
    if text is None:
        return default
    items = [t.strip() for t in text.split(",")]
    if len(items) == 1 and option == "--layout":
        return items * count
    if len(items) != count:
        raise ValueError(f"{option}: expected {count} comma-separated entries (one per input); "
                         f"got {len(items)} in {text!r}.")
    return items


def run(args: argparse.Namespace) -> int:
    from ..core.limits import parse_bytes
    from ..explorer import Explorer
    from ..io.arrays import ImageFolder, load_array, open_images, read_labels

    max_bytes = parse_bytes(args.max_npz_bytes, "--max-npz-bytes")
    names = _split_list("--names", args.names, len(args.inputs),
                        [Path(p).stem for p in args.inputs])
    if len(set(names)) != len(names):
        raise ValueError(f"--names: expected one distinct name per input; got {names}. "
                         "Pass --names 'IG,Saliency'.")
    layouts = _split_list("--layout", args.layout, len(args.inputs), ["NCHW"] * len(args.inputs))
    tokens = _token_option(args, next((t.upper() for t in layouts if "L" in t.upper()),
                                     layouts[0].upper()))
    methods = {}
    for name, path in zip(names, args.inputs):
        with _naming_option(path):
            methods[name] = load_array(path, args.key, max_bytes=max_bytes)
    images = labels = scores = None
    if args.images is not None:
        with _naming_option("--images"):
            found = open_images(args.images, max_bytes=max_bytes)
            images = found[0:len(found)] if isinstance(found, ImageFolder) else found
            labels = found.labels if isinstance(found, ImageFolder) else None
    if args.labels is not None:
        with _naming_option("--labels"):
            labels = read_labels(args.labels)
    if args.scores is not None:
        with _naming_option("--scores"):
            scores = [float(t) for t in read_labels(args.scores)]
    view = {k: v for k, v in (("reduction", args.reduction), ("colormap", args.colormap),
                              ("scope", args.scope), ("alpha", args.alpha)) if v is not None}
    if args.clip is not None:
        view["clip"] = None if args.clip == "none" else [float(t) for t in args.clip.split(",")]
    out = Path(args.out)
    options = {} if args.colormaps is None else {"colormaps": args.colormaps.split(",")}
    explorer = Explorer(methods, images, layout=dict(zip(names, layouts)), labels=labels,
                        scores=scores, title=args.title, view=view, tokens=tokens, **options)
    explorer.save(out, existing=_existing_choice(args))
    if not args.quiet:
        print(f"{counted(explorer.n, 'sample')} x {counted(len(names), 'method')} -> {out} "
              f"({out.stat().st_size / 2**20:.1f} MiB)")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    explore = commands.add_parser("explore", help="write an offline HTML page that compares "
                                  "attribution methods", description="Write one self-contained "
                                  "HTML page: rows are samples, columns are the INPUTs.")
    explore.add_argument("inputs", metavar="INPUT", nargs="+",
                         help=".npy or .npz file of one method's attributions (never unpickled)")
    explore.add_argument("--key", help="name of the array to read from .npz inputs")
    explore.add_argument("--names", help="comma-separated method names, one per INPUT "
                         "(default: the file names)")
    explore.add_argument("--layout", help="axis letters, one for all INPUTs or comma-separated "
                         "per INPUT, e.g. NCHW,NCHW,NHW (default NCHW)")
    _add_token_options(explore)
    explore.add_argument("--images", help="images to draw over: a folder (sorted by file name) "
                         "or a .npy array (N, H, W, 3)")
    explore.add_argument("--labels", help="text file with one label per sample (default: the "
                         "image file names)")
    explore.add_argument("--scores", help="text file with one score per sample")
    explore.add_argument("--title", default="visheat explorer", help="title of the page")
    explore.add_argument("--reduction", choices=["sum", "norm", "maxabs", "sumabs", "abssum"],
                         help="first channel reduction (default sum)")
    explore.add_argument("--colormap", help="first colour map for every method (default: per "
                         "method, berlin if its maps are signed, else batlow)")
    explore.add_argument("--colormaps", help="comma-separated colour maps to offer (default: "
                         "a curated set with batlow, berlin, jet, viridis, bwr, ...)")
    explore.add_argument("--clip", help="first clip quantiles LO,HI, or none "
                         "(default 0.001,0.999)")
    explore.add_argument("--scope", choices=["sample", "batch"], help="first scale: per sample "
                         "(default) or one per method across the batch")
    explore.add_argument("--alpha", type=_alpha_fraction,
                         help="first overlay opacity (default 0.5)")
    explore.add_argument("--out", required=True, help="the .html file to write")
    _add_existing_options(explore, skip=False)
    explore.add_argument("--max-npz-bytes", default="4G",
                         help="largest uncompressed .npz member to read (default 4G)")
    explore.add_argument("--quiet", action="store_true", help="print nothing")
    explore.set_defaults(run=run)

