"""What every command shares: reading INPUT, --existing, the common options."""


from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .token_options import _add_token_options, _token_layout_hint, _token_option

# -- shared input handling ------------------------------------------------------------

def _parse_pipe(text: str) -> Any:
    """A preset name or a pipeline's text form (parsed, never evaluated)."""
    from ..core.errors import raise_unknown_name
    from ..core.pipeline import BUILT_IN, Pipeline
    from ..transforms.presets import PRESETS

    if text in PRESETS:
        return PRESETS[text]
    if text.strip().isidentifier() and text.strip() not in BUILT_IN:
        raise_unknown_name("--pipe", text, PRESETS, "preset")
    try:
        return Pipeline.parse(text)
    except (ValueError, TypeError) as err:
        raise type(err)(f"--pipe: {err}") from None


@contextlib.contextmanager
def _naming_option(name: str) -> Iterator[None]:
    """Say which option a file-reading error came from: ``--images: <path>: expected ...``
    (a message that names ``name`` first already says it)."""
    try:
        yield
    except (ValueError, TypeError) as err:
        if str(err).startswith(f"{name}: "):
            raise
        raise type(err)(f"{name}: {err}") from None


class Inputs:
    """The array, images, labels and pipeline named on the command line."""

    def __init__(self, args: argparse.Namespace) -> None:
        from ..core.layout import parse_layout, probable_layout
        from ..core.limits import parse_bytes
        from ..io.arrays import load_array, open_images
        from ..io.stores import is_store_path, open_store

        self.max_bytes = parse_bytes(args.max_npz_bytes, "--max-npz-bytes")
        if is_store_path(args.input):
            self.x = open_store(args.input, "INPUT", key=args.key, key_option="--key")
        else:
            self.x = load_array(args.input, args.key, max_bytes=self.max_bytes)
        try:
            self.letters = parse_layout(args.layout)
        except ValueError as err:
            raise ValueError(f"--layout: {err}") from None
        if self.x.ndim != len(self.letters):
            raise ValueError(f"--layout: expected an array with {len(self.letters)} axes for "
                             f"layout {self.letters!r}; got shape {self.x.shape}. Name one "
                             "letter per axis, e.g. NCHW for attributions, NHW for CAMs."
                             + _token_layout_hint(self.x.shape))
        self.tokens = _token_option(args, self.letters)  # --tokens or --grid/--prefix/--merge
        self.probable = probable_layout(self.x.shape, self.letters)
        if self.probable is not None and not getattr(args, "quiet", False):
            print(f"visheat {args.command}: warning: INPUT of shape {self.x.shape} looks like "
                  f"{self.probable} (channels last); pass --layout {self.probable}. Rendering "
                  f"it as {self.letters}, as asked.", file=sys.stderr)
        self.n = int(self.x.shape[self.letters.index("N")]) if "N" in self.letters else 1
        self.pipe = _parse_pipe(args.pipe)
        self.images = None
        if args.images is not None:
            with _naming_option("--images"):
                self.images = open_images(args.images, max_bytes=self.max_bytes)
        if getattr(args, "window", None) is not None:
            self.images = _window_option(args.window, self.images)
        self._check_image_count()
        self.labels = self._labels(args)
        self.batch_size = args.batch_size
        if self.batch_size < 1:
            raise ValueError(f"--batch-size: expected a positive number; got {self.batch_size}.")

    def _image_count(self) -> int:
        from ..io.arrays import ImageFolder

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
        from ..io.arrays import ImageFolder, load_array, npz_members, read_labels

        if args.labels is not None:
            with _naming_option("--labels"):
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
        with _naming_option("--images"):  # a folder's images are read here, slice by slice
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
        from ..render.twopass import pipeline_stats, resolve

        if pipe.is_per_sample():
            return pipe
        bounds = [(a, min(self.n, a + self.batch_size)) for a in range(0, self.n, self.batch_size)]
        read = lambda a, b: (self.slice(a, b), self.images_for(a, b))  # noqa: E731
        return resolve(pipe, pipeline_stats(read, bounds, self.letters, tokens=self.tokens))

    def render(self, pipe: Any, done: Any, quiet: bool, command: str
               ) -> Iterator[tuple[int, int, Any]]:
        """Yield ``(start, stop, Heatmaps)`` per slice; slices ``done(start, stop)`` are skipped."""
        from tqdm import tqdm

        from ..render.apply import render_pictures

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
                                                   self.letters, np.dtype(np.uint8), start=start,
                                                   tokens=self.tokens)
                    yield start, stop, pictures
                bar.update(stop - start)
        finally:
            bar.close()


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun`` for a summary line, plural only when needed.

    >>> counted(1, "picture"), counted(0, "method"), counted(2, "sample")
    ('1 picture', '0 methods', '2 samples')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _existing_choice(args: argparse.Namespace) -> str:
    """``--existing`` (or its short forms), checked as every writer checks ``existing=``."""
    from ..io.files import check_existing

    return check_existing(args.existing, "--existing")


def _refuse_existing(existing: str, paths: Sequence[Path], holds: Any = None) -> None:
    """Refuse outputs already there, before anything is rendered, with the message every
    writer gives (:func:`visheat.io.files.clash_error`, in the command's words)."""
    from ..io.files import clash_error

    if existing != "error":
        return
    for i, path in enumerate(paths):
        if path.exists() and (holds is None or not holds(i, path)):
            raise clash_error(path, "--out", "--existing")


# -- the parser -----------------------------------------------------------------------

def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="INPUT",
                        help=".npy or .npz file of attributions or maps (never unpickled), a "
                             "zarr store (maps.zarr, runs.zarr/ig) or an HDF5 dataset "
                             "(file.h5:dataset)")
    parser.add_argument("--key", help="name of the array to read from an .npz archive or a "
                                      "zarr group")
    parser.add_argument("--layout", default="NCHW",
                        help="axis letters of INPUT: NCHW (default), NHWC, WHCN (Julia), NHW ...; "
                             "NLC, NL or NCL for transformer tokens (with --tokens); "
                             "NCDHW, NDHW, NTCHW, NTHW for volumes and clips (a file per "
                             "volume, its slices one below the other)")
    _add_token_options(parser)
    parser.add_argument("--pipe", default="sensitivity",
                        help=f"a preset ({_preset_names()}) or pipeline text such as "
                             "\"SumReduction() | CenteredColormap('bwr')\"")
    parser.add_argument("--images",
                        help="images to draw over: a folder (sorted by file name) or a .npy "
                             "array (N, H, W, 3)")
    parser.add_argument("--window", metavar="PRESET|LEVEL,WIDTH|pLO,pHI",
                        help="show a scan (--images, e.g. a CT in Hounsfield units) through a "
                             "window: a preset (brain, lung, bone, 'soft tissue', ...), a "
                             "level and width such as 40,80, or percentiles such as p1,p99 "
                             "for an MR; see visheat.window")
    parser.add_argument("--labels", help="text file with one label per sample (default: the "
                                         "image file names, or an .npz input's 'labels' array)")
    parser.add_argument("--out", required=True, help="output folder (created)")
    parser.add_argument("--batch-size", type=int, default=64,
                        help="samples rendered at a time (bounds memory; default 64)")
    parser.add_argument("--max-npz-bytes", default="4G",
                        help="largest uncompressed .npz member to read (default 4G)")
    _add_existing_options(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def _preset_names() -> str:
    from ..transforms.presets import PRESETS

    return ", ".join(PRESETS)


def _add_existing_options(parser: argparse.ArgumentParser, skip: bool = True) -> None:
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


def _alpha_fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1]; got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1]; got {text!r}")
    return value


def _window_option(text: str, images: Any) -> Any:
    """``--window``: the scan given as ``--images`` through :func:`visheat.window`."""
    from ..core.volumes import WINDOWS, window

    if images is None:
        raise ValueError("--window: expected --images (a scan to show through the window); "
                         "got no --images.")
    with _naming_option("--window"):
        parts = [p.strip() for p in text.split(",")]
        if text in WINDOWS:
            return window(np.asarray(images), text)
        try:
            if len(parts) == 2 and all(p.startswith("p") for p in parts):
                return window(np.asarray(images),
                              percentiles=(float(parts[0][1:]), float(parts[1][1:])))
            if len(parts) == 2:
                return window(np.asarray(images), float(parts[0]), float(parts[1]))
        except ValueError as err:
            if "could not convert" not in str(err):
                raise
        raise ValueError(f"--window: expected a preset ({', '.join(WINDOWS)}), LEVEL,WIDTH "
                         f"(e.g. 40,80) or pLO,pHI (e.g. p1,p99); got {text!r}.")

