"""PyTorch tensors for the tests, real or stand-ins, so no test of torch input is skipped.

visheat reads a tensor without importing torch: through ``__dlpack__``, detached first
when it requires grad, and, for bfloat16 (which numpy cannot hold), through its
``.float()`` values. :func:`tensor` returns a real torch tensor when torch is installed
and otherwise a :class:`StandIn` that behaves as one along that path: its DLPack export
refuses while it requires grad (as torch's does) and refuses bfloat16 (as numpy refuses
torch's bfloat16 export), its ``dtype`` prints as torch's, and ``detach``, ``float``,
``clone``, ``requires_grad_``, ``numpy``, ``cpu`` and indexing work as in torch.

>>> t = StandIn(np.array([1.0, 1.00390625, 3.14159], np.float32), bfloat16=True)
>>> str(t.dtype), t.float().numpy().tolist()     # rounded to 8 bits of mantissa
('torch.bfloat16', [1.0, 1.0, 3.140625])
>>> np.from_dlpack(t)
Traceback (most recent call last):
...
BufferError: DLPack only supports signed/unsigned integers, float and complex dtypes.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def tensor(values: Any, *, requires_grad: bool = False, bfloat16: bool = False) -> Any:
    """``values`` as a torch tensor (bfloat16 if asked), or as a :class:`StandIn` without torch."""
    values = np.array(values)
    try:
        import torch
    except ImportError:
        return StandIn(values, bfloat16=bfloat16, requires_grad=requires_grad)
    found = torch.from_numpy(values)
    if bfloat16:
        found = found.to(torch.bfloat16)
    return found.requires_grad_(True) if requires_grad else found


def to_bfloat16(values: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16 (the upper 16 bits, nearest, ties to even), as float32.

    >>> to_bfloat16(np.array([1 + 2**-8, 1 + 3 * 2**-8], np.float32)).tolist()  # ties to even
    [1.0, 1.015625]
    """
    bits = np.asarray(values, np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


class DType(str):
    """A dtype that prints as torch's, e.g. ``torch.bfloat16``."""


class StandIn:
    """A CPU tensor as visheat meets a torch tensor: DLPack, grad, bfloat16, ``.float()``."""

    def __init__(self, values: np.ndarray, *, bfloat16: bool = False,
                 requires_grad: bool = False) -> None:
        kept = to_bfloat16(values) if bfloat16 else np.array(values)
        kept.flags.writeable = False
        self._values = kept
        self.dtype = DType("torch.bfloat16" if bfloat16 else f"torch.{kept.dtype}")
        self.requires_grad = requires_grad
        self.grad = None
        self.shape = kept.shape

    @property
    def _bfloat16(self) -> bool:
        return self.dtype == "torch.bfloat16"

    def __dlpack__(self, **kwargs: Any) -> Any:
        if self.requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        if self._bfloat16:  # what numpy says to torch's bfloat16 export
            raise BufferError("DLPack only supports signed/unsigned integers, float and complex "
                              "dtypes.")
        return self._values.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # the CPU

    def _like(self, values: np.ndarray, requires_grad: bool) -> StandIn:
        found = StandIn(values, requires_grad=requires_grad)
        found.dtype = self.dtype if values.dtype == self._values.dtype else found.dtype
        return found

    def detach(self) -> StandIn:
        return self._like(self._values, False)

    def clone(self) -> StandIn:
        return self._like(self._values.copy(), self.requires_grad)

    def requires_grad_(self, requires_grad: bool = True) -> StandIn:
        self.requires_grad = requires_grad
        return self

    def float(self) -> StandIn:
        return StandIn(self._values.astype(np.float32), requires_grad=self.requires_grad)

    def cpu(self) -> StandIn:
        return self

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._values

    def __getitem__(self, index: Any) -> StandIn:
        return self._like(self._values[index], self.requires_grad)
