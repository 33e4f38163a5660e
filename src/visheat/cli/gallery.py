"""``visheat gallery``: an offline HTML gallery of INPUT."""


from __future__ import annotations

import argparse

from .common import Inputs, _add_input_options, _alpha_fraction, _existing_choice, counted
from .render import _captions_option, _split_overlay


def run(args: argparse.Namespace) -> int:
    from ..display.cards import read_captions
    from ..display.gallery import GalleryWriter

    inputs = Inputs(args)
    captions = _captions_option(args, inputs)
    cards = read_captions(captions, inputs.n)
    pipe, alpha = _split_overlay(inputs.pipe, inputs.images is not None)
    if args.alpha is not None:
        alpha = args.alpha
    writer = GalleryWriter(args.out, title=args.title, colorbar=not args.no_colorbar,
                           alpha=0.5 if alpha is None else alpha,
                           self_contained=args.self_contained, existing=_existing_choice(args),
                           pipeline=inputs.pipe)

    def done(start: int, stop: int) -> bool:
        return all([writer.resume(i, cards[i]) for i in range(start, stop)])

    for start, stop, pictures in inputs.render(pipe, done, args.quiet, "gallery"):
        if not args.no_colorbar and len(pictures) and not pictures.has_colorbar():
            raise ValueError(f"--pipe: expected a pipeline with a colormap step for colour "
                             f"bars; got {pipe}, which records no colour range. Pass "
                             "--no-colorbar to leave the colour bars out.")
        writer.add(pictures, inputs.images_for(start, stop),
                   captions[start:stop] if captions is not None else None, start=start)
    page = writer.finish()
    if not args.quiet:
        print(f"wrote a gallery of {counted(inputs.n, 'picture')}: {page}")
    return 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    gallery = commands.add_parser("gallery", help="render INPUT as an offline HTML gallery")
    _add_input_options(gallery)
    gallery.add_argument("--captions", help="JSON list with one caption per sample: a string "
                                            "or an object with label, score, method")
    gallery.add_argument("--method", help="method named in every caption, e.g. 'Grad-CAM'")
    gallery.add_argument("--title", default="visheat gallery", help="title of the page")
    gallery.add_argument("--alpha", type=_alpha_fraction,
                         help="opacity of the overlay panel (default 0.5, or the pipeline's "
                              "AlphaOverlay)")
    gallery.add_argument("--no-colorbar", action="store_true", help="leave the colour bars out")
    gallery.add_argument("--self-contained", action="store_true",
                         help="write one HTML file with the pictures inlined")
    gallery.set_defaults(run=run)
