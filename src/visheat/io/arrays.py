"""Reading the command line's inputs safely: ``.npy``, ``.npz``, image folders, labels.

Nothing here unpickles: arrays are read with ``allow_pickle=False`` after their
header has been checked, arrays of Python objects are refused, and a ``.npz``
member is read only if its uncompressed size (from the zip directory, checked
again against the array header inside) is within a limit, 4 GiB by default.
``.npy`` files are memory-mapped, so a large input is read a slice at a time.
"""

from __future__ import annotations

import math
import os
import re
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageOps

from ..core.errors import raise_unknown_name, value_error
from ..core.limits import format_bytes, parse_bytes
from .nifti import is_nifti, load_nifti

__all__ = ["DEFAULT_MAX_BYTES", "load_array", "npz_members", "ImageFolder", "open_images",
           "read_image", "read_labels", "parse_size"]

#: Largest uncompressed ``.npz`` member read by default (4 GiB).
DEFAULT_MAX_BYTES = 4 * 2**30
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def parse_size(text: str) -> int:
    """Bytes from ``"4G"``, ``"512M"``, ``"1000"`` (K, M, G, T are powers of 1024).

    >>> parse_size("4G"), parse_size("512m"), parse_size("1000")
    (4294967296, 536870912, 1000)
    """
    return parse_bytes(text, "size")


_human = format_bytes


def _header(stream: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from a ``.npy`` header; refuses object arrays."""
    try:
        version = np.lib.format.read_magic(stream)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read(stream)
    except (ValueError, OSError, EOFError):
        raise value_error(where, "an array in numpy's .npy format",
                          "a file in another format", "Pickled data is never loaded.",
                          described=True) from None
    if dtype.hasobject:
        raise value_error(where, "an array of numbers", "an array of Python objects",
                          "visheat never unpickles; save plain numeric arrays.", described=True)
    _check_shape(shape, dtype, where)
    return tuple(shape), fortran, dtype


#: Most axes a header may claim (numpy 1 holds at most 32; visheat reads at most 4).
MAX_AXES = 32
_FORGED = "The header is forged or damaged."


def _check_shape(shape: Any, dtype: np.dtype, where: str) -> None:
    """Refuse a shape that numpy cannot make an array of: only a forged header claims one.

    Dimensions are whole numbers >= 0 (not ``True``, not ``-1``), at most ``MAX_AXES`` of
    them, and the bytes they describe (zero-length axes aside, as numpy counts) fit an
    ``intp``; a header that claims more than its file holds is refused by
    :func:`_check_declared`.
    """
    if len(shape) > MAX_AXES:
        raise value_error(where, f"a header with at most {MAX_AXES} axes",
                          f"a header claiming {len(shape)} axes", _FORGED, described=True)
    if any(type(d) is not int or d < 0 for d in shape):
        raise value_error(where, "a header whose shape holds whole numbers >= 0",
                          f"a header claiming shape {shape!r}", _FORGED, described=True)
    if math.prod(d for d in shape if d) * max(dtype.itemsize, 1) > np.iinfo(np.intp).max:
        raise value_error(where, "a header whose axes multiply to under 2**63 bytes (zero-"
                          "length axes aside)", f"a header claiming shape {shape!r} of {dtype}",
                          _FORGED, described=True)


def _refused(where: str, err: Exception) -> ValueError:
    """numpy refused an array its header passed our checks with: still the file's error."""
    return value_error(where, "an array numpy can read", f"a file numpy refused ({err})",
                       _FORGED, described=True)


def _check_numeric(dtype: np.dtype, where: str, numeric: bool) -> None:
    if numeric and dtype.kind not in "biuf":
        raise value_error(where, "an array of numbers (bool, int or float)",
                          f"an array of dtype {dtype}", described=True)


def _check_declared(shape: tuple[int, ...], dtype: np.dtype, size: int, where: str) -> None:
    """Refuse a header that claims more data than the file (or member) holds."""
    declared = math.prod(shape) * dtype.itemsize
    if declared > size:
        raise value_error(where, f"an array that fits its {size} bytes",
                          f"a header claiming shape {shape} ({_human(declared)})",
                          "The file is truncated or its header is forged.", described=True)


def load_array(path: str | os.PathLike, key: str | None = None, *,
               max_bytes: int = DEFAULT_MAX_BYTES, numeric: bool = True) -> np.ndarray:
    """Read an array from a ``.npy`` file (memory-mapped), a ``.npz`` archive member or a
    NIfTI file (``.nii``, ``.nii.gz``: its data in RAS+ orientation, see :func:`load_nifti`).

    Parameters
    ----------
    path : str or path
        A ``.npy`` or ``.npz`` file.
    key : str, optional
        The ``.npz`` member to read; needed when the archive holds several.
    max_bytes : int
        Largest uncompressed ``.npz`` member to read (``.npy`` files are
        memory-mapped, so their size is not limited).
    numeric : bool
        Refuse arrays that do not hold numbers (strings, structured dtypes).

    Raises
    ------
    ValueError
        For a missing or unreadable file, an array of Python objects (never
        unpickled), a member over ``max_bytes``, or an unknown ``key``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     np.save(os.path.join(d, "x.npy"), np.zeros((2, 3)))
    ...     load_array(os.path.join(d, "x.npy")).shape
    (2, 3)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     np.save(os.path.join(d, "o.npy"), np.array([{}, 1], dtype=object))
    ...     load_array(os.path.join(d, "o.npy"))
    Traceback (most recent call last):
    ...
    ValueError: ...o.npy: expected an array of numbers; got an array of Python objects. visheat
    never unpickles; save plain numeric arrays.
    """
    file = Path(path)
    where = str(file)
    if is_nifti(file):  # a volume, reoriented to RAS+ (io/nifti.py)
        if key is not None:
            raise value_error("key", "no key for a NIfTI file (keys name .npz members)", key)
        return load_nifti(file).data
    if not file.is_file():
        raise value_error(where, "an existing .npy or .npz file",
                          "a folder" if file.is_dir() else "no such file", described=True)
    if file.suffix.lower() == ".npz":
        return _load_member(file, key, max_bytes, numeric)
    if file.suffix.lower() != ".npy":
        raise value_error(where, "a .npy or .npz file", f"a {file.suffix or 'suffix-less'} file",
                          described=True)
    if key is not None:
        raise value_error("key", "no key for a .npy file (keys name .npz members)", key)
    try:
        with open(file, "rb") as stream:
            shape, _, dtype = _header(stream, where)
            data_bytes = file.stat().st_size - stream.tell()
    except OSError as err:  # no permission, a device that fails
        raise value_error(where, "a readable .npy file", f"a file that cannot be read "
                          f"({err.strerror or err})", described=True) from None
    _check_numeric(dtype, where, numeric)
    _check_declared(shape, dtype, data_bytes, where)
    try:
        if not dtype.itemsize:  # numpy cannot map zero-size items
            return np.load(file, allow_pickle=False)
        return np.load(file, mmap_mode="r", allow_pickle=False)
    except (ValueError, TypeError, OverflowError) as err:
        raise _refused(where, err) from None


def npz_members(path: str | os.PathLike) -> dict[str, int]:
    """The array names of a ``.npz`` archive with their uncompressed sizes in bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {info.filename[:-4]: info.file_size for info in archive.infolist()
                    if info.filename.endswith(".npy")}
    except zipfile.BadZipFile:
        raise value_error(str(path), "a .npz archive (numpy's zip format)",
                          "a file that is not a zip archive", described=True) from None
    except OSError as err:
        raise value_error(str(path), "a readable .npz archive", f"a file that cannot be read "
                          f"({err.strerror or err})", described=True) from None


def _load_member(file: Path, key: str | None, max_bytes: int, numeric: bool) -> np.ndarray:
    members = npz_members(file)
    if key is None:
        if len(members) != 1:
            names = ", ".join(sorted(members)) or "none"
            raise value_error("key", "the name of the array to read (--key)",
                              f"an archive with the arrays {names}", described=True)
        key = next(iter(members))
    if key not in members:
        raise_unknown_name("key", key, sorted(members), "array")
    where = f"{file}[{key}]"
    size = members[key]
    if size > max_bytes:
        raise value_error(where, f"at most {_human(max_bytes)} uncompressed",
                          f"{_human(size)}", "Raise the limit (--max-npz-bytes) if you trust "
                          "the file.", described=True)
    try:
        with zipfile.ZipFile(file) as archive:
            with archive.open(f"{key}.npy") as stream:
                shape, _, dtype = _header(stream, where)
            _check_numeric(dtype, where, numeric)
            _check_declared(shape, dtype, size, where)
            with archive.open(f"{key}.npy") as stream:
                try:
                    return np.lib.format.read_array(stream, allow_pickle=False)
                except (ValueError, TypeError, OverflowError) as err:  # e.g. data cut short
                    raise _refused(where, err) from None
    except (zipfile.BadZipFile, EOFError) as err:  # a damaged or inconsistent archive
        raise value_error(where, "an intact .npz member", f"a damaged one ({err})",
                          described=True) from None


_LINE_END = re.compile(r"\r\n|\r|\n")


def read_labels(path: str | os.PathLike) -> list[str]:
    """Labels from a UTF-8 text file, one per line (blank lines at the end are ignored).

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only: U+0085, U+2028, form feeds and the
    ``\\x1c``-``\\x1e`` separators, where ``str.splitlines`` also splits, belong to the label.
    """
    file = Path(path)
    try:
        with open(file, encoding="utf-8", newline="") as stream:  # line ends as written
            text = stream.read()
    except (OSError, UnicodeDecodeError) as err:
        raise value_error(str(file), "a UTF-8 text file with one label per line",
                          f"a file that cannot be read ({err})", described=True) from None
    lines = _LINE_END.split(text)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


class ImageFolder(Sequence):
    """The images of a folder, sorted by file name, read only when indexed.

    ``folder[a:b]`` reads those images as a list of ``(H, W, 3)`` uint8 arrays, so
    a large folder is read one slice at a time.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.files = sorted(p for p in self.path.iterdir()
                            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise value_error(str(self.path), "a folder with images ("
                              + ", ".join(IMAGE_SUFFIXES) + ")", "no image files",
                              described=True)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._read(p) for p in self.files[index]]
        return self._read(self.files[index])

    @property
    def labels(self) -> list[str]:
        """The file names without their suffix."""
        return [p.stem for p in self.files]

    def _read(self, file: Path) -> np.ndarray:
        return read_image(file)


#: What Pillow raises for a damaged or forged image file (a bomb: a header claiming
#: more pixels than ``Image.MAX_IMAGE_PIXELS`` allows).
_IMAGE_ERRORS = (OSError, ValueError, EOFError, SyntaxError, struct.error,
                 Image.DecompressionBombError)


def read_image(path: str | os.PathLike, *, exif_transpose: bool = False) -> np.ndarray:
    """An image file as an ``(H, W, 3)`` uint8 array; a file Pillow cannot read is a
    ValueError that names it.

    ``exif_transpose`` turns the picture as its EXIF orientation says (as ``cv2.imread``
    does).
    """
    try:
        with Image.open(path) as image:
            if exif_transpose:
                return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
            return np.asarray(image.convert("RGB"))
    except _IMAGE_ERRORS as err:
        raise value_error(str(path), "an image file Pillow can read", str(err).rstrip("."),
                          described=True) from None


def open_images(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Images from a folder (an :class:`ImageFolder`) or a ``.npy`` / ``.npz`` / NIfTI array.

    An array holds one ``(H, W, 3)`` image for every sample or an ``(N, H, W, 3)``
    batch (uint8, or floats in [0, 1]).
    """
    source = Path(path)
    if source.is_dir():
        return ImageFolder(source)
    return load_array(source, max_bytes=max_bytes)
