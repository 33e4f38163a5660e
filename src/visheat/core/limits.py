"""Memory limits and byte sizes: how large an array visheat allocates, and how sizes read.

A pipeline checks each allocation it is about to make (one sample at a time) against
a limit, 4 GiB unless ``VISHEAT_MAX_BYTES`` says otherwise, so an absurd size is a
clear error instead of a crash or a machine that swaps.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import value_error

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

    >>> format_bytes(4 * 2**30), format_bytes(1536), format_bytes(12), format_bytes(10**400)
    ('4 GiB', '1.5 KiB', '12 bytes', 'about 10**400 bytes')
    """
    if size >= 2**80:  # beyond any memory, and beyond what a float divides: count digits
        return f"about 10**{len(str(size)) - 1} bytes"
    for unit in ("E", "P", "T", "G", "M", "K"):
        scale = 2 ** (10 * ("KMGTPE".index(unit) + 1))
        if size >= scale:
            return f"{size / scale:.3g} {unit}iB"
    return f"{size} bytes"


def max_bytes() -> int:
    """The allocation limit: ``VISHEAT_MAX_BYTES`` if set, else :data:`DEFAULT_MAX_BYTES`.

    Unset or empty means the default, as for ``VISHEAT_THREADS``.
    """
    text = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    return parse_bytes(text, MAX_BYTES_VARIABLE) if text else DEFAULT_MAX_BYTES


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
    ValueError: size: expected an array of at most 4 GiB; got shape (100000, 100000) of float32 ->
    37.3 GiB. Set the environment variable VISHEAT_MAX_BYTES (e.g. VISHEAT_MAX_BYTES=38G) to allow
    more.
    """
    dims = tuple(int(d) for d in shape)
    check_sides(argument, dims, what)  # astronomically long axes: a short message
    size = math.prod(max(d, 1) for d in dims) * np.dtype(dtype).itemsize
    limit = max_bytes() if limit is None else limit
    if size > limit:
        wanted, allowed = format_bytes(size), format_bytes(limit)
        if wanted == allowed:  # just past the limit: rounded, both sides would read the same
            wanted, allowed = f"{size:,} bytes", f"{limit:,} bytes"
        raise value_error(argument, f"{what} of at most {allowed}",
                          f"shape {dims} of {np.dtype(dtype)} -> {wanted}",
                          f"Set the environment variable {MAX_BYTES_VARIABLE} (e.g. "
                          f"{MAX_BYTES_VARIABLE}={_enough_bytes(size)}) to allow more.",
                          described=True)


def _enough_bytes(size: int) -> str:
    """A ``VISHEAT_MAX_BYTES`` value that allows ``size`` bytes, in whole units.

    The example a refusal gives, so that following it admits what was refused.

    >>> _enough_bytes(80_000_000_000), _enough_bytes(1539), _enough_bytes(12)
    ('75G', '2K', '12')
    """
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit]:
            return f"{-(-size // _UNITS[unit])}{unit}"
    return str(size)


MAX_SIDE = 2**62  # elements along one axis: beyond numpy's index range and any memory


def check_sides(argument: str, shape: Sequence[int], what: str = "an array") -> None:
    """Refuse an axis longer than :data:`MAX_SIDE` (``Resize(1e308)``, ``Pad(10**400)``).

    Such sizes exceed every memory limit; they are refused before their byte count is
    formatted, which as a float would overflow (``OverflowError``) for sizes past 1e308.

    >>> check_sides("size", (10**400, 8), "a resized array (one sample)")
    Traceback (most recent call last):
    ...
    ValueError: size: expected a resized array (one sample) of at most 4 GiB; got a shape with more
    than 2**62 elements along an axis.
    """
    if any(int(d) > MAX_SIDE for d in shape):
        raise value_error(argument, f"{what} of at most {format_bytes(max_bytes())}",
                          "a shape with more than 2**62 elements along an axis", described=True)
