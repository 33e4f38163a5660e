"""Reading array-likes with an explicit axis layout into a batch.

The layout names the axes of ``x`` with the letters N (batch), C (channels),
H (height) and W (width), in any order: ``"NCHW"`` (PyTorch, the default),
``"NHWC"`` (TensorFlow/JAX), ``"WHCN"`` (Julia/Flux), or short forms without N or
C such as ``"CHW"``, ``"HWC"``, ``"NHW"``, ``"HW"`` and ``"WH"``. Nothing is guessed
from the shape: a shape that does not fit the layout is an error.

Without a C axis the input is a map (one value per pixel); with one it is
channel values. ``"WHCN"`` transposes width and height, so data saved from Julia
comes out upright without ``FlipImage()``.

The letter L stands in place of H and W for a sequence of transformer tokens
(``"NLC"``, ``"NL"``, ``"NCL"``): a :class:`~visheat.core.tokens.TokenGrid` passed as
``tokens=`` reads it into a patch grid (:mod:`.tokens`).

The letters D (depth of a volume) and T (time of a clip) add one axis to a sample
(``"NCDHW"``, ``"NDHW"``, ``"NTCHW"``, ``"NTHW"``, any order; one of the two per
layout). A volume or clip stays one row of the batch, *folded*: D (or T) is folded
into H, so the pipeline sees ``(N, C, D·H, W)`` values or an ``(N, D·H, W)`` map and
the :class:`~visheat.core.batch.Batch` records ``depth = D`` (see :func:`fold_depth`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .batch import Stage
from .errors import describe, type_error, value_error
from .limits import check_allocation
from .tokens import check_tokens, token_hint, tokens_to_grid

LETTERS = "NCHWLDT"
#: The order of the axes after reading (L, tokens, is read into H and W; D or T is
#: folded into H).
ORDER = "NCLDTHW"
#: The letters of a sample's extra axis: depth of a volume, time of a clip.
DEPTH_LETTERS = "DT"


def parse_layout(layout: Any) -> str:
    """Validate a layout string and return it in upper case.

    The letters are N, C, H and W, or N, C and L for transformer tokens (L in place of
    H and W, read with a :class:`~visheat.core.tokens.TokenGrid`).

    Examples
    --------
    >>> parse_layout("nhwc")
    'NHWC'
    >>> parse_layout("nlc")
    'NLC'
    >>> parse_layout("NCHX")
    Traceback (most recent call last):
    ...
    ValueError: layout: expected letters from N, C, H, W, each at most once, with H and W present;
    got 'NCHX' (str). Unknown letter 'X'.
    """
    if not isinstance(layout, str):
        raise type_error("layout", "a string such as 'NCHW'", layout)
    text = layout.upper()
    expected = "letters from N, C, H, W, each at most once, with H and W present"
    if any(c in text for c in "DT"):  # volumes and clips name their letters
        expected = "letters from N, C, D or T, H, W, each at most once, with H and W present"
    unknown = [c for c in text if c not in LETTERS]
    if unknown:
        raise value_error("layout", expected, layout, f"Unknown letter {unknown[0]!r}.")
    repeated = sorted({c for c in text if text.count(c) > 1})
    if repeated:
        raise value_error("layout", expected, layout, f"Repeated letter {repeated[0]!r}.")
    if "L" in text and ("H" in text or "W" in text):
        raise value_error("layout", expected, layout, "L (a token sequence) stands in place of "
                          "H and W: use one or the other, e.g. 'NLC' or 'NCHW'.")
    if "D" in text and "T" in text:
        raise value_error("layout", expected, layout, "D (depth of a volume) and T (time of a "
                          "clip) are both a sample's extra axis: use one, e.g. 'NCDHW' or "
                          "'NTCHW'; for several volumes per sample, render them one by one.")
    if "L" in text and ("D" in text or "T" in text):
        raise value_error("layout", expected, layout, "L (tokens) cannot go with D or T: read "
                          "the tokens of each frame into a grid first.")
    if "L" not in text and ("H" not in text or "W" not in text):
        raise value_error("layout", expected, layout, "Both H and W are needed. For "
                          "transformer tokens, L stands in their place (e.g. 'NLC').")
    return text


def to_numpy(x: Any, argument: str = "x") -> np.ndarray:
    """Turn numpy arrays, nested lists, ``__array__`` or ``__dlpack__`` objects into numpy.

    Framework tensors are read without importing the framework: a tensor that
    requires grad is detached; one on an accelerator (its ``__dlpack_device__`` is
    not the CPU) is copied to the host with a warning when it has a ``.cpu()``
    method (PyTorch), read through ``__array__`` when it has one (JAX), and
    refused with a `TypeError` that names its device otherwise. The result may
    share memory with ``x``; visheat never writes to it.
    """
    if isinstance(x, np.ndarray):
        return x if type(x) is np.ndarray else _plain(x, argument)
    if hasattr(x, "__dlpack__") and not hasattr(x, "__array_interface__"):
        return _from_dlpack(x, argument)
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise type_error(argument, "an array (numpy, nested lists, torch, jax)", x)
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as err:
        raise type_error(argument, "an array (numpy, nested lists, torch, jax)", x,
                         f"numpy could not read it: {err}") from None


def _plain(x: np.ndarray, argument: str) -> np.ndarray:
    """An ndarray subclass as a plain ndarray (a view): np.matrix's ``*`` and masked
    arrays' masks would change the arithmetic. Masked values are missing values, refused
    like NaN."""
    if isinstance(x, np.ma.MaskedArray):
        masked = int(np.ma.count_masked(x))
        if masked:
            raise value_error(argument, "an array without masked values",
                              f"{masked} masked values in a masked array of shape {x.shape}",
                              "Fill them first, e.g. x.filled(0).", described=True)
        return np.asarray(x.data)
    return np.asarray(x)


#: DLPack device types (``__dlpack_device__()[0]``) by name, for messages.
DEVICES = {1: "CPU", 2: "CUDA", 3: "CUDA host", 4: "OpenCL", 7: "Vulkan", 8: "Metal",
           9: "VPI", 10: "ROCm", 11: "ROCm host", 13: "CUDA managed", 14: "oneAPI"}


def _device(x: Any) -> str | None:
    """The device a DLPack object reports when it is not the CPU, e.g. ``'CUDA:0'``."""
    try:
        kind, index = x.__dlpack_device__()
    except Exception:  # no device information: let numpy decide
        return None
    if int(kind) in (1, 3):  # CPU memory (plain or pinned)
        return None
    return f"{DEVICES.get(int(kind), f'device type {int(kind)}')}:{int(index)}"


def _from_dlpack(x: Any, argument: str) -> np.ndarray:
    if getattr(x, "requires_grad", False) and hasattr(x, "detach"):
        x = x.detach()
    try:
        return np.from_dlpack(x)
    except (BufferError, RuntimeError, TypeError, ValueError):
        pass
    if _is_bfloat16(x) and callable(getattr(x, "float", None)):
        return to_numpy(x.float(), argument)  # numpy has no bfloat16; float32 holds it exactly
    device = _device(x)
    if device is not None and callable(getattr(x, "cpu", None)):
        warnings.warn(f"{argument}: copied from {device} to the host to draw it; pass "
                      f"{argument}.cpu() to avoid this note", stacklevel=_caller_level())
        return to_numpy(x.cpu(), argument)
    try:
        arr = np.asarray(x)
    except Exception as err:  # the object's own conversion failed
        raise _not_on_host(argument, x, device, str(err)) from None
    if arr.dtype == object:
        raise _not_on_host(argument, x, device, "Its __dlpack__ export failed.")
    return arr


def _is_bfloat16(x: Any) -> bool:
    """Whether ``x`` holds bfloat16 values (torch's ``torch.bfloat16``, ml_dtypes' bfloat16)."""
    return "bfloat16" in str(getattr(x, "dtype", ""))


def _caller_level() -> int:
    """``stacklevel`` of the first frame outside visheat (so warnings point at the user's line)."""
    import os
    import sys

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # src/visheat
    frame: Any = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _not_on_host(argument: str, x: Any, device: str | None, reason: str) -> TypeError:
    if device is None:
        hint = ("numpy has no bfloat16: pass x.float()." if _is_bfloat16(x)
                else "Convert it to numpy first.")
        return type_error(argument, "an array that numpy can read", x, f"{reason} {hint}".strip())
    return type_error(argument, "an array in CPU memory, or one with a .cpu() method", x,
                      f"It lives on {device}. Copy it to the host first, e.g. x.cpu(), "
                      "jax.device_get(x) or x.get() (CuPy).")


def as_float(arr: np.ndarray, argument: str = "x") -> np.ndarray:
    """Cast to the float dtype visheat computes in (float32 or float64).

    float32 and float64 are kept; float16 becomes float32; integers and booleans
    become float64 (exact for every int32 and for int64 up to 2**53). Complex and
    object arrays are refused.
    """
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype in (np.float32, np.float64):
        return arr
    if arr.dtype.name == "bfloat16":  # ml_dtypes' (JAX): float32 holds every value exactly
        return arr.astype(np.float32)
    if kind in "fiub":  # a copy: a broadcast view of an absurd size would become real here
        dtype = np.float32 if kind == "f" else np.float64
        check_allocation(argument, arr.shape[1:] if arr.ndim > 2 else arr.shape, dtype,
                         what="values as floats (one sample)")
        return arr.astype(dtype)
    hint = "Take np.abs(x) or x.real first." if kind == "c" else None
    raise type_error(argument, "real numbers (float, int or bool dtype)", arr, hint)


def read_batch(x: Any, layout: str = "NCHW", argument: str = "x", *, tokens: Any = None,
               images: Any = None) -> tuple[np.ndarray, Stage]:
    """:func:`read_folded` without the depth (see there)."""
    arr, stage, _ = read_folded(x, layout, argument, tokens=tokens, images=images)
    return arr, stage


def depth_letter(letters: str) -> str | None:
    """The letter of a sample's extra axis in ``letters`` (D or T), or None.

    >>> depth_letter("NCDHW"), depth_letter("NTHW"), depth_letter("NCHW")
    ('D', 'T', None)
    """
    found = [c for c in DEPTH_LETTERS if c in letters]
    return found[0] if found else None


def fold_depth(arr: np.ndarray) -> np.ndarray:
    """``(..., D, H, W)`` as ``(..., D·H, W)``: each volume one tall picture of its slices.

    >>> fold_depth(np.arange(8).reshape(1, 2, 2, 2))[0].tolist()
    [[0, 1], [2, 3], [4, 5], [6, 7]]
    """
    return arr.reshape(arr.shape[:-3] + (arr.shape[-3] * arr.shape[-2], arr.shape[-1]))


def read_folded(x: Any, layout: str = "NCHW", argument: str = "x", *, tokens: Any = None,
                images: Any = None) -> tuple[np.ndarray, Stage, int]:
    """Read ``x`` in ``layout`` into ``(N, C, H, W)`` values or an ``(N, H, W)`` map.

    Returns the array (a view when no conversion was needed), its stage, and the depth:
    with D or T in the layout each volume or clip is folded (:func:`fold_depth`), D
    (or T) into H, and the depth is D; else it is 1. A layout
    with L (transformer tokens) needs ``tokens=``, a
    :class:`~visheat.core.tokens.TokenGrid`, which reads the tokens into a patch grid
    (also a view); ``images`` (channels last, as given) choose a grid it leaves open.

    Examples
    --------
    >>> arr, stage, depth = read_folded(np.zeros((224, 224, 3, 2)), "WHCN")
    >>> arr.shape, stage.value, depth
    ((2, 3, 224, 224), 'values', 1)
    >>> arr, stage, depth = read_folded(np.zeros((2, 3, 8, 16, 12)), "NCDHW")
    >>> arr.shape, stage.value, depth
    ((2, 3, 128, 12), 'values', 8)
    >>> from visheat.core.tokens import TokenGrid
    >>> read_batch(np.zeros((2, 197, 768)), "NLC", tokens=TokenGrid(prefix=1))[0].shape
    (2, 768, 14, 14)
    >>> read_batch(np.zeros((3, 224, 224)), "NCHW")
    Traceback (most recent call last):
    ...
    ValueError: x: expected 4 axes (N, C, H, W) for layout 'NCHW'; got shape (3, 224, 224). For one
    image use layout='CHW'; for a batch of maps, layout='NHW'.
    """
    letters = parse_layout(layout)
    check_tokens(letters, tokens, layout)
    arr = as_float(to_numpy(x, argument), argument)
    if arr.ndim != len(letters):
        raise value_error(argument,
                          f"{len(letters)} axes ({', '.join(letters)}) for layout {layout!r}",
                          f"shape {arr.shape}", _layout_hint(arr.shape, letters), described=True)
    empty = [c for c in "CHWLDT" if c in letters and arr.shape[letters.index(c)] == 0]
    if empty:
        raise value_error(argument, f"at least one element along {', '.join(empty)} for layout "
                          f"{layout!r}", f"shape {arr.shape}", "Only the batch axis N may be "
                          "empty.", described=True)
    probable = probable_layout(arr.shape, letters)
    if probable is not None:
        warnings.warn(f"{argument}: shape {arr.shape} looks like {probable} (channels last); "
                      f"pass layout={probable!r}. Rendering it as {letters}, as asked.",
                      UserWarning, stacklevel=_caller_level())
    target = [c for c in ORDER if c in letters]
    arr = arr.transpose([letters.index(c) for c in target])
    if "N" not in letters:
        arr = arr[None]
    if tokens is not None:
        arr = tokens_to_grid(arr, tokens, images)
    depth = 1
    if depth_letter(letters) is not None:
        depth = int(arr.shape[-3])
        arr = fold_depth(arr)
    stage = Stage.VALUES if "C" in letters else Stage.MAP
    return arr, stage, depth


#: The smallest height and width of a picture that makes channels-last likely.
SUSPICIOUS_SIDE = 16


def probable_layout(shape: tuple[int, ...], letters: str) -> str | None:
    """The layout ``shape`` probably has when it was read as ``"NCHW"`` or ``"CHW"`` by mistake.

    The commonest mistake of the field: channels-last data (TensorFlow, JAX, PIL,
    OpenCV) read with the default channels-first layout. It is suspected when the
    last axis has 1, 3 or 4 entries (gray, RGB, RGBA) and the axes read as C and H
    are both at least :data:`SUSPICIOUS_SIDE` long, so the "pictures" would be 1 to 4
    pixels wide. Nothing is guessed from this: callers warn and render what was asked.

    Examples
    --------
    >>> probable_layout((4, 224, 224, 3), "NCHW")
    'NHWC'
    >>> probable_layout((224, 224, 1), "CHW")
    'HWC'
    >>> probable_layout((4, 3, 224, 224), "NCHW") is None
    True
    """
    if letters not in ("NCHW", "CHW") or len(shape) != len(letters):
        return None
    c, h, w = shape[-3:]
    if w in (1, 3, 4) and c >= SUSPICIOUS_SIDE and h >= SUSPICIOUS_SIDE:
        return letters.replace("CHW", "HWC")
    return None


def _layout_hint(shape: tuple[int, ...], letters: str) -> str | None:
    if letters == "NCHW" and len(shape) in (2, 3):
        found = token_hint(shape)  # ViT tokens, patch scores: not pictures of 197 x 768
        if found is not None:
            return found
    hints = {
        (3, "NCHW"): "For one image use layout='CHW'; for a batch of maps, layout='NHW'.",
        (3, "NHWC"): "For one image use layout='HWC'; for a batch of maps, layout='NHW'.",
        (2, "NCHW"): "For a single map use layout='HW'.",
        (5, "NCHW"): "Remove the extra axis, e.g. x[:, 0] or x.squeeze(axis).",
        (2, "NLC"): "For one sample's tokens use layout='LC'; for a score per token, "
                    "layout='NL'.",
        (3, "NL"): "For tokens with features use layout='NLC'; for attention heads, 'NCL'.",
        (4, "NCDHW"): "For one volume use layout='CDHW'; for a batch of volume maps, "
                      "layout='NDHW'.",
        (4, "NTCHW"): "For one clip use layout='TCHW'; for a batch of clip maps, layout='NTHW'.",
    }
    return hints.get((len(shape), letters))


def check_finite(arr: np.ndarray, argument: str = "x") -> None:
    """Refuse NaN and infinite values with a message that counts them."""
    if arr.size == 0 or np.isfinite(arr).all():
        return
    nans = int(np.isnan(arr).sum())
    infs = int(np.isinf(arr).sum())
    raise value_error(argument, "finite values", f"{nans} NaN and {infs} infinite values in "
                      f"{describe(arr)}", "Clean them first, e.g. "
                      "np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0).",
                      described=True)
