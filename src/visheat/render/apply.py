"""``heatmap()``: from an attribution batch to pictures, and the ``Heatmaps`` result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import engine
from ..core.batch import Batch, Record, Stage, check_dtype
from ..core.errors import type_error, value_error
from ..core.images import ImageOptions, image_options
from ..core.inputs import finite_check, read_inputs
from ..core.layout import depth_letter, parse_layout
from ..core.limits import check_allocation
from ..core.pipeline import Pipeline, Transform
from ..display.heatmaps import Heatmaps
from ..transforms.colormaps import ExtremaColormap
from ..transforms.presets import as_pipeline
from ..transforms.reductions import SumReduction

CHANNELS = ("together", "separate")


def _split_heatmap_args(args: tuple[Any, ...], images: Any) -> tuple[Any, Any]:
    """``(images, pipe)`` from ``heatmap(x, *args, images=...)``'s positional arguments."""
    if len(args) > 2:
        raise TypeError(f"heatmap() takes x, [images,] [pipe]; got {len(args) + 1} positional "
                        "arguments")
    if len(args) == 2:
        found_images, pipe = args
    elif len(args) == 1 and (isinstance(args[0], (Transform, str))):
        found_images, pipe = None, args[0]
    elif len(args) == 1:
        found_images, pipe = args[0], "sensitivity"
    else:
        found_images, pipe = None, "sensitivity"
    if found_images is not None and images is not None:
        raise type_error("images", "the images once", "them both positionally and as images=",
                         described=True)
    return (images if found_images is None else found_images), pipe


def heatmap(x: Any, *args: Any, layout: str = "NCHW", images: Any = None,
            dtype: Any = np.uint8, threads: int | None = None,
            channels: str = "together", image_layout: str | None = None,
            image_mean: Any = None, image_std: Any = None, tokens: Any = None) -> Heatmaps:
    """Turn a batch of attributions, saliency maps or CAMs into pictures.

    Call it as ``heatmap(x)``, ``heatmap(x, pipe)``, ``heatmap(x, image, pipe)`` or
    ``heatmap(x, images, pipe)``, as in VisionHeatmaps.jl.

    Parameters
    ----------
    x : array_like
        The batch: a numpy array, nested lists, or anything with ``__array__`` or
        ``__dlpack__`` (a torch tensor, also one that requires grad; a JAX array).
        Never modified.
    images : array_like or list, optional
        The pictures to draw over: one ``(H, W, 3)`` or ``(H, W)`` image for every
        sample, an ``(N, H, W, 3)`` batch, or a list of arrays / PIL images (sizes
        may differ). uint8 or floats in [0, 1].
    pipe : Pipeline, Transform or str, optional
        The steps to apply, or a preset name: ``"sensitivity"`` (default),
        ``"attribution"`` (signed), ``"attribution-julia"``, ``"cam"``, ``"gradcam"``
        (raw CAMs scaled as pytorch-grad-cam does). See :mod:`visheat.transforms.presets`.
    layout : str
        Axis letters of ``x``: ``"NCHW"`` (default), ``"NHWC"``, ``"WHCN"`` (Julia),
        ``"CHW"``, ``"HWC"``, ``"NHW"``, ``"HW"``, ``"WH"`` or any order of N, C, H, W;
        for transformer tokens L in place of H and W: ``"NLC"`` (tokens x features),
        ``"NL"`` (a score per token), ``"NCL"`` (e.g. heads x tokens), with ``tokens=``.
    dtype : {np.uint8, np.float32, np.float64}
        ``uint8`` (default) takes the fast 8-bit path. A float dtype keeps the exact
        colours in [0, 1] all the way through (``to_numpy()`` returns them).
    threads : int, optional
        Run chunks of the batch on this many threads. The default uses every CPU
        the process may run on (or ``VISHEAT_THREADS``); batches under about a
        megabyte run on the calling thread. Pictures are identical for any count.
    channels : {"together", "separate"}
        ``"separate"`` draws every channel of ``(N, C, H, W)`` values as its own
        picture, as imgaug's ``draw()`` returns one image per heatmap channel:
        the pipeline sees an ``(N * C, H, W)`` map, pictures come sample-major
        (sample 0's channels first), each over its sample's image, and
        ``result.to_grid()`` is ``(N, C, H, W, 3)`` (volumes: a volume per channel,
        ``(N, C, D, H, W, 3)``). Per-sample parameters of the pipeline (alpha planes,
        boxes) then count pictures, not samples.
    image_layout : {"HWC", "CHW", "NHWC", "NCHW", "HW", "NHW"}, optional
        Axis order of ``images`` when it is not channels-last, e.g. ``"NCHW"`` for
        a torch image batch (tensors are read like ``x``), or ``"NHW"`` for a batch of
        gray images (``"HW"`` for one), read as gray repeated to RGB.
    image_mean, image_std : float or sequence of float, optional
        Undo the normalisation the model's input had: images are read as
        ``image * image_std + image_mean`` per channel, clipped to [0, 1]
        (ImageNet's: ``visheat.IMAGENET_MEAN``, ``visheat.IMAGENET_STD``).
    tokens : TokenGrid, optional
        How a layout with L lies on the image: ``TokenGrid(prefix=1)`` sets a class
        token aside and reads the rest row-major into a square grid (or one of the
        images' aspect ratio), ``TokenGrid.from_timm(model)`` takes the model's own.
        The pipeline then sees an ordinary ``(N, C, h, w)`` batch (a view of ``x``).
        See :class:`visheat.TokenGrid`.

    Returns
    -------
    Heatmaps
        A sequence of pictures; ``h[i]`` is a ``PIL.Image``, ``h.to_numpy()`` an
        ``(N, H, W, 3)`` array. Volumes and clips (a layout with D or T, without a
        view): one item per volume, ``h.to_numpy()`` ``(N, D, H, W, 3)``.

    Examples
    --------
    >>> import numpy as np
    >>> from visheat import heatmap, SumReduction, CenteredColormap
    >>> x = np.random.default_rng(0).normal(size=(2, 3, 8, 8)).astype(np.float32)
    >>> h = heatmap(x, SumReduction() | CenteredColormap("bwr"))
    >>> len(h), h.to_numpy().shape, h.to_numpy().dtype
    (2, (2, 8, 8, 3), dtype('uint8'))
    >>> heatmap(x[0])
    Traceback (most recent call last):
    ...
    ValueError: x: expected 4 axes (N, C, H, W) for layout 'NCHW'; got shape (3, 8, 8). For one
    image use layout='CHW'; for a batch of maps, layout='NHW'.
    """
    found_images, pipe = _split_heatmap_args(args, images)
    options = image_options(image_layout, image_mean, image_std)
    if not isinstance(channels, str) or channels not in CHANNELS:
        raise value_error("channels", "'together' or 'separate'", channels)
    threads = engine.resolve_threads(threads)
    return render_pictures(x, found_images, as_pipeline(pipe), layout, check_dtype(dtype),
                           threads, channels=channels, options=options, tokens=tokens)


def render_pictures(x: Any, images: Any, transform: Transform, layout: str, dtype: np.dtype,
                    threads: int | None = None, start: int = 0, channels: str = "together",
                    options: ImageOptions | None = None, tokens: Any = None) -> Heatmaps:
    """Read ``x`` (once: :func:`~visheat.core.inputs.read_inputs`), run the pipeline on
    the engine, wrap the pictures.

    The body of :func:`heatmap` with validated arguments; ``start`` offsets
    per-sample parameters (the streaming functions render slices of a batch).
    """
    batch = read_inputs(x, images, layout, dtype, options, start, tokens)
    check = finite_check(batch, engine.all_finite)
    grid = None
    if channels == "separate":  # volumes too: each channel's volume folded, as the input's
        data, stage, imgs, grid = _split_channels(batch.data, batch.stage, batch.images)
        batch = batch.replace(data=data, stage=stage, images=imgs)
    _check_reaches_rgb(transform, batch.stage)

    # Steps check their results (a colormap refuses non-finite maps, naming the step),
    # so numpy's floating-point warnings about an overflowing step would only be noise.
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        result = engine.run(transform, batch, threads=engine.resolve_threads(threads),
                            check=check)
    if isinstance(result, Batch) and (result.depth > 1 or _unviewed_volume(
            layout, transform)):  # a volume of one slice is (N, 1, H, W, 3) too
        return _slices_as_pictures(result, dtype, transform, grid, depth_letter(
            parse_layout(layout)))
    return _to_heatmaps(result, dtype, transform, grid, batch.images)


#: The channel reductions, named in the hint of a pipeline that lacks one.
REDUCTIONS = ("SumReduction(), NormReduction(), MaxAbsReduction(), SumAbsReduction() or "
              "AbsSumReduction()")
COLORMAPS = "ExtremaColormap() or CenteredColormap()"


def _check_reaches_rgb(transform: Transform, stage: Stage) -> None:
    """Refuse, before any work, a pipeline that cannot turn ``stage`` into RGB pictures.

    The steps are followed with the stage the input really has, and the hint is a
    pipeline that works: the missing reduction or colormap added where it belongs.

    >>> from visheat import ExtremaColormap, SumReduction
    >>> _check_reaches_rgb(SumReduction() | ExtremaColormap(), Stage.VALUES)
    >>> _check_reaches_rgb(ExtremaColormap(), Stage.VALUES)
    Traceback (most recent call last):
    ...
    ValueError: pipe: expected a pipeline that reduces channel values (N, C, H, W) to a map
    before ExtremaColormap('batlow'); got ExtremaColormap('batlow') (ExtremaColormap). Start
    with a channel reduction (SumReduction(), NormReduction(), MaxAbsReduction(),
    SumAbsReduction() or AbsSumReduction()), e.g. SumReduction() | ExtremaColormap('batlow').
    """
    steps = tuple(getattr(transform, "steps", (transform,)))
    failed = _first_failure(steps, stage)
    if failed is None:
        return
    repaired, added = _repaired(steps, stage)
    fixed = _short_repr(repaired)
    at = failed[0]
    if "dropped" in added:
        raise value_error("pipe", f"a pipeline that takes {failed[1].shape_text}", transform,
                          f"{_short(steps[at])} needs channel values: read x with a C axis (e.g. "
                          f"layout='NCHW') or leave it out, e.g. {fixed}.")
    if "reduction" in added and "colormap" in added:
        raise value_error("pipe", "a pipeline that reduces channel values (N, C, H, W) to a "
                          "map and ends in RGB pictures (with a colormap)", transform,
                          f"Add a channel reduction ({REDUCTIONS}) and a colormap ({COLORMAPS}"
                          f"), e.g. {fixed}.")
    if "reduction" in added:
        raise value_error("pipe", "a pipeline that reduces channel values (N, C, H, W) to a map "
                          f"before {_short(steps[at])}", transform,
                          f"Start with a channel reduction ({REDUCTIONS}), e.g. {fixed}.")
    raise value_error("pipe", "a pipeline that ends in RGB pictures (with a colormap)",
                      transform, f"Add a colormap ({COLORMAPS}), e.g. {fixed}.")


def _first_failure(steps: tuple[Transform, ...], stage: Stage) -> tuple[int, Stage] | None:
    """``(position, stage)`` where ``steps`` stop short of RGB (``len(steps)``: the end)."""
    for i, step in enumerate(steps):
        if stage not in step.input_stages():
            return i, stage
        stage = step.output_stage(stage)
    return None if stage is Stage.RGB else (len(steps), stage)


def _short(step: Transform) -> str:
    """A step for a message: its repr, or ``Step(...)`` when that runs long (a colour table
    of 256 entries), so the message says where the user's own step goes in a line."""
    text = repr(step)
    return text if len(text) <= 80 else f"{type(step).__name__}(...)"


def _short_repr(pipe: Pipeline) -> str:
    return " | ".join(_short(s) for s in pipe.steps)


def _repaired(steps: tuple[Transform, ...], stage: Stage) -> tuple[Pipeline, set[str]]:
    """``steps`` with what they lack added (a reduction, a colormap) and what can never take
    ``stage`` dropped, and the names of those changes."""
    added: set[str] = set()
    failed = _first_failure(steps, stage)
    for _ in range(len(steps) + 2):  # a reduction, a colormap, at worst every step dropped
        if failed is None:
            break
        at, found = failed
        needs = steps[at].input_stages() if at < len(steps) else frozenset({Stage.RGB})
        if found is Stage.VALUES and Stage.VALUES not in needs:
            front = all(Stage.MAP in step.input_stages() for step in steps[:at])
            at = 0 if front else at  # reductions first, where the steps before allow it
            steps, kind = steps[:at] + (SumReduction(),) + steps[at:], "reduction"
        elif found is Stage.MAP and Stage.RGB in needs:
            steps, kind = steps[:at] + (ExtremaColormap(),) + steps[at:], "colormap"
        else:
            steps, kind = steps[:at] + steps[at + 1:], "dropped"
        added.add(kind)
        failed = _first_failure(steps, stage)
    return Pipeline(*steps), added


def _unviewed_volume(layout: str, pipe: Transform) -> bool:
    """Volumes or clips (a layout with D or T) that no view made into pictures."""
    steps = pipe.steps if hasattr(pipe, "steps") else (pipe,)
    return depth_letter(parse_layout(layout)) is not None and not any(
        getattr(s, "is_view", False) for s in steps)


def _slices_as_pictures(result: Batch, dtype: np.dtype, pipe: Transform,
                        grid: tuple[int, int] | None, letter: str | None) -> Heatmaps:
    """Folded volumes or clips unfolded: a picture per slice, ``to_numpy()`` ``(N, D, H, W,
    3)`` (``h[i]`` volume ``i``); the records repeated per slice (a range per slice,
    ``scope="slice"``, as is). ``grid``: ``(N, C)`` of ``channels="separate"``."""
    n, d = result.n, result.depth
    data = _final(result.data, dtype)
    pictures = data.reshape((n, d, data.shape[1] // d) + data.shape[2:])
    records = tuple(Record(r.transform, {k: _per_slice(r, k, v, n, d)
                                         for k, v in r.values.items()})
                    for r in result.records)
    return Heatmaps(pictures, records, pipe, grid_shape=grid, axis=letter or "D")


def _per_slice(record: Record, key: str, v: np.ndarray, n: int, d: int) -> np.ndarray:
    """A record's values per slice: ranges per slice (``scope="slice"``) as they are (or,
    after a resize in depth, those of the nearest slice before it), per-volume values
    repeated."""
    if getattr(record.transform, "scope", None) == "slice" and key in ("lo", "hi") \
            and v.ndim == 2:
        nearest = ((np.arange(d) + 0.5) * v.shape[1] / d).astype(np.intp)
        return v[:, nearest].reshape(n * d)
    return np.repeat(v, d, axis=0)


def _split_channels(data: np.ndarray, stage: Stage, images: Any) -> tuple[Any, ...]:
    """``(N, C, H, W)`` values -> ``(N * C, H, W)`` maps, sample-major, images repeated."""
    if stage is not Stage.VALUES:
        raise value_error("channels", "channel values (N, C, H, W) to draw one picture per "
                          "channel", "a map without a channel axis",
                          "Use a layout with C, e.g. 'NCHW', or channels='together'.",
                          described=True)
    n, c = data.shape[:2]
    maps = data.reshape((n * c,) + data.shape[2:])
    if isinstance(images, np.ndarray) and images.strides[0]:
        check_allocation("channels", (n * c,) + images.shape[1:], images.dtype,
                         what="images repeated per channel")
    if isinstance(images, tuple):
        images = tuple(img for img in images for _ in range(c))
    elif images is not None:
        images = np.repeat(images, c, axis=0) if images.strides[0] else \
            np.broadcast_to(images[:1], (n * c,) + images.shape[1:])
    return maps, Stage.MAP, images, (n, c)


def _to_heatmaps(result: Batch | engine.Ragged, dtype: np.dtype, pipe: Transform,
                 grid: tuple[int, int] | None = None, images: Any = None) -> Heatmaps:
    """The pictures, with the images they were drawn for (as read, one per picture)."""
    if isinstance(result, engine.Ragged):
        arrays: Sequence[np.ndarray] = [_final(a, dtype) for a in result.data]
        return Heatmaps(list(arrays), result.records, pipe, grid_shape=grid, images=images)
    return Heatmaps(_final(result.data, dtype), result.records, pipe, grid_shape=grid,
                    images=images)


def _final(data: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.uint8:
        if data.dtype == np.uint8:
            return data
        return np.rint(np.clip(data, 0, 1) * 255).astype(np.uint8)
    if data.dtype == np.uint8:
        return (data / 255.0).astype(dtype)
    return data.astype(dtype, copy=False)
