"""``visheat colormaps``: the colormap names by kind, and their swatches."""


from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from ..display.swatches import write_swatches
from .common import _add_existing_options


def run(args: argparse.Namespace) -> int:
    from ..transforms.schemes import KINDS, list_names

    kinds = [args.kind] if args.kind else list(KINDS)
    found = {kind: list_names(kind=kind, source=args.source) for kind in kinds}
    if args.swatches:
        path = write_swatches(Path(args.swatches), found, args.source,
                               args.existing == "overwrite")
        if not args.quiet:
            print(f"wrote {sum(map(len, found.values()))} swatches to {path}")
        return 0
    for kind, names in found.items():
        if names:
            print(f"{kind} ({len(names)}):")
            print(textwrap.fill(", ".join(names), width=88, initial_indent="  ",
                                subsequent_indent="  "))
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    from ..transforms.schemes import KINDS, SOURCES

    colormaps = commands.add_parser("colormaps", help="list colormap names by kind")
    colormaps.add_argument("--kind", choices=KINDS, help="only the colormaps of this kind")
    colormaps.add_argument("--source", choices=SOURCES, help="only the colormaps of this source")
    colormaps.add_argument("--swatches", metavar="FILE.png", help="also draw them into a PNG")
    _add_existing_options(colormaps, skip=False)
    colormaps.add_argument("--quiet", action="store_true", help="print nothing with --swatches")
    colormaps.set_defaults(run=run)
