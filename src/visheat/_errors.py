"""One error template for the whole library.

Every argument check in visheat raises through these helpers, so messages read the
same everywhere: which argument, what was expected, what was received, and where
useful a hint that names a real function or class.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import numpy as np


def describe(value: Any) -> str:
    """Short description of a received value for error messages.

    Arrays are described by shape and dtype (never by their contents), long
    reprs are cut.

    Examples
    --------
    >>> describe(np.zeros((2, 3), np.float32))
    'array of shape (2, 3) and dtype float32'
    >>> describe("jet")
    "'jet' (str)"
    """
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = str(value) if hasattr(value, "steps") else repr(value)  # pipelines: one line
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def _message(argument: str, expected: str, got: str, hint: str | None) -> str:
    message = f"{argument}: expected {expected}; got {got}."
    if hint:
        message += f" {hint}"
    return message


def value_error(argument: str, expected: str, got: Any, hint: str | None = None,
                *, described: bool = False) -> ValueError:
    """Build the library's `ValueError` (the caller raises it).

    Parameters
    ----------
    argument : str
        Name of the offending argument as the user wrote it, e.g. ``"layout"``.
    expected : str
        What would have been accepted.
    got : object
        The received value; described with :func:`describe` unless ``described``.
    hint : str, optional
        One sentence that tells the user what to change.

    Examples
    --------
    >>> str(value_error("alpha", "a number in [0, 1]", 2.0))
    'alpha: expected a number in [0, 1]; got 2.0 (float).'
    """
    return ValueError(_message(argument, expected, got if described else describe(got), hint))


def type_error(argument: str, expected: str, got: Any, hint: str | None = None,
               *, described: bool = False) -> TypeError:
    """Build the library's `TypeError`; see :func:`value_error`."""
    return TypeError(_message(argument, expected, got if described else describe(got), hint))


def raise_unknown_name(argument: str, name: str, known: Iterable[str], kind: str) -> NoReturn:
    """Raise a `ValueError` for an unknown name, suggesting close matches.

    Examples
    --------
    >>> raise_unknown_name("name", "viridsi", ["viridis", "magma"], "colormap")
    Traceback (most recent call last):
    ...
    ValueError: name: expected a known colormap name; got 'viridsi'. Did you mean 'viridis'?
    """
    known = list(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = [lowered[k] for k in difflib.get_close_matches(name.lower(), list(lowered), n=3)]
    hint = ("Did you mean " + " or ".join(repr(c) for c in close) + "?") if close else None
    raise ValueError(_message(argument, f"a known {kind} name", repr(name), hint))


def check_number(argument: str, value: Any, *, low: float | None = None,
                 high: float | None = None, low_open: bool = False,
                 high_open: bool = False, integer: bool = False) -> float:
    """Validate a real scalar parameter and return it as a Python number.

    Booleans, NaN and non-numbers are refused with a `TypeError`/`ValueError`
    that names ``argument``.

    Examples
    --------
    >>> check_number("alpha", 0.5, low=0, high=1)
    0.5
    >>> check_number("alpha", 1.5, low=0, high=1)
    Traceback (most recent call last):
    ...
    ValueError: alpha: expected a number in [0, 1]; got 1.5 (float).
    """
    kind = "an integer" if integer else "a number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise type_error(argument, kind, value)
    if isinstance(value, (int, np.integer)):  # exact, however large (no float conversion)
        number: float = int(value) if integer else _as_float(argument, kind, value)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise value_error(argument, f"a finite {kind.split()[-1]}", value)
        if integer:
            if not number.is_integer():
                raise value_error(argument, kind, value)
            number = int(number)
    bad_low = low is not None and (number <= low if low_open else number < low)
    bad_high = high is not None and (number >= high if high_open else number > high)
    if bad_low or bad_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise value_error(argument, f"{kind} in {left}{lo}, {hi}{right}", value)
    return number


def _as_float(argument: str, kind: str, value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range
        raise value_error(argument, f"a finite {kind[2:]}", value) from None


# -- memory ------------------------------------------------------------------------

#: Default largest array (per sample in a pipeline) visheat allocates: 4 GiB.
DEFAULT_MAX_BYTES = 4 * 2**30
#: Environment variable that raises (or lowers) that limit, e.g. ``VISHEAT_MAX_BYTES=64G``.
MAX_BYTES_VARIABLE = "VISHEAT_MAX_BYTES"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_bytes(text: Any, argument: str = "size") -> int:
    """Bytes from ``"4G"``, ``"512M"``, ``"1000"`` (K, M, G, T are powers of 1024).

    >>> parse_bytes("4G"), parse_bytes("512m"), parse_bytes("1000")
    (4294967296, 536870912, 1000)
    """
    match = re.fullmatch(r"\s*(\d{1,20})\s*([KMGT]?)i?B?\s*", str(text), re.I)
    if match is None:
        raise value_error(argument, "a number of bytes such as 4G, 512M or 1000", text)
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def format_bytes(size: int) -> str:
    """A size in bytes for people: ``"74.5 GiB"``.

    >>> format_bytes(4 * 2**30), format_bytes(1536), format_bytes(12)
    ('4 GiB', '1.5 KiB', '12 bytes')
    """
    for unit in ("E", "P", "T", "G", "M", "K"):
        scale = 2 ** (10 * ("KMGTPE".index(unit) + 1))
        if size >= scale:
            return f"{size / scale:.3g} {unit}iB"
    return f"{size} bytes"


def max_bytes() -> int:
    """The allocation limit: ``VISHEAT_MAX_BYTES`` if set, else :data:`DEFAULT_MAX_BYTES`."""
    text = os.environ.get(MAX_BYTES_VARIABLE)
    return DEFAULT_MAX_BYTES if text is None else parse_bytes(text, MAX_BYTES_VARIABLE)


def check_allocation(argument: str, shape: Sequence[int], dtype: Any = np.float64, *,
                     what: str = "an array", limit: int | None = None) -> None:
    """Refuse, before it is attempted, an allocation larger than the limit.

    ``shape`` is what would be allocated (pipelines pass one sample's shape: a
    batch is processed in chunks the engine sizes). Sizes are computed with
    Python integers, so absurd shapes cannot overflow; an axis of length 0 counts
    as 1, so an empty batch does not hide an absurd picture size. ``limit``
    defaults to :func:`max_bytes` (4 GiB unless ``VISHEAT_MAX_BYTES`` says more).

    Examples
    --------
    >>> check_allocation("size", (100000, 100000), np.float32)
    Traceback (most recent call last):
    ...
    ValueError: size: expected an array of at most 4 GiB; got shape (100000, 100000) of float32 -> 37.3 GiB. Set the environment variable VISHEAT_MAX_BYTES (e.g. VISHEAT_MAX_BYTES=64G) to allow more.
    """
    dims = tuple(int(d) for d in shape)
    size = math.prod(max(d, 1) for d in dims) * np.dtype(dtype).itemsize
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise value_error(argument, f"{what} of at most {format_bytes(limit)}",
                          f"shape {dims} of {np.dtype(dtype)} -> {format_bytes(size)}",
                          f"Set the environment variable {MAX_BYTES_VARIABLE} (e.g. "
                          f"{MAX_BYTES_VARIABLE}=64G) to allow more.", described=True)


MAX_SIDE = 2**62  # elements along one axis: beyond numpy's index range and any memory


def check_sides(argument: str, shape: Sequence[int], what: str = "an array") -> None:
    """Refuse an axis longer than :data:`MAX_SIDE` (``Resize(1e308)``, ``Pad(10**400)``).

    Such sizes exceed every memory limit; they are refused before their byte count is
    formatted, which as a float would overflow (``OverflowError``) for sizes past 1e308.

    >>> check_sides("size", (10**400, 8), "a resized array (one sample)")
    Traceback (most recent call last):
    ...
    ValueError: size: expected a resized array (one sample) of at most 4 GiB; got a shape with more than 2**62 elements along an axis.
    """
    if any(int(d) > MAX_SIDE for d in shape):
        raise value_error(argument, f"{what} of at most {format_bytes(max_bytes())}",
                          "a shape with more than 2**62 elements along an axis", described=True)
