"""The seam between transforms and the engine: kernels registered per transform type.

A transform's :meth:`~visheat.Transform.apply` is the definition of what it does.
The engine may hold a faster way to do the same for some transform types, as
torchvision's v2 transforms register a kernel per functional: a *kernel* takes
``(step, batch)`` and returns the same batch ``step.apply(batch)`` would, or
None when it does not cover that input (the step's own ``apply`` runs then).

A kernel registered for a class also serves its subclasses, unless a subclass
overrides ``apply``: then it means something else, and runs its own code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..core.batch import Batch
from ..core.pipeline import Transform

Kernel = Callable[[Transform, Batch], "Batch | None"]
# kernels may declare the transform type they serve, hence Callable[..., ...] here
K = TypeVar("K", bound=Callable[..., "Batch | None"])

_KERNELS: dict[type, Kernel] = {}


def register_kernel(transform_type: type) -> Callable[[K], K]:
    """Decorator: register ``kernel(step, batch)`` for ``transform_type`` (and its subclasses).

    Examples
    --------
    >>> from visheat.engine import registry
    >>> from visheat import Transform
    >>> class Twice(Transform):
    ...     def apply(self, batch):
    ...         return batch.replace(data=batch.data * 2)
    >>> @registry.register_kernel(Twice)
    ... def twice_fast(step, batch):
    ...     return None  # nothing faster here: apply runs
    >>> registry.kernel_for(Twice()) is twice_fast
    True
    """
    if not (isinstance(transform_type, type) and issubclass(transform_type, Transform)):
        raise TypeError(f"transform_type: expected a Transform subclass; got {transform_type!r}")

    def register(kernel: K) -> K:
        _KERNELS[transform_type] = kernel
        return kernel

    return register


def kernel_for(step: Transform) -> Kernel | None:
    """The kernel registered for ``step``'s type or the nearest base class that has one.

    None when there is none, or when ``step``'s class overrides ``apply`` below
    the class the kernel was registered for.
    """
    cls = type(step)
    for base in cls.__mro__:
        kernel = _KERNELS.get(base)
        if kernel is not None:
            same = getattr(cls, "apply", None) is getattr(base, "apply", None)
            return kernel if same else None
    return None


def apply_step(step: Transform, batch: Batch) -> Batch:
    """``step.apply(batch)``, by the registered kernel where it covers the input."""
    kernel = kernel_for(step)
    if kernel is not None:
        found = kernel(step, batch)
        if found is not None:
            return found
    return step.apply(batch)


__all__ = ["Kernel", "register_kernel", "kernel_for", "apply_step"]
