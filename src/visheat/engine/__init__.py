"""The engine: how visheat runs a pipeline over a batch, fast. May import
:mod:`visheat.core` and the transforms it accelerates; the transforms never import it.

The transforms define what a picture is (their numpy ``apply``); the engine
only decides how to compute it. It is reached from :func:`visheat.heatmap` and
the streaming functions through one call, :func:`run`, and it adds:

* **chunks and threads** (:mod:`.execute`, :mod:`.threads`): per-sample
  pipelines run slice by slice, in the cache, on every CPU;
* **kernels per transform type** (:mod:`.registry`, :mod:`.step_kernels`): compiled
  twins of single steps, registered as torchvision v2 registers kernels;
* **fused tails** (:mod:`.fusion`): the common 8-bit pipelines
  ``[reduction] | [resize] | [clip] | colormap | [overlay]`` in one pass;
* **compiled loops** (:mod:`.compiled`, numba), loaded in the background by
  :mod:`.jit` so that no call waits for a compiler.

Every path gives the pictures the transforms' own code gives (the tests
compare them). Transforms never import this package.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.batch import Batch, Stage
from ..core.pipeline import Transform
from ..transforms.clipping import PercentileClip
from ..transforms.colormaps import CenteredColormap, ExtremaColormap
from ..transforms.overlay import AlphaOverlay
from ..transforms.reductions import NormReduction, SumReduction
from ..transforms.resize import ResizeToImage
from ..transforms.smoothing import GaussianSmooth
from . import (
    jit,
    step_kernels,  # noqa: F401 - registers the single-step kernels
)
from .execute import Ragged, run_batch
from .ops import all_finite
from .registry import apply_step, kernel_for, register_kernel
from .threads import default_threads, map_threads, resolve_threads, usable_cpus


def run(pipe: Transform, batch: Batch, *, threads: int = 1,
        check: Callable[[np.ndarray], None] | None = None) -> Batch | Ragged:
    """Run ``pipe`` on ``batch``: the same result as ``pipe.apply(batch)``, sooner.

    ``threads`` is a count (see :func:`resolve_threads`); ``check(chunk)`` runs
    on each chunk of input before its steps (the input's finiteness check). The
    first call starts loading the compiled kernels in the background.
    """
    jit.start(_warm_up)
    return run_batch(pipe, batch, threads=threads, check=check)


def wait_for_kernels() -> bool:
    """Load the compiled kernels now (or wait for the background load); True if they run.

    Benchmarks call this first, so that they time the steady state.
    """
    jit.start(_warm_up)
    return jit.load() is not None


def status() -> str:
    """What the engine runs on now, e.g. ``'compiled kernels (numba 0.62.1)'``."""
    return jit.status()


def _warm_up() -> None:
    """Representative pipelines on small batches: compiles (or loads) the kernels they use."""
    rng = np.random.default_rng(0)
    values = rng.standard_normal((2, 3, 72, 72)).astype(np.float32)  # > 4096 pixels: tail ranks
    maps = np.ascontiguousarray(values[:, 0])
    cams = rng.random((2, 7, 7), dtype=np.float32)
    images = rng.integers(0, 256, (2, 72, 72, 3), dtype=np.uint8)
    u8 = np.dtype(np.uint8)
    for data in (values, values.astype(np.float64)):  # heatmap's input check, every call
        all_finite(data)
    runs: list[tuple[Transform, Batch]] = []
    for source in (Batch(values, Stage.VALUES, dtype=u8), Batch(maps, Stage.MAP, dtype=u8)):
        runs += [(NormReduction() | ExtremaColormap(), source),
                 (SumReduction() | PercentileClip() | CenteredColormap(), source),
                 (SumReduction() | GaussianSmooth(1.0) | ExtremaColormap(), source),
                 (SumReduction() | PercentileClip() | GaussianSmooth(1.0) | CenteredColormap(),
                  source)]
    with_images = Batch(cams, Stage.MAP, images=images, dtype=u8)
    runs += [(SumReduction() | ExtremaColormap("jet") | ResizeToImage() | AlphaOverlay(),
              with_images),
             (ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(), with_images),
             (ResizeToImage("bilinear") | PercentileClip() | CenteredColormap() | AlphaOverlay(),
              with_images)]
    volumes = Batch(rng.random((2, 4 * 5, 5), dtype=np.float32), Stage.MAP, dtype=u8,
                    images=rng.integers(0, 256, (2, 8 * 10, 10, 3), dtype=np.uint8), depth=4,
                    image_depth=8)  # the 3-D resizes, of maps and of 8-bit colours
    runs += [(ResizeToImage("bilinear") | ExtremaColormap("jet") | AlphaOverlay(), volumes),
             (ResizeToImage("bilinear") | ExtremaColormap(scope="batch"), volumes),
             (ExtremaColormap("jet") | ResizeToImage("bilinear") | AlphaOverlay(), volumes)]
    for pipe, batch in runs:
        for n in (1, 2):  # one sample runs step by step, two take the fused path
            part = batch.replace(data=batch.data[:n], images=None if batch.images is None
                                 else batch.images[:n])
            run_batch(pipe, part)


__all__ = ["run", "Ragged", "wait_for_kernels", "status", "all_finite", "register_kernel",
           "kernel_for", "apply_step", "resolve_threads", "default_threads", "usable_cpus",
           "map_threads"]
