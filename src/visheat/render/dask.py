"""visheat on Dask: render chunked arrays lazily, write PNG files from the workers.

``render(x, [images,] pipe)`` returns a lazy ``dask.array`` of pictures
``(N, H, W, 3)``, chunked along N as ``x`` is; each chunk is an ordinary
in-process :func:`visheat.heatmap` call, so pictures are equal pixel for pixel.
``save_heatmaps(...)`` writes the files from the workers, atomically, with the
same names as :func:`visheat.save_heatmaps`. Both run on whatever scheduler is
active (threads, processes, a ``distributed.Client``) or the one passed as
``scheduler=``.

Batch-wide steps (``ExtremaColormap(scope="batch")``) take two passes (see
:mod:`visheat.render.twopass`): a dask reduction finds the batch range, then every
chunk renders with it fixed. Inputs: dask arrays, zarr arrays, HDF5 datasets
(``h5py`` objects or :class:`visheat.io.stores.HDF5Source`), xarray ``DataArray``s
(the dimension names give the layout) and numpy arrays. Needs
``pip install ".[dask]"``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..core.batch import check_dtype
from ..core.errors import check_number, type_error, value_error
from ..core.layout import parse_layout
from ..core.pipeline import Pipeline
from ..io.files import check_distinct, check_existing, plan_outputs, write_checked
from ..io.png import DEFAULT_COMPRESS_LEVEL, batch_unfiltered, png_bytes
from ..io.stores import HDF5Source, MemmapSource, layout_of_dims
from ..transforms.presets import as_pipeline
from .apply import _split_heatmap_args, render_pictures
from .stream import _sample_file_name
from .twopass import batch_wide_steps, slice_stats

__all__ = ["render", "save_heatmaps", "as_dask_array", "get_scheduler", "check_scheduler",
           "open_scheduler"]

#: Samples per chunk for inputs that have no chunks of their own (numpy arrays).
DEFAULT_CHUNK = 256
#: Seconds to wait for a distributed scheduler named by its address.
CONNECT_TIMEOUT = 10.0
SCHEDULERS = ("threads", "processes", "sync")
#: A distributed scheduler's address: tcp://, a host name, IPv4 or [IPv6], a port.
ADDRESS = re.compile(r"tcp://(?:\w[\w.-]*|\[[0-9A-Fa-f:.]+\]):(?P<port>[0-9]{1,5})", re.ASCII)
EXPECTED_SCHEDULER = ("None, 'threads', 'processes', 'sync', a distributed.Client or a "
                      "scheduler address tcp://host:port")


# -- inputs ---------------------------------------------------------------------------

def as_dask_array(x: Any, layout: str | None = None, chunks: int | None = None
                  ) -> tuple[Any, str]:
    """``x`` as a dask array chunked along N only, and its layout letters.

    ``chunks`` (samples per chunk) overrides the input's own chunking along N;
    zarr and HDF5 inputs keep their stored chunks by default.

    Examples
    --------
    >>> arr, letters = as_dask_array(np.zeros((10, 3, 4, 4)), chunks=4)
    >>> arr.chunks[0], letters
    ((4, 4, 2), 'NCHW')
    """
    import dask.array as da

    if type(x).__module__.startswith("xarray") and hasattr(x, "dims"):
        layout = layout_of_dims(tuple(x.dims)) if layout is None else layout
        x = x.data
    letters = parse_layout("NCHW" if layout is None else layout)
    if type(x).__module__.startswith("h5py"):
        x = HDF5Source(x.file.filename, x.name)
    elif isinstance(x, np.memmap) and getattr(x, "filename", None) and x.base is not None:
        x = MemmapSource(x)  # worker processes reopen the file instead of receiving a copy
    if not isinstance(x, da.Array):
        if not hasattr(x, "shape") or not hasattr(x, "__getitem__"):
            x = np.asarray(x)
        stored = getattr(x, "chunks", None)
        step = _n_chunk(x.shape, letters, stored, chunks)
        meta = np.empty((0,) * len(x.shape), np.dtype(x.dtype))  # so nothing is read now
        x = da.from_array(x, chunks=_chunks_along_n(x.shape, letters, step),
                          asarray=True, lock=False, fancy=False, meta=meta)
    if x.ndim != len(letters):
        raise value_error("x", f"{len(letters)} axes ({', '.join(letters)}) for layout "
                          f"{''.join(letters)!r}", f"shape {tuple(x.shape)}",
                          "Name one letter per axis, e.g. layout='NCHW' or 'NHW'.",
                          described=True)
    if "N" not in letters:
        return x.rechunk(-1), letters
    axis = letters.index("N")
    if chunks is not None:
        size = int(check_number("chunks", chunks, low=1, integer=True))
        return x.rechunk({i: (size if i == axis else -1) for i in range(x.ndim)}), letters
    if all(len(c) <= 1 for i, c in enumerate(x.chunks) if i != axis):
        return x, letters  # rechunk would drop empty chunks along N
    return x.rechunk({i: -1 for i in range(x.ndim) if i != axis}), letters


def _n_chunk(shape: tuple[int, ...], letters: str, stored: Any, chunks: int | None) -> int:
    if chunks is not None:
        return int(check_number("chunks", chunks, low=1, integer=True))
    if "N" in letters and isinstance(stored, tuple) and len(stored) == len(shape):
        return max(1, int(stored[letters.index("N")]))
    return DEFAULT_CHUNK


def _chunks_along_n(shape: tuple[int, ...], letters: str, step: int) -> tuple[int, ...]:
    if len(shape) != len(letters):
        return tuple(-1 for _ in shape)  # the layout error comes next, with its message
    return tuple(step if c == "N" else -1 for c in letters)


def _starts(sizes: Sequence[int]) -> list[int]:
    return [int(v) for v in np.concatenate([[0], np.cumsum(sizes)[:-1]])] if sizes else []


def _image_blocks(images: Any, n: int, sizes: Sequence[int]) -> tuple[list[Any], Any]:
    """One (possibly delayed) images argument per chunk, and a probe image for the shape."""
    import dask
    import dask.array as da

    starts = _starts(sizes)
    if images is None:
        return [None] * len(sizes), None
    if isinstance(images, (str, os.PathLike)):
        from ..io.arrays import ImageFolder

        images = ImageFolder(images)
    if type(images).__name__ == "ImageFolder" and hasattr(images, "files"):
        if len(images) == 1:
            one = dask.delayed(images[0])
            return [one] * len(sizes), images[0]
        _check_count(len(images), n)
        return ([dask.delayed(_folder_slice)(images, a, a + s) for a, s in zip(starts, sizes)],
                images[0])
    if type(images).__module__.startswith("xarray"):
        images = images.data
    if isinstance(images, da.Array) and images.ndim in (4, 5) and images.shape[0] == n \
            and n != 1:  # images, or the pictures of volumes (5 axes: their probe keeps N)
        aligned = images.rechunk((tuple(sizes),) + tuple(-1 for _ in images.shape[1:]))
        blocks = list(aligned.to_delayed().ravel())
        probe = images.shape[1:] if images.ndim == 4 else (1,) + images.shape[1:]
        return blocks, np.zeros(probe, images.dtype)
    if isinstance(images, (list, tuple)) and len(images) == n and n != 1:
        return [list(images[a:a + s]) for a, s in zip(starts, sizes)], images[0]
    arr = np.asarray(images)
    if arr.ndim in (4, 5) and arr.shape[0] == n and n != 1:
        return [arr[a:a + s] for a, s in zip(starts, sizes)], arr[0] if arr.ndim == 4 else arr[:1]
    if arr.ndim == 4 and arr.shape[0] != 1:
        _check_count(arr.shape[0], n)
    shared = dask.delayed(arr, pure=True)
    return [shared] * len(sizes), arr[0] if arr.ndim == 4 else arr


def _is_dask(images: Any) -> bool:
    return type(images).__module__.startswith("dask") and hasattr(images, "dask")


def _check_count(found: int, n: int) -> None:
    if found != n:
        raise value_error("images", f"{n} images (one per sample) or one image for all",
                          f"{found} images", described=True)


def _folder_slice(folder: Any, start: int, stop: int) -> list[np.ndarray]:
    return folder[start:stop]


# -- rendering ----------------------------------------------------------------------

def _block_stats(block: np.ndarray, images: Any, pipe: Pipeline, index: int, letters: str,
                 dtype: np.dtype, start: int, tokens: Any = None) -> Any:
    return slice_stats(block, images, pipe[:index], pipe[index], letters, dtype, start, tokens)


def _resolve_step(pipe: Pipeline, index: int, parts: list[Any]) -> Pipeline:
    steps = list(pipe.steps)
    step: Any = steps[index]  # a batch-wide step with the two-pass methods (twopass)
    steps[index] = step.with_stats(step.combine_stats(parts))
    return Pipeline(*steps)


def _render_block(block: np.ndarray, images: Any, pipe: Pipeline, letters: str,
                  dtype: np.dtype, start: int, shape: tuple[int, ...],
                  tokens: Any = None) -> np.ndarray:
    n = block.shape[letters.index("N")] if "N" in letters else 1
    if n == 0:
        return np.empty((0,) + shape, dtype)
    pictures = render_pictures(block, images, pipe, letters, dtype, threads=1,
                               start=start, tokens=tokens).to_numpy()
    if not isinstance(pictures, np.ndarray) or pictures.shape[1:] != shape:
        raise value_error("images", f"images that give pictures of one shape {shape}",
                          "images of several sizes", "Resize the images to one size first.",
                          described=True)
    return pictures


def _plan(x: Any, args: tuple[Any, ...], images: Any, layout: str | None, dtype: Any,
          chunks: int | None, tokens: Any = None) -> tuple[Any, ...]:
    """Blocks of x, images per block, the (delayed) per-sample pipeline, the picture shape."""
    import dask

    found_images, pipe = _split_heatmap_args(args, images)
    if type(found_images).__module__.startswith("xarray"):
        found_images = found_images.data  # a dask array is read by each pass on its own
    transform = Pipeline(as_pipeline(pipe))
    out_dtype = check_dtype(dtype)
    arr, letters = as_dask_array(x, layout, chunks)
    sizes = arr.chunks[letters.index("N")] if "N" in letters else (1,)
    n = int(sum(sizes))
    blocks = list(arr.to_delayed().ravel())
    image_args, probe_image = _image_blocks(found_images, n, sizes)
    shape = _picture_shape(arr, letters, probe_image, transform, out_dtype, tokens)
    starts = _starts(sizes)
    resolved: Any = transform
    for index in batch_wide_steps(transform):
        # the first pass reads its own copies of the chunks: sharing the rendering pass's
        # would keep every chunk in memory until the statistics are known
        stat_blocks = list(_own_copy(arr, index).to_delayed().ravel())
        stat_images = image_args if not _is_dask(found_images) else \
            _image_blocks(_own_copy(found_images, index), n, sizes)[0]
        parts = [dask.delayed(_block_stats)(b, i, resolved, index, letters, out_dtype, s, tokens)
                 for b, i, s in zip(stat_blocks, stat_images, starts)]
        resolved = dask.delayed(_resolve_step)(resolved, index, parts)
    return blocks, image_args, starts, sizes, resolved, letters, out_dtype, shape, n


def _own_copy(arr: Any, seed: int) -> Any:
    """``arr`` computed by tasks of its own: its whole graph under new keys.

    (dask's ``graph_manipulation.clone`` keeps the tasks of materialised layers, such
    as rechunking and slicing, on their old keys: its copy shares those reads with
    ``arr``, or fails with "Cannot fuse tasks with multiple outputs".)
    """
    import dask.array as da
    from dask._task_spec import convert_legacy_graph  # graphs of Task objects, dask >= 2024.12
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    graph = convert_legacy_graph(dict(arr.__dask_graph__()))
    suffix = "-first-pass-" + tokenize(arr.name, seed)[:10]
    keys: dict[Any, Any] = {
        k: (k[0] + suffix, *k[1:]) if isinstance(k, tuple) else f"{k}{suffix}" for k in graph}
    copied = {keys[k]: node.substitute(keys, key=keys[k]) for k, node in graph.items()}
    name = arr.name + suffix
    return da.Array(HighLevelGraph.from_collections(name, copied), name, chunks=arr.chunks,
                    dtype=arr.dtype)


def _picture_shape(arr: Any, letters: str, image: Any, pipe: Pipeline, dtype: np.dtype,
                   tokens: Any = None) -> tuple[int, ...]:
    """Shape of one picture, from an empty batch (the data is not read, nothing is rendered)."""
    sample = list(arr.shape)
    if "N" in letters:
        sample[letters.index("N")] = 0
    probe = np.zeros(sample, np.float32)
    image = None if image is None else np.zeros(np.shape(image), np.asarray(image).dtype)
    pictures = render_pictures(probe, image, pipe, letters, dtype, threads=1, tokens=tokens)
    out = pictures.to_numpy() if hasattr(pictures, "to_numpy") else None
    if not isinstance(out, np.ndarray):  # pragma: no cover - one sample is never ragged
        raise value_error("images", "images of one size", "images of several sizes",
                          described=True)
    return tuple(out.shape[1:])


def render(x: Any, *args: Any, layout: str | None = None, images: Any = None,
           dtype: Any = np.uint8, chunks: int | None = None, tokens: Any = None) -> Any:
    """Lazy pictures ``(N, H, W, 3)`` of ``x`` as a ``dask.array``, chunked along N as ``x``.

    Same call as :func:`visheat.heatmap`: ``render(x, [images,] [pipe])``. Nothing
    is read or rendered until the result is computed; every chunk is one
    :func:`visheat.heatmap` call on a worker, so pictures are equal to
    ``heatmap(x, ...)`` pixel for pixel, also for batch-wide steps (a first dask
    reduction finds their statistics).

    Parameters
    ----------
    x : dask array, zarr array, HDF5 dataset, xarray DataArray or array_like
        The batch, chunked along any axes (rechunked to whole samples). An xarray
        ``DataArray``'s dimension names give the layout (``sample``/``N``,
        ``channel``/``C``, ``y``/``H``, ``x``/``W``).
    images : dask array, array_like, list or folder path, optional
        An ``(N, H, W, 3)`` array aligned with ``x`` (a dask array is rechunked
        to ``x``'s chunks), one image for all, or a folder of N image files
        (read on the workers, a chunk at a time).
    pipe : Pipeline, Transform or str, optional
        As in :func:`visheat.heatmap`.
    layout : str, optional
        Axis letters of ``x``; default ``"NCHW"``, or the dims of a ``DataArray``.
    dtype : {np.uint8, np.float32, np.float64}
        Of the pictures, as in :func:`visheat.heatmap`.
    chunks : int, optional
        Samples per chunk, instead of ``x``'s own chunks along N.
    tokens : TokenGrid, optional
        How a layout with L (transformer tokens) lies on the image, as in
        :func:`visheat.heatmap`.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(5, 3, 8, 8)).astype(np.float32)
    >>> lazy = render(x, "attribution", chunks=2)
    >>> lazy.shape, lazy.chunks[0], lazy.dtype
    ((5, 8, 8, 3), (2, 2, 1), dtype('uint8'))
    >>> from visheat import heatmap
    >>> bool((lazy.compute(scheduler="sync") == heatmap(x, "attribution").to_numpy()).all())
    True
    """
    import dask
    import dask.array as da

    blocks, image_args, starts, sizes, pipe, letters, dtype, shape, _ = _plan(
        x, args, images, layout, dtype, chunks, tokens)
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    parts = [dask.delayed(_render_block)(b, i, pipe, letters, dtype, s, shape, tokens)
             for b, i, s in zip(blocks, image_args, starts)]
    # one output chunk per input chunk, empty ones too (da.concatenate would drop them)
    name = "visheat-render-" + tokenize(*parts)
    layer: dict[Any, Any] = {(name, i) + (0,) * len(shape): part.key
                             for i, part in enumerate(parts)}
    graph = HighLevelGraph.from_collections(name, layer, dependencies=parts)
    return da.Array(graph, name, chunks=(tuple(sizes),) + tuple((d,) for d in shape),
                    dtype=dtype)


# -- files ---------------------------------------------------------------------------

def _save_block(block: np.ndarray, images: Any, pipe: Pipeline, letters: str, start: int,
                paths: list[Path], existing: str, level: int, shape: tuple[int, ...],
                tokens: Any = None) -> int:
    """Render one chunk and write its files; return how many were written."""
    todo = [i for i, p in enumerate(paths) if existing != "skip" or not p.exists()]
    # existing="error": files already there were left for this look (plan_outputs, defer):
    # the same bytes stay, anything else is refused (visheat.io.files.write_checked)
    if not todo:
        return 0
    pictures = _render_block(block, images, pipe, letters, np.dtype(np.uint8), start, shape,
                             tokens)
    unfiltered = batch_unfiltered(pictures, level)  # one pipeline's pictures take one PNG path
    for i in todo:
        write_checked(paths[i], png_bytes(pictures[i], level, unfiltered), existing)
    return len(todo)


def save_heatmaps(x: Any, *args: Any, directory: str | os.PathLike,
                  pattern: str = "{index:05d}.png", labels: Sequence[str] | None = None,
                  existing: str = "error", layout: str | None = None, images: Any = None,
                  compress_level: int = DEFAULT_COMPRESS_LEVEL, chunks: int | None = None,
                  scheduler: Any = None, tokens: Any = None) -> list[Path]:
    """Render ``x`` chunk by chunk on Dask workers, which write the PNG files; return the paths.

    Arguments as in :func:`render` and :func:`visheat.save_heatmaps`: file names
    come from ``pattern`` (``{index}``, ``{label}``) exactly as there; files are
    written atomically (a killed worker leaves no truncated file); ``existing``
    is ``"error"`` (default), ``"overwrite"`` or ``"skip"`` (resume: chunks whose
    files all exist are not rendered again). Every worker holds one chunk at a
    time. ``scheduler``: None uses the active one (a ``distributed.Client`` once
    created), or ``"threads"``, ``"processes"``, ``"sync"``, a ``Client`` (left
    open), or an address ``tcp://host:port`` (connected to for this call and
    closed after it); anything else is refused before any connection. ``tokens`` reads a
    layout with L, as in :func:`visheat.heatmap`.

    Examples
    --------
    >>> import tempfile
    >>> x = np.random.default_rng(0).normal(size=(3, 3, 8, 8)).astype(np.float32)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = save_heatmaps(x, directory=d, pattern="{index}.png", scheduler="sync")
    ...     [p.name for p in paths]
    ['0.png', '1.png', '2.png']
    """
    import dask

    check_existing(existing)
    check_scheduler(scheduler)
    level = int(check_number("compress_level", compress_level, low=0, high=9, integer=True))
    folder = Path(directory)
    blocks, image_args, starts, sizes, pipe, letters, _, shape, n = _plan(
        x, args, images, layout, np.uint8, chunks, tokens)
    if labels is not None and len(labels) != n:
        raise value_error("labels", f"{n} labels", f"{len(labels)} labels", described=True)
    paths = [folder / _sample_file_name(pattern, i, labels) for i in range(n)]
    check_distinct(paths)
    with open_scheduler(scheduler) as get:  # a Client connected here is closed here
        if plan_outputs(folder, paths, existing, defer=True).all_done():
            return paths
        tasks = [dask.delayed(_save_block)(b, i, pipe, letters, s, paths[s:s + size],
                                           existing, level, shape, tokens)
                 for b, i, s, size in zip(blocks, image_args, starts, sizes)]
        dask.compute(*tasks, scheduler=get)
    return paths


def check_scheduler(scheduler: Any, argument: str = "scheduler") -> None:
    """Refuse a ``scheduler=`` that :func:`get_scheduler` cannot use, without connecting.

    Accepted: None, ``"threads"``, ``"processes"``, ``"sync"``, a
    ``distributed.Client``, or the address of a distributed scheduler as
    ``tcp://host:port``. Errors name ``argument``.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786")
    >>> check_scheduler("tls://10.0.0.5:8786")
    Traceback (most recent call last):
    ...
    ValueError: scheduler: expected None, 'threads', 'processes', 'sync', a distributed.Client or
    a scheduler address tcp://host:port; got 'tls://10.0.0.5:8786' (str). visheat connects to
    tcp:// addresses only: for tls:// or another protocol, connect a distributed.Client
    yourself and pass it.
    """
    if scheduler is None or _is_client(scheduler) or (
            isinstance(scheduler, str) and scheduler in SCHEDULERS):
        return
    if not isinstance(scheduler, str):
        raise type_error(argument, EXPECTED_SCHEDULER, scheduler)
    found = ADDRESS.fullmatch(scheduler)
    if found is None:
        raise value_error(argument, EXPECTED_SCHEDULER, scheduler, _address_hint(scheduler))
    if not 1 <= int(found["port"]) <= 65535:
        raise value_error(argument, "a scheduler address tcp://host:port with a port from 1 "
                          "to 65535", scheduler)


def _is_client(scheduler: Any) -> bool:
    return type(scheduler).__name__ == "Client" and hasattr(scheduler, "get")


def _address_hint(text: str) -> str | None:
    if text.startswith("tcp://"):
        return "Write it as tcp://host:port, e.g. tcp://10.0.0.5:8786."
    if "://" in text:
        return ("visheat connects to tcp:// addresses only: for tls:// or another protocol, "
                "connect a distributed.Client yourself and pass it.")
    if ADDRESS.fullmatch(f"tcp://{text}"):
        return f"Write the protocol too: 'tcp://{text}'."
    close = difflib.get_close_matches(text, SCHEDULERS, n=1)
    return f"Did you mean {close[0]!r}?" if close else None


def get_scheduler(scheduler: Any = None, timeout: float | None = None,
                  argument: str = "scheduler") -> Any:
    """A ``scheduler=`` for :func:`dask.compute` from a name, a Client or an address.

    None keeps the active scheduler; ``"threads"``, ``"processes"`` and
    ``"sync"`` name dask's local schedulers; a ``distributed.Client`` is used as
    it is; an address ``tcp://host:port`` is connected to within ``timeout``
    seconds (default :data:`CONNECT_TIMEOUT`), and the new ``Client`` is the
    caller's to close (:func:`open_scheduler` closes it). Anything else is
    refused by :func:`check_scheduler` before any connection. Errors name
    ``argument``.

    Examples
    --------
    >>> get_scheduler("threads")
    'threads'
    >>> get_scheduler(42)
    Traceback (most recent call last):
    ...
    TypeError: scheduler: expected None, 'threads', 'processes', 'sync', a distributed.Client or a
    scheduler address tcp://host:port; got 42 (int).
    """
    check_scheduler(scheduler, argument)
    if not isinstance(scheduler, str) or scheduler in SCHEDULERS:
        return scheduler
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT if timeout is None else timeout,
                      set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise value_error(argument, "the address of a running distributed scheduler",
                          scheduler, f"Could not connect: {err}", described=True) from None


@contextmanager
def open_scheduler(scheduler: Any = None, timeout: float | None = None,
                   argument: str = "scheduler") -> Iterator[Any]:
    """:func:`get_scheduler` for the length of a ``with`` block.

    A ``Client`` connected here from an address is closed when the block ends;
    a ``Client`` passed in stays open (whoever opened a Client closes it).

    Examples
    --------
    >>> with open_scheduler("sync") as scheduler:
    ...     scheduler
    'sync'
    """
    found = get_scheduler(scheduler, timeout, argument)
    try:
        yield found
    finally:
        if found is not scheduler:  # connected here, from an address
            found.close()
