"""Running transforms over a batch: chunking, error context, provenance.

Statistics in visheat are per sample, so a pipeline can run on slices of the
batch without changing any result. Running chunk by chunk keeps each step's
arrays in the CPU cache between steps (a reduction's map is still warm when the
colormap reads it) and bounds the memory of the intermediate arrays. Steps whose
statistics span the whole batch (``per_sample = False``) make the pipeline run on
the whole batch at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .batch import Batch, Record, Stage

#: Bytes of input per chunk: small enough to stay in a core's L2 cache.
CHUNK_BYTES = 1 << 20


def apply_steps(steps: Sequence[Any], batch: Batch) -> Batch:
    """Apply ``steps`` in order; a step's error is re-raised with its position."""
    for i, step in enumerate(steps):
        try:
            batch = step.apply(batch)
        except (ValueError, TypeError) as err:
            if len(steps) == 1 or getattr(err, "_visheat_step", False):
                raise
            raised = type(err)(f"step {i + 1} of the pipeline, {step!r}: {err}")
            raised._visheat_step = True  # type: ignore[attr-defined]
            raise raised from err
    return batch


def run(pipe: Any, batch: Batch, *, chunk_bytes: int = CHUNK_BYTES,
        threads: int = 1) -> Batch | Ragged:
    """Run ``pipe`` on ``batch``, chunk by chunk when the result allows it.

    The output is the same as ``pipe.apply(batch)``: per-sample steps give
    identical results on any split of the batch. With ``threads > 1`` chunks run
    on a thread pool (numpy releases the GIL in its loops).
    """
    steps = list(pipe.steps) if hasattr(pipe, "steps") else [pipe]
    if batch.n <= 1 or not all(step.is_per_sample() for step in steps):
        return apply_steps(steps, batch)
    if isinstance(batch.images, tuple):  # sizes differ: one sample at a time
        bounds = [(i, i + 1) for i in range(batch.n)]
    else:
        per_sample = max(1, batch.data[0].nbytes)
        size = max(1, chunk_bytes // per_sample)
        bounds = [(i, min(batch.n, i + size)) for i in range(0, batch.n, size)]
    if len(bounds) == 1:
        return apply_steps(steps, batch)

    def work(bound: tuple[int, int]) -> Batch:
        return apply_steps(steps, slice_batch(batch, *bound))

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(work, bounds))
    else:
        parts = [work(b) for b in bounds]
    return join_batches(parts, batch)


def slice_batch(batch: Batch, start: int, stop: int) -> Batch:
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


def join_batches(parts: Sequence[Batch], like: Batch) -> Batch | Ragged:
    """Concatenate chunk results back into one batch, or a `Ragged` result."""
    first = parts[0]
    records = tuple(
        Record(rec.transform, {k: np.concatenate([p.records[j].values[k] for p in parts])
                               for k in rec.values})
        for j, rec in enumerate(first.records))
    if len({p.data.shape[1:] for p in parts}) > 1:
        return Ragged(tuple(s for p in parts for s in p.data), first.stage, records)
    return first.replace(data=np.concatenate([p.data for p in parts]), images=like.images,
                         records=records, start=like.start)
