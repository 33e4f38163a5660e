"""``visheat render``: one PNG per sample, on threads or on Dask."""


from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from .common import Inputs, _add_input_options, _existing_choice, _refuse_existing, counted

# -- commands ---------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    from ..io.files import (
        check_distinct,
        file_name,
        prepare_folder,
        remove_temporaries,
        safe_name,
        write_atomic,
    )
    from ..io.png import png_bytes

    if args.scheduler is not None:  # at once: before reading INPUT or connecting anywhere
        from ..render.dask import check_scheduler

        check_scheduler(args.scheduler, "--scheduler")
    inputs = Inputs(args)
    labels = inputs.labels
    pattern = args.pattern or ("{index:05d}_{label}.png" if labels else "{index:05d}.png")
    if args.scheduler is not None:
        return _render_on_dask(args, inputs, pattern)
    out = Path(args.out)
    paths = [out / file_name(pattern, i, safe_name(labels[i]) if labels else "", "--pattern")
             for i in range(inputs.n)]
    check_distinct(paths, "--pattern")
    existing = _existing_choice(args)
    _refuse_existing(existing, paths)
    prepare_folder(out, "--out")
    if existing != "error":  # the folder is ours: drop temporary files of a killed run
        remove_temporaries(out)

    def done(start: int, stop: int) -> bool:
        return existing == "skip" and all(p.exists() for p in paths[start:stop])

    written = 0
    for start, stop, pictures in inputs.render(inputs.pipe, done, args.quiet, "render"):
        for i in range(start, stop):
            if existing != "skip" or not paths[i].exists():
                picture = np.asarray(pictures.to_numpy()[i - start])
                if picture.ndim == 4:  # a volume or clip: its slices one below the other
                    picture = picture.reshape((-1,) + picture.shape[2:])
                write_atomic(paths[i], png_bytes(picture, args.compress_level))
                written += 1
    if not args.quiet:
        kept = f" (kept {inputs.n - written} existing)" if written < inputs.n else ""
        print(f"wrote {counted(written, 'picture')} to {out}{kept}")
    return 0


def _render_on_dask(args: argparse.Namespace, inputs: Inputs, pattern: str) -> int:
    """``render --scheduler``: the files are written by Dask workers (visheat.dask)."""
    try:
        from ..render import dask as on_dask
    except ImportError as err:  # pragma: no cover - the extra is part of the test install
        raise ValueError(f"--scheduler: expected dask installed (pip install '.[dask]'); "
                         f"got {err}.") from None
    with on_dask.open_scheduler(args.scheduler, argument="--scheduler") as scheduler:
        paths = on_dask.save_heatmaps(
            inputs.x, inputs.images, inputs.pipe, directory=args.out, pattern=pattern,
            labels=inputs.labels, existing=_existing_choice(args), layout=inputs.letters,
            compress_level=args.compress_level, chunks=inputs.batch_size, scheduler=scheduler,
            tokens=inputs.tokens)
    if not args.quiet:
        print(f"wrote {counted(len(paths), 'picture')} to {args.out} (on dask: {args.scheduler})")
    return 0


def _split_overlay(pipe: Any, has_images: bool) -> tuple[Any, float | None]:
    """A pipeline ending in ``AlphaOverlay(a)``, drawn as heatmap *and* overlay: (rest, a)."""
    from ..core.pipeline import Pipeline
    from ..transforms.overlay import AlphaOverlay

    steps = list(getattr(pipe, "steps", [pipe]))
    last = steps[-1] if steps else None
    if has_images and isinstance(last, AlphaOverlay) and isinstance(last.alpha, float):
        return Pipeline(*steps[:-1]), last.alpha
    return pipe, None


def _captions_option(args: argparse.Namespace, inputs: Inputs) -> list[Any] | None:
    captions: list[Any] | None = inputs.labels
    if args.captions is not None:
        try:
            captions = json.loads(Path(args.captions).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f"--captions: expected a JSON file with a list of strings or "
                             f"objects (label, score, method); got an unreadable file ({err}).") \
                from None
        if not isinstance(captions, list) or len(captions) != inputs.n:
            found = f"{len(captions)} items" if isinstance(captions, list) else "no list"
            raise ValueError(f"--captions: expected a JSON list of {inputs.n} captions; "
                             f"got {found}.")
    if args.method:
        captions = [dict(({"label": c} if isinstance(c, str) else c), method=args.method)
                    if isinstance(c, (str, dict)) else c for c in (captions or [""] * inputs.n)]
    return captions


def add_parser(commands: argparse._SubParsersAction) -> None:
    render = commands.add_parser("render", help="render INPUT to one PNG per sample")
    _add_input_options(render)
    render.add_argument("--pattern", help="file names, with {index} and {label} "
                                          "(default {index:05d}_{label}.png)")
    render.add_argument("--compress-level", type=int, choices=range(10), default=1,
                        metavar="0-9", help="zlib level of the PNG files (default 1: fast, "
                                            "and small for colormapped maps)")
    render.add_argument("--scheduler", help="render on Dask: threads, processes, sync, or the "
                                            "address of a distributed scheduler "
                                            "(tcp://host:8786); needs pip install '.[dask]'")
    render.set_defaults(run=run)
