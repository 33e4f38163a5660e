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
nothing is ever unpickled. ``render --scheduler threads|processes|ADDRESS`` renders
on Dask (``visheat[dask]``), ADDRESS being a distributed scheduler's. Large inputs are
rendered a slice at a time (``--batch-size``) with a progress bar on stderr (``--quiet`` hides it).
Every command that writes takes ``--existing {error,overwrite,skip}`` (``error``,
the default: existing files are never overwritten; ``--overwrite`` and
``--resume`` are short for ``--existing overwrite`` and ``--existing skip``, which
keeps the complete outputs of an interrupted run and renders the rest). User
mistakes end with one line ``visheat <command>: error: ...`` and exit code 2; a
closed pipe (``visheat colormaps | head -2``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

DESCRIPTION = "Readable heatmaps from vision models."


# -- shared input handling ------------------------------------------------------------

def _pipeline(text: str) -> Any:
    """A preset name or a pipeline's text form (parsed, never evaluated)."""
    from ._errors import raise_unknown_name
    from .pipeline import BUILT_IN, Pipeline
    from .presets import PRESETS

    if text in PRESETS:
        return PRESETS[text]
    if text.strip().isidentifier() and text.strip() not in BUILT_IN:
        raise_unknown_name("--pipe", text, PRESETS, "preset")
    try:
        return Pipeline.parse(text)
    except (ValueError, TypeError) as err:
        raise type(err)(f"--pipe: {err}") from None


@contextlib.contextmanager
def _option(name: str) -> Iterator[None]:
    """Say which option a file-reading error came from: ``--images: <path>: expected ...``."""
    try:
        yield
    except (ValueError, TypeError) as err:
        raise type(err)(f"{name}: {err}") from None


class _Inputs:
    """The array, images, labels and pipeline named on the command line."""

    def __init__(self, args: argparse.Namespace) -> None:
        from .io import load_array, open_images
        from .layout import parse_layout, probable_layout
        from .limits import parse_bytes
        from .stores import is_store_path, open_store

        self.max_bytes = parse_bytes(args.max_npz_bytes, "--max-npz-bytes")
        if is_store_path(args.input):
            self.x = open_store(args.input, "INPUT")
        else:
            self.x = load_array(args.input, args.key, max_bytes=self.max_bytes)
        try:
            self.letters = parse_layout(args.layout)
        except ValueError as err:
            raise ValueError(f"--layout: {err}") from None
        if self.x.ndim != len(self.letters):
            raise ValueError(f"--layout: expected an array with {len(self.letters)} axes for "
                             f"layout {self.letters!r}; got shape {self.x.shape}. Name one "
                             "letter per axis, e.g. NCHW for attributions, NHW for CAMs.")
        self.probable = probable_layout(self.x.shape, self.letters)
        if self.probable is not None and not getattr(args, "quiet", False):
            print(f"visheat {args.command}: warning: INPUT of shape {self.x.shape} looks like "
                  f"{self.probable} (channels last); pass --layout {self.probable}. Rendering "
                  f"it as {self.letters}, as asked.", file=sys.stderr)
        self.n = int(self.x.shape[self.letters.index("N")]) if "N" in self.letters else 1
        self.pipe = _pipeline(args.pipe)
        self.images = None
        if args.images is not None:
            with _option("--images"):
                self.images = open_images(args.images, max_bytes=self.max_bytes)
        self._check_image_count()
        self.labels = self._labels(args)
        self.batch_size = args.batch_size
        if self.batch_size < 1:
            raise ValueError(f"--batch-size: expected a positive number; got {self.batch_size}.")

    def _image_count(self) -> int:
        from .io import ImageFolder

        images = self.images
        if images is None:
            return 0
        if isinstance(images, ImageFolder):
            return len(images)
        return int(images.shape[0]) if images.ndim == 4 else 1

    def _check_image_count(self) -> None:
        if self.images is not None and self._image_count() not in (1, self.n):
            raise ValueError(f"--images: expected {self.n} images (one per sample) or one for "
                             f"all; got {self._image_count()}.")

    def _labels(self, args: argparse.Namespace) -> list[str] | None:
        from .io import ImageFolder, load_array, npz_members, read_labels

        if args.labels is not None:
            with _option("--labels"):
                labels = read_labels(args.labels)
            if len(labels) != self.n:
                raise ValueError(f"--labels: expected {self.n} lines (one label per sample); "
                                 f"got {len(labels)}.")
            return labels
        if isinstance(self.images, ImageFolder) and len(self.images) == self.n:
            return self.images.labels
        if args.input.lower().endswith(".npz") and args.key != "labels" \
                and "labels" in npz_members(args.input):
            found = load_array(args.input, "labels", max_bytes=self.max_bytes, numeric=False)
            if found.dtype.kind in "US" and found.shape == (self.n,):
                return [str(label) for label in found]
        return None

    def images_for(self, start: int, stop: int) -> Any:
        if self.images is None:
            return None
        if isinstance(self.images, np.ndarray) and self.images.ndim == 3:
            return self.images  # one image for every sample
        with _option("--images"):  # a folder's images are read here, slice by slice
            if self._image_count() == 1:
                return self.images[0:1]  # one image (in a batch or folder of one) for all
            return self.images[start:stop]

    def slice(self, start: int, stop: int) -> np.ndarray:
        if "N" not in self.letters:
            return np.asarray(self.x)
        index = [slice(None)] * len(self.letters)
        index[self.letters.index("N")] = slice(start, stop)
        return np.asarray(self.x[tuple(index)])

    def per_sample(self, pipe: Any) -> Any:
        """``pipe`` with batch-wide steps fixed by a first pass over the slices (twopass)."""
        from .twopass import pipeline_stats, resolve

        if pipe.is_per_sample():
            return pipe
        bounds = [(a, min(self.n, a + self.batch_size)) for a in range(0, self.n, self.batch_size)]
        read = lambda a, b: (self.slice(a, b), self.images_for(a, b))  # noqa: E731
        return resolve(pipe, pipeline_stats(read, bounds, self.letters))

    def render(self, pipe: Any, done: Any, quiet: bool, command: str
               ) -> Iterator[tuple[int, int, Any]]:
        """Yield ``(start, stop, Heatmaps)`` per slice; slices ``done(start, stop)`` are skipped."""
        from tqdm import tqdm

        from .heatmap import render_pictures

        pipe = self.per_sample(pipe)
        bar = tqdm(total=self.n, unit="map", desc=f"visheat {command}", file=sys.stderr,
                   leave=False, disable=quiet or self.n <= self.batch_size)
        try:
            for start in range(0, self.n, self.batch_size):
                stop = min(self.n, start + self.batch_size)
                if not done(start, stop):
                    with warnings.catch_warnings():  # said once above, as a CLI line
                        warnings.filterwarnings("ignore", r".* looks like .* \(channels last\)",
                                                UserWarning)
                        pictures = render_pictures(self.slice(start, stop),
                                                   self.images_for(start, stop), pipe,
                                                   self.letters, np.dtype(np.uint8), start=start)
                    yield start, stop, pictures
                bar.update(stop - start)
        finally:
            bar.close()


def _existing(args: argparse.Namespace) -> str:
    return str(args.existing)


def _refuse_existing(existing: str, paths: Sequence[Path], resume: bool = True) -> None:
    """Existing outputs are never overwritten without --overwrite."""
    if existing != "error":
        return
    clash = [p for p in paths if p.exists()]
    if clash:
        keep = " or --resume to keep them" if resume else ""
        raise ValueError(f"--out: {len(clash)} output file(s) exist already, e.g. {clash[0]}. "
                         f"Pass --overwrite to replace them{keep}.")


# -- commands ---------------------------------------------------------------------------

def _render_command(args: argparse.Namespace) -> int:
    from .results import (
        check_distinct,
        file_name,
        png_bytes,
        prepare_folder,
        remove_temporaries,
        safe_name,
        write_atomic,
    )

    inputs = _Inputs(args)
    labels = inputs.labels
    pattern = args.pattern or ("{index:05d}_{label}.png" if labels else "{index:05d}.png")
    if args.scheduler is not None:
        return _render_on_dask(args, inputs, pattern)
    out = Path(args.out)
    paths = [out / file_name(pattern, i, safe_name(labels[i]) if labels else "", "--pattern")
             for i in range(inputs.n)]
    check_distinct(paths, "--pattern")
    existing = _existing(args)
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
                write_atomic(paths[i], png_bytes(np.asarray(pictures.to_numpy()[i - start]),
                                                 args.compress_level))
                written += 1
    if not args.quiet:
        kept = f" (kept {inputs.n - written} existing)" if written < inputs.n else ""
        print(f"wrote {written} pictures to {out}{kept}")
    return 0


def _render_on_dask(args: argparse.Namespace, inputs: _Inputs, pattern: str) -> int:
    """``render --scheduler``: the files are written by Dask workers (visheat.dask)."""
    try:
        from . import dask as on_dask
    except ImportError as err:  # pragma: no cover - the extra is part of the test install
        raise ValueError(f"--scheduler: expected dask installed (pip install 'visheat[dask]'); "
                         f"got {err}.") from None
    scheduler = on_dask.get_scheduler(args.scheduler, argument="--scheduler")
    try:
        paths = on_dask.save_heatmaps(
            inputs.x, inputs.images, inputs.pipe, directory=args.out, pattern=pattern,
            labels=inputs.labels, existing=_existing(args), layout=inputs.letters,
            compress_level=args.compress_level, chunks=inputs.batch_size, scheduler=scheduler)
    finally:
        if hasattr(scheduler, "close"):  # a distributed.Client connected for this run
            scheduler.close()
    if not args.quiet:
        print(f"wrote {len(paths)} pictures to {args.out} (on dask: {args.scheduler})")
    return 0


def _split_overlay(pipe: Any, has_images: bool) -> tuple[Any, float | None]:
    """A pipeline ending in ``AlphaOverlay(a)``, drawn as heatmap *and* overlay: (rest, a)."""
    from .overlay import AlphaOverlay
    from .pipeline import Pipeline

    steps = list(getattr(pipe, "steps", [pipe]))
    last = steps[-1] if steps else None
    if has_images and isinstance(last, AlphaOverlay) and isinstance(last.alpha, float):
        return Pipeline(*steps[:-1]), last.alpha
    return pipe, None


def _captions(args: argparse.Namespace, inputs: _Inputs) -> list[Any] | None:
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


def _gallery_command(args: argparse.Namespace) -> int:
    from ._cards import read_captions
    from .gallery import GalleryWriter

    inputs = _Inputs(args)
    captions = _captions(args, inputs)
    cards = read_captions(captions, inputs.n)
    pipe, alpha = _split_overlay(inputs.pipe, inputs.images is not None)
    if args.alpha is not None:
        alpha = args.alpha
    writer = GalleryWriter(args.out, title=args.title, colorbar=not args.no_colorbar,
                           alpha=0.5 if alpha is None else alpha,
                           self_contained=args.self_contained, existing=_existing(args),
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
        print(f"wrote a gallery of {inputs.n} pictures: {page}")
    return 0


def _colormaps_command(args: argparse.Namespace) -> int:
    from ._colordata import KINDS, list_names

    kinds = [args.kind] if args.kind else list(KINDS)
    found = {kind: list_names(kind=kind, source=args.source) for kind in kinds}
    if args.swatches:
        path = _write_swatches(Path(args.swatches), found, args.source,
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


#: Where a swatch row's name starts, and the white gap it keeps before the colour bar.
SWATCH_TEXT_X, SWATCH_GAP = 16, 8


def swatch_label(name: str, draw: Any, font: Any, width: int) -> str:
    """``name``, shortened in the middle with ``...`` until it is at most ``width`` px wide.

    colorcet's long names (``diverging_linear_protanopic_deuteranopic_bjy_57_89_c34``)
    differ at both ends, so both ends are kept. Measured with Pillow's ``textbbox``.
    """
    def fits(text: str) -> bool:
        return draw.textbbox((0, 0), text, font=font)[2] <= width

    if fits(name):
        return name
    keep = len(name) - 1
    while keep > 1:
        head = (keep + 1) // 2
        label = name[:head] + "..." + name[len(name) - (keep - head):]
        if fits(label):
            return label
        keep -= 1
    return "..."


def _write_swatches(path: Path, found: dict[str, list[str]], source: str | None,
                    overwrite: bool = False) -> Path:
    """A PNG sheet: one row per colormap, its name beside its colours."""
    from PIL import Image, ImageDraw, ImageFont

    from ._cards import ramp
    from ._colordata import get_table
    from .results import png_bytes, prepare_folder, to_uint8, write_atomic

    if path.suffix.lower() != ".png":
        raise ValueError(f"--swatches: expected a .png file name; got {str(path)!r}.")
    if path.exists() and not overwrite:
        raise ValueError(f"--swatches: expected a new file; got {str(path)!r}, which exists "
                         "already. Pass --overwrite (--existing overwrite) to replace it.")
    prefix = {"matplotlib": "mpl:", "colorcet": "cet:", "crameri": "crameri:",
              "colorschemes": "colorschemes:"}.get(source or "", "")
    rows = [row for kind in found if found[kind]
            for row in [(kind, None)] + [(kind, name) for name in found[kind]]]
    row_h, name_w, ramp_w = 18, 240, 320
    sheet = Image.new("RGB", (name_w + ramp_w + 16, row_h * len(rows) + 8), "white")
    draw, font = ImageDraw.Draw(sheet), ImageFont.load_default()
    for r, (kind, name) in enumerate(rows):
        y = 4 + r * row_h
        if name is None:
            draw.text((8, y + 3), f"{kind}:", fill="black", font=font)
            continue
        colours = to_uint8(ramp(get_table(prefix + name).colors, ramp_w))
        sheet.paste(Image.fromarray(np.repeat(colours[None], row_h - 4, axis=0)), (name_w, y))
        label = swatch_label(name, draw, font, name_w - SWATCH_TEXT_X - SWATCH_GAP)
        draw.text((SWATCH_TEXT_X, y + 3), label, fill="black", font=font)
    prepare_folder(path.parent, "--swatches")
    write_atomic(path, png_bytes(np.asarray(sheet)))
    return path


def _demo_inputs(preset: str, sample: Any) -> tuple[Any, Any, str]:
    """What a preset draws in the demo: CAMs over the photographs for CAM presets
    (those that end in an overlay), the attributions otherwise."""
    from ._cards import is_overlay
    from .presets import PRESETS

    if is_overlay(PRESETS[preset]):
        return sample.cams, sample.images, "NHW"
    return sample.attributions, None, "NCHW"


def _demo(args: argparse.Namespace) -> int:
    from .heatmap import heatmap
    from .presets import PRESETS
    from .results import prepare_folder, safe_name
    from .sample_data import load_sample

    sample = load_sample()
    out = Path(args.out)
    names = [f"{i:02d}_{safe_name(label)}.png" for i, label in enumerate(sample.labels)]
    existing = _existing(args)
    _refuse_existing(existing, [out / preset / name for preset in PRESETS
                                for name in names], resume=False)
    prepare_folder(out, "--out")
    for preset in PRESETS:  # every preset, in the order they are listed
        x, images, layout = _demo_inputs(preset, sample)
        pictures = heatmap(x, images, preset, layout=layout)
        folder = out / preset
        pictures.save(folder, "{index:02d}_{label}.png", labels=sample.labels,
                      existing="overwrite" if existing == "error" else existing)
        if not args.quiet:
            print(f"{preset:{max(map(len, PRESETS))}s} {len(pictures)} pictures -> {folder}")
    if not args.quiet:
        print(f"attributions: {sample.method}; CAMs: {sample.cam_method}")
    return 0


# -- visheat cam: a folder of images with their CAMs ---------------------------------

def _cam(args: argparse.Namespace) -> int:
    from .folders import render_folder
    from .letterbox import Unletterbox
    from .limits import parse_bytes

    pipe = _pipeline(args.pipe)
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
    _existing_options(cam)
    cam.add_argument("--max-npz-bytes", default="4G",
                     help="largest array read from a CAM or detection file (default 4G)")
    cam.add_argument("--quiet", action="store_true", help="no progress bar, print nothing")
    cam.set_defaults(run=_cam)


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


def _explore_command(args: argparse.Namespace) -> int:
    from .explorer import Explorer
    from .io import ImageFolder, load_array, open_images, read_labels
    from .limits import parse_bytes

    max_bytes = parse_bytes(args.max_npz_bytes, "--max-npz-bytes")
    names = _split_list("--names", args.names, len(args.inputs),
                        [Path(p).stem for p in args.inputs])
    if len(set(names)) != len(names):
        raise ValueError(f"--names: expected one distinct name per input; got {names}. "
                         "Pass --names 'IG,Saliency'.")
    layouts = _split_list("--layout", args.layout, len(args.inputs), ["NCHW"] * len(args.inputs))
    methods = {}
    for name, path in zip(names, args.inputs):
        with _option(path):
            methods[name] = load_array(path, args.key, max_bytes=max_bytes)
    images = labels = scores = None
    if args.images is not None:
        with _option("--images"):
            found = open_images(args.images, max_bytes=max_bytes)
            images = found[0:len(found)] if isinstance(found, ImageFolder) else found
            labels = found.labels if isinstance(found, ImageFolder) else None
    if args.labels is not None:
        with _option("--labels"):
            labels = read_labels(args.labels)
    if args.scores is not None:
        with _option("--scores"):
            scores = [float(t) for t in read_labels(args.scores)]
    view = {k: v for k, v in (("reduction", args.reduction), ("colormap", args.colormap),
                              ("scope", args.scope), ("alpha", args.alpha)) if v is not None}
    if args.clip is not None:
        view["clip"] = None if args.clip == "none" else [float(t) for t in args.clip.split(",")]
    out = Path(args.out)
    options = {} if args.colormaps is None else {"colormaps": args.colormaps.split(",")}
    explorer = Explorer(methods, images, layout=dict(zip(names, layouts)), labels=labels,
                        scores=scores, title=args.title, view=view, **options)
    explorer.save(out, overwrite=args.overwrite)
    if not args.quiet:
        print(f"{explorer.n} samples x {len(names)} methods -> {out} "
              f"({out.stat().st_size / 2**20:.1f} MiB)")
    return 0


def _add_explore_parser(commands: argparse._SubParsersAction) -> None:
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
    explore.add_argument("--images", help="images to draw over: a folder (sorted by file name) "
                         "or a .npy array (N, H, W, 3)")
    explore.add_argument("--labels", help="text file with one label per sample (default: the "
                         "image file names)")
    explore.add_argument("--scores", help="text file with one score per sample")
    explore.add_argument("--title", default="visheat explorer", help="title of the page")
    explore.add_argument("--reduction", choices=["sum", "norm", "maxabs", "sumabs", "abssum"],
                         help="first channel reduction (default sum)")
    explore.add_argument("--colormap", help="first colour map (default berlin)")
    explore.add_argument("--colormaps", help="comma-separated colour maps to offer (default: "
                         "a curated set with batlow, berlin, jet, viridis, bwr, ...)")
    explore.add_argument("--clip", help="first clip quantiles LO,HI, or none "
                         "(default 0.001,0.999)")
    explore.add_argument("--scope", choices=["sample", "batch"], help="first scale: per sample "
                         "(default) or one per method across the batch")
    explore.add_argument("--alpha", type=_alpha, help="first overlay opacity (default 0.5)")
    explore.add_argument("--out", required=True, help="the .html file to write")
    explore.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    explore.add_argument("--max-npz-bytes", default="4G",
                         help="largest uncompressed .npz member to read (default 4G)")
    explore.add_argument("--quiet", action="store_true", help="print nothing")
    explore.set_defaults(run=_explore_command)


# -- the parser -----------------------------------------------------------------------

def _input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="INPUT",
                        help=".npy or .npz file of attributions or maps (never unpickled), a "
                             "zarr store (maps.zarr) or an HDF5 dataset (file.h5:dataset)")
    parser.add_argument("--key", help="name of the array to read from an .npz archive")
    parser.add_argument("--layout", default="NCHW",
                        help="axis letters of INPUT: NCHW (default), NHWC, WHCN (Julia), NHW ...")
    parser.add_argument("--pipe", default="sensitivity",
                        help=f"a preset ({_preset_names()}) or pipeline text such as "
                             "\"SumReduction() | CenteredColormap('bwr')\"")
    parser.add_argument("--images",
                        help="images to draw over: a folder (sorted by file name) or a .npy "
                             "array (N, H, W, 3)")
    parser.add_argument("--labels", help="text file with one label per sample (default: the "
                                         "image file names, or an .npz input's 'labels' array)")
    parser.add_argument("--out", required=True, help="output folder (created)")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="samples rendered at a time (bounds memory; default 64)")
    parser.add_argument("--max-npz-bytes", default="4G",
                        help="largest uncompressed .npz member to read (default 4G)")
    _existing_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def _preset_names() -> str:
    from .presets import PRESETS

    return ", ".join(PRESETS)


def _existing_options(parser: argparse.ArgumentParser, skip: bool = True) -> None:
    """``--existing {error,overwrite[,skip]}`` with ``--overwrite`` (and ``--resume``) as
    short forms: the same flags in every command that writes files."""
    choices = ["error", "overwrite", "skip"] if skip else ["error", "overwrite"]
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--existing", choices=choices, default="error",
                       help="what to do with output files already there: error (default), "
                            + ("overwrite them, or skip them (resume an interrupted run)"
                               if skip else "or overwrite them"))
    group.add_argument("--overwrite", dest="existing", action="store_const", const="overwrite",
                       help="replace existing outputs (--existing overwrite)")
    if skip:
        group.add_argument("--resume", dest="existing", action="store_const", const="skip",
                           help="keep complete existing outputs and render the rest "
                                "(--existing skip)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1]; got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1]; got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``visheat`` argument parser (sub-commands render, gallery, colormaps, demo)."""
    from ._colordata import KINDS, SOURCES

    parser = argparse.ArgumentParser(prog="visheat", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="render INPUT to one PNG per sample")
    _input_options(render)
    render.add_argument("--pattern", help="file names, with {index} and {label} "
                                          "(default {index:05d}_{label}.png)")
    render.add_argument("--compress-level", type=int, choices=range(10), default=1,
                        metavar="0-9", help="zlib level of the PNG files (default 1: fast, "
                                            "and small for colormapped maps)")
    render.add_argument("--scheduler", help="render on Dask: threads, processes, or the "
                                            "address of a distributed scheduler "
                                            "(tcp://host:8786); needs visheat[dask]")
    render.set_defaults(run=_render_command)

    gallery = commands.add_parser("gallery", help="render INPUT as an offline HTML gallery")
    _input_options(gallery)
    gallery.add_argument("--captions", help="JSON list with one caption per sample: a string "
                                            "or an object with label, score, method")
    gallery.add_argument("--method", help="method named in every caption, e.g. 'Grad-CAM'")
    gallery.add_argument("--title", default="visheat gallery", help="title of the page")
    gallery.add_argument("--alpha", type=_alpha, help="opacity of the overlay panel (default "
                                                      "0.5, or the pipeline's AlphaOverlay)")
    gallery.add_argument("--no-colorbar", action="store_true", help="leave the colour bars out")
    gallery.add_argument("--self-contained", action="store_true",
                         help="write one HTML file with the pictures inlined")
    gallery.set_defaults(run=_gallery_command)

    colormaps = commands.add_parser("colormaps", help="list colormap names by kind")
    colormaps.add_argument("--kind", choices=KINDS, help="only the colormaps of this kind")
    colormaps.add_argument("--source", choices=SOURCES, help="only the colormaps of this source")
    colormaps.add_argument("--swatches", metavar="FILE.png", help="also draw them into a PNG")
    _existing_options(colormaps, skip=False)
    colormaps.add_argument("--quiet", action="store_true", help="print nothing with --swatches")
    colormaps.set_defaults(run=_colormaps_command)

    demo = commands.add_parser("demo", help="render the built-in sample data with every preset")
    demo.add_argument("--out", default="visheat-demo", help="output folder (created)")
    _existing_options(demo)
    demo.add_argument("--quiet", action="store_true", help="print nothing")
    demo.set_defaults(run=_demo)
    _add_cam_parser(commands)
    _add_explore_parser(commands)
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
