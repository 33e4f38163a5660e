"""Batch-wide steps on slices: a statistics pass, then per-sample rendering.

A step whose statistics span the whole batch (``is_per_sample()`` is False, e.g.
``ExtremaColormap(scope="batch")``) cannot render one slice at a time as it
stands: the range it uses depends on every sample. Such a step offers three
methods, next to its ``apply`` (the definition of what it does):

``partial_stats(batch)``
    the statistic of one slice (the batch that reaches the step), e.g. the
    slice's ``(min, max)``;
``combine_stats(parts)``
    the whole batch's statistic from the slices' (a reduction: min of mins);
``with_stats(stats)``
    the per-sample step that gives the same pictures once ``stats`` are known,
    e.g. ``ExtremaColormap(vmin=lo, vmax=hi)``.

:func:`resolve` replaces every batch-wide step of a pipeline by its per-sample
equivalent, asking its caller for the statistics: the streaming functions read
the input once more, slice by slice; :mod:`visheat.dask` computes them with a dask
reduction. Pictures are the same as one :func:`visheat.heatmap` call on the whole
batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..core.batch import Batch
from ..core.errors import value_error
from ..core.images import to_images
from ..core.layout import read_batch
from ..core.pipeline import Pipeline, Transform
from ..engine import run as run_engine
from ..transforms.presets import as_pipeline

__all__ = ["batch_wide_steps", "resolve", "slice_stats", "batch_stats", "pipeline_stats"]

PROTOCOL = ("partial_stats", "combine_stats", "with_stats")


def batch_wide_steps(pipe: Any) -> list[int]:
    """Indices of the steps of ``pipe`` whose statistics span the batch.

    Raises a `ValueError` for such a step that does not offer the two-pass methods.

    Examples
    --------
    >>> from visheat import SumReduction, ExtremaColormap
    >>> batch_wide_steps(SumReduction() | ExtremaColormap(scope="batch"))
    [1]
    """
    pipe = Pipeline(as_pipeline(pipe))
    found = [i for i, step in enumerate(pipe.steps) if not step.is_per_sample()]
    for i in found:
        step = pipe.steps[i]
        if not all(hasattr(step, name) for name in PROTOCOL):
            raise value_error("pipe", "batch-wide steps that can run in two passes (with "
                              "partial_stats, combine_stats and with_stats)",
                              f"step {i + 1}, {step!r}", "Use heatmap() on the whole batch, "
                              "or give the step a fixed range.", described=True)
    return found


def resolve(pipe: Any, stats_of: Callable[[Pipeline, Transform], Any]) -> Pipeline:
    """``pipe`` with every batch-wide step replaced by its per-sample equivalent.

    ``stats_of(prefix, step)`` returns the combined statistics of ``step`` over
    the whole batch, where ``prefix`` (already per-sample) is the pipeline
    before it; it is called once per batch-wide step, in order.

    Examples
    --------
    >>> from visheat import ExtremaColormap
    >>> resolve(ExtremaColormap("gray", scope="batch"), lambda prefix, step: (0.0, 2.0))[0]
    ExtremaColormap('gray', vmin=0.0, vmax=2.0)
    """
    pipe = Pipeline(as_pipeline(pipe))
    steps = list(pipe.steps)
    for i in batch_wide_steps(pipe):
        prefix = Pipeline(*steps[:i])
        steps[i] = steps[i].with_stats(stats_of(prefix, steps[i]))
    return Pipeline(*steps)


def slice_stats(x: Any, images: Any, prefix: Pipeline, step: Any, layout: str,
                dtype: Any = np.uint8, start: int = 0, tokens: Any = None) -> Any:
    """``step.partial_stats`` of the batch that reaches ``step`` when ``prefix`` runs on
    the slice ``x`` (samples ``start`` onwards) with its ``images``.

    ``dtype`` is the pictures' dtype, as the rendering pass will use it (the
    8-bit path may compute in another precision); ``tokens`` reads a layout with L.
    """
    data, stage = read_batch(x, layout, tokens=tokens, images=images)
    imgs = None if images is None else to_images(images, data.shape[0])
    batch = Batch(data, stage, images=imgs, dtype=np.dtype(dtype), start=start)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if len(prefix):
            batch = prefix.apply(batch)
    return step.partial_stats(batch)


def batch_stats(batch: Batch, prefix: Pipeline, step: Any, threads: int = 1) -> Any:
    """``step.partial_stats`` of ``batch`` once ``prefix`` has run on it, on the engine
    (chunks, ``threads``, compiled kernels): :func:`slice_stats` for a batch already read.

    Examples
    --------
    >>> from visheat import Stage, SumReduction, ExtremaColormap
    >>> batch = Batch(np.ones((2, 3, 4, 4), np.float32), Stage.VALUES, dtype=np.dtype(np.uint8))
    >>> batch_stats(batch, Pipeline(SumReduction()), ExtremaColormap(scope="batch"))
    (np.float32(3.0), np.float32(3.0))
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if len(prefix):
            batch = run_engine(prefix, batch, threads=threads)  # type: ignore[assignment]
    return step.partial_stats(batch)


def pipeline_stats(read: Callable[[int, int], tuple[Any, Any]], bounds: Iterable[tuple[int, int]],
                   layout: str, dtype: Any = np.uint8, tokens: Any = None
                   ) -> Callable[[Pipeline, Transform], Any]:
    """A ``stats_of`` for :func:`resolve` that reads the input slice by slice.

    ``read(start, stop)`` returns the samples ``start:stop`` and their images (or
    None); ``bounds`` are the slices' ``(start, stop)``, read once for every
    batch-wide step. Memory stays bounded by one slice.

    Examples
    --------
    >>> from visheat import ExtremaColormap
    >>> x = np.arange(12.0).reshape(3, 2, 2)
    >>> stats_of = pipeline_stats(lambda a, b: (x[a:b], None), [(0, 2), (2, 3)], "NHW")
    >>> resolve(ExtremaColormap(scope="batch"), stats_of)[0]
    ExtremaColormap('batlow', vmin=0.0, vmax=11.0)
    """
    bounds = list(bounds)

    def stats_of(prefix: Pipeline, step: Any) -> Any:
        parts = [slice_stats(*read(start, stop), prefix, step, layout, dtype, start, tokens)
                 for start, stop in bounds]
        return step.combine_stats(parts)

    return stats_of
