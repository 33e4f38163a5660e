"""The ``visheat`` command: render, gallery, colormaps, demo, cam, explore.

::

    visheat render INPUT --layout NCHW --pipe "SumReduction() | CenteredColormap('bwr')" --out DIR
    visheat gallery INPUT --images FOLDER --pipe cam --layout NHW --out DIR
    visheat colormaps --kind diverging --swatches swatches.png
    visheat demo --out DIR
    visheat explore ig.npy cams.npy --names IG,Grad-CAM --layout NCHW,NHW \
        --images FOLDER --out page.html

INPUT is a ``.npy`` file (memory-mapped), a ``.npz`` archive (``--key`` names
the array), a zarr store (``maps.zarr``) or an HDF5 dataset (``file.h5:dataset``);
nothing is ever unpickled. ``render --scheduler threads|processes|sync|tcp://HOST:PORT``
renders on Dask (``pip install ".[dask]"``), the address being a distributed scheduler's.
Large inputs are
rendered a slice at a time (``--batch-size``) with a progress bar on stderr (``--quiet`` hides it).
Every command that writes takes ``--existing {error,overwrite,skip}`` (``error``,
the default: existing files are never overwritten; ``--overwrite`` and
``--resume`` are short for ``--existing overwrite`` and ``--existing skip``, which
keeps the complete outputs of an interrupted run and renders the rest). User
mistakes end with one line ``visheat <command>: error: ...`` and exit code 2; a
closed pipe (``visheat colormaps | head -2``) ends quietly.

Each command is one module of this package (``render``, ``gallery``, ``colormaps``,
``demo``, ``cam``, ``explore``) with ``add_parser(commands)`` and ``run(args)``;
``common`` holds what they share (reading INPUT, ``--existing``). The command line
may import every layer of visheat.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..core.version import VERSION
from . import cam, colormaps, demo, explore, gallery, render

DESCRIPTION = "Readable heatmaps from vision models."



def build_parser() -> argparse.ArgumentParser:
    """The ``visheat`` argument parser: one sub-command per module of this package."""
    parser = argparse.ArgumentParser(prog="visheat", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"visheat {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in (render, gallery, colormaps, demo, cam, explore):
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``visheat`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        return _closed_pipe()
    except (ValueError, TypeError, OSError) as err:
        text = str(err)
        if isinstance(err, OSError) and err.filename is not None and err.strerror:
            text = f"{err.filename}: {err.strerror}"  # no errno noise, the path first
        message = " ".join(text.split())  # one line, even for multi-line reprs
        print(f"visheat {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"visheat {args.command}: interrupted; finished files are complete, "
              "--resume continues", file=sys.stderr)
        return 130


def _closed_pipe() -> int:
    """The reader of stdout went away (``visheat colormaps | head -2``): end quietly.

    As the Python docs recommend (signal module, "Note on SIGPIPE"): point stdout at
    devnull so the interpreter's final flush raises no second error.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a closed pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
