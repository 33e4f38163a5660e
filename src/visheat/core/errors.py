"""One error template for the whole library.

Every argument check in visheat raises through these helpers, so messages read the
same everywhere: which argument, what was expected, what was received, and where
useful a hint that names a real function or class.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
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
    numbers = (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers):
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
