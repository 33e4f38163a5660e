"""Chunked stores as inputs: zarr arrays, HDF5 datasets, xarray ``DataArray``s.

Each is read a slice at a time (by :mod:`visheat.render.stream` or :mod:`visheat.dask`);
nothing here loads a whole store. zarr, h5py and xarray are imported only when
such an input is used (``pip install visheat[dask]``).

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
    """Whether ``path`` names a zarr store or an HDF5 file (``file.h5[:dataset]``)."""
    text = str(path)
    file = Path(text.split(":", 1)[0] if _h5_split(text) else text)
    return file.suffix.lower() in (".zarr", ".h5", ".hdf5", ".hdf")


def _h5_split(text: str) -> tuple[str, str | None] | None:
    for suffix in (".h5:", ".hdf5:", ".hdf:"):
        at = text.lower().find(suffix)
        if at >= 0:
            cut = at + len(suffix) - 1
            return text[:cut], text[cut + 1:]
    if text.lower().endswith((".h5", ".hdf5", ".hdf")):
        return text, None
    return None


def open_store(path: str | os.PathLike, argument: str = "x") -> Any:
    """Open a zarr store (``maps.zarr``) or an HDF5 dataset (``file.h5:dataset``) for reading.

    An HDF5 file with a single dataset may omit its name. Returns a zarr array or
    an :class:`HDF5Source`; both read only the slices asked for.

    Raises a `ValueError` naming ``argument`` for a path that does not exist, a
    zarr group without arrays, or an unknown dataset.
    """
    text = str(path)
    h5 = _h5_split(text)
    file = Path(h5[0] if h5 else text)
    if not file.exists():
        raise value_error(argument, "an existing zarr store or HDF5 file", text,
                          "No such file or folder.", described=True)
    if h5 is not None:
        return _open_h5(file, h5[1], argument)
    return _open_zarr(file, argument)


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


def _open_zarr(file: Path, argument: str) -> Any:
    import zarr

    try:
        found = zarr.open(str(file), mode="r")
    except Exception as err:  # zarr raises several types for unreadable stores
        raise value_error(argument, "a zarr store", str(file), f"zarr could not open it ({err}).",
                          described=True) from None
    if isinstance(found, zarr.Array):
        return found
    arrays = sorted(name for name, _ in found.arrays())
    if len(arrays) != 1:
        raise value_error(argument, "a zarr array, or a group with exactly one array",
                          f"a group with arrays {arrays}", "Point at the array: "
                          f"{file}/<name>.", described=True)
    return found[arrays[0]]
