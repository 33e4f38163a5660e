"""Running transforms over a batch: chunking, error context, provenance.

Statistics in visheat are per sample, so a pipeline can run on slices of the
batch without changing any result. Running chunk by chunk keeps each step's
arrays in the CPU cache between steps (a reduction's map is still warm when the
colormap reads it) and bounds the memory of the intermediate arrays. Steps whose
statistics span the whole batch (``per_sample = False``) make the pipeline run on
the whole batch at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.batch import Batch, Record, Stage
from ..core.pipeline import Transform
from ..core.pipeline import apply_steps as apply_in_order
from . import fusion
from .registry import apply_step
from .threads import map_threads


def apply_steps(steps: Sequence[Transform], batch: Batch, offset: int = 0,
                total: int | None = None) -> Batch:
    """:func:`visheat.core.pipeline.apply_steps` with the engine's kernels where it has them."""
    return apply_in_order(steps, batch, offset, total, apply=apply_step)


#: Bytes of input per chunk: large enough to amortise per-chunk Python work,
#: small enough to stay in the last-level cache.
CHUNK_BYTES = 1 << 23
#: Smallest batch (bytes of input) worth splitting over threads.
PARALLEL_BYTES = 1 << 20
#: Fused pipelines run in chunks this many times larger (see _run_fused).
FUSED_CHUNKS = 8


def _chunk_bounds(batch: Batch, chunk_bytes: int, threads: int = 1) -> list[tuple[int, int]]:
    """Sample ranges to run one at a time; with threads, enough to keep them all busy.

    With threads the first chunk is a single sample: it runs alone, to learn the
    shape of the result before the others write into it.
    """
    if isinstance(batch.images, tuple):  # image sizes differ: one sample at a time
        return [(i, i + 1) for i in range(batch.n)]
    per_sample = max(1, batch.data[0].nbytes) if batch.n else 1
    if isinstance(batch.images, np.ndarray) and batch.images.ndim == 4:
        # small inputs (7x7 CAMs) grow to image size: count a float32 map and the picture
        per_sample = max(per_sample, 7 * batch.images.shape[1] * batch.images.shape[2])
    size = max(1, chunk_bytes // per_sample)
    start = 0
    bounds = []
    if threads > 1 and batch.n > 2 and batch.n * per_sample >= PARALLEL_BYTES:
        bounds, start = [(0, 1)], 1
        chunks = -(-(batch.n - 1) // size)
        chunks = -(-chunks // threads) * threads  # every thread gets as many
        size = -(-(batch.n - 1) // chunks)
    return bounds + [(i, min(batch.n, i + size)) for i in range(start, batch.n, size)]


def run_batch(pipe: Any, batch: Batch, *, chunk_bytes: int = CHUNK_BYTES, threads: int = 1,
              check: Callable[[np.ndarray], None] | None = None) -> Batch | Ragged:
    """Run ``pipe`` on ``batch``, chunk by chunk when the result allows it.

    The output is the same as ``pipe.apply(batch)``: per-sample steps give
    identical results on any split of the batch. Chunks keep each step's arrays
    in the cache for the next step; the last step writes straight into the final
    array when it can (``Batch.out``). ``check`` runs on each chunk's input just
    before its steps, while the chunk is in the cache. With ``threads > 1``
    chunks run on a thread pool (the kernels and numpy release the GIL).
    """
    steps = list(pipe.steps) if hasattr(pipe, "steps") else [pipe]
    # A volume of one slice runs step by step: the fused 2-D pass would not record the
    # colormap's peak (OrthoViews reads it); deeper volumes have their own fused pass.
    one_slice = batch.volumetric and batch.depth == 1 and batch.image_depth == 1
    fused = None if one_slice else fusion.plan(steps, batch)
    shape = fused.picture_shape(batch) if fused is not None else None
    if fused is not None and shape is not None and batch.n > 1:
        return _run_fused(fused, steps, batch, shape, chunk_bytes, threads, check)
    bounds = _chunk_bounds(batch, chunk_bytes, threads)
    if len(bounds) <= 1 or not all(step.is_per_sample() for step in steps):
        if fused is not None:
            return fused.run(batch, None, check, apply_steps)
        if check is not None:
            check(batch.data)
        return apply_steps(steps, batch)
    run_chunk = functools.partial(_run_chunk, steps, fused, batch)
    first = run_chunk(bounds[0], None, check)
    if not isinstance(first.data, np.ndarray) or isinstance(batch.images, tuple):
        parts = [first] + [run_chunk(b, None, check) for b in bounds[1:]]
        return _join_batches(parts, batch)
    final = np.empty((batch.n,) + first.data.shape[1:], first.data.dtype)
    final[: bounds[0][1]] = first.data
    if threads > 1 and len(bounds) > 2:
        rest = map_threads(lambda b: run_chunk(b, final, check), bounds[1:], threads)
    else:
        rest = [run_chunk(b, final, check) for b in bounds[1:]]
    parts = [first] + rest
    if any(p.data.shape[1:] != first.data.shape[1:] for p in rest):
        return _join_batches(parts, batch)
    return first.replace(data=final, images=batch.images, records=_join_records(parts),
                         start=batch.start, out=None)


def _run_fused(fused: fusion._FusedTail, steps: list[Any], batch: Batch, shape: tuple[int, ...],
               chunk_bytes: int, threads: int, check: Callable[[np.ndarray], None] | None
               ) -> Batch:
    """A fused pipeline whose pictures' shape is known: into one array, in even chunks.

    The fused kernels keep each sample's map in the cache themselves, so chunks
    only bound the memory of a fallback and share the work between threads:
    ``FUSED_CHUNKS`` times larger than step-by-step chunks, one per thread for
    a mid-sized batch.
    """
    per_sample = max(1, int(np.prod(shape[1:])) * 7 // 3, batch.data[0].nbytes)
    pieces = -(-batch.n * per_sample // (chunk_bytes * FUSED_CHUNKS))
    if threads > 1 and batch.n * per_sample >= PARALLEL_BYTES:
        pieces = -(-max(pieces, threads) // threads) * threads
    pieces = max(1, min(pieces, batch.n))
    size = -(-batch.n // pieces)
    bounds = [(i, min(batch.n, i + size)) for i in range(0, batch.n, size)]
    final = np.empty(shape, np.uint8)
    run_chunk = functools.partial(_run_chunk, steps, fused, batch)
    if threads > 1 and len(bounds) > 1:
        parts = map_threads(lambda b: run_chunk(b, final, check), bounds, threads)
    else:
        parts = [run_chunk(b, final, check) for b in bounds]
    return parts[0].replace(data=final, images=batch.images, records=_join_records(parts),
                            start=batch.start, out=None)


def _run_chunk(steps: list[Any], fused: fusion._FusedTail | None, batch: Batch,
               bound: tuple[int, int], final: np.ndarray | None,
               check: Callable[[np.ndarray], None] | None) -> Batch:
    """Steps on samples ``bound`` of ``batch``; the last one may write into ``final``."""
    part = _slice_batch(batch, *bound)
    target = None if final is None else final[bound[0]:bound[1]]
    if fused is not None:
        result = fused.run(part, target, check, apply_steps)
    else:
        if check is not None:
            check(part.data)
        result = apply_steps(steps[:-1], part)
        result = apply_steps(steps[-1:], result.replace(out=target), offset=len(steps) - 1,
                             total=len(steps))
    # a chunk of another shape is joined later (see run)
    if target is not None and result.data is not target and result.data.shape == target.shape:
        np.copyto(target, result.data)
    return result.replace(out=None)


def _slice_batch(batch: Batch, start: int, stop: int) -> Batch:
    """Samples ``start:stop`` of ``batch`` (views, no copies)."""
    images = batch.images
    if images is not None:
        images = images[start:stop]
    records = tuple(Record(r.transform, {k: v[start:stop] for k, v in r.values.items()})
                    for r in batch.records)
    return batch.replace(data=batch.data[start:stop], images=images, records=records,
                         start=batch.start + start)


@dataclass(frozen=True)
class Ragged:
    """A result whose samples differ in size (their images did): one array each."""

    data: tuple[np.ndarray, ...]
    stage: Stage
    records: tuple[Record, ...]


def _join_records(parts: Sequence[Batch]) -> tuple[Record, ...]:
    first = parts[0]
    return tuple(
        Record(rec.transform, {k: np.concatenate([p.records[j].values[k] for p in parts])
                               for k in rec.values})
        for j, rec in enumerate(first.records))


def _join_batches(parts: Sequence[Batch], like: Batch) -> Batch | Ragged:
    """Concatenate chunk results back into one batch, or a `Ragged` result."""
    first = parts[0]
    records = _join_records(parts)
    if len({p.data.shape[1:] for p in parts}) > 1:
        return Ragged(tuple(s for p in parts for s in p.data), first.stage, records)
    return first.replace(data=np.concatenate([p.data for p in parts]), images=like.images,
                         records=records, start=like.start)
