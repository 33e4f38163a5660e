"""What the widget computes in the kernel: one scale across the batch, and the rows' order.

:func:`_batch_range` runs the two-pass protocol (:mod:`visheat.render.twopass`) over every
sample of one method for the view's pipeline, the one :func:`visheat.heatmap` runs: the
prefix before the colour map on the engine, slice by slice on threads (a Dask array a
chunk per task, on Dask's threads), and the colour map's ``partial_stats`` of each slice
combined. The page receives the two numbers. :func:`_row_order` sorts and filters the
samples by label and score; positions in that order map to sample indices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..core.batch import Batch, Stage
from ..core.errors import check_number, type_error, value_error
from ..core.pipeline import Pipeline
from ..render.twopass import batch_stats, batch_wide_steps
from .page import REDUCTIONS

#: Samples per slice of the statistics pass (per task on threads).
SLICE = 32
SORTS = ("index", "label", "score-desc", "score-asc")


def _pipeline_text(method: dict[str, Any], view: dict[str, Any], auto: dict[str, str],
                  kinds: dict[str, str], images: bool) -> str:
    """The text of ``method``'s pipeline in ``view``: the page's ``pipeline(method)``, in Python.

    Examples
    --------
    >>> md = {"channels": 3, "signed": True, "resize": None}
    >>> view = {"reduction": "sum", "clip": [0.001, 0.999], "colormap": "auto",
    ...         "scope": "batch", "alpha": 0.5, "centered": None}
    >>> text = _pipeline_text(md, view, {"signed": "berlin", "unsigned": "batlow"},
    ...                      {"berlin": "diverging", "batlow": "sequential"}, images=True)
    >>> text.split(" | ")[2:]
    ["CenteredColormap('berlin', scope='batch')", 'AlphaOverlay(0.5)']
    """
    steps = [f"{REDUCTIONS[view['reduction']]}()"]
    if method["resize"]:
        steps.append(f"ResizeToImage('{method['resize']['method']}')")
    if view["clip"]:
        steps.append(f"PercentileClip({_py(view['clip'][0])}, {_py(view['clip'][1])})")
    colormap, centered = colour(method, view, auto, kinds)
    name = "CenteredColormap" if centered else "ExtremaColormap"
    scope = ", scope='batch'" if view["scope"] == "batch" else ""
    steps.append(f"{name}('{colormap}'{scope})")
    if images:
        steps.append(f"AlphaOverlay({_py(view['alpha'])})")
    return " | ".join(steps)


def colour(method: dict[str, Any], view: dict[str, Any], auto: dict[str, str],
           kinds: dict[str, str]) -> tuple[str, bool]:
    """A method's colour map and centring in ``view`` (``"auto"``: by the sign of its maps)."""
    signed = method["signed"] and (method["channels"] == 1 or view["reduction"] == "sum")
    name = auto["signed" if signed else "unsigned"] if view["colormap"] == "auto" \
        else view["colormap"]
    centered = view.get("centered")
    return name, kinds[name] == "diverging" if centered is None else bool(centered)


def _py(x: float) -> str:
    """A number as the page writes it (JavaScript's shortest text; ``1.0`` for integers)."""
    return f"{float(x):.1f}" if float(x).is_integer() else repr(float(x))


def _batch_range(read: Callable[[int, int], tuple[np.ndarray, Any]], n: int, pipe: Pipeline,
                source: Any = None, threads: int = 2) -> tuple[float, float] | None:
    """The combined statistics ``(lo, hi)`` of ``pipe``'s batch-wide colour map over samples
    ``0:n``: what :func:`visheat.heatmap` of the whole batch uses (None for no samples).

    ``read(start, stop)`` returns the samples ``(k, C, h, w)`` (or maps) and their images;
    ``source`` (the method's own array), when it is a Dask array chunked along N alone,
    gives the slices: a task per chunk on Dask's threads.
    """
    (index,) = batch_wide_steps(pipe)
    prefix, step = pipe[:index], pipe.steps[index]
    combine: Callable[[list[Any]], Any] = step.combine_stats  # type: ignore[attr-defined]

    def part(start: int, stop: int) -> Any:
        data, images = read(start, stop)
        batch = Batch(data, Stage.VALUES, images=images, dtype=np.dtype(np.uint8), start=start)
        return batch_stats(batch, prefix, step)

    bounds = _dask_bounds(source, n) or [(a, min(a + SLICE, n)) for a in range(0, n, SLICE)]
    if _is_dask(source):
        import dask

        parts = dask.compute(*[dask.delayed(part)(a, b) for a, b in bounds],
                             scheduler="threads", num_workers=threads)
    else:
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(lambda ab: part(*ab), bounds))
    found = combine(list(parts))
    return None if found is None else (float(found[0]), float(found[1]))


def _is_dask(x: Any) -> bool:
    return type(x).__module__.startswith("dask") and hasattr(x, "chunks")


def _dask_bounds(x: Any, n: int) -> list[tuple[int, int]] | None:
    """A Dask array's chunks along its first axis, as ``(start, stop)`` (None otherwise)."""
    if not _is_dask(x) or sum(x.chunks[0]) != n:
        return None
    edges = np.cumsum((0,) + tuple(x.chunks[0]))
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _check_one_per_sample(argument: str, items: Any, n: int) -> None:
    """``items`` (``labels`` or ``scores``) is a sequence of ``n`` things, one per sample."""
    if isinstance(items, (str, bytes)) or not hasattr(items, "__len__"):
        raise type_error(argument, f"a sequence of {n} {argument} (one per sample)", items)
    if len(items) != n:
        raise value_error(argument, f"{n} {argument} (one per sample)", f"{len(items)}",
                          described=True)


def read_labels(labels: Any, n: int) -> list[str] | None:
    """One label per sample as text (None: no labels)."""
    if labels is None:
        return None
    _check_one_per_sample("labels", labels, n)
    return [str(t) for t in labels]


def _read_scores(scores: Any, n: int) -> np.ndarray | None:
    """One finite score per sample as float64 (None: no scores)."""
    if scores is None:
        return None
    _check_one_per_sample("scores", scores, n)
    found = np.asarray(scores, dtype=np.float64).reshape(n)
    bad = np.flatnonzero(~np.isfinite(found))
    if bad.size:
        check_number(f"scores[{int(bad[0])}]", float(found[bad[0]]))
    return found


def _row_order(n: int, labels: Sequence[str] | None, scores: np.ndarray | None,
              sort: str = "index", text: str = "", min_score: float | None = None
              ) -> np.ndarray | None:
    """The sample indices shown, in order (None: all of them, by index).

    Labels filter by ``text`` (case-insensitive, contained), scores by ``min_score``;
    sorting is stable (ties by index).

    >>> _row_order(4, ["b", "a", "ab", "c"], np.array([0.3, 0.9, 0.1, 0.6]), "label", "a")
    array([1, 2])
    >>> _row_order(4, None, np.array([0.3, 0.9, 0.1, 0.6]), "score-desc", min_score=0.2)
    array([1, 3, 0])
    """
    if sort not in SORTS:
        raise value_error("sort", f"one of {SORTS}", sort)
    keep = np.ones(n, bool)
    if text and labels is not None:
        low = text.lower()
        keep &= np.fromiter((low in t.lower() for t in labels), bool, n)
    if min_score is not None and scores is not None:
        keep &= scores >= min_score
    order = np.flatnonzero(keep)
    if sort == "label" and labels is not None:
        order = order[np.argsort(np.asarray(labels, dtype=object)[order], kind="stable")]
    elif sort.startswith("score") and scores is not None:
        sign = -1.0 if sort == "score-desc" else 1.0
        order = order[np.argsort(sign * scores[order], kind="stable")]
    if order.size == n and sort == "index":
        return None
    return order
