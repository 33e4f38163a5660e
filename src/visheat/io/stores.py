"""Chunked stores as inputs: zarr arrays, HDF5 datasets, xarray ``DataArray``s.

Each is read a slice at a time (by :mod:`visheat.render.stream` or :mod:`visheat.dask`);
nothing here loads a whole store. zarr, h5py and xarray are imported only when
such an input is used (``pip install ".[dask]"``).

An HDF5 dataset object cannot travel to another process, so it is replaced by
an :class:`HDF5Source`, which holds the file name and the dataset's name and
reopens the file where it is read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import value_error

__all__ = ["DIM_LETTERS", "HDF5Source", "MemmapSource", "is_store_path", "layout_of_dims",
           "open_store"]

#: Dimension names read as layout letters (lower case; single letters too).
DIM_LETTERS = {
    "n": "N", "batch": "N", "sample": "N", "samples": "N", "image": "N", "images": "N",
    "c": "C", "channel": "C", "channels": "C", "band": "C",
    "h": "H", "y": "H", "height": "H", "row": "H", "rows": "H",
    "w": "W", "x": "W", "width": "W", "col": "W", "cols": "W", "column": "W",
}


def layout_of_dims(dims: tuple[Any, ...], argument: str = "x") -> str:
    """The layout an xarray ``DataArray``'s dimension names give.

    Examples
    --------
    >>> layout_of_dims(("sample", "channel", "y", "x"))
    'NCHW'
    >>> layout_of_dims(("time", "y", "x"))
    Traceback (most recent call last):
    ...
    ValueError: x: expected dimension names that give a layout (N/batch/sample, C/channel,
    H/y/height, W/x/width); got dims ('time', 'y', 'x'). Name the dims, or pass layout=.
    """
    letters = [DIM_LETTERS.get(str(d).lower()) for d in dims]
    text = "".join(c or "?" for c in letters)
    if None in letters or len(set(text)) != len(text) or "H" not in text or "W" not in text:
        raise value_error(argument, "dimension names that give a layout (N/batch/sample, "
                          "C/channel, H/y/height, W/x/width)", f"dims {tuple(dims)}",
                          "Name the dims, or pass layout=.", described=True)
    return text


class HDF5Source:
    """An HDF5 dataset by file and name: sliceable, picklable, reopened where read.

    Parameters
    ----------
    filename : str or path
        The ``.h5`` / ``.hdf5`` file.
    name : str
        The dataset's path inside it, e.g. ``"attributions"`` or ``"/run1/maps"``.
    """

    def __init__(self, filename: str | os.PathLike, name: str) -> None:
        import h5py

        self.filename, self.name = str(filename), name
        with h5py.File(self.filename, "r") as file:
            if name not in file or not isinstance(file[name], h5py.Dataset):
                known = []
                file.visititems(lambda key, obj: known.append(key)
                                if isinstance(obj, h5py.Dataset) else None)
                raise value_error("dataset", "the name of a dataset in " + self.filename,
                                  name, f"Datasets there: {', '.join(known) or 'none'}.")
            found = file[name]
            self.shape, self.dtype, self.chunks = found.shape, found.dtype, found.chunks
        self.ndim = len(self.shape)
        self._file: Any = None

    def __getitem__(self, index: Any) -> Any:
        import h5py

        if self._file is None:
            self._file = h5py.File(self.filename, "r")
        return self._file[self.name][index]

    def __len__(self) -> int:
        return int(self.shape[0]) if self.shape else 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_file": None}

    def __repr__(self) -> str:
        return f"HDF5Source({self.filename!r}, {self.name!r})"


class MemmapSource:
    """A memory-mapped ``.npy`` array by file name: picklable without copying its data.

    ``np.load(path, mmap_mode="r")`` arrays sent to worker processes would be
    pickled whole; this reopens the file where it is read instead.

    Examples
    --------
    >>> import tempfile, os, pickle
    >>> with tempfile.TemporaryDirectory() as d:
    ...     np.save(os.path.join(d, "x.npy"), np.arange(6.0).reshape(3, 2))
    ...     source = MemmapSource(np.load(os.path.join(d, "x.npy"), mmap_mode="r"))
    ...     pickle.loads(pickle.dumps(source))[1:]
    array([[2., 3.],
           [4., 5.]])
    """

    def __init__(self, array: np.memmap) -> None:
        self.filename = str(array.filename)
        self.offset = int(array.offset)
        self.shape, self.dtype, self.ndim = tuple(array.shape), array.dtype, array.ndim
        self.fortran = bool(array.flags.f_contiguous and not array.flags.c_contiguous)
        self._array: Any = array

    def __getitem__(self, index: Any) -> Any:
        if self._array is None:
            self._array = np.memmap(self.filename, dtype=self.dtype, mode="r",
                                    offset=self.offset, shape=self.shape,
                                    order="F" if self.fortran else "C")
        return np.array(self._array[index])

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_array": None}


def is_store_path(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a zarr store, an array inside one (``maps.zarr/name``) or an
    HDF5 file (``file.h5[:dataset]``).

    >>> [is_store_path(p) for p in ("maps.zarr", "runs.zarr/ig", "x.h5:maps", "x.npy")]
    [True, True, True, False]
    """
    text = str(path)
    file = Path(text.split(":", 1)[0] if _h5_split(text) else text)
    return file.suffix.lower() in (".zarr", ".h5", ".hdf5", ".hdf") or _zarr_split(text) is not None


def _zarr_split(text: str) -> tuple[Path, str] | None:
    """``(store, member)`` of a path into a zarr store: ``runs.zarr/ig`` -> ``runs.zarr``, ``ig``.
    """
    path = Path(text)
    for i, part in enumerate(path.parts[:-1]):
        if part.lower().endswith(".zarr"):
            return Path(*path.parts[:i + 1]), "/".join(path.parts[i + 1:])
    return None


def _h5_split(text: str) -> tuple[str, str | None] | None:
    for suffix in (".h5:", ".hdf5:", ".hdf:"):
        at = text.lower().find(suffix)
        if at >= 0:
            cut = at + len(suffix) - 1
            return text[:cut], text[cut + 1:]
    if text.lower().endswith((".h5", ".hdf5", ".hdf")):
        return text, None
    return None


def open_store(path: str | os.PathLike, argument: str = "x", key: str | None = None,
               key_option: str = "key") -> Any:
    """Open a zarr array or an HDF5 dataset for reading.

    ``path`` is a zarr store (``maps.zarr``), an array inside a zarr group
    (``runs.zarr/ig``, or ``runs.zarr`` with ``key="ig"``) or an HDF5 dataset
    (``file.h5:dataset``). A zarr group or an HDF5 file with a single array may
    omit its name. Returns a zarr array or an :class:`HDF5Source`; both read only
    the slices asked for.

    Raises a `ValueError` naming ``argument`` for a path that does not exist, a
    zarr group without exactly one array (its hint names them, as a path and as
    ``key_option``: ``"--key"`` on the command line), or an unknown dataset.
    """
    text = str(path)
    h5 = _h5_split(text)
    inside = None if h5 else _zarr_split(text)
    file = Path(h5[0] if h5 else text) if inside is None else inside[0]
    if not file.exists():
        raise value_error(argument, "an existing zarr store or HDF5 file", text,
                          "No such file or folder.", described=True)
    if h5 is not None:
        if key is not None:  # a dataset is named in the path: file.h5:dataset
            raise value_error(key_option, "no key for an HDF5 file", key,
                              f"Name the dataset in the path: {file}:{key}.")
        return _open_h5(file, h5[1], argument)
    member = inside[1] if inside is not None else None
    if key is not None:
        member = key if member is None else f"{member}/{key}"
    return _open_zarr(file, argument, member, key_option)


def _open_h5(file: Path, name: str | None, argument: str) -> HDF5Source:
    import h5py

    if name is None:
        with h5py.File(file, "r") as handle:
            found: list[str] = []
            handle.visititems(lambda key, obj: found.append(key)
                              if isinstance(obj, h5py.Dataset) else None)
        if len(found) != 1:
            raise value_error(argument, "file.h5:dataset (the file holds "
                              f"{len(found)} datasets)", str(file),
                              f"Datasets there: {', '.join(found) or 'none'}.", described=True)
        name = found[0]
    return HDF5Source(file, name)


def _open_zarr(file: Path, argument: str, member: str | None = None,
               key_option: str = "key") -> Any:
    """The zarr array at ``file`` (a store), or at ``member`` of the group there."""
    import zarr

    try:
        found = zarr.open(str(file), mode="r")
    except Exception as err:  # zarr raises several types for unreadable stores
        raise value_error(argument, "a zarr store", str(file), f"zarr could not open it ({err}).",
                          described=True) from None
    if member is not None:
        found = _zarr_member(found, file, member, argument, key_option)
    if isinstance(found, zarr.Array):
        return found
    arrays = _zarr_arrays(found)
    if len(arrays) != 1:
        where = file if member is None else file / member
        hint = (f"Point at one: {where}/{arrays[0]} (or {_key_form(key_option, arrays[0])})."
                if arrays else "Write the maps into it first.")
        raise value_error(argument, "a zarr array, or a group with exactly one array",
                          f"a group with arrays {arrays}", hint, described=True)
    return found[arrays[0]]


def _zarr_member(group: Any, file: Path, member: str, argument: str, key_option: str) -> Any:
    """``group[member]``, or an error that names the arrays the store holds."""
    import zarr

    if isinstance(group, zarr.Array):
        hint = f"The store is one array: {file}."
    else:
        try:
            return group[member]
        except KeyError:
            arrays = _zarr_arrays(group)
        hint = (f"Arrays there: {', '.join(arrays)}; e.g. {file / arrays[0]} (or "
                f"{_key_form(key_option, arrays[0])})." if arrays else "It holds no arrays.")
    raise value_error(argument, f"an array of the zarr store {file}", repr(member), hint,
                      described=True)


def _zarr_arrays(group: Any, prefix: str = "") -> list[str]:
    """The paths of every array in a zarr group and its subgroups, sorted."""
    found = [prefix + name for name, _ in group.arrays()]
    for name, sub in group.groups():
        found += _zarr_arrays(sub, f"{prefix}{name}/")
    return sorted(found)


def _key_form(option: str, name: str) -> str:
    """How a caller names an array by key: ``--key ig`` on the command line, ``key='ig'``."""
    return f"{option} {name}" if option.startswith("--") else f"{option}={name!r}"
