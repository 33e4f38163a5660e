"""Transforms and pipelines: the algebra at the centre of visheat.

A transform is a small frozen dataclass with one method to implement,
:meth:`Transform.apply`, which maps a :class:`~visheat.core.batch.Batch` to a new one.
``a | b`` composes transforms into a flat, immutable :class:`Pipeline`; a
pipeline is itself a transform. Every transform declares the stages it takes and
the stage it gives, so a pipeline that can never work fails when it is built.
"""

from __future__ import annotations

import dataclasses
import reprlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .batch import Batch, Stage, _check_stage_shape, check_dtype, fold_slices, unfold_slices
from .errors import type_error, value_error
from .images import to_images
from .layout import as_float, to_numpy
from .spec import _parse_pipeline

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Python 3.10 has no dataclass_transform; it only informs type checkers
    def dataclass_transform(**kwargs: Any) -> Any:
        return lambda cls: cls

ALL_STAGES = frozenset(Stage)

def _fields_of(obj: Any) -> tuple[dataclasses.Field[Any], ...]:
    """``dataclasses.fields`` of a transform (every subclass is a dataclass)."""
    return dataclasses.fields(obj)


#: visheat's own transform classes by name: the names a pipeline's text form may use.
BUILT_IN: dict[str, type] = {}


def _format_stages(stages: Iterable[Stage]) -> str:
    ordered = [s for s in Stage if s in set(stages)]
    return " or ".join(s.shape_text for s in ordered)


def _field_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        nan = a.dtype.kind in "fc"  # NaN marks missing data (e.g. keypoints), equal to itself
        same = bool(np.array_equal(a, b, equal_nan=nan))
        return a.shape == b.shape and a.dtype == b.dtype and same
    return bool(type(a) is type(b) and a == b)


def _field_key(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return (value.shape, value.dtype.str, value.tobytes())
    return value


def _literal_repr(value: Any) -> str:
    """Repr of a field value that the text parser can read back."""
    if isinstance(value, np.ndarray):
        return repr(value.tolist())
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return repr(value)  # keep "1.0" so types survive a round trip
    return repr(value)


def option(default: Any, *, kw_only: bool = True) -> Any:
    """A keyword-only transform parameter, printed by ``repr`` only when set.

    Examples
    --------
    >>> class Blur(Transform):
    ...     sigma: float = 1.0
    ...     mode: str = option(default="reflect")
    >>> Blur(2.0), Blur(2.0, mode="constant")
    (Blur(2.0), Blur(2.0, mode='constant'))
    """
    return dataclasses.field(default=default, kw_only=kw_only)


@dataclass_transform(frozen_default=True, eq_default=False,
                     field_specifiers=(dataclasses.field, dataclasses.Field, option))
class Transform:
    """Base class of every heatmapping step.

    Subclass it, declare plain parameters as annotated fields (the subclass
    becomes a frozen dataclass by itself: no decorator needed), validate them in
    ``__post_init__``, and implement :meth:`apply`. Declare the stages with the
    class attributes ``takes`` (the stages it accepts) and ``gives`` (the stage it
    returns; ``None`` means "the same as its input").

    Examples
    --------
    A transform that scales a map by a constant:

    >>> import numpy as np
    >>> from visheat import Transform, Stage
    >>> class Scale(Transform):
    ...     factor: float = 2.0
    ...     takes = frozenset({Stage.MAP})
    ...     def apply(self, batch):
    ...         return batch.replace(data=batch.data * self.factor)
    >>> Scale(3.0)(np.ones((1, 2, 2))).tolist()
    [[[3.0, 3.0], [3.0, 3.0]]]
    >>> Scale(3.0), Scale(3.0) == Scale(3.0)
    (Scale(3.0), True)
    """

    takes: ClassVar[frozenset[Stage]] = ALL_STAGES
    gives: ClassVar[Stage | None] = None
    #: False for steps whose statistics span the whole batch (they run unchunked).
    per_sample: ClassVar[bool] = True
    #: How the step treats a folded volume or clip (a batch with ``depth > 1``):
    #: ``"whole"`` works on the folded array as it is (values, reductions, clipping,
    #: colour: one range per volume), ``"slices"`` runs on each slice by itself (the
    #: batch is unfolded to ``(N·D, ...)`` and folded back; spatial steps that would mix
    #: slices across the fold), ``"refuse"`` raises a `ValueError`, ``"own"`` means the
    #: step reads ``batch.depth`` itself (``ResizeToImage``, the views of volumes).
    volumes: ClassVar[str] = "whole"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make every subclass a frozen dataclass with visheat's repr, equality and pickling.

        A subclass only declares its fields; no decorator is needed. Should a
        subclass still be decorated with ``@dataclass(frozen=True)``, the methods
        copied here keep visheat's repr and array-aware equality (dataclasses
        never replace a method defined in the class itself).
        """
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, repr=False, eq=False)(cls)
        # frozen by Transform's own __setattr__, so that a later @dataclass(frozen=True)
        # may add its own without "Cannot overwrite attribute __setattr__"
        del cls.__setattr__, cls.__delattr__
        for f in _fields_of(cls):  # keep options keyword-only under a second decorator
            if f.kw_only and f.name in cls.__dict__:
                setattr(cls, f.name, f)
        for name in ("__repr__", "__eq__", "__hash__"):
            if name not in cls.__dict__:
                setattr(cls, name, getattr(cls, name))
        if cls.__module__.split(".")[0] == "visheat" and not cls.__name__.startswith("_"):
            BUILT_IN.setdefault(cls.__name__, cls)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}: transforms "
                                              "are immutable; build a new one instead")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}: transforms are "
                                              "immutable")

    # -- the one method to implement -------------------------------------
    def apply(self, batch: Batch) -> Batch:
        """Map ``batch`` to a new :class:`~visheat.core.batch.Batch`; never modify it."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply(batch)")

    # -- stages -----------------------------------------------------------
    def input_stages(self) -> frozenset[Stage]:
        """Stages this transform accepts."""
        return frozenset(self.takes)

    def output_stage(self, stage: Stage) -> Stage:
        """Stage of the output for an input in ``stage``."""
        return stage if self.gives is None else self.gives

    def is_per_sample(self) -> bool:
        """Whether sample i of the output depends only on sample i of the input."""
        return self.per_sample

    # -- composition ------------------------------------------------------
    def __or__(self, other: Any) -> Pipeline:
        if not isinstance(other, Transform):
            return NotImplemented
        return Pipeline(self, other)

    def __ror__(self, other: Any) -> Pipeline:
        if not isinstance(other, Transform):
            return NotImplemented
        return Pipeline(other, self)

    # -- calling on plain arrays -------------------------------------------
    def __call__(self, x: Any, *, image: Any = None, stage: Any = None,
                 dtype: Any = np.float64) -> np.ndarray:
        """Apply to a plain array in this transform's input stage.

        ``x`` is a batch array: ``(N, C, H, W)`` values, an ``(N, H, W)`` map or
        ``(N, H, W, 3)`` pictures. Image-aware steps take the images as ``image=``
        (one ``(H, W, 3)`` image for all samples, or ``(N, H, W, 3)``). Pass
        ``stage=`` when a 4-axis array could be either values or pictures.
        Returns the output array (floats unless ``dtype=np.uint8``).
        """
        data = to_numpy(x)
        found = self._stage_of(data, stage)
        if found is Stage.RGB and data.dtype != np.uint8 and data.dtype.kind != "f":
            raise type_error("x", "pictures as uint8 or as floats in [0, 1]", data)
        if found is not Stage.RGB or data.dtype != np.uint8:
            data = as_float(data)  # pictures may be uint8; everything else computes in floats
        images = None if image is None else to_images(image, data.shape[0], "image")
        batch = Batch(data, found, images=images, dtype=check_dtype(dtype))
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return self.apply(batch).data  # colormaps refuse non-finite maps themselves

    def _stage_of(self, data: np.ndarray, stage: Any) -> Stage:
        accepted = self.input_stages()
        if stage is not None:
            found = Stage.coerce(stage)
        else:
            candidates = [s for s in Stage if s in accepted and s.ndim == data.ndim]
            if len(candidates) > 1:
                raise value_error("stage", "stage='values' or stage='rgb' for a 4-axis array",
                                  None, f"{type(self).__name__} accepts both.")
            if not candidates:
                raise value_error("x", _format_stages(accepted), data)
            found = candidates[0]
        if found not in accepted:
            raise value_error("x", _format_stages(accepted), f"{found.shape_text}",
                              described=True)
        _check_stage_shape(data, found)
        return found

    # -- identity, printing, pickling ---------------------------------------
    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in _fields_of(self))

    def __eq__(self, other: Any) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return all(_field_equal(a, b) for a, b in zip(self._fields(), other._fields()))

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(_field_key(v) for v in self._fields()))

    def __repr__(self) -> str:
        args = []
        for f in _fields_of(self):
            value = getattr(self, f.name)
            if not f.kw_only:
                args.append(_literal_repr(value))
            elif not _field_equal(value, f.default):  # options show only when set
                args.append(f"{f.name}={_literal_repr(value)}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __reduce__(self) -> tuple[Any, ...]:
        values = {f.name: getattr(self, f.name) for f in _fields_of(self)}
        return (_rebuild, (type(self), values))


def _rebuild(cls: type, values: dict[str, Any]) -> Transform:
    """Unpickle a transform through its constructor, so validation runs again."""
    return cls(**values)


class Pipeline(Transform):
    """A flat, immutable sequence of transforms, itself a transform.

    Build pipelines with ``|``; nested pipelines flatten, slicing gives a
    pipeline, and an empty pipeline is the identity. Stages are checked when the
    pipeline is built: a step that cannot take what the step before it gives is a
    `TypeError` that says why.

    Examples
    --------
    >>> from visheat import NormReduction, ExtremaColormap
    >>> pipe = NormReduction() | ExtremaColormap("jet")
    >>> pipe
    Pipeline(
      NormReduction(),
      ExtremaColormap('jet'),
    )
    >>> str(pipe)
    "NormReduction() | ExtremaColormap('jet')"
    >>> pipe[1:]
    Pipeline(
      ExtremaColormap('jet'),
    )
    >>> ExtremaColormap() | NormReduction()
    Traceback (most recent call last):
    ...
    TypeError: step 2, NormReduction(), takes channel values (N, C, H, W) or a map (N, H, W), but
    step 1, ExtremaColormap('batlow'), gives RGB pictures (N, H, W, 3). Reductions come before the
    colormap.
    """

    steps: tuple[Transform, ...]
    if TYPE_CHECKING:  # set in __init__; not a field
        _stages: tuple[frozenset[Stage], frozenset[Stage]]

    def __init__(self, *steps: Transform) -> None:
        flat: list[Transform] = []
        for i, step in enumerate(steps):
            if isinstance(step, Pipeline):
                flat.extend(step.steps)
            elif isinstance(step, Transform):
                flat.append(step)
            else:
                raise type_error(f"steps[{i}]", "a visheat Transform", step,
                                 "Build pipelines from transforms such as NormReduction().")
        object.__setattr__(self, "steps", tuple(flat))
        object.__setattr__(self, "_stages", _check_stages(self.steps))

    # stages of a pipeline follow from its steps
    def input_stages(self) -> frozenset[Stage]:
        return self._stages[0]

    def output_stage(self, stage: Stage) -> Stage:
        for step in self.steps:
            stage = step.output_stage(stage)
        return stage

    def is_per_sample(self) -> bool:
        return all(step.is_per_sample() for step in self.steps)

    def apply(self, batch: Batch) -> Batch:
        return apply_steps(self.steps, batch)

    # sequence protocol
    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Transform]:
        return iter(self.steps)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Pipeline(*self.steps[index])
        return self.steps[index]

    def _fields(self) -> tuple[Any, ...]:
        return self.steps

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self.steps == other.steps

    def __hash__(self) -> int:
        return hash(("Pipeline",) + self.steps)

    def __repr__(self) -> str:
        body = "".join(f"  {step!r},\n" for step in self.steps)
        return f"Pipeline(\n{body})"

    def __str__(self) -> str:
        return " | ".join(repr(step) for step in self.steps)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Pipeline, self.steps)

    @staticmethod
    def parse(text: str, transforms: Iterable[type] = ()) -> Pipeline:
        """Read a pipeline from its text form, e.g. for the command line.

        ``text`` is steps joined by ``|``; each step is a transform name with
        literal arguments (numbers, strings, booleans, ``None``, tuples and lists
        of those). Nothing is evaluated: names outside the allow-list of visheat's
        transforms (plus ``transforms``) are refused. ``Pipeline.parse(str(p)) == p``.

        Examples
        --------
        >>> Pipeline.parse("NormReduction() | PercentileClip(0.01, 0.99) | ExtremaColormap('jet')")
        Pipeline(
          NormReduction(),
          PercentileClip(0.01, 0.99),
          ExtremaColormap('jet'),
        )
        >>> Pipeline.parse("__import__('os')")
        Traceback (most recent call last):
        ...
        ValueError: text: expected a known transform such as NormReduction(); got '__import__' at
        column 1.
        """
        allowed = dict(BUILT_IN)
        for cls in transforms:
            if not (isinstance(cls, type) and issubclass(cls, Transform)):
                raise type_error("transforms", "Transform subclasses to allow by name", cls)
            allowed[cls.__name__] = cls
        steps = _parse_pipeline(text, allowed)
        return Pipeline(*steps)


def _check_stages(steps: tuple[Transform, ...]) -> tuple[frozenset[Stage], frozenset[Stage]]:
    """Fold the possible stages through ``steps``; raise on an impossible step."""
    first = steps[0].input_stages() if steps else ALL_STAGES
    possible: frozenset[Stage] = ALL_STAGES
    for i, step in enumerate(steps):
        accepted = possible & step.input_stages()
        if not accepted:
            raise TypeError(_stage_message(steps, i, possible))
        possible = frozenset(step.output_stage(s) for s in accepted)
    return first, possible


def _stage_message(steps: tuple[Transform, ...], i: int, possible: frozenset[Stage]) -> str:
    step, before = steps[i], steps[i - 1]
    text = (f"step {i + 1}, {reprlib.repr(step)}, takes {_format_stages(step.input_stages())}, "
            f"but step {i}, {reprlib.repr(before)}, gives {_format_stages(possible)}.")
    if Stage.RGB in possible and Stage.RGB not in step.input_stages():
        text += (" Reductions come before the colormap." if Stage.VALUES in step.input_stages()
                 else " Put it before the colormap.")
    elif Stage.MAP in step.input_stages() and Stage.VALUES in possible:
        text += " Add a reduction such as SumReduction() first."
    return text


def apply_steps(steps: Sequence[Transform], batch: Batch, offset: int = 0,
                total: int | None = None,
                apply: Callable[[Transform, Batch], Batch] | None = None) -> Batch:
    """Apply ``steps`` in order; a step's error is re-raised with its position.

    ``offset`` and ``total`` place ``steps`` inside a longer pipeline (for the
    messages) when a pipeline is applied in parts. ``apply(step, batch)`` runs
    one step (default: ``step.apply(batch)``); an engine passes its own.
    """
    total = len(steps) if total is None else total
    for i, step in enumerate(steps):
        try:
            batch = apply_on_volume(step, batch, apply)
        except (ValueError, TypeError) as err:
            if total == 1 or getattr(err, "_visheat_step", False):
                raise
            raised = type(err)(f"step {offset + i + 1} of the pipeline, {step!r}: {err}")
            raised._visheat_step = True  # type: ignore[union-attr]
            raise raised from err
    return batch


def apply_on_volume(step: Transform, batch: Batch,
                    apply: Callable[[Transform, Batch], Batch] | None = None) -> Batch:
    """One step, by its ``volumes`` rule when ``batch`` holds folded volumes or clips."""
    run = (lambda s, b: s.apply(b)) if apply is None else apply
    rule = getattr(step, "volumes", "whole")
    if batch.depth == 1 or rule in ("whole", "own"):
        return run(step, batch)
    if rule == "slices":
        return fold_slices(run(step, unfold_slices(batch)), batch)
    raise value_error("x", f"images (N, H, W) for {step!r}", f"volumes or clips of "
                      f"{batch.depth} slices", f"{type(step).__name__} does not work on "
                      "volumes: take a view first, e.g. Slices('D', at) or MaxProjection('D'), "
                      "or render the slices one by one.", described=True)


__all__ = ["Transform", "Pipeline", "apply_steps", "apply_on_volume", "option", "BUILT_IN",
           "ALL_STAGES"]
